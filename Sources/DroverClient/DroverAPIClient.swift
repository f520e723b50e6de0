import AsyncHTTPClient
import DroverCompression
import DroverModel
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A failure talking to the Drover server: the server's own error code and message when it
/// answered, or why it could not be reached.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    /// The server's error code (`not_found`, …), or `unreachable` / `bad_response`.
    public var code: String
    /// The message to show.
    public var message: String
    /// HTTP status, when the server answered.
    public var status: Int?

    /// Creates an error.
    public init(code: String, message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { message }
}

/// The HTTP client of Drover's `/v1` API, used by the CLI and by the agent. Every request has
/// a deadline; answers are capped in size.
public final class DroverAPIClient: Sendable {
    /// Server base URL, e.g. `http://127.0.0.1:8080`.
    public let server: String
    /// Bearer credential: a user token or a device key.
    public let credential: String?
    let http: HTTPClient
    let ownsClient: Bool

    /// Creates a client; `shutdown()` it when done.
    public init(server: String, credential: String?, http: HTTPClient? = nil) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credential = credential
        if let http {
            self.http = http
            ownsClient = false
        } else {
            var configuration = HTTPClient.Configuration()
            configuration.timeout.connect = .seconds(5)
            self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            ownsClient = true
        }
    }

    /// Closes the connection pool.
    public func shutdown() async throws {
        if ownsClient { try await http.shutdown() }
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
            guard var data = try? encoder.encode(body) else { throw ClientError(code: "bad_request", message: "the request could not be encoded") }
            if gzip {
                do {
                    data = try Gzip.compress(data)
                } catch {
                    throw ClientError(code: "bad_request", message: error.message)
                }
                request.headers.add(name: "Content-Encoding", value: "gzip")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw ClientError(code: "unreachable", message: "cannot reach the Drover server at \(server): \(error)")
        }
        let data = Data(buffer: bytes)
        if response.status.code >= 400 {
            if let body = try? JSONDecoder().decode(API.ErrorBody.self, from: data) {
                throw ClientError(code: body.error.code, message: body.error.message, status: Int(response.status.code))
            }
            throw ClientError(code: "bad_response", message: "the server answered \(response.status)", status: Int(response.status.code))
        }
        return Answer(status: Int(response.status.code), body: data, etag: response.headers.first(name: "ETag"))
    }

    /// Sends a request and decodes its JSON answer.
    public func call<T: Decodable>(_ type: T.Type, _ method: HTTPMethod, _ path: String, body: (any Encodable & Sendable)? = nil) async throws(ClientError)
        -> T
    {
        let answer = try await send(method, path, body: body)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: answer.body)
        } catch {
            throw ClientError(code: "bad_response", message: "the server's answer to \(method) \(path) is not what this client expects: \(error)")
        }
    }

    /// Percent-encodes a path segment or query value.
    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
