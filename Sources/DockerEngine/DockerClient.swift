import AsyncHTTPClient
import Foundation
import NIOFoundationCompat
import Logging
import NIOCore
import NIOHTTP1

/// A typed async client for the Docker Engine API.
///
/// One file per API area extends it (`DockerClient+Containers.swift`, …). Every request carries
/// a deadline and every buffered response a size cap; streamed responses (pull progress, logs,
/// events) are handed out as async sequences. Call ``shutdown()`` when done.
public final class DockerClient: Sendable {
    /// The oldest engine API Drover speaks (dockerd 20.10).
    public static let minimumAPIVersion = APIVersion(1, 41)
    /// The newest engine API Drover asks for; a newer engine is spoken to at this version.
    public static let maximumAPIVersion = APIVersion(1, 47)

    /// Where the engine listens.
    public let endpoint: EngineEndpoint
    /// The API version agreed with the engine.
    public let apiVersion: APIVersion
    /// How long an ordinary request may take before it fails.
    public let requestTimeout: TimeAmount
    /// The most bytes a buffered response may hold.
    public let maxResponseBytes: Int

    let http: HTTPClient
    let logger: Logger

    private init(
        endpoint: EngineEndpoint, apiVersion: APIVersion, http: HTTPClient, logger: Logger,
        requestTimeout: TimeAmount, maxResponseBytes: Int
    ) {
        self.endpoint = endpoint
        self.apiVersion = apiVersion
        self.http = http
        self.logger = logger
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// Connects to the engine and agrees an API version from `/_ping` (falling back to
    /// `/version`). Fails with `.unsupportedVersion` for engines older than API 1.41.
    public static func connect(
        to endpoint: EngineEndpoint,
        logger: Logger = Logger(label: "drover.docker"),
        requestTimeout: TimeAmount = .seconds(60),
        maxResponseBytes: Int = 64 << 20
    ) async throws(DockerError) -> DockerClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        configuration.decompression = .disabled
        configuration.connectionPool.idleTimeout = .seconds(30)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let version = try await negotiate(http: http, endpoint: endpoint, logger: logger)
            return DockerClient(
                endpoint: endpoint, apiVersion: version, http: http, logger: logger,
                requestTimeout: requestTimeout, maxResponseBytes: maxResponseBytes)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Closes the connection pool. The client must not be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    private static func negotiate(http: HTTPClient, endpoint: EngineEndpoint, logger: Logger) async throws(DockerError)
        -> APIVersion
    {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/_ping")
        request.headers.add(name: "Host", value: endpoint.hostHeader)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(10), logger: logger)
        } catch {
            if case .unix(let path) = endpoint, !FileManager.default.fileExists(atPath: path) {
                throw DockerError(
                    .unreachable, "no Docker engine socket at \(path): is dockerd running? Point Drover at the engine with --engine or DOCKER_HOST")
            }
            throw DockerError(.unreachable, "cannot reach the Docker engine at \(endpoint)", cause: error)
        }
        var offered = response.headers.first(name: "Api-Version").flatMap(APIVersion.init(parsing:))
        _ = try? await response.body.collect(upTo: 1 << 16)
        if offered == nil {
            // Engines behind some proxies drop the header; /version always has it.
            var versionRequest = HTTPClientRequest(url: endpoint.baseURL + "/version")
            versionRequest.headers.add(name: "Host", value: endpoint.hostHeader)
            do {
                let answer = try await http.execute(versionRequest, timeout: .seconds(10), logger: logger)
                let body = try await answer.body.collect(upTo: 1 << 20)
                let version = try JSONDecoder().decode(EngineVersion.self, from: Data(buffer: body))
                offered = APIVersion(parsing: version.apiVersion)
            } catch {
                throw DockerError(.badResponse, "the engine at \(endpoint) did not say which API version it speaks", cause: error)
            }
        }
        guard let offered else {
            throw DockerError(.badResponse, "the engine at \(endpoint) did not say which API version it speaks")
        }
        guard offered >= minimumAPIVersion else {
            throw DockerError(
                .unsupportedVersion,
                "the engine at \(endpoint) speaks API \(offered); Drover needs \(minimumAPIVersion) (dockerd 20.10) or newer")
        }
        return min(offered, maximumAPIVersion)
    }

    // MARK: - Request plumbing shared by the API areas

    func url(_ path: String, query: [(String, String)] = []) -> String {
        var text = endpoint.baseURL + "/v\(apiVersion)" + path
        if !query.isEmpty {
            text += "?" + query.map { "\($0.0)=\(Self.percentEncodeQuery($0.1))" }.joined(separator: "&")
        }
        return text
    }

    static func percentEncodeQuery(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            let unreserved =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    static func filters(_ filters: [String: [String]]) -> String {
        let data = (try? JSONEncoder().encode(filters)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends one request and returns the response head, leaving the body to be streamed.
    func start(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        headers: [(String, String)] = [], timeout: TimeAmount? = nil, streaming: HTTPClientRequest.Body? = nil
    ) async throws(DockerError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        // AsyncHTTPClient sends no Host header over a Unix socket, and Go's server rejects
        // HTTP/1.1 requests without one.
        request.headers.add(name: "Host", value: endpoint.hostHeader)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        if let streaming { request.body = streaming }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout ?? requestTimeout, logger: logger)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw DockerError(.unreachable, "\(method) \(path) timed out after \(Self.describe(timeout ?? requestTimeout))", cause: error)
        } catch {
            throw DockerError(.unreachable, "\(method) \(path) failed: cannot reach the Docker engine at \(endpoint)", cause: error)
        }
        if response.status.code >= 300 {
            let text: String
            do {
                let buffer = try await response.body.collect(upTo: 1 << 20)
                text = Self.engineMessage(from: buffer)
            } catch {
                text = response.status.reasonPhrase
            }
            throw DockerError(.engine, text, status: Int(response.status.code))
        }
        return response
    }

    /// Sends one request and collects the whole body, up to ``maxResponseBytes``.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        headers: [(String, String)] = [], timeout: TimeAmount? = nil
    ) async throws(DockerError) -> ByteBuffer {
        let response = try await start(method, path, query: query, body: body, headers: headers, timeout: timeout)
        do {
            return try await response.body.collect(upTo: maxResponseBytes)
        } catch {
            throw DockerError(.badResponse, "\(method) \(path): reading the engine's answer failed", cause: error)
        }
    }

    /// Sends one request and decodes its JSON answer.
    func send<Response: Decodable>(
        _ type: Response.Type, _ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
        body: ByteBuffer? = nil, timeout: TimeAmount? = nil
    ) async throws(DockerError) -> Response {
        let buffer = try await send(method, path, query: query, body: body, timeout: timeout)
        return try Self.decode(type, from: buffer, context: "\(method) \(path)")
    }

    static func decode<Response: Decodable>(_ type: Response.Type, from buffer: ByteBuffer, context: String) throws(DockerError)
        -> Response
    {
        do {
            return try JSONDecoder().decode(type, from: Data(buffer: buffer))
        } catch {
            throw DockerError(.badResponse, "\(context): the engine's answer is not the expected JSON", cause: error)
        }
    }

    static func encode<Body: Encodable>(_ body: Body) throws(DockerError) -> ByteBuffer {
        do {
            return ByteBuffer(data: try JSONEncoder().encode(body))
        } catch {
            throw DockerError(.badResponse, "could not encode a request body", cause: error)
        }
    }

    static func engineMessage(from buffer: ByteBuffer) -> String {
        struct Message: Decodable { var message: String }
        if let decoded = try? JSONDecoder().decode(Message.self, from: Data(buffer: buffer)) {
            return decoded.message
        }
        let text = String(buffer: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "the engine gave no reason" : text
    }

    static func describe(_ amount: TimeAmount) -> String {
        let ms = amount.nanoseconds / 1_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }
}

/// An engine API version such as 1.41.
public struct APIVersion: Sendable, Comparable, CustomStringConvertible, Hashable {
    /// The major part (always 1 so far).
    public var major: Int
    /// The minor part.
    public var minor: Int

    /// Creates a version.
    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.41`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major, minor)
    }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }
}
