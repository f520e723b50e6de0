// Images, networks, volumes, pull progress and events, as the Engine API encodes them.

/// One row of `GET /images/json`.
public struct ImageSummary: Codable, Sendable {
    /// Image ID (`sha256:…`).
    public var id: String
    /// Tags.
    public var repoTags: [String]?
    /// Digests.
    public var repoDigests: [String]?
    /// Size in bytes.
    public var size: Int64
    /// Labels.
    public var labels: [String: String]?
    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", size = "Size", labels = "Labels"
    }
}

/// `GET /images/{name}/json`.
public struct ImageInspect: Codable, Sendable {
    /// Image ID (`sha256:…`).
    public var id: String
    /// Tags.
    public var repoTags: [String]?
    /// Digests.
    public var repoDigests: [String]?
    /// Architecture, e.g. `amd64`.
    public var architecture: String?
    /// Operating system.
    public var os: String?
    /// Architecture variant, e.g. `v7`.
    public var variant: String?
    /// Size in bytes.
    public var size: Int64?
    /// What containers of it start with.
    public var config: Config?
    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", architecture = "Architecture", os = "Os", size = "Size"
        case config = "Config", variant = "Variant"
    }

    /// The part of an image's config Drover reads.
    public struct Config: Codable, Sendable {
        /// The image's labels.
        public var labels: [String: String]?
        enum CodingKeys: String, CodingKey { case labels = "Labels" }
    }
}

/// One row of `GET /networks`.
public struct NetworkSummary: Codable, Sendable {
    /// Network ID.
    public var id: String
    /// Name.
    public var name: String
    /// Driver.
    public var driver: String?
    /// Labels.
    public var labels: [String: String]?
    /// No outside access.
    public var `internal`: Bool?
    /// Standalone containers may attach.
    public var attachable: Bool?
    /// IPv6.
    public var enableIPv6: Bool?
    /// Driver options.
    public var options: [String: String]?
    /// Address management.
    public var ipam: NetworkIPAM?
    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", driver = "Driver", labels = "Labels", `internal` = "Internal", attachable = "Attachable"
        case enableIPv6 = "EnableIPv6", options = "Options", ipam = "IPAM"
    }
}

/// A network's address management (`IPAM`), in a create body and in the engine's answers.
public struct NetworkIPAM: Codable, Sendable, Equatable {
    /// Driver, `default` when nil.
    public var driver: String?
    /// Address pools.
    public var config: [Pool]?
    /// Driver options.
    public var options: [String: String]?

    /// Creates an IPAM block.
    public init(driver: String? = nil, config: [Pool]? = nil, options: [String: String]? = nil) {
        self.driver = driver
        self.config = config
        self.options = options
    }

    /// One address pool.
    public struct Pool: Codable, Sendable, Equatable {
        /// Subnet (CIDR).
        public var subnet: String?
        /// Range handed out (CIDR).
        public var ipRange: String?
        /// Gateway.
        public var gateway: String?
        /// Reserved addresses by host name.
        public var auxiliaryAddresses: [String: String]?
        /// Creates a pool.
        public init(subnet: String? = nil, ipRange: String? = nil, gateway: String? = nil, auxiliaryAddresses: [String: String]? = nil) {
            self.subnet = subnet
            self.ipRange = ipRange
            self.gateway = gateway
            self.auxiliaryAddresses = auxiliaryAddresses
        }
        enum CodingKeys: String, CodingKey {
            case subnet = "Subnet", ipRange = "IPRange", gateway = "Gateway", auxiliaryAddresses = "AuxiliaryAddresses"
        }
    }
    enum CodingKeys: String, CodingKey { case driver = "Driver", config = "Config", options = "Options" }
}

