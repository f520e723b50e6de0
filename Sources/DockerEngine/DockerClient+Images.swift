import AsyncHTTPClient
import Foundation
import NIOFoundationCompat
import NIOCore
import Synchronization

extension DockerClient {
    /// `GET /images/{name}/json`; nil when the engine has no such image.
    public func inspectImage(_ reference: String) async throws(DockerError) -> ImageInspect? {
        do {
            return try await send(ImageInspect.self, .GET, "/images/\(Self.pathComponent(reference))/json")
        } catch  where error.isNotFound {
            return nil
        }
    }

    /// `GET /images/json`, optionally filtered (e.g. `["label": ["a=b"]]`, `["reference": ["x"]]`).
    public func listImages(filters: [String: [String]] = [:]) async throws(DockerError) -> [ImageSummary] {
        var query: [(String, String)] = []
        if !filters.isEmpty { query.append(("filters", Self.filters(filters))) }
        return try await send([ImageSummary].self, .GET, "/images/json", query: query)
    }

    /// `POST /images/create`: pulls `reference`, calling `progress` for each line of the engine's
    /// progress stream. An error inside the stream (the engine answers 200, then fails) throws
    /// `.streamError` with the engine's message.
    public func pullImage(
        _ reference: String, platform: String? = nil, registryAuth: String? = nil,
        timeout: TimeAmount = .minutes(30), progress: @Sendable (PullProgress) -> Void = { _ in }
    ) async throws(DockerError) {
        let parsed = Self.splitReference(reference)
        var query = [("fromImage", parsed.repository), ("tag", parsed.tag)]
        if let platform { query.append(("platform", platform)) }
        var headers: [(String, String)] = []
        if let registryAuth { headers.append(("X-Registry-Auth", registryAuth)) }
        let response = try await start(.POST, "/images/create", query: query, headers: headers, timeout: timeout)
        try await Self.consumeProgress(response, what: "pulling \(reference)", progress: progress)
    }

    /// Reads a pull or push progress stream to its end. The engine answers 200 and then may
    /// report a failure inside the stream; that failure is thrown with the engine's words.
    static func consumeProgress(_ response: HTTPClientResponse, what: String, progress: @Sendable (PullProgress) -> Void) async throws(DockerError) {
        var splitter = LineSplitter()
        var failure: String?
        do {
            for try await chunk in response.body {
                for line in splitter.feed(chunk) {
                    let event = try JSONDecoder().decode(PullProgress.self, from: Data(buffer: line))
                    if let error = event.error { failure = error }
                    progress(event)
                }
            }
        } catch {
            throw DockerError(.streamError, "\(what) broke off", cause: error)
        }
        if let failure {
            throw DockerError(.streamError, "\(what) failed: \(failure)")
        }
    }

    /// `DELETE /images/{name}`.
    public func removeImage(_ reference: String, force: Bool = false) async throws(DockerError) {
        _ = try await send(.DELETE, "/images/\(Self.pathComponent(reference))", query: [("force", force ? "1" : "0")])
    }

    /// `POST /commit`: a new image from a container, with Dockerfile-style `changes`
    /// (e.g. `LABEL a=b`). Returns the image ID.
    public func commit(container: String, repository: String, tag: String, changes: [String] = []) async throws(DockerError) -> String {
        var query = [("container", container), ("repo", repository), ("tag", tag)]
        for change in changes { query.append(("changes", change)) }
        struct Answer: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        return try await send(Answer.self, .POST, "/commit", query: query).id
    }

    /// `POST /images/{name}/tag`.
    public func tagImage(_ reference: String, repository: String, tag: String) async throws(DockerError) {
        _ = try await send(.POST, "/images/\(Self.pathComponent(reference))/tag", query: [("repo", repository), ("tag", tag)])
    }

    /// `POST /images/{name}/push`, failing on an error inside the progress stream. Returns
    /// the digest of the manifest the registry stored, when the engine says it.
    @discardableResult
    public func pushImage(
        _ reference: String, registryAuth: String = "e30=", timeout: TimeAmount = .minutes(30), progress: @Sendable (PullProgress) -> Void = { _ in }
    ) async throws(DockerError) -> String? {
        let parsed = Self.splitReference(reference)
        let response = try await start(
            .POST, "/images/\(Self.pathComponent(parsed.repository))/push", query: [("tag", parsed.tag)],
            headers: [("X-Registry-Auth", registryAuth)], timeout: timeout)
        let digest = Mutex<String?>(nil)
        try await Self.consumeProgress(response, what: "pushing \(reference)") { event in
            if let pushed = event.aux?.digest { digest.withLock { $0 = pushed } }
            progress(event)
        }
        return digest.withLock { $0 }
    }

    /// Splits `registry:5000/name:tag` or `name@sha256:…` into repository and tag-or-digest;
    /// a reference with neither gets `latest`.
    static func splitReference(_ reference: String) -> (repository: String, tag: String) {
        if let at = reference.firstIndex(of: "@") {
            return (String(reference[..<at]), String(reference[reference.index(after: at)...]))
        }
        let lastSlash = reference.lastIndex(of: "/")
        if let colon = reference.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
        }
        return (reference, "latest")
    }

    /// Keeps `/` in image names (the engine routes `/images/a/b/json` correctly) and escapes the rest.
    static func pathComponent(_ name: String) -> String {
        name.split(separator: "/", omittingEmptySubsequences: false).map { percentEncodeQuery(String($0)) }.joined(separator: "/")
    }
}
