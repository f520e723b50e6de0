/// How the server works with registries.
public struct RegistrySettings: Sendable {
    /// The address (`host:port`) of the server's own registry, as devices and people reach it:
    /// the embedded Distribution, or an external one that trusts this server's tokens. Nil:
    /// the server has no registry of its own.
    public var address: String?
    /// The registry's service name, the tokens' audience (`auth.token.service`).
    public var service: String
    /// The tokens' issuer (`auth.token.issuer`).
    public var issuer: String
    /// Whether a release pins each image by digest, per platform, asking its registry.
    public var resolveImages: Bool
    /// Registries spoken to over plain HTTP besides loopback ones.
    public var insecureRegistries: Set<String>
    /// Seconds a registry token lives.
    public var tokenLifetime: Int

    /// Settings.
    public init(
        address: String?, service: String = "drover-registry", issuer: String = "drover", resolveImages: Bool,
        insecureRegistries: Set<String> = [], tokenLifetime: Int = RegistryTokenIssuer.lifetime
    ) {
        self.address = address
        self.service = service
        self.issuer = issuer
        self.resolveImages = resolveImages
        self.insecureRegistries = insecureRegistries
        self.tokenLifetime = tokenLifetime
    }

    /// No registry, and images are not resolved: a control plane for tests of other parts.
    public static let none = RegistrySettings(address: nil, resolveImages: false)
}
