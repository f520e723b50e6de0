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

// MARK: - Nodes

/// One row of `GET /nodes`.
public struct SwarmNode: Codable, Sendable {
    /// The node's ID.
    public var id: String
    /// The version to send back with ``DockerClient/updateNode(id:version:spec:)``.
    public var version: SwarmVersion
    /// RFC 3339 creation time (see ``EngineTimestamp``).
    public var createdAt: String?
    /// RFC 3339 time of the last change.
    public var updatedAt: String?
    /// What an operator set: role, availability, labels.
    public var spec: Spec
    /// What the node reported about itself.
    public var description: Description?
    /// Whether the node is up.
    public var status: Status
    /// Present on managers only.
    public var managerStatus: ManagerStatus?

    /// `worker` or `manager`.
    public struct Role: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Runs tasks only.
        public static let worker: Self = "worker"
        /// Takes part in raft and answers the swarm API.
        public static let manager: Self = "manager"
    }

    /// `active`, `pause` or `drain`.
    public struct Availability: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Gets new tasks.
        public static let active: Self = "active"
        /// Keeps its tasks, gets no new ones.
        public static let pause: Self = "pause"
        /// Its tasks move elsewhere.
        public static let drain: Self = "drain"
    }

    /// `unknown`, `down`, `ready` or `disconnected`.
    public struct State: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Not known yet.
        public static let unknown: Self = "unknown"
        /// Down.
        public static let down: Self = "down"
        /// Up and taking tasks.
        public static let ready: Self = "ready"
        /// Missed its heartbeats.
        public static let disconnected: Self = "disconnected"
    }

    /// `unknown`, `unreachable` or `reachable`.
    public struct Reachability: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Not known yet.
        public static let unknown: Self = "unknown"
        /// The other managers cannot reach it.
        public static let unreachable: Self = "unreachable"
        /// Part of the raft quorum.
        public static let reachable: Self = "reachable"
    }

    /// What an operator sets on a node (`POST /nodes/{id}/update`).
    public struct Spec: Codable, Sendable, Equatable {
        /// A name; dockerd sends none unless one was set.
        public var name: String?
        /// Labels, which placement constraints match (`node.labels.x==y`).
        public var labels: [String: String]?
        /// Worker or manager.
        public var role: Role?
        /// Whether it gets tasks.
        public var availability: Availability?

        /// Creates a spec.
        public init(name: String? = nil, labels: [String: String]? = nil, role: Role? = nil, availability: Availability? = nil) {
            self.name = name
            self.labels = labels
            self.role = role
            self.availability = availability
        }

        enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels", role = "Role", availability = "Availability" }
    }

    /// What the node reported about itself.
    public struct Description: Codable, Sendable {
        /// Host name.
        public var hostname: String?
        /// OS and architecture.
        public var platform: SwarmPlatform?
        /// CPU and memory.
        public var resources: Resources?
        /// The node's engine.
        public var engine: Engine?

        /// CPU and memory the node has.
        public struct Resources: Codable, Sendable {
            /// CPUs in billionths.
            public var nanoCPUs: Int64?
            /// Memory in bytes.
            public var memoryBytes: Int64?
            enum CodingKeys: String, CodingKey { case nanoCPUs = "NanoCPUs", memoryBytes = "MemoryBytes" }
        }

        /// The node's engine.
        public struct Engine: Codable, Sendable {
            /// The engine's release, e.g. `20.10.24`.
            public var engineVersion: String?
            /// The engine's labels (`dockerd --label`).
            public var labels: [String: String]?
            enum CodingKeys: String, CodingKey { case engineVersion = "EngineVersion", labels = "Labels" }
        }

        enum CodingKeys: String, CodingKey { case hostname = "Hostname", platform = "Platform", resources = "Resources", engine = "Engine" }
    }

    /// Whether the node is up.
    public struct Status: Codable, Sendable {
        /// Up, down, …
        public var state: State
        /// Why, when not ready.
        public var message: String?
        /// The node's address as the managers see it.
        public var addr: String?
        enum CodingKeys: String, CodingKey { case state = "State", message = "Message", addr = "Addr" }
    }

    /// A manager's place in raft.
    public struct ManagerStatus: Codable, Sendable {
        /// True on the raft leader.
        public var leader: Bool?
        /// Whether the other managers reach it.
        public var reachability: Reachability?
        /// Its raft address, `host:port`.
        public var addr: String?
        enum CodingKeys: String, CodingKey { case leader = "Leader", reachability = "Reachability", addr = "Addr" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", createdAt = "CreatedAt", updatedAt = "UpdatedAt", spec = "Spec", description = "Description"
        case status = "Status", managerStatus = "ManagerStatus"
    }
}

