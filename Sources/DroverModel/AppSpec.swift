/// A normalised app: what a compose document describes, in the form the agent runs.
///
/// Empty collections and defaults are left out (`nil`), so that two documents that mean the
/// same thing encode to the same JSON and hash to the same value.
public struct AppSpec: Codable, Sendable, Equatable {
    /// Services by name.
    public var services: [String: ServiceSpec]
    /// Networks by the name the document uses.
    public var networks: [String: NetworkSpec]?
    /// Named volumes by the name the document uses.
    public var volumes: [String: VolumeSpec]?
    /// Secrets by the name the document uses.
    public var secrets: [String: AppFile]?
    /// Configs by the name the document uses.
    public var configs: [String: AppFile]?

    /// Creates an app.
    public init(services: [String: ServiceSpec], networks: [String: NetworkSpec]? = nil, volumes: [String: VolumeSpec]? = nil) {
        self.services = services
        self.networks = networks
        self.volumes = volumes
    }
}

/// How a service depends on another before it starts.
public enum DependencyCondition: String, Codable, Sendable, CaseIterable {
    /// The dependency's container has been started.
    case serviceStarted = "service_started"
    /// The dependency reports healthy.
    case serviceHealthy = "service_healthy"
    /// The dependency ran and exited with status 0.
    case serviceCompletedSuccessfully = "service_completed_successfully"
}

/// One service, normalised.
public struct ServiceSpec: Codable, Sendable, Equatable {
    /// The image reference to run (a digest-pinned reference in releases).
    public var image: String?
    /// Build instructions, kept for the push pipeline; the agent never builds.
    public var build: BuildSpec?
    /// Command (exec form).
    public var command: [String]?
    /// Entrypoint (exec form).
    public var entrypoint: [String]?
    /// Environment.
    public var environment: [String: String]?
    /// Published ports, one per host port (ranges expanded).
    public var ports: [PortMapping]?
    /// Exposed container ports, `80/tcp`.
    public var expose: [String]?
    /// Mounts.
    public var volumes: [VolumeMount]?
    /// Networks joined, by the document's network name.
    public var networks: [String: NetworkAttachment]?
    /// `host`, `none`, `bridge`, `service:NAME` or `container:ID`; nil for the app's networks.
    public var networkMode: String?
    /// Labels.
    public var labels: [String: String]?
    /// `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`; nil is `no`.
    public var restart: String?
    /// Services this one needs, and how.
    public var dependsOn: [String: DependencyCondition]?
    /// Health check.
    public var healthcheck: Healthcheck?
    /// Privileged mode.
    public var privileged: Bool?
    /// Capabilities to add.
    public var capAdd: [String]?
    /// Capabilities to drop.
    public var capDrop: [String]?
    /// Devices, `host[:container[:perms]]`.
    public var devices: [String]?
    /// Devices asked of a device driver (`gpus`, `deploy.resources.reservations.devices`).
    public var deviceRequests: [DeviceRequest]?
    /// Device cgroup rules, `c|b|a MAJOR:MINOR PERMISSIONS`.
    public var deviceCgroupRules: [String]?
    /// The OCI runtime, e.g. `nvidia` or `runsc`; nil for the engine's default.
    public var runtime: String?
    /// Working directory.
    public var workingDir: String?
    /// User.
    public var user: String?
    /// Host name.
    public var hostname: String?
    /// Domain name.
    public var domainname: String?
    /// tmpfs mounts, `path[:options]`.
    public var tmpfs: [String]?
    /// Kernel parameters.
    public var sysctls: [String: String]?
    /// ulimits by name.
    public var ulimits: [String: Ulimit]?
    /// Stop signal.
    public var stopSignal: String?
    /// Grace period after the stop signal, in nanoseconds.
    public var stopGracePeriod: Int64?
    /// Read-only root file system.
    public var readOnly: Bool?
    /// `host:ip` entries.
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
    public var memoryLimit: Int64?
    /// Memory reservation in bytes.
    public var memoryReservation: Int64?
    /// CPU limit (e.g. 0.5).
    public var cpus: Double?
    /// Process limit.
    public var pidsLimit: Int64?
    /// `always`, `missing`, `never`; nil is `missing`.
    public var pullPolicy: String?
    /// Platform to pull, e.g. `linux/arm64`.
    public var platform: String?
    /// Logging driver and options.
    public var logging: Logging?
    /// Security options.
    public var securityOpt: [String]?
    /// PID namespace.
    public var pid: String?
    /// IPC namespace.
    public var ipc: String?
    /// Supplementary groups.
    public var groupAdd: [String]?
    /// Allocate a TTY.
    public var tty: Bool?
    /// Keep STDIN open.
    public var stdinOpen: Bool?
    /// What `deploy` says to a swarm; only in releases of a fleet in cluster mode.
    public var swarm: SwarmDeploy?
    /// Commands run in the container right after it starts (`post_start`).
    public var postStart: [LifecycleHook]?
    /// Commands run in the container before it is stopped (`pre_stop`).
    public var preStop: [LifecycleHook]?
    /// Secrets mounted into the container.
    public var secrets: [AppFileMount]?
    /// Configs mounted into the container.
    public var configs: [AppFileMount]?
    /// How many containers of the service a device runs (`deploy.replicas` or `scale`); nil
    /// is 1, so a release without it encodes and hashes as before. 0 runs none.
    public var replicas: Int?

