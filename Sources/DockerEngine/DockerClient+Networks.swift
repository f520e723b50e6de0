extension DockerClient {
    /// `GET /networks`, filtered.
    public func listNetworks(filters: [String: [String]] = [:]) async throws(DockerError) -> [NetworkSummary] {
        var query: [(String, String)] = []
        if !filters.isEmpty { query.append(("filters", Self.filters(filters))) }
        return try await send([NetworkSummary].self, .GET, "/networks", query: query)
    }

    /// `POST /networks/create`; returns the network ID.
    public func createNetwork(_ network: NetworkCreate) async throws(DockerError) -> String {
        struct Created: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        return try await send(Created.self, .POST, "/networks/create", body: Self.encode(network)).id
    }

    /// `DELETE /networks/{id}`; a network already gone is not an error.
    public func removeNetwork(_ id: String) async throws(DockerError) {
        do {
            _ = try await send(.DELETE, "/networks/\(Self.percentEncodeQuery(id))")
        } catch  where error.isNotFound {
            return
        }
    }

    /// `POST /networks/{id}/connect`: attaches a container with DNS aliases and, when given, static addresses.
    public func connectNetwork(
        _ id: String, container: String, aliases: [String]?, addresses: ContainerCreate.EndpointConfig.IPAMConfig? = nil
    ) async throws(DockerError) {
        struct Connect: Encodable {
            var container: String
            var endpointConfig: ContainerCreate.EndpointConfig
            enum CodingKeys: String, CodingKey { case container = "Container", endpointConfig = "EndpointConfig" }
        }
        let body = Connect(container: container, endpointConfig: .init(aliases: aliases, ipamConfig: addresses))
        _ = try await send(.POST, "/networks/\(Self.percentEncodeQuery(id))/connect", body: Self.encode(body))
    }

    /// `POST /networks/{id}/disconnect`.
    public func disconnectNetwork(_ id: String, container: String, force: Bool = true) async throws(DockerError) {
        struct Disconnect: Encodable {
            var container: String
            var force: Bool
            enum CodingKeys: String, CodingKey { case container = "Container", force = "Force" }
        }
        _ = try await send(.POST, "/networks/\(Self.percentEncodeQuery(id))/disconnect", body: Self.encode(Disconnect(container: container, force: force)))
    }
}
