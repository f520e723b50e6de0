import DroverModel
import DroverServer
import Foundation
import Testing

/// The delivery queue as every store keeps it: claims, caps, leases and attempts.
@Suite("The webhook queue in the store")
struct WebhookStoreTests {
    /// A time after anything the test queued so far.
    static var later: Double { Date().timeIntervalSince1970 + 1 }

    /// A store with an organisation and `count` webhooks of it hearing release.created.
    static func prepared(webhooks count: Int) async throws -> (store: any DroverStore, scope: EventScope, hooks: [String]) {
        let store = try await StoreFactory.sqlite.open()
        let org = try await store.ensureOrg("default")
        var hooks: [String] = []
        for index in 0..<count {
            let id = "hook-\(index)"
            try await store.addWebhook(
                WebhookRecord(id: id, orgID: org, fleetID: nil, fleetName: nil, url: "http://127.0.0.1:9/\(index)", events: [.releaseCreated], createdAt: 0),
                secret: "secret-of-sixteen-bytes")
            hooks.append(id)
        }
        return (store, EventScope(orgID: org, orgName: "default"), hooks)
    }

    /// Queues a ping to one webhook.
    static func ping(_ store: any DroverStore, _ scope: EventScope, to hook: String) async throws -> String {
        let event = WebhookEventRecord(kind: .ping, scope: scope, at: 0, data: API.WebhookData(webhook: hook), webhookID: hook)
        return try #require(try await store.queueEvent(event).first)
    }

    @Test("a claim takes the oldest due deliveries, at most the cap of each webhook, and says when it passed some over")
    func caps() async throws {
        let (store, scope, hooks) = try await Self.prepared(webhooks: 2)
        for _ in 0..<6 { _ = try await Self.ping(store, scope, to: hooks[0]) }
        for _ in 0..<2 { _ = try await Self.ping(store, scope, to: hooks[1]) }
        let now = Self.later
        let first = try await store.claimDeliveries(limit: 16, perWebhook: 4, inFlight: [:], now: now, lease: 30)
        #expect(first.claims.filter { $0.webhookID == hooks[0] }.count == 4 && first.claims.filter { $0.webhookID == hooks[1] }.count == 2)
        #expect(first.more, "two of the first webhook's were passed over")
        let busy = try await store.claimDeliveries(limit: 16, perWebhook: 4, inFlight: [hooks[0]: 4, hooks[1]: 2], now: now, lease: 30)
        #expect(busy.claims.isEmpty && !busy.more, "the first webhook is at its cap, the second has nothing left")
        let freed = try await store.claimDeliveries(limit: 16, perWebhook: 4, inFlight: [hooks[0]: 3], now: now, lease: 30)
        #expect(freed.claims.count == 1 && freed.claims[0].webhookID == hooks[0])
        try await store.close()
    }

    @Test("a claim is a lease: not claimed again until it runs out or the attempt is released; attempts end delivered, retried or dead")
    func leasesAndOutcomes() async throws {
        let (store, scope, hooks) = try await Self.prepared(webhooks: 1)
        let id = try await Self.ping(store, scope, to: hooks[0])
        let now = Self.later
        #expect(try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now, lease: 30).claims.map(\.id) == [id])
        #expect(try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now + 29, lease: 30).claims.isEmpty)
        #expect(try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now + 31, lease: 30).claims.map(\.id) == [id], "a lost claim")
        try await store.recordAttempt(DeliveryAttempt(id: id, at: now + 32, outcome: .released))
        let again = try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now + 32, lease: 30).claims
        #expect(again.map(\.id) == [id] && again[0].attempts == 0, "a released claim is due at once and was no attempt")

        try await store.recordAttempt(
            DeliveryAttempt(id: id, at: now + 33, outcome: .failed(statusCode: 500, latencyMs: 4, error: "the receiver answered 500", retryAt: now + 40)))
        var logged = try #require(try await store.deliveries(webhookID: hooks[0], limit: 10).first)
        #expect(logged.status == .pending && logged.attempts == 1 && logged.lastStatusCode == 500 && logged.nextAttemptAt?.timeIntervalSince1970 == now + 40)
        #expect(try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now + 39, lease: 30).claims.isEmpty)
        _ = try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now + 40, lease: 30)
        try await store.recordAttempt(DeliveryAttempt(id: id, at: now + 41, outcome: .delivered(statusCode: 204, latencyMs: 2)))
        logged = try #require(try await store.deliveries(webhookID: hooks[0], limit: 10).first)
        #expect(logged.status == .delivered && logged.attempts == 2 && logged.lastError == nil && logged.nextAttemptAt == nil)

        let doomed = try await Self.ping(store, scope, to: hooks[0])
        try await store.recordAttempt(DeliveryAttempt(id: doomed, at: now, outcome: .failed(statusCode: nil, latencyMs: 1, error: "refused", retryAt: nil)))
        #expect(try await store.deliveries(webhookID: hooks[0], limit: 10).first { $0.id == doomed }?.status == .dead)
        #expect(try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: now + 1000, lease: 30).claims.isEmpty)
        try await store.pruneWebhookHistory(before: now + 10_000, factsBefore: 0)
        #expect(try await store.deliveries(webhookID: hooks[0], limit: 10).isEmpty, "finished deliveries are pruned")
        try await store.close()
    }

    @Test("a fact is queued once; deleting a webhook drops its deliveries")
    func factsAndDeletion() async throws {
        let (store, scope, hooks) = try await Self.prepared(webhooks: 1)
        let failing = WebhookEventRecord(kind: .releaseCreated, scope: scope, at: 0, data: API.WebhookData(release: "r1"), fact: "release.created r1")
        #expect(try await store.queueEvent(failing).count == 1)
        #expect(try await store.queueEvent(failing).isEmpty)
        try await store.deleteWebhook(id: hooks[0])
        #expect(try await store.deliveries(webhookID: hooks[0], limit: 10).isEmpty)
        #expect(try await store.claimDeliveries(limit: 4, perWebhook: 4, inFlight: [:], now: Self.later, lease: 30).claims.isEmpty)
        try await store.close()
    }
}