/// An OS and architecture, as nodes report them and placement asks for them.
public struct SwarmPlatform: Codable, Sendable, Hashable {
    /// Architecture, e.g. `x86_64`, `aarch64` (nodes) or `amd64`, `arm64` (images).
    public var architecture: String?
    /// Operating system, e.g. `linux`.
    public var os: String?

    /// Creates a platform.
    public init(architecture: String? = nil, os: String? = nil) {
        self.architecture = architecture
        self.os = os
    }

    enum CodingKeys: String, CodingKey { case architecture = "Architecture", os = "OS" }
}

// MARK: - Services

/// What a service should be (`POST /services/create`, `POST /services/{id}/update`).
public struct SwarmServiceSpec: Codable, Sendable, Equatable {
    /// The service's name; the engine makes one up when nil.
    public var name: String?
    /// Labels of the service (not of its containers).
    public var labels: [String: String]?
    /// What each task runs.
    public var taskTemplate: TaskTemplate
    /// Replicated or global.
    public var mode: Mode?
    /// How an update rolls out.
    public var updateConfig: UpdateConfig?
    /// How a rollback rolls out.
    public var rollbackConfig: UpdateConfig?
    /// Ports and load balancing.
    public var endpointSpec: EndpointSpec?

    /// Creates a spec.
    public init(
        name: String? = nil, labels: [String: String]? = nil, taskTemplate: TaskTemplate, mode: Mode? = nil, updateConfig: UpdateConfig? = nil,
        rollbackConfig: UpdateConfig? = nil, endpointSpec: EndpointSpec? = nil
    ) {
        self.name = name
        self.labels = labels
        self.taskTemplate = taskTemplate
        self.mode = mode
        self.updateConfig = updateConfig
        self.rollbackConfig = rollbackConfig
        self.endpointSpec = endpointSpec
    }

    /// What each task of a service runs.
    public struct TaskTemplate: Codable, Sendable, Equatable {
        /// The container; nil only for tasks that are not containers (network attachments, plugins).
        public var containerSpec: ContainerSpec?
        /// CPU, memory and process limits and reservations.
        public var resources: Resources?
        /// When the swarm replaces a task that ended.
        public var restartPolicy: RestartPolicy?
        /// Which nodes may run the tasks.
        public var placement: Placement?
        /// Networks the tasks join.
        public var networks: [NetworkAttachment]?
        /// Log driver of the tasks' containers.
        public var logDriver: LogDriver?
        /// A counter; changing it makes the swarm replace the tasks even when nothing else changed.
        public var forceUpdate: UInt64?
        /// `container` (dockerd fills it in).
        public var runtime: String?

        /// Creates a template.
        public init(
            containerSpec: ContainerSpec? = nil, resources: Resources? = nil, restartPolicy: RestartPolicy? = nil, placement: Placement? = nil,
            networks: [NetworkAttachment]? = nil, logDriver: LogDriver? = nil, forceUpdate: UInt64? = nil, runtime: String? = nil
        ) {
            self.containerSpec = containerSpec
            self.resources = resources
            self.restartPolicy = restartPolicy
            self.placement = placement
            self.networks = networks
            self.logDriver = logDriver
            self.forceUpdate = forceUpdate
            self.runtime = runtime
        }

        enum CodingKeys: String, CodingKey {
            case containerSpec = "ContainerSpec", resources = "Resources", restartPolicy = "RestartPolicy", placement = "Placement"
            case networks = "Networks", logDriver = "LogDriver", forceUpdate = "ForceUpdate", runtime = "Runtime"
        }
    }

