/// `POST /containers/create` body: the parts of the engine's container config Drover sets.
public struct ContainerCreate: Codable, Sendable, Equatable {
    /// Image reference.
    public var image: String
    /// Command.
    public var cmd: [String]?
    /// Entrypoint.
    public var entrypoint: [String]?
    /// Environment as `KEY=VALUE`.
    public var env: [String]?
    /// Labels.
    public var labels: [String: String]?
    /// `80/tcp` → `{}`.
    public var exposedPorts: [String: EmptyObject]?
    /// Working directory.
    public var workingDir: String?
    /// User.
    public var user: String?
    /// Host name.
    public var hostname: String?
    /// Domain name.
    public var domainname: String?
    /// Signal to stop with.
    public var stopSignal: String?
    /// Seconds to wait after the stop signal.
    public var stopTimeout: Int?
    /// Health check.
    public var healthcheck: HealthConfig?
    /// Keep STDIN open.
    public var openStdin: Bool?
    /// Allocate a TTY.
    public var tty: Bool?
    /// Anonymous volumes: path → `{}`.
    public var volumes: [String: EmptyObject]?
    /// Host configuration.
    public var hostConfig: HostConfig
    /// Network to join at creation, with its endpoint settings.
    public var networkingConfig: NetworkingConfig?

    /// Creates a body for `image`.
    public init(image: String, hostConfig: HostConfig = HostConfig()) {
        self.image = image
        self.hostConfig = hostConfig
    }

