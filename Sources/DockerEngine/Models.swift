// Codable shapes of the Engine API's JSON. Only the fields Drover reads or writes are
// declared; the engine's other fields are ignored on decode.

/// `GET /version`.
public struct EngineVersion: Codable, Sendable {
    /// The engine's release, e.g. `20.10.24`.
    public var version: String
    /// The newest API version the engine speaks.
    public var apiVersion: String
    /// The oldest API version the engine speaks.
    public var minAPIVersion: String?
    /// Operating system, e.g. `linux`.
    public var os: String?
    /// Architecture, e.g. `amd64`, `arm64`.
    public var arch: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion", os = "Os", arch = "Arch"
    }
}

/// `GET /info`, the parts Drover reports.
public struct EngineInfo: Codable, Sendable {
    /// The engine's ID.
    public var id: String?
    /// Host name of the engine's machine.
    public var name: String?
    /// Containers on the engine, all states.
    public var containers: Int?
    /// Images on the engine.
    public var images: Int?
    /// The engine's release.
    public var serverVersion: String?
    /// Operating system description.
    public var operatingSystem: String?
    /// Machine architecture, e.g. `x86_64`, `aarch64`.
    public var architecture: String?
    /// `linux` or `windows`.
    public var osType: String?
    /// CPU count.
    public var cpuCount: Int?
    /// Memory in bytes.
    public var memoryBytes: Int64?
    /// Where the engine keeps images, containers and volumes, e.g. `/var/lib/docker`.
    public var rootDirectory: String?
    /// This engine's place in a swarm; `localNodeState` is `inactive` when it is in none.
    public var swarm: SwarmLocalInfo?

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", containers = "Containers", images = "Images", serverVersion = "ServerVersion"
        case operatingSystem = "OperatingSystem", architecture = "Architecture", cpuCount = "NCPU", memoryBytes = "MemTotal"
        case rootDirectory = "DockerRootDir", osType = "OSType", swarm = "Swarm"
    }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Codable, Sendable {
    /// Full container ID.
    public var id: String
    /// Names, each with a leading slash.
    public var names: [String]
    /// The image reference the container was created from.
    public var image: String
    /// The ID of that image.
    public var imageID: String
    /// Labels.
    public var labels: [String: String]
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    public var state: String
    /// Human status, e.g. `Up 3 seconds (healthy)`.
    public var status: String
    /// Unix time of creation.
    public var created: Int64
    /// Networks the container is attached to.
    public var networkSettings: NetworkSummary?

    /// The network names in a summary.
    public struct NetworkSummary: Codable, Sendable {
        /// Network name to endpoint, whose details Drover does not read here.
        public var networks: [String: EmptyObject]?
        enum CodingKeys: String, CodingKey { case networks = "Networks" }
    }

    /// The container's name without the leading slash.
    public var name: String { names.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? id }

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", imageID = "ImageID", labels = "Labels", state = "State"
        case status = "Status", created = "Created", networkSettings = "NetworkSettings"
    }
}

/// Any JSON object whose content is not read.
public struct EmptyObject: Codable, Sendable, Hashable {
    /// Creates one.
    public init() {}
}

/// `GET /containers/{id}/json`.
public struct ContainerInspect: Codable, Sendable {
    /// Full container ID.
    public var id: String
    /// Name with a leading slash.
    public var name: String
    /// RFC 3339 creation time.
    public var created: String
    /// The image ID.
    public var image: String
    /// Runtime state.
    public var state: State
    /// Times the engine restarted it.
    public var restartCount: Int?
    /// Creation-time configuration.
    public var config: Config
    /// Host configuration.
    public var hostConfig: HostConfig?
    /// Network attachments.
    public var networkSettings: NetworkSettings?
    /// Mounts.
    public var mounts: [Mount]?

