import Foundation

// Codable shapes of the Engine API's swarm endpoints (API 1.41, dockerd 20.10). Properties are
// optional unless dockerd always sends them, so that decoding tolerates what an engine omits
// and encoding leaves unset fields out. Durations are nanoseconds, as the API has them.
// Fields not declared here are dropped on decode: a spec read back and sent again loses them.

/// A word from one of the engine's closed sets (a task state, a node role, …).
///
/// Kept as a string wrapper rather than an enum so that a word a newer engine adds decodes
/// instead of failing the whole answer; the words Drover knows are static constants, and a
/// string literal converts, so `task.status.state == .running` and `== "running"` both read.
public protocol EngineWord: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible
where RawValue == String {
    /// Wraps a word as the engine spells it.
    init(rawValue: String)
}

extension EngineWord {
    /// Wraps a string literal.
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    /// The word as the engine spells it.
    public var description: String { rawValue }
}

/// The version of a swarm object, sent back on update so that the manager can refuse an update
/// made from a stale read ("update out of sequence").
public struct SwarmVersion: Codable, Sendable, Hashable {
    /// The raft index the object was last written at.
    public var index: UInt64

    /// Creates a version.
    public init(index: UInt64) { self.index = index }

    enum CodingKeys: String, CodingKey { case index = "Index" }
}

// MARK: - Swarm

/// `POST /swarm/init`.
public struct SwarmInitRequest: Codable, Sendable, Equatable {
    /// Address the manager listens on for other nodes, e.g. `0.0.0.0:2377`.
    public var listenAddr: String
    /// Address other nodes reach this one at; the engine picks one when nil and it can.
    public var advertiseAddr: String?
    /// Address for data-path (overlay) traffic, when apart from the advertise address.
    public var dataPathAddr: String?
    /// Starts a new cluster from this node's state, dropping the other managers.
    public var forceNewCluster: Bool?
    /// The swarm's configuration; engine defaults when nil.
    public var spec: SwarmSpec?

    /// Creates a request.
    public init(
        listenAddr: String = "0.0.0.0:2377", advertiseAddr: String? = nil, dataPathAddr: String? = nil, forceNewCluster: Bool? = nil,
        spec: SwarmSpec? = nil
    ) {
        self.listenAddr = listenAddr
        self.advertiseAddr = advertiseAddr
        self.dataPathAddr = dataPathAddr
        self.forceNewCluster = forceNewCluster
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey {
        case listenAddr = "ListenAddr", advertiseAddr = "AdvertiseAddr", dataPathAddr = "DataPathAddr", forceNewCluster = "ForceNewCluster"
        case spec = "Spec"
    }
}

/// `POST /swarm/join`.
public struct SwarmJoinRequest: Codable, Sendable, Equatable {
    /// Address this node listens on, e.g. `0.0.0.0:2377`.
    public var listenAddr: String
    /// Address other nodes reach this one at; the engine picks one when nil and it can.
    public var advertiseAddr: String?
    /// Addresses of managers already in the swarm.
    public var remoteAddrs: [String]
    /// The worker or manager join token, which decides the role this node joins with.
    public var joinToken: String

    /// Creates a request.
    public init(listenAddr: String = "0.0.0.0:2377", advertiseAddr: String? = nil, remoteAddrs: [String], joinToken: String) {
        self.listenAddr = listenAddr
        self.advertiseAddr = advertiseAddr
        self.remoteAddrs = remoteAddrs
        self.joinToken = joinToken
    }

    enum CodingKeys: String, CodingKey {
        case listenAddr = "ListenAddr", advertiseAddr = "AdvertiseAddr", remoteAddrs = "RemoteAddrs", joinToken = "JoinToken"
    }
}

/// A swarm's configuration.
public struct SwarmSpec: Codable, Sendable, Equatable {
    /// The swarm's name (`default`).
    public var name: String?
    /// Labels.
    public var labels: [String: String]?
    /// Orchestrator settings.
    public var orchestration: Orchestration?
    /// Raft settings.
    public var raft: Raft?
    /// Dispatcher settings.
    public var dispatcher: Dispatcher?
    /// Certificate authority settings.
    public var caConfig: CAConfig?
    /// Encryption at rest of the managers' keys.
    public var encryptionConfig: EncryptionConfig?

