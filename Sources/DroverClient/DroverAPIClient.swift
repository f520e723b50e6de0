import AsyncHTTPClient
import DroverCompression
import DroverModel
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The HTTP client of Drover's `/v1` API, used by the CLI, the simulator and the agent. Every
/// route has a typed method (in the extension files, one per API area); every request has a
/// deadline, and answers are capped in size.
public final class DroverAPIClient: Sendable {
    /// Server base URL, e.g. `http://127.0.0.1:8080`.
    public let server: String
    /// Bearer credential: a user token or a device key.
    public let credential: String?
    let http: HTTPClient
    let ownsClient: Bool

    /// Creates a client; `shutdown()` it when done. Without `http`, requests go through the
    /// proxy `HTTP_PROXY` / `HTTPS_PROXY` name (``ProxyEnvironment``).
    public init(server: String, credential: String?, http: HTTPClient? = nil) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credential = credential
        if let http {
            self.http = http
            ownsClient = false
        } else {
            var configuration = HTTPClient.Configuration()
            configuration.timeout.connect = .seconds(5)
            // Through the HTTP proxy the environment names, as the device channel goes.
            configuration.proxy = ProxyEnvironment.configuration(for: self.server)
            self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            ownsClient = true
        }
    }

    /// Closes the connection pool.
    public func shutdown() async throws {
        if ownsClient { try await http.shutdown() }
    }

    /// Runs `body` with a client for `server` and shuts the client down, also when `body` throws.
    public static func with<T>(
        server: String, credential: String?, _ body: (DroverAPIClient) async throws -> T
    ) async throws -> T {
        let api = DroverAPIClient(server: server, credential: credential)
        do {
            let result = try await body(api)
            try await api.shutdown()
            return result
        } catch {
            try? await api.shutdown()
            throw error
        }
    }

    /// The answer of one request.
    public struct Answer: Sendable {
        /// HTTP status.
        public var status: Int
        /// Body bytes.
        public var body: Data
        /// The ETag header, if any.
        public var etag: String?
    }

    /// The path of a route: `/v1/` and its segments, each percent-encoded, then the query items
    /// that have a value. Every path the client sends is built here.
    static func path(_ segments: String..., query: [(String, String?)] = []) -> String {
        var path = "/v1/" + segments.map(escape).joined(separator: "/")
        let items = query.compactMap { name, value in value.map { "\(name)=\(escape($0))" } }
        if !items.isEmpty { path += "?" + items.joined(separator: "&") }
        return path
    }

    /// Sends a request; a status of 400 and above throws the server's error.
    public func send(
        _ method: HTTPMethod, _ path: String, body: (any Encodable & Sendable)? = nil, headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(30), gzip: Bool = false
    ) async throws(ClientError) -> Answer {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        if let credential { request.headers.add(name: "Authorization", value: "Bearer \(credential)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            var data: Data
            do {
                data = try encoder.encode(body)
                if gzip { data = try Gzip.compress(data) }
            } catch {
                throw ClientError(code: .badRequest, message: "the request to \(method) \(path) could not be encoded: \(error)")
            }
            if gzip { request.headers.add(name: "Content-Encoding", value: "gzip") }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw ClientError(code: .unreachable, message: "cannot reach the Drover server at \(server): \(error)")
        }
        let data = Data(buffer: bytes)
        if response.status.code >= 400 {
            if let body = try? JSONDecoder().decode(API.ErrorBody.self, from: data) {
                throw ClientError(code: .init(rawValue: body.error.code), message: body.error.message, status: Int(response.status.code))
            }
            throw ClientError(code: .badResponse, message: "the server answered \(response.status)", status: Int(response.status.code))
        }
        return Answer(status: Int(response.status.code), body: data, etag: response.headers.first(name: "ETag"))
    }

    /// Sends a request and decodes its JSON answer.
    public func call<T: Decodable>(
        _ type: T.Type, _ method: HTTPMethod, _ path: String, body: (any Encodable & Sendable)? = nil, timeout: TimeAmount = .seconds(30)
    ) async throws(ClientError) -> T {
        let answer = try await send(method, path, body: body, timeout: timeout)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: answer.body)
        } catch {
            throw ClientError(code: .badResponse, message: "the server's answer to \(method) \(path) is not what this client expects: \(error)")
        }
    }

    /// Percent-encodes a path segment or query value: everything but RFC 3986's unreserved
    /// ASCII characters, so a name with `/`, `?`, `&`, `=`, a space or a non-ASCII letter stays
    /// one segment or one value.
    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
