import DroverModel

/// Clusters: swarms formed from fleets.
extension DroverAPIClient {
    /// `GET /v1/clusters`.
    public func clusters() async throws(ClientError) -> [API.Cluster] {
        try await call([API.Cluster].self, .GET, Self.path("clusters"))
    }

    /// `POST /v1/clusters`.
    public func createCluster(_ body: API.CreateCluster) async throws(ClientError) -> API.Cluster {
        try await call(API.Cluster.self, .POST, Self.path("clusters"), body: body)
    }

    /// `GET /v1/clusters/{cluster}`.
    public func cluster(_ name: String) async throws(ClientError) -> API.Cluster {
        try await call(API.Cluster.self, .GET, Self.path("clusters", name))
    }

    /// `GET /v1/clusters/{cluster}/services`.
    public func clusterServices(_ name: String) async throws(ClientError) -> API.ClusterServices {
        try await call(API.ClusterServices.self, .GET, Self.path("clusters", name, "services"))
    }

    /// `GET /v1/clusters/{cluster}/events`, newest first.
    public func clusterEvents(_ name: String, limit: Int? = nil) async throws(ClientError) -> [API.ClusterEvent] {
        try await call([API.ClusterEvent].self, .GET, Self.path("clusters", name, "events", query: [("limit", limit.map(String.init))]))
    }

    /// `DELETE /v1/clusters/{cluster}`.
    public func removeCluster(_ name: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("clusters", name))
    }
}