    /// Creates a spec.
    public init(
        name: String? = nil, labels: [String: String]? = nil, orchestration: Orchestration? = nil, raft: Raft? = nil,
        dispatcher: Dispatcher? = nil, caConfig: CAConfig? = nil, encryptionConfig: EncryptionConfig? = nil
    ) {
        self.name = name
        self.labels = labels
        self.orchestration = orchestration
        self.raft = raft
        self.dispatcher = dispatcher
        self.caConfig = caConfig
        self.encryptionConfig = encryptionConfig
    }

    /// Orchestrator settings.
    public struct Orchestration: Codable, Sendable, Equatable {
        /// How many finished tasks per slot the swarm keeps for history.
        public var taskHistoryRetentionLimit: Int64?
        /// Creates settings.
        public init(taskHistoryRetentionLimit: Int64? = nil) { self.taskHistoryRetentionLimit = taskHistoryRetentionLimit }
        enum CodingKeys: String, CodingKey { case taskHistoryRetentionLimit = "TaskHistoryRetentionLimit" }
    }

    /// Raft settings.
    public struct Raft: Codable, Sendable, Equatable {
        /// Log entries between snapshots.
        public var snapshotInterval: UInt64?
        /// Snapshots kept besides the current one.
        public var keepOldSnapshots: UInt64?
        /// Log entries kept for slow followers after a snapshot.
        public var logEntriesForSlowFollowers: UInt64?
        /// Ticks without a leader before an election.
        public var electionTick: Int?
        /// Ticks between heartbeats.
        public var heartbeatTick: Int?

        /// Creates settings.
        public init(
            snapshotInterval: UInt64? = nil, keepOldSnapshots: UInt64? = nil, logEntriesForSlowFollowers: UInt64? = nil, electionTick: Int? = nil,
            heartbeatTick: Int? = nil
        ) {
            self.snapshotInterval = snapshotInterval
            self.keepOldSnapshots = keepOldSnapshots
            self.logEntriesForSlowFollowers = logEntriesForSlowFollowers
            self.electionTick = electionTick
            self.heartbeatTick = heartbeatTick
        }

        enum CodingKeys: String, CodingKey {
            case snapshotInterval = "SnapshotInterval", keepOldSnapshots = "KeepOldSnapshots"
            case logEntriesForSlowFollowers = "LogEntriesForSlowFollowers", electionTick = "ElectionTick", heartbeatTick = "HeartbeatTick"
        }
    }

    /// Dispatcher settings.
    public struct Dispatcher: Codable, Sendable, Equatable {
        /// How often nodes report to the managers, in nanoseconds.
        public var heartbeatPeriod: Int64?
        /// Creates settings.
        public init(heartbeatPeriod: Int64? = nil) { self.heartbeatPeriod = heartbeatPeriod }
        enum CodingKeys: String, CodingKey { case heartbeatPeriod = "HeartbeatPeriod" }
    }

    /// Certificate authority settings.
    public struct CAConfig: Codable, Sendable, Equatable {
        /// How long node certificates are valid, in nanoseconds.
        public var nodeCertExpiry: Int64?
        /// Bumping it makes the swarm rotate its root CA.
        public var forceRotate: UInt64?
        /// Creates settings.
        public init(nodeCertExpiry: Int64? = nil, forceRotate: UInt64? = nil) {
            self.nodeCertExpiry = nodeCertExpiry
            self.forceRotate = forceRotate
        }
        enum CodingKeys: String, CodingKey { case nodeCertExpiry = "NodeCertExpiry", forceRotate = "ForceRotate" }
    }

