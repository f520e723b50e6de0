import Foundation

/// A device's part in a Drover cluster (a Docker Swarm formed from its fleet): what its agent
/// makes its engine do. The agent forms or joins the swarm, and a manager also keeps the
/// fleet's release running as a stack and the nodes' labels in step with the devices' tags.
public struct ClusterTarget: Codable, Sendable, Equatable {
    /// The Drover cluster's id.
    public var id: String
    /// Its name.
    public var name: String
    /// What the device is to be.
    public var role: Role
    /// The address to advertise to the other nodes; nil lets the engine choose (the address
    /// of the interface of its default route). Set per device by `DROVER_SWARM_ADVERTISE_ADDR`.
    public var advertiseAddress: String?
    /// Set on the one device that forms the swarm, until the server holds its join tokens.
    public var initialize: Bool?
    /// The dispatcher heartbeat in nanoseconds, for the device that forms the swarm.
    public var heartbeat: Int64?
    /// How to join, once the swarm exists.
    public var join: Join?
    /// What a manager keeps running: the fleet's release as a stack.
    public var stack: Stack?
    /// Managers only: the nodes the fleet's devices are, by node ID, with the labels and role
    /// each is to have. A node of no device here is removed once it is down.
    public var nodes: [String: Node]?

    /// A node's role.
    public enum Role: String, Codable, Sendable {
        /// Runs the raft store and the scheduler, and runs tasks.
        case manager
        /// Runs tasks.
        case worker
    }

    /// How to join the swarm.
    public struct Join: Codable, Sendable, Equatable {
        /// The join token for the device's role.
        public var token: String
        /// Addresses of managers, `host:2377`.
        public var managers: [String]

        /// Creates join instructions.
        public init(token: String, managers: [String]) {
            self.token = token
            self.managers = managers
        }
    }

    /// The stack a manager deploys: one Swarm service per compose service, named
    /// `NAMESPACE_SERVICE` as `docker stack deploy` names them.
    public struct Stack: Codable, Sendable, Equatable {
        /// The stack's namespace (the fleet's name).
        public var namespace: String
        /// The release.
        public var release: String
        /// Services by compose name; images pinned by digest.
        public var services: [String: ServiceSpec]
        /// Networks by the document's name (overlay unless said otherwise).
        public var networks: [String: NetworkSpec]?
        /// Named volumes by the document's name.
        public var volumes: [String: VolumeSpec]?
        /// Secrets by the document's name, each with the version of its value; the leader makes
        /// each version a Swarm secret, with the value it fetches as a device fetches its own.
        public var secrets: [String: AppFile]?
        /// Configs by the document's name, each with the version of its value.
        public var configs: [String: AppFile]?

        /// Creates a stack.
        public init(
            namespace: String, release: String, services: [String: ServiceSpec], networks: [String: NetworkSpec]? = nil, volumes: [String: VolumeSpec]? = nil
        ) {
            self.namespace = namespace
            self.release = release
            self.services = services
            self.networks = networks
            self.volumes = volumes
        }

        /// The stack as an app: what is checked, and what the server reads to give a manager
        /// the values the stack mounts.
        public var app: AppTarget {
            var app = AppTarget(release: release, services: services, networks: networks, volumes: volumes)
            app.secrets = secrets
            app.configs = configs
            return app
        }
    }

    /// What one node is to be.
    public struct Node: Codable, Sendable, Equatable {
        /// The Drover device.
        public var device: String
        /// Its role.
        public var role: Role
        /// Its labels: the device's tags, and `io.drover.device`.
        public var labels: [String: String]

        /// Creates a node plan.
        public init(device: String, role: Role, labels: [String: String]) {
            self.device = device
            self.role = role
            self.labels = labels
        }
    }

    /// Creates a cluster target.
    public init(id: String, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }

    /// The label that names a node's Drover device.
    public static let deviceLabel = "io.drover.device"
    /// The node label with the device's architecture in Drover's words (`amd64`, `arm64`,
    /// `arm`), for constraints such as `node.labels.io.drover.arch==arm64`; Swarm's own
    /// `node.platform.arch` says `x86_64` or `aarch64`.
    public static let architectureLabel = "io.drover.arch"
    /// The label on every service, network and the swarm itself that names the Drover cluster.
    public static let clusterLabel = "io.drover.cluster"

    /// Checks what the agent will pass to its engine.
    public func validate() throws(ModelError) {
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ModelError(.invalidValue, at: "cluster.id", "cluster id '\(id)' must be letters, digits and '-'")
        }
        if let heartbeat, heartbeat < 100_000_000 || heartbeat > 3_600_000_000_000 {
            throw ModelError(.invalidValue, at: "cluster.heartbeat", "heartbeat \(heartbeat) ns must be from 0.1 s to 1 h")
        }
        if let join, join.token.isEmpty || join.managers.isEmpty {
            throw ModelError(.missing, at: "cluster.join", "joining needs a token and at least one manager address")
        }
        if let stack {
            try stack.app.validate(name: stack.namespace)
        }
    }
}
