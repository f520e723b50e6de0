import NIOCore

extension DockerClient {
    /// `GET /_ping`: true when the engine answers.
    public func ping() async throws(DockerError) -> Bool {
        let body = try await send(.GET, "/_ping", timeout: .seconds(10))
        return String(buffer: body) == "OK"
    }

    /// `GET /version`.
    public func version() async throws(DockerError) -> EngineVersion {
        try await send(EngineVersion.self, .GET, "/version")
    }

    /// `GET /info`.
    public func info() async throws(DockerError) -> EngineInfo {
        try await send(EngineInfo.self, .GET, "/info")
    }
}