/// `POST /networks/create` body.
public struct NetworkCreate: Codable, Sendable {
    /// Name.
    public var name: String
    /// Driver (`bridge` by default).
    public var driver: String?
    /// Driver options.
    public var options: [String: String]?
    /// Labels.
    public var labels: [String: String]?
    /// No outside access.
    public var `internal`: Bool?
    /// Standalone containers may attach.
    public var attachable: Bool?
    /// IPv6.
    public var enableIPv6: Bool?
    /// Address management; nil lets the engine choose a subnet.
    public var ipam: NetworkIPAM?
    /// Refuse a second network of the same name (older engines need it asked).
    public var checkDuplicate: Bool? = true

    /// Creates a body.
    public init(
        name: String, driver: String? = nil, options: [String: String]? = nil, labels: [String: String]? = nil,
        internal: Bool? = nil, attachable: Bool? = nil, enableIPv6: Bool? = nil, ipam: NetworkIPAM? = nil
    ) {
        self.ipam = ipam
        self.name = name
        self.driver = driver
        self.options = options
        self.labels = labels
        self.internal = `internal`
        self.attachable = attachable
        self.enableIPv6 = enableIPv6
    }
    enum CodingKeys: String, CodingKey {
        case name = "Name", driver = "Driver", options = "Options", labels = "Labels", `internal` = "Internal"
        case attachable = "Attachable", enableIPv6 = "EnableIPv6", checkDuplicate = "CheckDuplicate", ipam = "IPAM"
    }
}

/// One volume.
public struct Volume: Codable, Sendable {
    /// Name.
    public var name: String
    /// Driver.
    public var driver: String?
    /// Labels.
    public var labels: [String: String]?
    /// Where its data lives on the host.
    public var mountpoint: String?
    enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", labels = "Labels", mountpoint = "Mountpoint" }
}

/// `POST /volumes/create` body.
public struct VolumeCreate: Codable, Sendable {
    /// Name.
    public var name: String
    /// Driver.
    public var driver: String?
    /// Driver options.
    public var driverOpts: [String: String]?
    /// Labels.
    public var labels: [String: String]?

    /// Creates a body.
    public init(name: String, driver: String? = nil, driverOpts: [String: String]? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.driver = driver
        self.driverOpts = driverOpts
        self.labels = labels
    }
    enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", driverOpts = "DriverOpts", labels = "Labels" }
}

/// One line of pull progress.
public struct PullProgress: Codable, Sendable {
    /// e.g. `Downloading`, `Pull complete`, `Status: Downloaded newer image for …`.
    public var status: String?
    /// Layer ID the line is about.
    public var id: String?
    /// Bytes so far and in all, for the layer.
    public var progressDetail: Detail?
    /// An error the engine met while pulling.
    public var error: String?
    /// What a push ends with: the tag, and the digest of the manifest it stored.
    public var aux: Aux?

    /// The end of a push.
    public struct Aux: Codable, Sendable {
        /// The tag pushed.
        public var tag: String?
        /// The digest of the manifest the registry stored.
        public var digest: String?
        /// The manifest's size in bytes.
        public var size: Int64?

        enum CodingKeys: String, CodingKey {
            case tag = "Tag", digest = "Digest", size = "Size"
        }
    }

    /// Byte counts.
    public struct Detail: Codable, Sendable {
        /// Bytes done.
        public var current: Int64?
        /// Bytes in all.
        public var total: Int64?
    }
}

/// One engine event.
public struct EngineEvent: Codable, Sendable {
    /// `container`, `image`, `network`, `volume`, …
    public var type: String
    /// `create`, `start`, `die`, `kill`, `destroy`, `pull`, `health_status: healthy`, …
    public var action: String
    /// What the event is about.
    public var actor: Actor
    /// Unix time in nanoseconds.
    public var timeNano: Int64

    /// The object of an event.
    public struct Actor: Codable, Sendable {
        /// Its ID (for images, the reference).
        public var id: String
        /// Its attributes (labels, name, image).
        public var attributes: [String: String]?
        enum CodingKeys: String, CodingKey { case id = "ID", attributes = "Attributes" }
    }
    enum CodingKeys: String, CodingKey { case type = "Type", action = "Action", actor = "Actor", timeNano }
}
