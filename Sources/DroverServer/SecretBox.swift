import Crypto
import Foundation

/// Values kept encrypted at rest (private registries' passwords, and later the fleets'
/// secrets): AES-256-GCM with a key in the data directory (`secrets.key`, 0600), each value
/// bound to where it belongs, so a sealed value copied to another row does not open there.
/// The database alone, or a backup of it, gives none of them away.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// A box with a key that lives only as long as the process: for tests and for servers
    /// that keep nothing sealed.
    public static func ephemeral() -> SecretBox { SecretBox(key: SymmetricKey(size: .bits256)) }

    /// The data directory's key, made on first use.
    public static func load(path: String) throws(ServerError) -> SecretBox {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw ServerError(.storage, "\(path) must hold 32 bytes, and holds \(data.count); it is not a Drover key") }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw ServerError(.storage, "cannot write \(path)")
        }
        return SecretBox(key: key)
    }

    /// `value` sealed for `context` (e.g. `registry-login fleet-id ghcr.io`), as base64.
    func seal(_ value: String, context: String) throws(ServerError) -> String {
        try seal(data: Data(value.utf8), context: context)
    }

    /// The value sealed for `context`; fails when the key or the context differ.
    func open(_ sealed: String, context: String) throws(ServerError) -> String {
        String(decoding: try open(data: sealed, context: context), as: UTF8.self)
    }

    /// A keyed fingerprint of `value` (HMAC-SHA256 with a key derived from this box's, hex,
    /// 32 digits): equal values give equal fingerprints, and without the key a fingerprint
    /// tells nothing about a value, not even a short one.
    func fingerprint(_ value: Data, purpose: String) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("drover fingerprint \(purpose)".utf8), outputByteCount: 32)
        return Data(HMAC<SHA256>.authenticationCode(for: value, using: derived)).prefix(16).hexString
    }

    /// Any bytes sealed for `context`, as base64.
    func seal(data value: Data, context: String) throws(ServerError) -> String {
        do {
            let box = try AES.GCM.seal(value, using: key, authenticating: Data(context.utf8))
            guard let combined = box.combined else { throw ServerError(.internalFailure, "sealing produced no bytes") }
            return combined.base64EncodedString()
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.internalFailure, "cannot seal a value: \(error)")
        }
    }

    /// The bytes sealed for `context`; fails when the key or the context differ.
    func open(data sealed: String, context: String) throws(ServerError) -> Data {
        do {
            guard let data = Data(base64Encoded: sealed) else { throw ServerError(.storage, "a sealed value in the store is not base64") }
            let box = try AES.GCM.SealedBox(combined: data)
            return try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(
                .storage, "a sealed value in the store does not open with this server's secrets.key (was the key replaced, or the row moved?)")
        }
    }
}
