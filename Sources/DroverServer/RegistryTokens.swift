import Crypto
import DroverModel
import Foundation
import JWTKit
import X509

/// One access a registry token grants, as the Docker registry token specification writes it:
/// `{"type": "repository", "name": "default/sensors/web", "actions": ["pull", "push"]}`.
struct RegistryAccess: Codable, Sendable, Equatable, Hashable {
    /// `repository` or `registry`.
    var type: String
    /// The repository's path, or `catalog` for the registry's own.
    var name: String
    /// `pull`, `push`, `delete`, or `*`.
    var actions: [String]
}

/// A scope as a client asks for it: `repository:NAME:pull,push`. The name may hold colons
/// only as a registry host's port would; Distribution splits at the first and the last.
struct RegistryScope: Sendable, Equatable {
    /// Resource types a registry knows.
    static let types: Set<String> = ["repository", "registry"]
    /// Actions a registry knows.
    static let actions: Set<String> = ["pull", "push", "delete", "*"]

    var type: String
    var name: String
    var actions: [String]

    /// Parses one `scope` parameter, refusing a malformed or unknown one with what is wrong.
    init(parsing text: String) throws(ServerError) {
        guard let first = text.firstIndex(of: ":"), let last = text.lastIndex(of: ":"), first != last else {
            throw ServerError(.badRequest, "scope '\(text)' is not TYPE:NAME:ACTIONS, e.g. repository:default/sensors/web:pull")
        }
        type = String(text[..<first])
        name = String(text[text.index(after: first)..<last])
        actions = text[text.index(after: last)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard Self.types.contains(type) else {
            throw ServerError(.badRequest, "scope '\(text)': resource type '\(type)' is not one a registry knows (repository, registry)")
        }
        guard !name.isEmpty, name.count <= 255 else { throw ServerError(.badRequest, "scope '\(text)' names no resource") }
        if type == "repository" {
            guard name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy({ ImageReference.isPathComponent(String($0)) }) else {
                throw ServerError(
                    .badRequest, "scope '\(text)': '\(name)' is not a repository name (lowercase letters and digits, separated by '.', '_', '-' or '/')")
            }
        }
        guard !actions.isEmpty, actions.allSatisfy(Self.actions.contains) else {
            throw ServerError(.badRequest, "scope '\(text)': actions must be pull, push, delete or *")
        }
    }
}

/// The claims of a registry token, as Distribution reads them.
struct RegistryClaims: JWTPayload, Equatable {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var nbf: Int
    var iat: Int
    var jti: String
    var access: [RegistryAccess]

    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard Double(exp) > Date().timeIntervalSince1970 else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "expired") }
    }
}

/// The server as the token issuer of its registry: it signs tokens with an ECDSA P-256 key
/// kept in the data directory, and writes the certificate of that key where Distribution's
/// `auth.token.rootcertbundle` reads it. Distribution finds the key by the token's `kid`, the
/// libtrust fingerprint of the public key.
public struct RegistryTokenIssuer: Sendable {
    /// How long a token lives unless asked otherwise: long enough for a slow pull on a
    /// cellular link, which asks once and then pulls every layer with the same token.
    public static let lifetime = 1800
    /// The `iss` claim.
    let issuer: String
    /// The `aud` claim: the registry's service name.
    let service: String
    /// The libtrust key id of the signing key.
    let keyID: String
    /// Where the certificate is, for the registry's configuration.
    public let certificatePath: String
    private let keys: JWTKeyCollection
    private let publicKey: P256.Signing.PublicKey

    /// Reads the signing key from `directory` (`token.key`, `token.crt`), making both on first use.
    public static func load(directory: String, issuer: String, service: String) async throws(ServerError) -> RegistryTokenIssuer {
        let keyPath = directory + "/token.key"
        let certificatePath = directory + "/token.crt"
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let key: P256.Signing.PrivateKey
            if let pem = files.contents(atPath: keyPath) {
                key = try P256.Signing.PrivateKey(pemRepresentation: String(decoding: pem, as: UTF8.self))
            } else {
                key = P256.Signing.PrivateKey()
                try Self.write(Data(key.pemRepresentation.utf8), to: keyPath)
            }
            if !files.fileExists(atPath: certificatePath) {
                try Self.write(Data(try Self.certificate(for: key).utf8), to: certificatePath)
            }
            let keys = JWTKeyCollection()
            let keyID = Self.libtrustKeyID(key.publicKey)
            await keys.add(ecdsa: try ES256PrivateKey(pem: key.pemRepresentation), kid: JWKIdentifier(string: keyID))
            return RegistryTokenIssuer(
                issuer: issuer, service: service, keyID: keyID, certificatePath: certificatePath, keys: keys, publicKey: key.publicKey)
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.storage, "cannot read or make the registry token key in \(directory): \(error)")
        }
    }

    /// A signed token granting `access` to `subject`, valid from `now` for `lifetime` seconds.
    func token(access: [RegistryAccess], subject: String, lifetime: Int = Self.lifetime, now: Date = Date()) async throws(ServerError) -> String {
        let issued = Int(now.timeIntervalSince1970)
        let claims = RegistryClaims(
            iss: issuer, sub: subject, aud: service, exp: issued + lifetime, nbf: issued - 10, iat: issued, jti: Secrets.newID(), access: access)
        do {
            return try await keys.sign(claims, kid: JWKIdentifier(string: keyID), header: ["typ": "JWT"])
        } catch {
            throw ServerError(.internalFailure, "cannot sign a registry token: \(error)")
        }
    }

    /// The libtrust key id Distribution computes for a public key: the SHA-256 of its DER
    /// SubjectPublicKeyInfo, the first 240 bits in base32, in twelve groups of four.
    static func libtrustKeyID(_ key: P256.Signing.PublicKey) -> String {
        let digest = Array(SHA256.hash(data: key.derRepresentation).prefix(30))
        let encoded = base32(digest)
        var groups: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            groups.append(rest.prefix(4))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: ":")
    }

    /// RFC 4648 base32 without padding.
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    /// A self-signed certificate of the key, valid for 100 years: Distribution only reads the
    /// public key out of it.
    private static func certificate(for key: P256.Signing.PrivateKey) throws -> String {
        let name = try DistinguishedName { CommonName("Drover registry token issuer") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(100 * 365 * 86_400), issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0)) },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return try certificate.serializeAsPEM().pemString + "\n"
    }

    private static func write(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path + ".tmp", contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ServerError(.storage, "cannot write \(path)")
        }
        guard rename(path + ".tmp", path) == 0 else { throw ServerError(.storage, "cannot write \(path): errno \(errno)") }
    }
}
