import Crypto

/// How a service joins a network.
public struct NetworkAttachment: Codable, Sendable, Equatable {
    /// Extra DNS names on that network.
    public var aliases: [String]?
    /// Static IPv4 address.
    public var ipv4Address: String?
    /// Static IPv6 address.
    public var ipv6Address: String?
    /// Creates an attachment.
    public init(aliases: [String]? = nil, ipv4Address: String? = nil, ipv6Address: String? = nil) {
        self.aliases = aliases
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
    }
}

/// A network of the app.
public struct NetworkSpec: Codable, Sendable, Equatable {
    /// Driver, nil for `bridge`.
    public var driver: String?
    /// Driver options.
    public var driverOpts: [String: String]?
    /// Exists outside the app; never created or removed.
    public var external: Bool?
    /// Engine name to use instead of the scoped one.
    public var name: String?
    /// Labels.
    public var labels: [String: String]?
    /// No outside access.
    public var `internal`: Bool?
    /// Standalone containers may attach.
    public var attachable: Bool?
    /// IPv6.
    public var enableIPv6: Bool?
    /// Address management: subnets, gateways and ranges; nil lets the engine choose.
    public var ipam: IPAM?
    /// Creates a network spec.
    public init() {}

    /// A network's address management, as compose's `ipam` and the engine's `IPAM`.
    public struct IPAM: Codable, Sendable, Equatable {
        /// IPAM driver, nil for `default`.
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
    }

    /// One address pool of a network.
    public struct Pool: Codable, Sendable, Equatable {
        /// Subnet in CIDR form, e.g. `172.28.0.0/16`.
        public var subnet: String?
        /// Gateway address inside the subnet.
        public var gateway: String?
        /// The part of the subnet containers get addresses from (CIDR).
        public var ipRange: String?
        /// Addresses the driver must not hand out, by host name.
        public var auxAddresses: [String: String]?
        /// Creates a pool.
        public init(subnet: String? = nil, gateway: String? = nil, ipRange: String? = nil, auxAddresses: [String: String]? = nil) {
            self.subnet = subnet
            self.gateway = gateway
            self.ipRange = ipRange
            self.auxAddresses = auxAddresses
        }
    }

    /// The hash of every setting the engine's network is created from, so a changed setting
    /// is seen on the device (it is the network's `io.drover.config-hash` label). External
    /// networks are not ours to recreate and have none.
    public var configHash: String {
        SHA256.hash(data: Canonical.encode(self)).hexString
    }
}
