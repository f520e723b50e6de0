import DroverModel
import Foundation
import Testing

/// The signature a receiver checks, against a vector made with Python's `hmac` module:
/// `hmac.new(secret, b"1767323045." + body, hashlib.sha256).hexdigest()`.
@Suite("Webhook signatures")
struct WebhookSignatureTests {
    static let secret = "whsec_test_secret_0123456789"
    static let body = Array(#"{"at":"2026-01-02T03:04:05Z","data":{"webhook":"w1"},"event":"ping","id":"d1","org":"default"}"#.utf8)
    static let timestamp = 1_767_323_045
    static let expected = "d6ee130cf3109020c6d0f7ec4f9d5094ba4e074a4388ae1c6e867b284d0d33f8"

    @Test("the header of a known body, secret and time is the known HMAC-SHA256, and it verifies")
    func knownVector() {
        let header = WebhookSignature.header(body: Self.body, secret: Self.secret, timestamp: Self.timestamp)
        #expect(header == "t=1767323045,v1=\(Self.expected)")
        #expect(WebhookSignature.verify(header: header, body: Self.body, secret: Self.secret, now: Double(Self.timestamp) + 10) == .valid)
    }

    @Test("a changed body, a wrong secret, an old timestamp and a malformed header are each refused for what they are")
    func refusals() {
        let header = "t=\(Self.timestamp),v1=\(Self.expected)"
        let now = Double(Self.timestamp)
        var tampered = Self.body
        tampered[tampered.count - 3] = UInt8(ascii: "x")
        #expect(WebhookSignature.verify(header: header, body: tampered, secret: Self.secret, now: now) == .mismatch)
        #expect(WebhookSignature.verify(header: header, body: Self.body, secret: "whsec_other", now: now) == .mismatch)
        #expect(WebhookSignature.verify(header: header, body: Self.body, secret: Self.secret, now: now + 301) == .outsideTolerance(seconds: 301))
        #expect(WebhookSignature.verify(header: header, body: Self.body, secret: Self.secret, now: now - 301) == .outsideTolerance(seconds: -301))
        for malformed in [
            "", "v1=\(Self.expected)", "t=soon,v1=\(Self.expected)", "t=\(Self.timestamp)", "t=\(Self.timestamp),v1=zz", "t=1,t=2,v1=\(Self.expected)",
        ] {
            #expect(WebhookSignature.verify(header: malformed, body: Self.body, secret: Self.secret, now: now) == .malformed, "\(malformed)")
        }
    }

    @Test("any one of several v1 signatures may match (a secret being rotated), and unknown entries are ignored")
    func severalSignatures() {
        let header = "t=\(Self.timestamp),v0=old,v1=\(String(repeating: "0", count: 64)),v1=\(Self.expected)"
        #expect(WebhookSignature.verify(header: header, body: Self.body, secret: Self.secret, now: Double(Self.timestamp)) == .valid)
    }
}
