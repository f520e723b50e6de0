import Foundation
import Testing

@testable import DroverServer

/// The pure parts of webhook delivery: which addresses are private, and when a failed
/// delivery is tried again.
@Suite("Webhook policy")
struct WebhookPolicyTests {
    @Test(
        "private, loopback, link-local and other non-public addresses are told from public ones",
        arguments: [
            ("10.0.0.1", true), ("172.16.5.4", true), ("172.32.0.1", false), ("192.168.0.1", true), ("127.0.0.1", true), ("127.255.0.9", true),
            ("169.254.169.254", true), ("100.64.0.1", true), ("100.128.0.1", false), ("0.0.0.0", true), ("224.0.0.1", true),
            ("255.255.255.255", true), ("198.18.0.1", true), ("8.8.8.8", false), ("192.0.2.10", false), ("93.184.216.34", false), ("::1", true),
            ("::", true), ("fe80::1", true), ("fec0::1", true), ("fc00::1", true), ("fd12:3456::1", true), ("ff02::1", true),
            ("::ffff:10.0.0.1", true), ("::ffff:8.8.8.8", false), ("64:ff9b::7f00:1", true), ("2001:4860:4860::8888", false),
        ])
    func privateRanges(address: String, isPrivate: Bool) throws {
        let bytes = try #require(WebhookAddress.literal(address), "\(address) is an address")
        #expect(WebhookAddress.isPrivate(bytes) == isPrivate, "\(address)")
        #expect(WebhookAddress.describe(bytes) == address || address.contains(":"), "\(address) reads back as \(WebhookAddress.describe(bytes))")
    }

    @Test("URLs: http and https with a host pass, with an IPv6 literal's brackets taken off; others are refused")
    func urls() throws {
        #expect(try WebhookAddress.check("https://hooks.example.test:8443/drover?x=1").host == "hooks.example.test")
        #expect(try WebhookAddress.check("HTTP://[::1]:8080/").host == "::1")
        for bad in ["", "ftp://example.test/", "file:///etc/passwd", "http://", "https:///x", "example.test/hook", "http://a b/"] {
            #expect(throws: ServerError.self, "\(bad)") { try WebhookAddress.check(bad) }
        }
    }

    @Test("retries back off from 5 s, doubling to an hour with jitter, for 24 hours; then the delivery is dead")
    func retrySchedule() {
        let retry = WebhookRetry()
        #expect((1...6).map { retry.delay(afterFailures: $0) } == [5, 10, 20, 40, 80, 160])
        #expect(retry.delay(afterFailures: 12) == 3600 && retry.delay(afterFailures: 1000) == 3600)
        #expect(retry.retryAt(afterFailures: 1, createdAt: 0, now: 100, jitter: 1) == 105)
        #expect(retry.retryAt(afterFailures: 1, createdAt: 0, now: 100, jitter: 0.5) == 102.5)
        #expect(retry.retryAt(afterFailures: 30, createdAt: 0, now: 86_000, jitter: 1) == 86_400, "the last attempt is at the 24 h mark")
        #expect(retry.retryAt(afterFailures: 31, createdAt: 0, now: 86_400, jitter: 1) == nil, "then it is dead")
        // With the longest jitter every time, how many attempts 24 hours hold.
        var now = 0.0
        var attempts = 1
        while let next = retry.retryAt(afterFailures: attempts, createdAt: 0, now: now, jitter: 1) {
            now = next
            attempts += 1
        }
        #expect((30...35).contains(attempts), "\(attempts) attempts")
    }
}