    /// Encryption of the managers' keys at rest.
    public struct EncryptionConfig: Codable, Sendable, Equatable {
        /// Locks managers at restart until unlocked with the unlock key.
        public var autoLockManagers: Bool?
        /// Creates settings.
        public init(autoLockManagers: Bool? = nil) { self.autoLockManagers = autoLockManagers }
        enum CodingKeys: String, CodingKey { case autoLockManagers = "AutoLockManagers" }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", labels = "Labels", orchestration = "Orchestration", raft = "Raft", dispatcher = "Dispatcher", caConfig = "CAConfig"
        case encryptionConfig = "EncryptionConfig"
    }
}

/// `GET /swarm`: the swarm as a manager sees it.
public struct SwarmInfo: Codable, Sendable {
    /// The cluster's ID.
    public var id: String
    /// The version to send back with ``DockerClient/swarmUpdate(version:spec:)``.
    public var version: SwarmVersion
    /// RFC 3339 creation time (see ``EngineTimestamp``).
    public var createdAt: String?
    /// RFC 3339 time of the last change.
    public var updatedAt: String?
    /// The swarm's configuration.
    public var spec: SwarmSpec
    /// The tokens other nodes join with.
    public var joinTokens: JoinTokens?

    /// The tokens other nodes join with.
    public struct JoinTokens: Codable, Sendable, Equatable {
        /// Joins a node as a worker.
        public var worker: String
        /// Joins a node as a manager.
        public var manager: String
        enum CodingKeys: String, CodingKey { case worker = "Worker", manager = "Manager" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", createdAt = "CreatedAt", updatedAt = "UpdatedAt", spec = "Spec", joinTokens = "JoinTokens"
    }
}

/// The `Swarm` part of `GET /info`: this engine's own view, sent by workers and managers alike.
public struct SwarmLocalInfo: Codable, Sendable {
    /// This node's ID; empty when not in a swarm.
    public var nodeID: String?
    /// This node's address in the swarm; empty when not in a swarm.
    public var nodeAddr: String?
    /// `inactive`, `pending`, `active`, `error` or `locked`.
    public var localNodeState: String?
    /// True on a manager: the swarm's API (services, nodes, tasks) answers here.
    public var controlAvailable: Bool?
    /// Why the node is in `error`; empty otherwise.
    public var error: String?
    /// The managers this node knows of.
    public var remoteManagers: [SwarmPeer]?
    /// Nodes in the swarm (sent by managers).
    public var nodes: Int?
    /// Managers in the swarm (sent by managers).
    public var managers: Int?
    /// The cluster (sent by managers).
    public var cluster: SwarmClusterInfo?

    enum CodingKeys: String, CodingKey {
        case nodeID = "NodeID", nodeAddr = "NodeAddr", localNodeState = "LocalNodeState", controlAvailable = "ControlAvailable"
        case error = "Error", remoteManagers = "RemoteManagers", nodes = "Nodes", managers = "Managers", cluster = "Cluster"
    }
}

/// A manager as another node knows it.
public struct SwarmPeer: Codable, Sendable, Hashable {
    /// The manager's node ID.
    public var nodeID: String
    /// The manager's address, `host:port`.
    public var addr: String
    enum CodingKeys: String, CodingKey { case nodeID = "NodeID", addr = "Addr" }
}

/// The cluster in `GET /info`.
public struct SwarmClusterInfo: Codable, Sendable {
    /// The cluster's ID.
    public var id: String
    /// The cluster object's version.
    public var version: SwarmVersion?
    enum CodingKeys: String, CodingKey { case id = "ID", version = "Version" }

    /// Decodes what a manager that lost its majority says too: an empty `Version` (`{}`) and
    /// no ID. `/info` must always decode, since leaving the swarm starts from it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = (try? container.decodeIfPresent(String.self, forKey: .id)) ?? ""
        version = (try? container.decodeIfPresent(SwarmVersion.self, forKey: .version)) ?? nil
    }
}
