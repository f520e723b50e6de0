import Foundation

// What each task of a service runs with: mounts, health, resources, restarts, placement, networks, logs.
extension SwarmServiceSpec {
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

    /// A resource limit of the task's container: the same as a container's.
    public typealias Ulimit = ContainerCreate.Ulimit

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
}