    /// A health check, durations in nanoseconds.
    public struct HealthConfig: Codable, Sendable, Equatable {
        /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`.
        public var test: [String]
        /// Interval in nanoseconds.
        public var interval: Int64?
        /// Timeout in nanoseconds.
        public var timeout: Int64?
        /// Consecutive failures before unhealthy.
        public var retries: Int?
        /// Grace period in nanoseconds.
        public var startPeriod: Int64?

        /// Creates a check.
        public init(test: [String], interval: Int64? = nil, timeout: Int64? = nil, retries: Int? = nil, startPeriod: Int64? = nil) {
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

    /// Host configuration of a new container.
    public struct HostConfig: Codable, Sendable, Equatable {
        /// `host:container[:opts]` bind mounts (the engine creates missing host paths).
        public var binds: [String]?
        /// Volume and tmpfs mounts.
        public var mounts: [MountSpec]?
        /// `80/tcp` → host bindings.
        public var portBindings: [String: [PortBinding]]?
        /// Restart policy.
        public var restartPolicy: RestartPolicy?
        /// `bridge`, `host`, `none`, `container:<id>` or a network name.
        public var networkMode: String?
        /// Privileged mode.
        public var privileged: Bool?
        /// Capabilities to add.
        public var capAdd: [String]?
        /// Capabilities to drop.
        public var capDrop: [String]?
        /// Devices.
        public var devices: [DeviceMapping]?
        /// Path → tmpfs options.
        public var tmpfs: [String: String]?
        /// Kernel parameters.
        public var sysctls: [String: String]?
        /// Resource limits.
        public var ulimits: [Ulimit]?
        /// Read-only root file system.
        public var readonlyRootfs: Bool?
        /// `host:ip` entries for /etc/hosts.
        public var extraHosts: [String]?
        /// DNS servers.
        public var dns: [String]?
        /// DNS search domains.
        public var dnsSearch: [String]?
        /// /dev/shm size in bytes.
        public var shmSize: Int64?
        /// Run an init process.
        public var initProcess: Bool?
        /// Memory limit in bytes.
        public var memory: Int64?
        /// Memory reservation in bytes.
        public var memoryReservation: Int64?
        /// CPU limit in billionths of a CPU.
        public var nanoCPUs: Int64?
        /// Process limit.
        public var pidsLimit: Int64?
        /// Logging driver.
        public var logConfig: LogConfig?
        /// Security options.
        public var securityOpt: [String]?
        /// PID namespace mode.
        public var pidMode: String?
        /// IPC namespace mode.
        public var ipcMode: String?
        /// Supplementary groups.
        public var groupAdd: [String]?
        /// Devices asked of a device driver (GPUs).
        public var deviceRequests: [DeviceRequest]?
        /// Device cgroup rules, `c 189:* rmw`.
        public var deviceCgroupRules: [String]?
        /// OCI runtime; nil for the engine's default.
        public var runtime: String?

        /// Creates an empty host configuration.
        public init() {}

        enum CodingKeys: String, CodingKey {
            case binds = "Binds", mounts = "Mounts", portBindings = "PortBindings", restartPolicy = "RestartPolicy"
            case networkMode = "NetworkMode", privileged = "Privileged", capAdd = "CapAdd", capDrop = "CapDrop"
            case devices = "Devices", tmpfs = "Tmpfs", sysctls = "Sysctls", ulimits = "Ulimits"
            case readonlyRootfs = "ReadonlyRootfs", extraHosts = "ExtraHosts", dns = "Dns", dnsSearch = "DnsSearch"
            case shmSize = "ShmSize", initProcess = "Init", memory = "Memory", memoryReservation = "MemoryReservation"
            case nanoCPUs = "NanoCpus", pidsLimit = "PidsLimit", logConfig = "LogConfig", securityOpt = "SecurityOpt"
            case pidMode = "PidMode", ipcMode = "IpcMode", groupAdd = "GroupAdd", deviceRequests = "DeviceRequests"
            case deviceCgroupRules = "DeviceCgroupRules", runtime = "Runtime"
        }
    }

    /// Devices asked of a device driver, e.g. GPUs of the NVIDIA container toolkit.
    public struct DeviceRequest: Codable, Sendable, Equatable {
        /// Driver; empty lets the engine choose one with the capabilities.
        public var driver: String?
        /// How many; -1 for all.
        public var count: Int?
        /// Devices by ID.
        public var deviceIDs: [String]?
        /// Capability sets; one set must be offered whole.
        public var capabilities: [[String]]?
        /// Driver options.
        public var options: [String: String]?
        /// Creates a request.
        public init(driver: String?, count: Int?, deviceIDs: [String]?, capabilities: [[String]]?, options: [String: String]?) {
            self.driver = driver
            self.count = count
            self.deviceIDs = deviceIDs
            self.capabilities = capabilities
            self.options = options
        }
        enum CodingKeys: String, CodingKey {
            case driver = "Driver", count = "Count", deviceIDs = "DeviceIDs", capabilities = "Capabilities", options = "Options"
        }
    }

    /// A volume or tmpfs mount.
    public struct MountSpec: Codable, Sendable, Equatable {
        /// `volume`, `bind` or `tmpfs`.
        public var type: String
        /// Volume name or host path.
        public var source: String?
        /// Path in the container.
        public var target: String
        /// Read-only.
        public var readOnly: Bool?
        /// tmpfs options.
        public var tmpfsOptions: TmpfsOptions?
        /// Volume options.
        public var volumeOptions: VolumeOptions?

        /// Creates a mount.
        public init(
            type: String, source: String?, target: String, readOnly: Bool? = nil, tmpfsOptions: TmpfsOptions? = nil, volumeOptions: VolumeOptions? = nil
        ) {
            self.type = type
            self.source = source
            self.target = target
            self.readOnly = readOnly
            self.tmpfsOptions = tmpfsOptions
            self.volumeOptions = volumeOptions
        }

        /// tmpfs size and mode.
        public struct TmpfsOptions: Codable, Sendable, Equatable {
            /// Size in bytes.
            public var sizeBytes: Int64?
            /// Octal mode.
            public var mode: Int?
            /// Creates options.
            public init(sizeBytes: Int64? = nil, mode: Int? = nil) {
                self.sizeBytes = sizeBytes
                self.mode = mode
            }
            enum CodingKeys: String, CodingKey { case sizeBytes = "SizeBytes", mode = "Mode" }
        }

        /// Volume options.
        public struct VolumeOptions: Codable, Sendable, Equatable {
            /// Do not copy the image's content into a new volume.
            public var noCopy: Bool?
            /// Creates options.
            public init(noCopy: Bool? = nil) { self.noCopy = noCopy }
            enum CodingKeys: String, CodingKey { case noCopy = "NoCopy" }
        }
        enum CodingKeys: String, CodingKey {
            case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly", tmpfsOptions = "TmpfsOptions"
            case volumeOptions = "VolumeOptions"
        }
    }

    /// A device node passed through.
    public struct DeviceMapping: Codable, Sendable, Equatable {
        /// Host path.
        public var pathOnHost: String
        /// Path in the container.
        public var pathInContainer: String
        /// `rwm` permissions.
        public var cgroupPermissions: String
        /// Creates a mapping.
        public init(pathOnHost: String, pathInContainer: String, cgroupPermissions: String) {
            self.pathOnHost = pathOnHost
            self.pathInContainer = pathInContainer
            self.cgroupPermissions = cgroupPermissions
        }
        enum CodingKeys: String, CodingKey {
            case pathOnHost = "PathOnHost", pathInContainer = "PathInContainer", cgroupPermissions = "CgroupPermissions"
        }
    }

    /// A ulimit.
    public struct Ulimit: Codable, Sendable, Equatable {
        /// Name, e.g. `nofile`.
        public var name: String
        /// Soft limit.
        public var soft: Int64
        /// Hard limit.
        public var hard: Int64
        /// Creates a ulimit.
        public init(name: String, soft: Int64, hard: Int64) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }
        enum CodingKeys: String, CodingKey { case name = "Name", soft = "Soft", hard = "Hard" }
    }

    /// A logging driver.
    public struct LogConfig: Codable, Sendable, Equatable {
        /// Driver name.
        public var type: String
        /// Driver options.
        public var config: [String: String]?
        /// Creates a config.
        public init(type: String, config: [String: String]?) {
            self.type = type
            self.config = config
        }
        enum CodingKeys: String, CodingKey { case type = "Type", config = "Config" }
    }

    /// The network joined at creation.
    public struct NetworkingConfig: Codable, Sendable, Equatable {
        /// Network name → endpoint settings.
        public var endpointsConfig: [String: EndpointConfig]
        /// Creates a config.
        public init(endpointsConfig: [String: EndpointConfig]) { self.endpointsConfig = endpointsConfig }
        enum CodingKeys: String, CodingKey { case endpointsConfig = "EndpointsConfig" }
    }

    /// Endpoint settings on one network.
    public struct EndpointConfig: Codable, Sendable, Equatable {
        /// DNS aliases on the network.
        public var aliases: [String]?
        /// Static addresses.
        public var ipamConfig: IPAMConfig?
        /// Creates settings.
        public init(aliases: [String]?, ipamConfig: IPAMConfig? = nil) {
            self.aliases = aliases
            self.ipamConfig = ipamConfig
        }
        /// Static addresses.
        public struct IPAMConfig: Codable, Sendable, Equatable {
            /// IPv4 address.
            public var ipv4Address: String?
            /// IPv6 address.
            public var ipv6Address: String?
            /// Creates addresses.
            public init(ipv4Address: String?, ipv6Address: String? = nil) {
                self.ipv4Address = ipv4Address
                self.ipv6Address = ipv6Address
            }
            enum CodingKeys: String, CodingKey { case ipv4Address = "IPv4Address", ipv6Address = "IPv6Address" }
        }
        enum CodingKeys: String, CodingKey { case aliases = "Aliases", ipamConfig = "IPAMConfig" }
    }

    enum CodingKeys: String, CodingKey {
        case image = "Image", cmd = "Cmd", entrypoint = "Entrypoint", env = "Env", labels = "Labels"
        case exposedPorts = "ExposedPorts", workingDir = "WorkingDir", user = "User", hostname = "Hostname"
        case domainname = "Domainname", stopSignal = "StopSignal", stopTimeout = "StopTimeout"
        case healthcheck = "Healthcheck", openStdin = "OpenStdin", tty = "Tty", volumes = "Volumes"
        case hostConfig = "HostConfig", networkingConfig = "NetworkingConfig"
    }
}