    /// The container a task runs.
    public struct ContainerSpec: Codable, Sendable, Equatable {
        /// Image reference; the engine pins it to a digest at create unless told not to.
        public var image: String
        /// Labels of the containers.
        public var labels: [String: String]?
        /// Replaces the image's entrypoint.
        public var command: [String]?
        /// Replaces the image's command.
        public var args: [String]?
        /// Host name inside the container.
        public var hostname: String?
        /// Environment as `KEY=VALUE`.
        public var env: [String]?
        /// Working directory.
        public var dir: String?
        /// User, `name`, `uid` or `uid:gid`.
        public var user: String?
        /// Extra groups.
        public var groups: [String]?
        /// Mounts.
        public var mounts: [Mount]?
        /// Signal that stops the container, e.g. `SIGTERM`.
        public var stopSignal: String?
        /// How long the container may take to stop before it is killed, in nanoseconds.
        public var stopGracePeriod: Int64?
        /// Health check, replacing the image's.
        public var healthCheck: HealthCheck?
        /// Extra `/etc/hosts` lines, `IP host…`.
        public var hosts: [String]?
        /// Resolver configuration.
        public var dnsConfig: DNSConfig?
        /// Runs an init process as PID 1 (`Init` in the API).
        public var initProcess: Bool?
        /// Kernel parameters, e.g. `net.ipv4.ip_forward`.
        public var sysctls: [String: String]?
        /// Capabilities to add, e.g. `CAP_NET_ADMIN`.
        public var capabilityAdd: [String]?
        /// Capabilities to drop.
        public var capabilityDrop: [String]?
        /// Mounts the root file system read-only.
        public var readOnly: Bool?
        /// Allocates a pseudo-terminal.
        public var tty: Bool?
        /// Keeps standard input open.
        public var openStdin: Bool?
        /// Resource limits of the process.
        public var ulimits: [Ulimit]?

        /// Creates a container spec.
        public init(
            image: String, labels: [String: String]? = nil, command: [String]? = nil, args: [String]? = nil, hostname: String? = nil,
            env: [String]? = nil, dir: String? = nil, user: String? = nil, groups: [String]? = nil, mounts: [Mount]? = nil,
            stopSignal: String? = nil, stopGracePeriod: Int64? = nil, healthCheck: HealthCheck? = nil, hosts: [String]? = nil,
            dnsConfig: DNSConfig? = nil, initProcess: Bool? = nil, sysctls: [String: String]? = nil, capabilityAdd: [String]? = nil,
            capabilityDrop: [String]? = nil, readOnly: Bool? = nil, tty: Bool? = nil, openStdin: Bool? = nil, ulimits: [Ulimit]? = nil
        ) {
            self.image = image
            self.labels = labels
            self.command = command
            self.args = args
            self.hostname = hostname
            self.env = env
            self.dir = dir
            self.user = user
            self.groups = groups
            self.mounts = mounts
            self.stopSignal = stopSignal
            self.stopGracePeriod = stopGracePeriod
            self.healthCheck = healthCheck
            self.hosts = hosts
            self.dnsConfig = dnsConfig
            self.initProcess = initProcess
            self.sysctls = sysctls
            self.capabilityAdd = capabilityAdd
            self.capabilityDrop = capabilityDrop
            self.readOnly = readOnly
            self.tty = tty
            self.openStdin = openStdin
            self.ulimits = ulimits
        }

        enum CodingKeys: String, CodingKey {
            case image = "Image", labels = "Labels", command = "Command", args = "Args", hostname = "Hostname", env = "Env", dir = "Dir"
            case user = "User", groups = "Groups", mounts = "Mounts", stopSignal = "StopSignal", stopGracePeriod = "StopGracePeriod"
            case healthCheck = "HealthCheck", hosts = "Hosts", dnsConfig = "DNSConfig", initProcess = "Init", sysctls = "Sysctls"
            case capabilityAdd = "CapabilityAdd", capabilityDrop = "CapabilityDrop", readOnly = "ReadOnly", tty = "TTY"
            case openStdin = "OpenStdin", ulimits = "Ulimits"
        }
    }

