import Crypto
import Foundation

/// How a webhook delivery is signed, and how a receiver checks it: HMAC-SHA256 with the
/// webhook's secret over `"<timestamp>.<body>"`, sent as
/// `Drover-Signature: t=<seconds since 1970>,v1=<64 lowercase hex digits>`. The timestamp is
/// the attempt's, so a receiver can refuse an old message replayed later (``tolerance``).
public enum WebhookSignature {
    /// The header that carries the signature.
    public static let signatureHeader = "Drover-Signature"
    /// The header that carries the delivery id, the same on every attempt.
    public static let deliveryHeader = "Drover-Delivery"
    /// The header that carries the event's name.
    public static let eventHeader = "Drover-Event"
    /// How old a signature a receiver should accept, in seconds, either way of its clock.
    public static let tolerance: Double = 300

    /// The signature of `body` at `timestamp`, as hex.
    public static func digest(body: some DataProtocol, secret: String, timestamp: Int) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(contentsOf: body)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))).hexString
    }

    /// The `Drover-Signature` header's value for `body` sent at `timestamp`.
    public static func header(body: some DataProtocol, secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=\(digest(body: body, secret: secret, timestamp: timestamp))"
    }

    /// What a receiver makes of a delivery's signature.
    public enum Verdict: Sendable, Equatable {
        /// Made with the secret, within the tolerance.
        case valid
        /// The header is not `t=<integer>,v1=<hex>`.
        case malformed
        /// Made more than the tolerance away from the receiver's clock (a replay, or a clock off).
        case outsideTolerance(seconds: Double)
        /// Not made with this secret over this body and timestamp.
        case mismatch
    }

    /// Checks a `Drover-Signature` header against the body as received and the secret. Several
    /// `v1=` entries are allowed (any one may match); unknown entries are ignored. The
    /// comparison takes the same time whatever the bytes.
    public static func verify(
        header: String, body: some DataProtocol, secret: String, now: Double = Date().timeIntervalSince1970, tolerance: Double = tolerance
    ) -> Verdict {
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for entry in header.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return .malformed }
            switch parts[0] {
            case "t":
                guard timestamp == nil, let value = Int(parts[1]) else { return .malformed }
                timestamp = value
            case "v1":
                guard let bytes = [UInt8](hex: parts[1]), bytes.count == SHA256.byteCount else { return .malformed }
                signatures.append(bytes)
            default: continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { return .malformed }
        let age = now - Double(timestamp)
        guard abs(age) <= tolerance else { return .outsideTolerance(seconds: age) }
        var message = Data("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let key = SymmetricKey(data: Data(secret.utf8))
        for signature in signatures where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: message, using: key) {
            return .valid
        }
        return .mismatch
    }
}
