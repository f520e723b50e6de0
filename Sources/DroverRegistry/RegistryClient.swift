import AsyncHTTPClient
import Crypto
import DroverModel
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// A client of the OCI distribution API (`/v2/…`) of any registry: Distribution, Harbor,
/// GHCR, Docker Hub. It answers the registry's `WWW-Authenticate` challenges itself, asking the
/// named token service for a token with the credentials it was given, and keeps tokens for
/// their lifetime. Every request has a deadline and every answer a size cap.
public final class RegistryClient: Sendable {
    /// How the client proves who it is.
    public enum Credentials: Sendable, Equatable {
        /// Nobody: public images only.
        case anonymous
        /// A user name and password (or access token), given to the registry's token service.
        case basic(username: String, password: String)
        /// A bearer token to send as it is (a token this server issued itself).
        case bearer(String)

        var isBearer: Bool {
            if case .bearer = self { return true }
            return false
        }

        var cacheKey: String {
            switch self {
            case .anonymous: ""
            case .basic(let username, let password): username + ":" + SHA256.hash(data: Data(password.utf8)).description
            case .bearer(let token): "bearer:" + SHA256.hash(data: Data(token.utf8)).description
            }
        }
    }

    /// What one request was answered.
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    let http: HTTPClient
    let logger: Logger
    /// Hosts spoken to over plain HTTP besides loopback ones.
    let insecure: Set<String>
    /// How long a request may take.
    let timeout: TimeAmount
    private let tokens = Mutex<[String: (token: String, expires: Date)]>([:])

    /// A client; `insecureRegistries` are hosts (`host:port`) spoken to over plain HTTP, as
    /// the engine's `insecure-registries` (loopback registries always are). It uses the
    /// process's shared connection pool (which follows redirects, as blob downloads need), so
    /// a long-lived owner such as the server need not shut it down.
    public init(logger: Logger = Logger(label: "drover.registry"), insecureRegistries: Set<String> = [], timeout: TimeAmount = .seconds(30)) {
        http = HTTPClient.shared
        self.logger = logger
        insecure = insecureRegistries
        self.timeout = timeout
    }

    /// Nothing to close: the shared pool lives as long as the process. Kept so that callers
    /// may treat the client as a scoped resource.
    public func shutdown() async throws {}

    /// The engine's `X-Registry-Auth` for `fields` (`registrytoken`, or `username`, `password`
    /// and `serveraddress`): base64url of the JSON, with padding, as dockerd decodes it.
    public static func engineAuth(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(fields)) ?? Data("{}".utf8)
        return json.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// The base URL of a registry's API: Docker Hub's is `registry-1.docker.io`; loopback and
    /// insecure registries are spoken to over HTTP.
    public func baseURL(_ registry: String) -> String {
        if registry == "docker.io" || registry == "index.docker.io" { return "https://registry-1.docker.io" }
        let host = registry.hasPrefix("[") ? String(registry.prefix { $0 != "]" }.dropFirst()) : String(registry.split(separator: ":").first ?? "")
        let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1"
        return (loopback || insecure.contains(registry) ? "http://" : "https://") + registry
    }

