import Foundation

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
        /// Swarm secrets mounted as files.
        public var secrets: [SecretReference]?
        /// Swarm configs mounted as files.
        public var configs: [ConfigReference]?

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
            case openStdin = "OpenStdin", ulimits = "Ulimits", secrets = "Secrets", configs = "Configs"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", labels = "Labels", taskTemplate = "TaskTemplate", mode = "Mode", updateConfig = "UpdateConfig"
        case rollbackConfig = "RollbackConfig", endpointSpec = "EndpointSpec"
    }
}