    /// `bind`, `volume`, `tmpfs` or `npipe`.
    public struct MountType: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A host path.
        public static let bind: Self = "bind"
        /// A named volume.
        public static let volume: Self = "volume"
        /// Memory.
        public static let tmpfs: Self = "tmpfs"
    }

    /// One mount of a task's container.
    public struct Mount: Codable, Sendable, Equatable {
        /// Bind, volume or tmpfs.
        public var type: MountType
        /// Host path or volume name; none for tmpfs.
        public var source: String?
        /// Path in the container.
        public var target: String
        /// Mounts read-only.
        public var readOnly: Bool?
        /// Size and mode of a tmpfs.
        public var tmpfsOptions: TmpfsOptions?

        /// Creates a mount.
        public init(type: MountType, source: String? = nil, target: String, readOnly: Bool? = nil, tmpfsOptions: TmpfsOptions? = nil) {
            self.type = type
            self.source = source
            self.target = target
            self.readOnly = readOnly
            self.tmpfsOptions = tmpfsOptions
        }

        enum CodingKeys: String, CodingKey {
            case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly", tmpfsOptions = "TmpfsOptions"
        }
    }

    /// Size and mode of a tmpfs mount.
    public struct TmpfsOptions: Codable, Sendable, Equatable {
        /// Size in bytes; unlimited when nil.
        public var sizeBytes: Int64?
        /// File mode of the mount point, e.g. `0o1777`.
        public var mode: UInt32?
        /// Creates options.
        public init(sizeBytes: Int64? = nil, mode: UInt32? = nil) {
            self.sizeBytes = sizeBytes
            self.mode = mode
        }
        enum CodingKeys: String, CodingKey { case sizeBytes = "SizeBytes", mode = "Mode" }
    }

    /// A container health check. Durations in nanoseconds.
    public struct HealthCheck: Codable, Sendable, Equatable {
        /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`.
        public var test: [String]?
        /// Time between probes.
        public var interval: Int64?
        /// Time a probe may take.
        public var timeout: Int64?
        /// Failures before unhealthy.
        public var retries: Int?
        /// Time after start in which failures do not count.
        public var startPeriod: Int64?

        /// Creates a health check.
        public init(test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, retries: Int? = nil, startPeriod: Int64? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.retries = retries
            self.startPeriod = startPeriod
        }

        enum CodingKeys: String, CodingKey {
            case test = "Test", interval = "Interval", timeout = "Timeout", retries = "Retries", startPeriod = "StartPeriod"
        }
    }

    /// Resolver configuration of a task's container.
    public struct DNSConfig: Codable, Sendable, Equatable {
        /// Name server addresses.
        public var nameservers: [String]?
        /// Search domains.
        public var search: [String]?
        /// Resolver options, e.g. `ndots:2`.
        public var options: [String]?
        /// Creates a configuration.
        public init(nameservers: [String]? = nil, search: [String]? = nil, options: [String]? = nil) {
            self.nameservers = nameservers
            self.search = search
            self.options = options
        }
        enum CodingKeys: String, CodingKey { case nameservers = "Nameservers", search = "Search", options = "Options" }
    }

    /// A process resource limit, e.g. `nofile`.
    public struct Ulimit: Codable, Sendable, Equatable {
        /// Limit name, e.g. `nofile`.
        public var name: String
        /// Soft limit.
        public var soft: Int64
        /// Hard limit.
        public var hard: Int64
        /// Creates a limit.
        public init(name: String, soft: Int64, hard: Int64) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }
        enum CodingKeys: String, CodingKey { case name = "Name", soft = "Soft", hard = "Hard" }
    }

    /// CPU, memory and process limits and reservations of a task.
    public struct Resources: Codable, Sendable, Equatable {
        /// What a task may use at most.
        public var limits: Limits?
        /// What a node must have free to take a task.
        public var reservations: Reservations?
        /// Creates resources.
        public init(limits: Limits? = nil, reservations: Reservations? = nil) {
            self.limits = limits
            self.reservations = reservations
        }

        /// What a task may use at most.
        public struct Limits: Codable, Sendable, Equatable {
            /// CPUs in billionths (1.5 CPUs = 1_500_000_000).
            public var nanoCPUs: Int64?
            /// Memory in bytes.
            public var memoryBytes: Int64?
            /// Processes.
            public var pids: Int64?
            /// Creates limits.
            public init(nanoCPUs: Int64? = nil, memoryBytes: Int64? = nil, pids: Int64? = nil) {
                self.nanoCPUs = nanoCPUs
                self.memoryBytes = memoryBytes
                self.pids = pids
            }
            enum CodingKeys: String, CodingKey { case nanoCPUs = "NanoCPUs", memoryBytes = "MemoryBytes", pids = "Pids" }
        }

        /// What a node must have free to take a task.
        public struct Reservations: Codable, Sendable, Equatable {
            /// CPUs in billionths.
            public var nanoCPUs: Int64?
            /// Memory in bytes.
            public var memoryBytes: Int64?
            /// Creates reservations.
            public init(nanoCPUs: Int64? = nil, memoryBytes: Int64? = nil) {
                self.nanoCPUs = nanoCPUs
                self.memoryBytes = memoryBytes
            }
            enum CodingKeys: String, CodingKey { case nanoCPUs = "NanoCPUs", memoryBytes = "MemoryBytes" }
        }

        enum CodingKeys: String, CodingKey { case limits = "Limits", reservations = "Reservations" }
    }

    /// `none`, `on-failure` or `any`.
    public struct RestartCondition: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Never replace an ended task.
        public static let none: Self = "none"
        /// Replace a task that exited non-zero.
        public static let onFailure: Self = "on-failure"
        /// Replace any ended task.
        public static let any: Self = "any"
    }

    /// When the swarm replaces a task that ended. Durations in nanoseconds.
    public struct RestartPolicy: Codable, Sendable, Equatable {
        /// Which endings are replaced.
        public var condition: RestartCondition?
        /// Wait before a replacement.
        public var delay: Int64?
        /// Replacements at most (within `window` when set); unlimited when 0 or nil.
        public var maxAttempts: UInt64?
        /// The window `maxAttempts` counts in.
        public var window: Int64?

        /// Creates a policy.
        public init(condition: RestartCondition? = nil, delay: Int64? = nil, maxAttempts: UInt64? = nil, window: Int64? = nil) {
            self.condition = condition
            self.delay = delay
            self.maxAttempts = maxAttempts
            self.window = window
        }

        enum CodingKeys: String, CodingKey { case condition = "Condition", delay = "Delay", maxAttempts = "MaxAttempts", window = "Window" }
    }

    /// Which nodes may run a service's tasks.
    public struct Placement: Codable, Sendable, Equatable {
        /// Constraints such as `node.role==manager`, `node.labels.zone!=b`.
        public var constraints: [String]?
        /// Spread preferences, applied in order.
        public var preferences: [PlacementPreference]?
        /// Tasks per node at most; unlimited when 0 or nil.
        public var maxReplicas: UInt64?
        /// Platforms the image runs on; the engine fills them in from the image at create.
        public var platforms: [SwarmPlatform]?

        /// Creates a placement.
        public init(
            constraints: [String]? = nil, preferences: [PlacementPreference]? = nil, maxReplicas: UInt64? = nil, platforms: [SwarmPlatform]? = nil
        ) {
            self.constraints = constraints
            self.preferences = preferences
            self.maxReplicas = maxReplicas
            self.platforms = platforms
        }

        enum CodingKeys: String, CodingKey {
            case constraints = "Constraints", preferences = "Preferences", maxReplicas = "MaxReplicas", platforms = "Platforms"
        }
    }

    /// A placement preference: spread tasks evenly over the values of a node label.
    public struct PlacementPreference: Codable, Sendable, Equatable {
        /// The spread.
        public var spread: Spread?
        /// Creates a preference.
        public init(spread: Spread? = nil) { self.spread = spread }

        /// Spreads over the values of `spreadDescriptor`, e.g. `node.labels.zone`.
        public struct Spread: Codable, Sendable, Equatable {
            /// The node attribute to spread over.
            public var spreadDescriptor: String
            /// Creates a spread.
            public init(spreadDescriptor: String) { self.spreadDescriptor = spreadDescriptor }
            enum CodingKeys: String, CodingKey { case spreadDescriptor = "SpreadDescriptor" }
        }

        enum CodingKeys: String, CodingKey { case spread = "Spread" }
    }

    /// A network a service's tasks join.
    public struct NetworkAttachment: Codable, Sendable, Equatable {
        /// Network name or ID (dockerd stores the ID).
        public var target: String
        /// DNS aliases on the network.
        public var aliases: [String]?
        /// Creates an attachment.
        public init(target: String, aliases: [String]? = nil) {
            self.target = target
            self.aliases = aliases
        }
        enum CodingKeys: String, CodingKey { case target = "Target", aliases = "Aliases" }
    }

    /// A log driver and its options.
    public struct LogDriver: Codable, Sendable, Equatable {
        /// Driver name, e.g. `json-file`, `local`.
        public var name: String
        /// Driver options, e.g. `max-size`.
        public var options: [String: String]?
        /// Creates a log driver.
        public init(name: String, options: [String: String]? = nil) {
            self.name = name
            self.options = options
        }
        enum CodingKeys: String, CodingKey { case name = "Name", options = "Options" }
    }

    /// Replicated (a number of tasks) or global (one task per eligible node); the API sends
    /// exactly one of the two, or neither for job modes Drover does not model.
    public struct Mode: Codable, Sendable, Equatable {
        /// Set for a replicated service.
        public var replicated: Replicated?
        /// Set for a global service.
        public var global: Global?

        /// Creates a mode from its parts.
        public init(replicated: Replicated? = nil, global: Global? = nil) {
            self.replicated = replicated
            self.global = global
        }

        /// A replicated service with `replicas` tasks.
        public static func replicated(_ replicas: UInt64) -> Mode { Mode(replicated: Replicated(replicas: replicas)) }
        /// A global service.
        public static let global = Mode(global: Global())

        /// The task count of a replicated service.
        public struct Replicated: Codable, Sendable, Equatable {
            /// Tasks wanted.
            public var replicas: UInt64?
            /// Creates the mode.
            public init(replicas: UInt64? = nil) { self.replicas = replicas }
            enum CodingKeys: String, CodingKey { case replicas = "Replicas" }
        }

        /// A global service; the API has it as an empty object.
        public struct Global: Codable, Sendable, Equatable {
            /// Creates the mode.
            public init() {}
        }

        enum CodingKeys: String, CodingKey { case replicated = "Replicated", global = "Global" }
    }

    /// `continue`, `pause` or `rollback`.
    public struct FailureAction: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Carries on with the next batch.
        public static let `continue`: Self = "continue"
        /// Stops the update where it is.
        public static let pause: Self = "pause"
        /// Goes back to the previous spec.
        public static let rollback: Self = "rollback"
    }

    /// `stop-first` or `start-first`.
    public struct UpdateOrder: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Stops the old task before starting the new one.
        public static let stopFirst: Self = "stop-first"
        /// Starts the new task before stopping the old one (they overlap).
        public static let startFirst: Self = "start-first"
    }

    /// How an update or rollback rolls out. Durations in nanoseconds.
    public struct UpdateConfig: Codable, Sendable, Equatable {
        /// Tasks replaced at once; all when 0.
        public var parallelism: UInt64?
        /// Wait between batches.
        public var delay: Int64?
        /// What to do when a task fails during the update.
        public var failureAction: FailureAction?
        /// How long after a task's update a failure counts against the update.
        public var monitor: Int64?
        /// Share of tasks that may fail before `failureAction`, 0…1.
        public var maxFailureRatio: Double?
        /// Stop first or start first.
        public var order: UpdateOrder?

        /// Creates a configuration.
        public init(
            parallelism: UInt64? = nil, delay: Int64? = nil, failureAction: FailureAction? = nil, monitor: Int64? = nil,
            maxFailureRatio: Double? = nil, order: UpdateOrder? = nil
        ) {
            self.parallelism = parallelism
            self.delay = delay
            self.failureAction = failureAction
            self.monitor = monitor
            self.maxFailureRatio = maxFailureRatio
            self.order = order
        }

        enum CodingKeys: String, CodingKey {
            case parallelism = "Parallelism", delay = "Delay", failureAction = "FailureAction", monitor = "Monitor"
            case maxFailureRatio = "MaxFailureRatio", order = "Order"
        }
    }

    /// `vip` or `dnsrr`.
    public struct EndpointMode: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// One virtual IP that balances over the tasks.
        public static let vip: Self = "vip"
        /// DNS round robin over the tasks' addresses (no ingress ports).
        public static let dnsrr: Self = "dnsrr"
    }

    /// `tcp`, `udp` or `sctp`.
    public struct PortProtocol: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// TCP.
        public static let tcp: Self = "tcp"
        /// UDP.
        public static let udp: Self = "udp"
        /// SCTP.
        public static let sctp: Self = "sctp"
    }

    /// `ingress` or `host`.
    public struct PublishMode: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Published on every node through the routing mesh.
        public static let ingress: Self = "ingress"
        /// Published on the node that runs the task only.
        public static let host: Self = "host"
    }

    /// Ports and load balancing of a service.
    public struct EndpointSpec: Codable, Sendable, Equatable {
        /// Virtual IP or DNS round robin.
        public var mode: EndpointMode?
        /// Published ports.
        public var ports: [PortConfig]?
        /// Creates an endpoint spec.
        public init(mode: EndpointMode? = nil, ports: [PortConfig]? = nil) {
            self.mode = mode
            self.ports = ports
        }
        enum CodingKeys: String, CodingKey { case mode = "Mode", ports = "Ports" }
    }

    /// One published port.
    public struct PortConfig: Codable, Sendable, Equatable {
        /// A name for the port.
        public var name: String?
        /// TCP, UDP or SCTP; TCP when nil.
        public var `protocol`: PortProtocol?
        /// Port in the container.
        public var targetPort: UInt32
        /// Port on the node; the swarm picks one when nil (ingress only).
        public var publishedPort: UInt32?
        /// Ingress or host.
        public var publishMode: PublishMode?

        /// Creates a port.
        public init(
            name: String? = nil, protocol: PortProtocol? = nil, targetPort: UInt32, publishedPort: UInt32? = nil, publishMode: PublishMode? = nil
        ) {
            self.name = name
            self.protocol = `protocol`
            self.targetPort = targetPort
            self.publishedPort = publishedPort
            self.publishMode = publishMode
        }

        enum CodingKeys: String, CodingKey {
            case name = "Name", `protocol` = "Protocol", targetPort = "TargetPort", publishedPort = "PublishedPort", publishMode = "PublishMode"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", labels = "Labels", taskTemplate = "TaskTemplate", mode = "Mode", updateConfig = "UpdateConfig"
        case rollbackConfig = "RollbackConfig", endpointSpec = "EndpointSpec"
    }
}

/// One row of `GET /services`.
public struct SwarmService: Codable, Sendable {
    /// The service's ID.
    public var id: String
    /// The version to send back with ``DockerClient/updateService(id:version:spec:registryAuth:)``.
    public var version: SwarmVersion
    /// RFC 3339 creation time (see ``EngineTimestamp``).
    public var createdAt: String?
    /// RFC 3339 time of the last change.
    public var updatedAt: String?
    /// What the service should be, with the defaults dockerd filled in.
    public var spec: SwarmServiceSpec
    /// The spec before the last update, which a rollback returns to.
    public var previousSpec: SwarmServiceSpec?
    /// How the last update went; nil when the service was never updated.
    public var updateStatus: UpdateStatus?
    /// Task counts; sent when listed with `status=true`.
    public var serviceStatus: ServiceStatus?
    /// The ports as they were published.
    public var endpoint: Endpoint?

    /// `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused` or `rollback_completed`.
    public struct UpdateState: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Rolling out.
        public static let updating: Self = "updating"
        /// Stopped by the failure action `pause`.
        public static let paused: Self = "paused"
        /// Done.
        public static let completed: Self = "completed"
        /// Rolling back.
        public static let rollbackStarted: Self = "rollback_started"
        /// A rollback stopped on failures.
        public static let rollbackPaused: Self = "rollback_paused"
        /// Rolled back.
        public static let rollbackCompleted: Self = "rollback_completed"
    }

    /// How the last update went.
    public struct UpdateStatus: Codable, Sendable {
        /// Where it is.
        public var state: UpdateState?
        /// RFC 3339 start time.
        public var startedAt: String?
        /// RFC 3339 end time.
        public var completedAt: String?
        /// The swarm's words, e.g. `update paused due to failure or early termination of task …`.
        public var message: String?
        enum CodingKeys: String, CodingKey { case state = "State", startedAt = "StartedAt", completedAt = "CompletedAt", message = "Message" }
    }

    /// Task counts of a service.
    public struct ServiceStatus: Codable, Sendable, Equatable {
        /// Tasks running now.
        public var runningTasks: UInt64
        /// Tasks wanted (replicas, or eligible nodes for a global service).
        public var desiredTasks: UInt64
        /// Tasks of a job that completed.
        public var completedTasks: UInt64?
        enum CodingKeys: String, CodingKey { case runningTasks = "RunningTasks", desiredTasks = "DesiredTasks", completedTasks = "CompletedTasks" }
    }

    /// The ports as they were published.
    public struct Endpoint: Codable, Sendable {
        /// Published ports, with the ports the swarm picked filled in.
        public var ports: [SwarmServiceSpec.PortConfig]?
        enum CodingKeys: String, CodingKey { case ports = "Ports" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", createdAt = "CreatedAt", updatedAt = "UpdatedAt", spec = "Spec", previousSpec = "PreviousSpec"
        case updateStatus = "UpdateStatus", serviceStatus = "ServiceStatus", endpoint = "Endpoint"
    }
}

// MARK: - Tasks

/// One row of `GET /tasks`: one attempt at running one slot of a service.
public struct SwarmTask: Codable, Sendable {
    /// The task's ID.
    public var id: String
    /// The task object's version.
    public var version: SwarmVersion
    /// RFC 3339 creation time (see ``EngineTimestamp``).
    public var createdAt: String?
    /// RFC 3339 time of the last change.
    public var updatedAt: String?
    /// The service it belongs to.
    public var serviceID: String
    /// The node it was assigned; nil while pending.
    public var nodeID: String?
    /// The replica slot, 1…replicas; nil for a global service's tasks.
    public var slot: Int?
    /// The state the swarm wants it in (`running`, `shutdown`, …).
    public var desiredState: State
    /// Where it is.
    public var status: Status
    /// What it runs: the service's task template when the task was made.
    public var spec: SwarmServiceSpec.TaskTemplate

    /// A task state: `new`, `allocated`, `pending`, `assigned`, `accepted`, `preparing`, `ready`,
    /// `starting`, `running`, `complete`, `shutdown`, `failed`, `rejected`, `remove`, `orphaned`.
    public struct State: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Created, not yet allocated.
        public static let new: Self = "new"
        /// Waiting for a node (see the status's `err` for why).
        public static let pending: Self = "pending"
        /// Given to a node.
        public static let assigned: Self = "assigned"
        /// Pulling the image and creating the container.
        public static let preparing: Self = "preparing"
        /// Starting.
        public static let starting: Self = "starting"
        /// Running.
        public static let running: Self = "running"
        /// Exited zero.
        public static let complete: Self = "complete"
        /// Stopped by the swarm.
        public static let shutdown: Self = "shutdown"
        /// Exited non-zero or could not start.
        public static let failed: Self = "failed"
        /// The node refused it.
        public static let rejected: Self = "rejected"
        /// Marked for removal.
        public static let remove: Self = "remove"
        /// Its node has been gone too long.
        public static let orphaned: Self = "orphaned"
    }

    /// Where a task is.
    public struct Status: Codable, Sendable {
        /// RFC 3339 time of the last change (see ``EngineTimestamp``).
        public var timestamp: String?
        /// The state.
        public var state: State
        /// What the swarm is doing, e.g. `started`, `pending task scheduling`.
        public var message: String?
        /// Why it failed or waits, e.g. `no suitable node (…)`.
        public var err: String?
        /// The container, once there is one.
        public var containerStatus: ContainerStatus?
        enum CodingKeys: String, CodingKey {
            case timestamp = "Timestamp", state = "State", message = "Message", err = "Err", containerStatus = "ContainerStatus"
        }
    }

    /// A task's container.
    public struct ContainerStatus: Codable, Sendable {
        /// The container's ID on its node.
        public var containerID: String?
        /// Its process ID on its node.
        public var pid: Int?
        /// Its exit code, once it exited.
        public var exitCode: Int?
        enum CodingKeys: String, CodingKey { case containerID = "ContainerID", pid = "PID", exitCode = "ExitCode" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", createdAt = "CreatedAt", updatedAt = "UpdatedAt", serviceID = "ServiceID", nodeID = "NodeID"
        case slot = "Slot", desiredState = "DesiredState", status = "Status", spec = "Spec"
    }
}

// MARK: - Timestamps

/// The engine's timestamps: RFC 3339 with up to nine digits of fractional seconds, and Go's
/// zero time (`0001-01-01T00:00:00Z`) for "never".
public enum EngineTimestamp {
    /// Parses a timestamp; nil for the zero time or an empty string. Fails, naming the text,
    /// on anything else that is not RFC 3339.
    public static func date(from text: String) throws(DockerError) -> Date? {
        if text.isEmpty || text.hasPrefix("0001-01-01T00:00:00") { return nil }
        // Foundation's parsers take at most milliseconds, so the fraction is read apart.
        var whole = Substring(text)
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digitsEnd = text[dot...].dropFirst().firstIndex { !$0.isASCII || !$0.isNumber } ?? text.endIndex
            let digits = text[text.index(after: dot)..<digitsEnd]
            guard !digits.isEmpty, digits.count <= 9, let value = Double("0." + digits) else {
                throw DockerError(.badResponse, "engine timestamp \"\(text)\" has a malformed fraction of a second")
            }
            fraction = value
            whole = text[..<dot] + text[digitsEnd...]
        }
        do {
            return try Date(String(whole), strategy: .iso8601).addingTimeInterval(fraction)
        } catch {
            throw DockerError(.badResponse, "engine timestamp \"\(text)\" is not RFC 3339", cause: error)
        }
    }
}
