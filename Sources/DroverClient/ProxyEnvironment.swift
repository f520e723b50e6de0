import AsyncHTTPClient
import Foundation
import Logging
import WSClient

/// The HTTP proxy the environment names for a server, as curl reads it: `https_proxy` /
/// `HTTPS_PROXY` for an `https` server, `http_proxy` / `HTTP_PROXY` for an `http` one, none
/// when `no_proxy` / `NO_PROXY` lists the host (a name, a domain suffix such as
/// `.example.com`, or `*`). The device channel's WebSocket and people's sessions go the same
/// way as the API's requests.
public enum ProxyEnvironment {
    /// The proxy's host and port for `server`, or nil to connect directly.
    public static func proxy(for server: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> (
        host: String, port: Int
    )? {
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let names = scheme == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy", "HTTP_PROXY"]
        guard let value = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else { return nil }
        if let exempt = environment["no_proxy"] ?? environment["NO_PROXY"] {
            for entry in exempt.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
                let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
                if entry == "*" || host == domain || host.hasSuffix("." + domain) { return nil }
            }
        }
        let proxyURL = URL(string: value.contains("://") ? value : "http://" + value)
        guard let proxyHost = proxyURL?.host, !proxyHost.isEmpty else { return nil }
        return (proxyHost, proxyURL?.port ?? 80)
    }

    /// Opens a WebSocket to `url` on `server` — through the proxy (a CONNECT tunnel) when the
    /// environment names one for it — and runs `handler` on it.
    static func webSocket(
        _ url: String, server: String, configuration: WebSocketClientConfiguration, logger: Logger,
        handler: @escaping WebSocketDataHandler<WebSocketClient.Context>
    ) async throws -> WebSocketCloseFrame? {
        if let (host, port) = proxy(for: server) {
            return try await WebSocketClient.connect(
                url: url, configuration: configuration, proxySettings: WebSocketProxySettings(host: host, port: port, type: .http()),
                logger: logger, handler: handler)
        }
        return try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger, handler: handler)
    }

    /// The AsyncHTTPClient setting for `server`.
    static func configuration(for server: String) -> HTTPClient.Configuration.Proxy? {
        proxy(for: server).map { .server(host: $0.host, port: $0.port) }
    }
}
