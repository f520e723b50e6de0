import DroverModel
import Foundation

/// A cluster as stored: a Docker Swarm formed from one fleet.
public struct ClusterRecord: Sendable, Equatable {
    /// Its id.
    public var id: String
    /// The organisation.
    public var orgID: String
    /// The fleet whose devices are its nodes (one cluster per fleet).
    public var fleetID: String
    /// Its name, unique in the organisation.
    public var name: String
    /// The devices chosen as managers, the first forming the swarm.
    public var managers: [String]
    /// How many managers were asked for.
    public var managerCount: Int
    /// The dispatcher heartbeat, in seconds.
    public var heartbeat: Double
    /// The join tokens, sealed by ``SecretBox`` for ``sealingContext``; nil until the first
    /// manager has formed the swarm.
    public var sealedTokens: String?
    /// What a manager last saw of the swarm.
    public var observation: API.ClusterObservation?
    /// When (seconds since 1970).
    public var observedAt: Double?
    /// When it was created.
    public var createdAt: Double

    /// Creates a record.
    public init(id: String, orgID: String, fleetID: String, name: String, managers: [String], managerCount: Int, heartbeat: Double, createdAt: Double) {
        self.id = id
        self.orgID = orgID
        self.fleetID = fleetID
        self.name = name
        self.managers = managers
        self.managerCount = managerCount
        self.heartbeat = heartbeat
        self.createdAt = createdAt
    }

    /// What the tokens are sealed for: this cluster only.
    static func sealingContext(id: String) -> String { "cluster-tokens \(id)" }
}

/// One device's own word on its node.
public struct ClusterMemberRecord: Sendable, Equatable {
    /// The device.
    public var deviceUUID: String
    /// Its node ID, once it is a node.
    public var nodeID: String?
    /// The engine's local node state.
    public var state: String
    /// Whether it is a manager.
    public var manager: Bool
    /// The address it advertises.
    public var address: String?
    /// The engine's swarm error.
    public var error: String?
    /// Whether the host has IPVS.
    public var ipvs: Bool?
    /// The engine's version.
    public var engineVersion: String?
    /// When it said so.
    public var updatedAt: Double

    /// Creates a record.
    public init(deviceUUID: String, nodeID: String?, state: String, manager: Bool, updatedAt: Double) {
        self.deviceUUID = deviceUUID
        self.nodeID = nodeID
        self.state = state
        self.manager = manager
        self.updatedAt = updatedAt
    }

    /// The record of a device's report.
    init(_ report: API.ClusterMemberReport, device: String, at time: Double) {
        self.init(deviceUUID: device, nodeID: report.nodeID, state: report.state, manager: report.manager ?? false, updatedAt: time)
        address = report.address
        error = report.error
        ipvs = report.ipvs
        engineVersion = report.engineVersion
    }

    /// Whether `other` says the same of the node (what targets are made from), whenever said.
    func sameNode(as other: ClusterMemberRecord?) -> Bool {
        guard let other else { return false }
        return nodeID == other.nodeID && state == other.state && manager == other.manager && address == other.address
    }
}