    /// Creates a service that runs `image`.
    public init(image: String?) {
        self.image = image
    }

    /// How many containers of the service a device runs.
    public var replicaCount: Int { replicas ?? 1 }

    /// Build context and Dockerfile.
    public struct BuildSpec: Codable, Sendable, Equatable {
        /// Context directory or URL.
        public var context: String
        /// Dockerfile path.
        public var dockerfile: String?
        /// Build arguments.
        public var args: [String: String]?
        /// Target stage.
        public var target: String?
        /// Labels for the image.
        public var labels: [String: String]?
    }

    /// A health check, durations in nanoseconds.
    public struct Healthcheck: Codable, Sendable, Equatable {
        /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`.
        public var test: [String]
        /// Interval.
        public var interval: Int64?
        /// Timeout.
        public var timeout: Int64?
        /// Retries before unhealthy.
        public var retries: Int?
        /// Start period.
        public var startPeriod: Int64?
    }

    /// A command run in the service's container at a point of its life (`post_start`,
    /// `pre_stop`), as `docker exec` runs it.
    public struct LifecycleHook: Codable, Sendable, Equatable {
        /// The command (exec form).
        public var command: [String]
        /// The user to run it as; nil for the container's.
        public var user: String?
        /// Run it privileged.
        public var privileged: Bool?
        /// Its working directory; nil for the container's.
        public var workingDir: String?
        /// Extra environment.
        public var environment: [String: String]?

        /// Creates a hook.
        public init(command: [String], user: String? = nil, privileged: Bool? = nil, workingDir: String? = nil, environment: [String: String]? = nil) {
            self.command = command
            self.user = user
            self.privileged = privileged
            self.workingDir = workingDir
            self.environment = environment
        }
    }

    /// A ulimit.
    public struct Ulimit: Codable, Sendable, Equatable {
        /// Soft limit.
        public var soft: Int64
        /// Hard limit.
        public var hard: Int64
    }

    /// A logging driver.
    public struct Logging: Codable, Sendable, Equatable {
        /// Driver.
        public var driver: String?
        /// Options.
        public var options: [String: String]?
    }
}

/// One published port.
public struct PortMapping: Codable, Sendable, Equatable, Hashable {
    /// Port in the container.
    public var target: Int
    /// Port on the host; nil for an ephemeral one.
    public var published: Int?
    /// Host address; nil for all.
    public var hostIP: String?
    /// `tcp`, `udp` or `sctp`.
    public var `protocol`: String
    /// In a Swarm stack: `host` publishes on the node that runs the task, `ingress` (nil) on
    /// every node through the routing mesh. A device ignores it.
    public var mode: String?

    /// Creates a mapping.
    public init(target: Int, published: Int?, hostIP: String?, protocol: String, mode: String? = nil) {
        self.target = target
        self.published = published
        self.hostIP = hostIP
        self.protocol = `protocol`
        self.mode = mode
    }
}

/// One mount.
public struct VolumeMount: Codable, Sendable, Equatable {
    /// What kind of mount.
    public enum Kind: String, Codable, Sendable {
        /// A named volume (or an anonymous one when `source` is nil).
        case volume
        /// A host path.
        case bind
        /// A tmpfs.
        case tmpfs
    }

    /// Kind.
    public var type: Kind
    /// Volume name as the document declares it, or host path.
    public var source: String?
    /// Path in the container.
    public var target: String
    /// Read-only.
    public var readOnly: Bool?
    /// Do not copy image content into a new volume.
    public var noCopy: Bool?
    /// tmpfs size in bytes.
    public var tmpfsSize: Int64?
    /// Create the host path of a bind mount if missing (default true in compose short syntax).
    public var createHostPath: Bool?

    /// Creates a mount.
    public init(type: Kind, source: String?, target: String, readOnly: Bool? = nil) {
        self.type = type
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
}

/// A named volume of the app.
public struct VolumeSpec: Codable, Sendable, Equatable {
    /// Driver, nil for `local`.
    public var driver: String?
    /// Driver options.
    public var driverOpts: [String: String]?
    /// Exists outside the app; never created or removed.
    public var external: Bool?
    /// Engine name to use instead of the scoped one.
    public var name: String?
    /// Labels.
    public var labels: [String: String]?
    /// Creates a volume spec.
    public init() {}
}
