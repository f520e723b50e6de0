import Crypto
import Foundation
import _CryptoExtras

/// Password hashes: scrypt, a memory-hard KDF, with a salt per user. The stored form carries
/// its parameters, `scrypt$LOG2N$R$P$SALT$HASH` (hex), so stronger ones can come later and the
/// old hashes still verify.
enum Passwords {
    /// 2^15 rounds of 8 blocks: 32 MiB and about a tenth of a second per hash here.
    static let log2Rounds = 15
    static let blockSize = 8
    static let parallelism = 1
    /// The shortest and longest password taken.
    static let lengths = 8...1024

    /// The stored form of a new password.
    static func hash(_ password: String) throws(ServerError) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let derived = try derive(password, salt: salt, log2Rounds: log2Rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(log2Rounds)$\(blockSize)$\(parallelism)$\(salt.hexString)$\(derived.hexString)"
    }

    /// Whether the password matches the stored form; false for a form this server cannot read.
    static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let log2 = Int(parts[1]), (10...20).contains(log2), let r = Int(parts[2]),
            (1...32).contains(r), let p = Int(parts[3]), (1...16).contains(p), let salt = [UInt8](hex: parts[4]),
            let expected = [UInt8](hex: parts[5]), let derived = try? derive(password, salt: salt, log2Rounds: log2, blockSize: r, parallelism: p)
        else { return false }
        return constantTimeEqual(derived, expected)
    }

    /// Spends the time a verification takes, for a name that has no user: a login must not
    /// tell by its speed whether the user exists.
    static func verifyNothing(_ password: String) {
        _ = try? derive(password, salt: Array(repeating: 0, count: 16), log2Rounds: log2Rounds, blockSize: blockSize, parallelism: parallelism)
    }

    /// Refuses a password too short or too long to take.
    static func validate(_ password: String) throws(ServerError) {
        guard lengths.contains(password.utf8.count) else {
            throw ServerError(.badRequest, "a password has \(lengths.lowerBound) to \(lengths.upperBound) bytes; this one has \(password.utf8.count)")
        }
    }

    private static func derive(_ password: String, salt: [UInt8], log2Rounds: Int, blockSize: Int, parallelism: Int) throws(ServerError) -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << log2Rounds, blockSize: blockSize,
                parallelism: parallelism, maxMemory: 256 << 20)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw ServerError(.internalFailure, "the password could not be hashed: \(error)")
        }
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
