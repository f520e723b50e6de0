import ArgumentParser
import DroverModel
import Foundation
import Testing

@testable import DroverCLI

/// What `drover webhook` takes in and how webhooks and deliveries read on a terminal.
@Suite("webhook commands' input and text")
struct WebhookViewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("--events takes comma-separated event names and refuses others, ping among them, naming the ones there are")
    func events() throws {
        #expect(try WebhookView.events("release.failing, device.online,") == [.releaseFailing, .deviceOnline])
        for bad in ["", "release.exploded", "ping"] {
            let error = #expect(throws: ValidationError.self) { try WebhookView.events(bad) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("device.enrolled, device.online"), "\(bad)")
        }
        #expect(throws: (any Error).self) { try DroverCommand.parseAsRoot(["webhook", "create", "--url", "http://x/", "--events", "device.online"]) }
        #expect(throws: (any Error).self) {
            try DroverCommand.parseAsRoot(["webhook", "create", "--fleet", "f", "--org", "o", "--url", "http://x/", "--events", "device.online"])
        }
    }

    @Test("--secret-stdin takes what is piped in without its line ending, and refuses nothing")
    func secret() throws {
        #expect(try WebhookView.secret(from: Data("s3cret-of-some-length\r\n".utf8)) == "s3cret-of-some-length")
        #expect(throws: ValidationError.self) { try WebhookView.secret(from: Data("\n".utf8)) }
    }

    @Test("create prints a secret the server made once, and the id last; a given secret is not echoed")
    func created() {
        let webhook = API.Webhook(
            id: "w1", org: "default", fleet: nil, url: "https://ci.example/hook", events: [.releaseFailing], secret: "whsec_abc", createdAt: Self.now)
        #expect(
            WebhookView.created(webhook, secretGiven: false)
                == "signing secret (shown only now): whsec_abc\ncreated webhook for organisation default (release.failing) to https://ci.example/hook: w1")
        #expect(!WebhookView.created(webhook, secretGiven: true).contains("whsec_abc"))
    }

    @Test("deliveries show status, attempts, code, latency, age, next attempt and error")
    func deliveries() {
        let pending = API.WebhookDelivery(
            id: "d2", webhook: "w1", event: .deviceOffline, status: .pending, attempts: 2, createdAt: Self.now.addingTimeInterval(-90),
            lastStatusCode: 503, lastLatencyMs: 12.34, lastError: "the receiver answered 503", nextAttemptAt: Self.now.addingTimeInterval(20))
        let delivered = API.WebhookDelivery(
            id: "d1", webhook: "w1", event: .ping, status: .delivered, attempts: 1, createdAt: Self.now.addingTimeInterval(-7200),
            lastStatusCode: 204, lastLatencyMs: 3)
        let lines = WebhookView.deliveries([pending, delivered], now: Self.now).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines[0] == ["ID", "EVENT", "STATUS", "ATTEMPTS", "CODE", "LATENCY", "QUEUED", "NEXT", "ERROR"])
        #expect(lines[1] == ["d2", "device.offline", "pending", "2", "503", "12.3", "ms", "1m", "ago", "in", "20s", "the", "receiver", "answered", "503"])
        #expect(lines[2] == ["d1", "ping", "delivered", "1", "204", "3.0", "ms", "2h", "ago", "-", "-"])
    }
}
