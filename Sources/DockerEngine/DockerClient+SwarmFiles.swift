extension DockerClient {
    // MARK: - Secrets and configs

    /// `GET /secrets` or `GET /configs` (managers only), optionally only those with `label`
    /// (`key` or `key=value`). A secret's value is never listed.
    public func swarmFiles(_ kind: SwarmFileKind, label: String? = nil) async throws(DockerError) -> [SwarmFileObject] {
        var query: [(String, String)] = []
        if let label { query.append(("filters", Self.filters(["label": [label]]))) }
        return try await send([SwarmFileObject].self, .GET, kind.path, query: query)
    }

    /// `POST /secrets/create` or `POST /configs/create`; returns the new object's ID. A name
    /// already taken fails with HTTP 409.
    public func createSwarmFile(_ kind: SwarmFileKind, _ spec: SwarmFileSpec) async throws(DockerError) -> String {
        struct Created: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "ID" }
        }
        return try await send(Created.self, .POST, "\(kind.path)/create", body: Self.encode(spec)).id
    }

    /// `DELETE /secrets/{id}` or `DELETE /configs/{id}`; one already gone is not an error. One
    /// that a service still references is refused (``DockerError/isInUse``).
    public func removeSwarmFile(_ kind: SwarmFileKind, id: String) async throws(DockerError) {
        do {
            _ = try await send(.DELETE, "\(kind.path)/\(Self.percentEncodeQuery(id))")
        } catch  where error.isNotFound {
            return
        }
    }
}

extension DockerError {
    /// A secret or config that a service still references cannot be removed (HTTP 400,
    /// `secret 'x' is in use by the following service: …`).
    public var isInUse: Bool { status == 400 && message.contains("is in use by") }
}