    /// Runtime state of a container.
    public struct State: Codable, Sendable {
        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
        public var status: String
        /// Whether it runs.
        public var running: Bool
        /// Whether the engine is restarting it.
        public var restarting: Bool?
        /// Exit code of the last run.
        public var exitCode: Int
        /// Error the engine recorded, if any.
        public var error: String?
        /// RFC 3339 time of the last start.
        public var startedAt: String?
        /// RFC 3339 time of the last exit.
        public var finishedAt: String?
        /// Health, when the container has a health check.
        public var health: Health?
        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", restarting = "Restarting", exitCode = "ExitCode"
            case error = "Error", startedAt = "StartedAt", finishedAt = "FinishedAt", health = "Health"
        }
    }

    /// Health-check state.
    public struct Health: Codable, Sendable {
        /// `starting`, `healthy` or `unhealthy`.
        public var status: String
        /// Consecutive failures.
        public var failingStreak: Int?
        /// The last probes.
        public var log: [Probe]?
        /// One health probe.
        public struct Probe: Codable, Sendable {
            /// Exit code of the probe.
            public var exitCode: Int
            /// What the probe printed.
            public var output: String
            enum CodingKeys: String, CodingKey { case exitCode = "ExitCode", output = "Output" }
        }
        enum CodingKeys: String, CodingKey { case status = "Status", failingStreak = "FailingStreak", log = "Log" }
    }

    /// The creation-time configuration that Drover reads back.
    public struct Config: Codable, Sendable {
        /// The image reference.
        public var image: String
        /// Labels.
        public var labels: [String: String]?
        /// Environment as `KEY=VALUE`.
        public var env: [String]?
        enum CodingKeys: String, CodingKey { case image = "Image", labels = "Labels", env = "Env" }
    }

    /// Host configuration that Drover reads back.
    public struct HostConfig: Codable, Sendable {
        /// Restart policy.
        public var restartPolicy: RestartPolicy?
        enum CodingKeys: String, CodingKey { case restartPolicy = "RestartPolicy" }
    }

    /// Network attachments.
    public struct NetworkSettings: Codable, Sendable {
        /// Network name to endpoint.
        public var networks: [String: Endpoint]?
        /// Published ports: `80/tcp` to host bindings.
        public var ports: [String: [PortBinding]?]?
        enum CodingKeys: String, CodingKey { case networks = "Networks", ports = "Ports" }
    }

    /// One network endpoint.
    public struct Endpoint: Codable, Sendable {
        /// Aliases on the network.
        public var aliases: [String]?
        /// IPv4 address.
        public var ipAddress: String?
        enum CodingKeys: String, CodingKey { case aliases = "Aliases", ipAddress = "IPAddress" }
    }

    /// One mount.
    public struct Mount: Codable, Sendable {
        /// `volume`, `bind`, `tmpfs`.
        public var type: String?
        /// Volume name, when a volume.
        public var name: String?
        /// Source path on the host.
        public var source: String?
        /// Path in the container.
        public var destination: String
        enum CodingKeys: String, CodingKey { case type = "Type", name = "Name", source = "Source", destination = "Destination" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", created = "Created", image = "Image", state = "State", restartCount = "RestartCount"
        case config = "Config", hostConfig = "HostConfig", networkSettings = "NetworkSettings", mounts = "Mounts"
    }
}

/// A restart policy (`no`, `always`, `unless-stopped`, `on-failure`).
public struct RestartPolicy: Codable, Sendable, Equatable {
    /// Policy name; the engine writes `""` for none.
    public var name: String
    /// Retries for `on-failure`.
    public var maximumRetryCount: Int?

    /// Creates a policy.
    public init(name: String, maximumRetryCount: Int? = nil) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }
    enum CodingKeys: String, CodingKey { case name = "Name", maximumRetryCount = "MaximumRetryCount" }
}

/// A host port binding.
public struct PortBinding: Codable, Sendable, Equatable {
    /// Host address, empty for all.
    public var hostIP: String?
    /// Host port, empty for an ephemeral one.
    public var hostPort: String?

    /// Creates a binding.
    public init(hostIP: String?, hostPort: String?) {
        self.hostIP = hostIP
        self.hostPort = hostPort
    }
    enum CodingKeys: String, CodingKey { case hostIP = "HostIp", hostPort = "HostPort" }
}
