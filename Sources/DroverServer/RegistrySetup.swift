import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The registry a `drover server` runs with, from its options: the settings, the token issuer,
/// and the embedded Distribution when it runs one.
public struct RegistrySetup: Sendable {
    /// How the control plane works with registries.
    public var settings: RegistrySettings
    /// The issuer of the server's registry's tokens; nil without a registry.
    public var issuer: RegistryTokenIssuer?
    /// The embedded registry, a service the application runs.
    public var embedded: EmbeddedRegistry?

    /// `mode` is `embedded`, `none`, or the `host:port` of an external Distribution that trusts
    /// this server's tokens. The embedded registry listens on `listen`, else on the port chosen
    /// at the first start and kept in `DATA/registry/listen`, so that releases pinned to it stay
    /// valid across restarts.
    public static func make(
        mode: String, dataDirectory: String, listen: String?, address: String?, serverURL: String, issuer issuerName: String, service: String,
        resolveImages: Bool, insecure: Set<String>, logger: Logger
    ) async throws(ServerError) -> RegistrySetup {
        let directory = dataDirectory + "/registry"
        guard mode != "none" else {
            return RegistrySetup(
                settings: RegistrySettings(address: nil, service: service, issuer: issuerName, resolveImages: resolveImages, insecureRegistries: insecure))
        }
        let issuer = try await RegistryTokenIssuer.load(directory: directory, issuer: issuerName, service: service)
        if mode != "embedded" {
            let external = try Registry.registryHost(mode)
            return RegistrySetup(
                settings: RegistrySettings(
                    address: address ?? external, service: service, issuer: issuerName, resolveImages: resolveImages, insecureRegistries: insecure),
                issuer: issuer)
        }
        let listenFile = directory + "/listen"
        let chosen: String
        if let listen {
            chosen = listen
        } else if let kept = FileManager.default.contents(atPath: listenFile).map({ String(decoding: $0, as: UTF8.self) }), !kept.isEmpty {
            chosen = kept.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            chosen = "127.0.0.1:\(try freePort())"
        }
        guard FileManager.default.createFile(atPath: listenFile, contents: Data(chosen.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerError(.storage, "cannot write \(listenFile)")
        }
        let embedded = EmbeddedRegistry(
            configuration: .init(
                program: "docker-registry", directory: directory, listen: chosen, realm: serverURL + "/v1/registry/token", service: service,
                issuer: issuerName, certificatePath: issuer.certificatePath),
            logger: logger)
        return RegistrySetup(
            settings: RegistrySettings(
                address: address ?? chosen, service: service, issuer: issuerName, resolveImages: resolveImages, insecureRegistries: insecure),
            issuer: issuer, embedded: embedded)
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws(ServerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError(.internalFailure, "cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw ServerError(.internalFailure, "cannot bind a socket to find a free port") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw ServerError(.internalFailure, "cannot read a socket's port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
