import DroverModel

/// Cluster mode's calls.
extension ControlPlane {
    /// Forms a cluster from a fleet.
    public func createCluster(_ access: Access, _ body: API.CreateCluster) async throws(ServerError) -> API.Cluster {
        try await clusters.create(access, body)
    }
    /// The organisation's clusters.
    public func listClusters(_ access: Access) async throws(ServerError) -> [API.Cluster] { try await clusters.list(access) }
    /// One cluster with its nodes.
    public func cluster(_ access: Access, _ name: String) async throws(ServerError) -> API.Cluster { try await clusters.show(access, name) }
    /// A cluster's stack services.
    public func clusterServices(_ access: Access, _ name: String) async throws(ServerError) -> API.ClusterServices {
        try await clusters.services(access, name)
    }
    /// A cluster's newest events.
    public func clusterEvents(_ access: Access, _ name: String, limit: Int) async throws(ServerError) -> [API.ClusterEvent] {
        try await clusters.events(access, name, limit: limit)
    }
    /// Dissolves a cluster.
    public func removeCluster(_ access: Access, _ name: String) async throws(ServerError) { try await clusters.remove(access, name) }
    /// A device's word on its swarm node.
    public func clusterReport(device uuid: String, fleet fleetID: String, _ report: API.ClusterMemberReport) async throws(ServerError) {
        try await clusters.report(device: uuid, fleetID: fleetID, report)
    }
}
