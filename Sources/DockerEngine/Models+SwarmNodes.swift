import Foundation

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
