import Foundation

// How a service is scheduled, rolled out and reached: its mode, update and rollback, endpoint and ports.
extension SwarmServiceSpec {
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
}
