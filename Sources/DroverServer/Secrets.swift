import Crypto
import DroverModel
import Foundation

/// Secrets handed out once (tokens, provisioning and device keys): the store keeps only hashes.
enum Secrets {
    /// The hash under which a secret is stored and looked up.
    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// A new random id for a record.
    static func newID() -> String { UUID().uuidString.lowercased() }

    /// A new random secret: `prefix` and 48 hex digits.
    static func mint(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + bytes.hexString
    }
}