    /// `GET /v2/NAME/manifests/REFERENCE`, accepting indexes and manifests of both formats.
    public func manifest(_ repository: String, _ reference: String, at registry: String, credentials: Credentials) async throws(RegistryError)
        -> FetchedManifest
    {
        let answer = try await send(
            .GET, registry, "/v2/\(repository)/manifests/\(reference)", headers: [("Accept", ManifestMediaType.accepted.joined(separator: ", "))],
            credentials: credentials, scope: "repository:\(repository):pull", limit: 4 << 20, what: "manifest \(registry)/\(repository):\(reference)")
        let digest = "sha256:" + SHA256.hash(data: answer.body).hexString
        if let stated = answer.headers.first(name: "Docker-Content-Digest"), stated.hasPrefix("sha256:"), stated != digest {
            throw RegistryError(.invalidResponse, "the registry's digest \(stated) of \(repository):\(reference) does not match its bytes (\(digest))")
        }
        if reference.hasPrefix("sha256:"), reference != digest {
            throw RegistryError(.invalidResponse, "manifest \(repository)@\(reference) has the digest \(digest) instead")
        }
        let type = answer.headers.first(name: "Content-Type")?.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) }
        var mediaType = type.flatMap { $0 == "application/json" ? nil : $0 } ?? ""
        if mediaType.isEmpty { mediaType = try Self.embeddedMediaType(answer.body) }
        return FetchedManifest(mediaType: mediaType, digest: digest, body: answer.body)
    }

    /// `GET /v2/NAME/blobs/DIGEST`, up to `limit` bytes (image configs are small).
    public func blob(_ repository: String, _ digest: String, at registry: String, credentials: Credentials, limit: Int = 4 << 20)
        async throws(RegistryError) -> Data
    {
        try await send(
            .GET, registry, "/v2/\(repository)/blobs/\(digest)", credentials: credentials, scope: "repository:\(repository):pull", limit: limit,
            what: "blob \(repository)@\(digest)"
        ).body
    }

    /// `PUT /v2/NAME/manifests/REFERENCE`: stores a manifest or index; returns its digest.
    @discardableResult
    public func putManifest(
        _ repository: String, _ reference: String, mediaType: String, body: Data, at registry: String, credentials: Credentials
    ) async throws(RegistryError) -> String {
        _ = try await send(
            .PUT, registry, "/v2/\(repository)/manifests/\(reference)", headers: [("Content-Type", mediaType)], body: body,
            credentials: credentials, scope: "repository:\(repository):pull,push", limit: 1 << 20, what: "storing \(repository):\(reference)")
        return "sha256:" + SHA256.hash(data: body).hexString
    }

    /// `DELETE /v2/NAME/manifests/DIGEST`.
    public func deleteManifest(_ repository: String, _ digest: String, at registry: String, credentials: Credentials) async throws(RegistryError) {
        _ = try await send(
            .DELETE, registry, "/v2/\(repository)/manifests/\(digest)", credentials: credentials, scope: "repository:\(repository):delete",
            limit: 1 << 20, what: "deleting \(repository)@\(digest)")
    }

    /// `GET /v2/_catalog`: the registry's repositories, a page of 1,000 at a time.
    public func catalog(at registry: String, credentials: Credentials) async throws(RegistryError) -> [String] {
        struct Catalog: Decodable { var repositories: [String]? }
        var all: [String] = []
        var last: String?
        while true {
            let after = last.map { "&last=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
            let answer = try await send(
                .GET, registry, "/v2/_catalog?n=1000" + after, credentials: credentials, scope: "registry:catalog:*", limit: 16 << 20,
                what: "the catalog")
            let page = try Self.decode(Catalog.self, answer.body, what: "the catalog").repositories ?? []
            all += page
            // The registry says there is more with a Link header; a short page is the last.
            guard answer.headers.first(name: "Link") != nil, let next = page.last, page.count == 1000 else { return all }
            last = next
        }
    }

    /// `GET /v2/NAME/tags/list`.
    public func tags(_ repository: String, at registry: String, credentials: Credentials) async throws(RegistryError) -> [String] {
        struct Tags: Decodable { var tags: [String]? }
        let answer = try await send(
            .GET, registry, "/v2/\(repository)/tags/list", credentials: credentials, scope: "repository:\(repository):pull", limit: 16 << 20,
            what: "the tags of \(repository)")
        return try Self.decode(Tags.self, answer.body, what: "the tags of \(repository)").tags ?? []
    }

    /// Sends a request, answering one authentication challenge.
    func send(
        _ method: HTTPMethod, _ registry: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
        credentials: Credentials, scope: String, limit: Int, what: String
    ) async throws(RegistryError) -> Answer {
        let url = baseURL(registry) + path
        var authorization: String?
        switch credentials {
        case .bearer(let token): authorization = "Bearer " + token
        case .anonymous, .basic: authorization = cachedToken(registry: registry, scope: scope, credentials: credentials).map { "Bearer " + $0 }
        }
        var answer = try await execute(method, url, headers: headers, authorization: authorization, body: body, limit: limit, what: what)
        // A token this server issued itself is not renewed through a challenge: a refusal is final.
        if answer.status == 401, !credentials.isBearer,
            let challenge = answer.headers.first(name: "WWW-Authenticate").flatMap(AuthChallenge.init(header:))
        {
            authorization = try await respond(to: challenge, registry: registry, scope: scope, credentials: credentials, what: what)
            answer = try await execute(method, url, headers: headers, authorization: authorization, body: body, limit: limit, what: what)
        }
        guard (200..<300).contains(answer.status) else { throw Self.failure(answer, what: what) }
        return answer
    }

    private func respond(to challenge: AuthChallenge, registry: String, scope: String, credentials: Credentials, what: String)
        async throws(RegistryError) -> String
    {
        switch challenge.scheme {
        case "basic":
            guard case .basic(let username, let password) = credentials else {
                throw RegistryError(.unauthorized, "\(what): \(registry) wants a user name and password, and none are stored for it")
            }
            return "Basic " + Data((username + ":" + password).utf8).base64EncodedString()
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm), components.scheme != nil else {
                throw RegistryError(.invalidResponse, "\(what): \(registry) asked for a token without saying where to get one")
            }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
            components.queryItems = query
            guard let tokenURL = components.string else { throw RegistryError(.invalidResponse, "\(what): the token realm '\(realm)' is not a URL") }
            var basic: String?
            if case .basic(let username, let password) = credentials {
                basic = "Basic " + Data((username + ":" + password).utf8).base64EncodedString()
            }
            let answer = try await execute(.GET, tokenURL, headers: [], authorization: basic, body: nil, limit: 1 << 20, what: "a token for \(what)")
            guard (200..<300).contains(answer.status) else {
                let failure = Self.failure(answer, what: "the token service of \(registry)")
                throw RegistryError(failure.code == .notFound ? .unauthorized : failure.code, failure.message)
            }
            struct TokenAnswer: Decodable {
                var token: String?
                var access_token: String?
                var expires_in: Int?
            }
            let decoded = try Self.decode(TokenAnswer.self, answer.body, what: "the token of \(registry)")
            guard let token = decoded.token ?? decoded.access_token, !token.isEmpty else {
                throw RegistryError(.invalidResponse, "the token service of \(registry) answered without a token")
            }
            // The specification's default lifetime is 60 s; a token is reused for most of its life.
            let lifetime = Double(min(max(decoded.expires_in ?? 60, 10), 3600))
            tokens.withLock {
                if $0.count > 1_000 { $0.removeAll() }
                $0[registry + " " + scope + " " + credentials.cacheKey] = (token, Date().addingTimeInterval(lifetime * 0.8))
            }
            return "Bearer " + token
        default:
            throw RegistryError(.unauthorized, "\(what): \(registry) asks for '\(challenge.scheme)' authentication, which Drover does not speak")
        }
    }

    private func cachedToken(registry: String, scope: String, credentials: Credentials) -> String? {
        let key = registry + " " + scope + " " + credentials.cacheKey
        return tokens.withLock { cache in
            guard let entry = cache[key], entry.expires > Date() else { return nil }
            return entry.token
        }
    }

    private func execute(_ method: HTTPMethod, _ url: String, headers: [(String, String)], authorization: String?, body: Data?, limit: Int, what: String)
        async throws(RegistryError) -> Answer
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        do {
            let response = try await http.execute(request, timeout: timeout, logger: logger)
            let buffer = try await response.body.collect(upTo: limit)
            return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: buffer))
        } catch let error as NIOTooManyBytesError {
            throw RegistryError(.invalidResponse, "\(what): the answer is larger than \(limit) bytes", cause: error)
        } catch {
            throw RegistryError(.unreachable, "\(what): cannot reach \(url)", cause: error)
        }
    }

    /// The error an answer stands for, with the registry's own words.
    static func failure(_ answer: Answer, what: String) -> RegistryError {
        struct Errors: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]?
        }
        let words = (try? JSONDecoder().decode(Errors.self, from: answer.body))?.errors?.compactMap { entry in
            [entry.code, entry.message].compactMap { $0 }.joined(separator: ": ")
        }.joined(separator: "; ")
        let said = words.flatMap { $0.isEmpty ? nil : $0 } ?? String(decoding: answer.body.prefix(200), as: UTF8.self)
        let code: RegistryErrorCode =
            switch answer.status {
            case 401: .unauthorized
            case 403: .denied
            case 404: .notFound
            default: .rejected
            }
        return RegistryError(code, "\(what): the registry answered \(answer.status)\(said.isEmpty ? "" : " (\(said))")")
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: Data, what: String) throws(RegistryError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw RegistryError(.invalidResponse, "\(what) is not what a registry sends", cause: error)
        }
    }

    /// The `mediaType` a manifest states inside itself, for registries that answer with a
    /// generic content type.
    static func embeddedMediaType(_ body: Data) throws(RegistryError) -> String {
        struct Typed: Decodable {
            var mediaType: String?
            var manifests: [Descriptor]?
        }
        let typed = try decode(Typed.self, body, what: "a manifest")
        return typed.mediaType ?? (typed.manifests != nil ? ManifestMediaType.ociIndex : ManifestMediaType.ociManifest)
    }
}

/// A `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
struct AuthChallenge: Equatable {
    /// `bearer` or `basic`, lowercased.
    var scheme: String
    /// The parameters, by lowercased name.
    var parameters: [String: String]

    init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            guard !trimmed.isEmpty else { return nil }
            scheme = trimmed.lowercased()
            parameters = [:]
            return
        }
        scheme = trimmed[..<space].lowercased()
        var parameters: [String: String] = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            parameters[name] = value
        }
        self.parameters = parameters
    }
}
