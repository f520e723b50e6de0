extension DockerClient {
    /// `GET /volumes`, filtered.
    public func listVolumes(filters: [String: [String]] = [:]) async throws(DockerError) -> [Volume] {
        struct Listing: Decodable {
            var volumes: [Volume]?
            enum CodingKeys: String, CodingKey { case volumes = "Volumes" }
        }
        var query: [(String, String)] = []
        if !filters.isEmpty { query.append(("filters", Self.filters(filters))) }
        return try await send(Listing.self, .GET, "/volumes", query: query).volumes ?? []
    }

    /// `GET /volumes/{name}`; nil when there is no such volume.
    public func inspectVolume(_ name: String) async throws(DockerError) -> Volume? {
        do {
            return try await send(Volume.self, .GET, "/volumes/\(Self.percentEncodeQuery(name))")
        } catch  where error.isNotFound {
            return nil
        }
    }

    /// `POST /volumes/create`.
    public func createVolume(_ volume: VolumeCreate) async throws(DockerError) -> Volume {
        try await send(Volume.self, .POST, "/volumes/create", body: Self.encode(volume))
    }

    /// `DELETE /volumes/{name}`; a volume already gone is not an error.
    public func removeVolume(_ name: String, force: Bool = false) async throws(DockerError) {
        do {
            _ = try await send(.DELETE, "/volumes/\(Self.percentEncodeQuery(name))", query: [("force", force ? "1" : "0")])
        } catch  where error.isNotFound {
            return
        }
    }
}
