import DroverClient
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Testing

@testable import DroverServer

/// Deliveries as a receiver gets them: a real server (with its courier) and a receiver on
/// 127.0.0.1 that checks every signature. Devices are played by API calls, as the agent
/// would make them, so no engine is needed.
@Suite("Webhook deliveries to a receiver on loopback", .serialized)
struct WebhookDeliveryTests {
    static let secret = "receiver-secret-0123456789"
    /// Retries within a second, so the tests wait seconds rather than minutes.
    static let quick = WebhookSettings(retry: WebhookRetry(firstDelay: 0.2, maximumDelay: 1, giveUpAfter: 3600))

    /// Runs `body` with a listening receiver, stopped afterwards whatever happens.
    func withReceiver(_ body: (WebhookReceiver) async throws -> Void) async throws {
        let receiver = try WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        do {
            try await body(receiver)
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    /// Runs `body` with a live server (its courier running, with `settings`) and an admin client.
    func withServer(_ settings: WebhookSettings = Self.quick, _ body: (LiveServer, DroverAPIClient) async throws -> Void) async throws {
        try await withLiveServer(webhooks: settings) { server in
            let api = await server.adminClient()
            defer { Task { try? await api.shutdown() } }
            try await body(server, api)
        }
    }

    /// Enrols a device named `name` with the provisioning key `key`.
    func enrol(_ name: String, key: String, server: LiveServer) async throws -> API.RegisteredDevice {
        try await DroverAPIClient.with(server: server.url, credential: nil) {
            try await $0.enrol(API.RegisterDevice(provisioningKey: key, name: name, architecture: nil))
        }
    }

    /// Reports a device's rollout as its agent would.
    func report(_ device: API.RegisteredDevice, _ release: String, _ outcome: API.RolloutOutcome, reason: String? = nil, server: LiveServer)
        async throws
    {
        try await DroverAPIClient.with(server: server.url, credential: device.apiKey) {
            try await $0.report(API.StateReport(rollout: API.Rollout(release: release, outcome: outcome, reason: reason)))
        }
    }

    /// Waits until none of the webhook's deliveries is pending, and returns them.
    @discardableResult
    func settled(_ webhook: API.Webhook, api: DroverAPIClient) async throws -> [API.WebhookDelivery] {
        try await eventually("every delivery of webhook \(webhook.id) delivered") {
            try await api.webhookDeliveries(webhook.id)
        } until: {
            $0.allSatisfy { $0.status == .delivered }
        }
    }

    @Test("a receiver verifies every signature and gets release.failing, once, when a bad release rolls back on enough devices")
    func failingRelease() async throws {
        try await withReceiver { receiver in
            try await withServer { server, api in
                _ = try await api.createFleet(name: "fl")
                let webhook = try await api.createWebhook(
                    API.CreateWebhook(
                        url: receiver.url, events: [.deviceEnrolled, .releaseCreated, .deviceRolledBack, .releaseFailing], secret: Self.secret,
                        fleet: "fl"))
                let key = try #require(try await api.createKey(fleet: "fl", API.CreateKey()).key)
                var devices: [API.RegisteredDevice] = []
                for name in ["a", "b", "c", "d", "e"] { devices.append(try await enrol(name, key: key, server: server)) }
                let good = try await api.createRelease(fleet: "fl", compose: "services:\n  s:\n    image: x:1\n")
                let bad = try await api.createRelease(fleet: "fl", compose: "services:\n  s:\n    image: x:2\n")
                for device in devices { try await report(device, bad.id, .started, server: server) }
                // One of five (20%) is not past the fleet's share; the second is.
                try await report(devices[0], bad.id, .rolledBack, reason: "service s is unhealthy", server: server)
                try await report(devices[1], bad.id, .rolledBack, reason: "service s is crash-looping", server: server)
                try await receiver.wait(for: "release.failing") { $0.contains { $0.event == "release.failing" } }
                // A third rollback of a release already failing is a rollback, not a second failing.
                try await report(devices[2], bad.id, .rolledBack, reason: "late", server: server)
                let log = try await settled(webhook, api: api)
                let got = try await receiver.wait(for: "every delivery the server logged") { $0.count >= log.count }

                #expect(got.allSatisfy { $0.verdict == .valid }, "\(got.map(\.verdict))")
                #expect(got.allSatisfy { $0.payload.id == $0.delivery && $0.payload.event.rawValue == $0.event })
                #expect(Set(got.map(\.delivery)).count == got.count, "no delivery arrived twice")
                #expect(Set(got.map(\.delivery)) == Set(log.map(\.id)))
                let counts = Dictionary(got.map { ($0.event, 1) }, uniquingKeysWith: +)
                #expect(counts == ["device.enrolled": 5, "release.created": 2, "device.rolled_back": 3, "release.failing": 1], "\(counts)")
                let failing = try #require(got.first { $0.event == "release.failing" }?.payload)
                #expect(failing.org == "default" && failing.fleet == "fl" && failing.data.release == bad.id)
                #expect(failing.data.attempts == API.ReleaseAttempts(started: 5, healthy: 0, rolledBack: 2))
                #expect(failing.data.detail?.contains("2 of 5 devices that tried it rolled it back") == true, "\(failing.data.detail ?? "")")
                let rollbacks = got.filter { $0.event == "device.rolled_back" }.map(\.payload.data)
                #expect(rollbacks.compactMap(\.device?.name).sorted() == ["a", "b", "c"])
                #expect(rollbacks.contains { $0.device?.name == "b" && $0.reason == "service s is crash-looping" && $0.release == bad.id })
                #expect(got.filter { $0.event == "release.created" }.map(\.payload.data.release) == [good.id, bad.id])
            }
        }
    }

    @Test("with the receiver down while the server restarts, the delivery arrives once the receiver is back, exactly once by delivery id")
    func survivesRestart() async throws {
        try await withReceiver { receiver in
            let server = try LiveServer(webhooks: Self.quick)
            defer { try? FileManager.default.removeItem(atPath: server.directory) }
            try await server.start()
            var api = await server.adminClient()
            let webhook = try await api.createWebhook(API.CreateWebhook(url: receiver.url, events: [.releaseCreated], secret: Self.secret))
            await receiver.stop()

            _ = try await api.createFleet(name: "rs")
            let release = try await api.createRelease(fleet: "rs", compose: "services:\n  s:\n    image: x:1\n")
            let failed = try await eventually("an attempt refused by the stopped receiver") {
                try await api.webhookDeliveries(webhook.id).first
            } until: {
                ($0?.attempts ?? 0) >= 1 && $0?.lastError?.contains("connection refused") == true
            }
            let delivery = try #require(failed)
            #expect(delivery.status == .pending && delivery.event == .releaseCreated)

            try await api.shutdown()
            try await server.stop()
            try await server.start()
            api = await server.adminClient()
            // The new server goes on from the stored queue: more attempts, still refused.
            try await eventually("attempts by the restarted server") {
                try await api.webhookDeliveries(webhook.id).first { $0.id == delivery.id }
            } until: {
                ($0?.attempts ?? 0) > delivery.attempts && $0?.status == .pending
            }

            try await receiver.start()
            let got = try await receiver.wait(for: "the release.created delivery") { $0.contains { $0.delivery == delivery.id } }
            let done = try #require(try await settled(webhook, api: api).first { $0.id == delivery.id })
            let arrivals = await receiver.accepted.filter { $0.delivery == delivery.id }
            #expect(arrivals.count == 1, "accepted \(arrivals.count) times")
            #expect(got.allSatisfy { $0.verdict == .valid })
            #expect(arrivals.first?.payload.data.release == release.id && arrivals.first?.payload.fleet == "rs")
            #expect(done.status == .delivered && done.attempts >= 3 && done.lastStatusCode == 204 && done.deliveredAt != nil)
            try await api.shutdown()
            try await server.stop()
        }
    }

    @Test("a receiver's 503s are retried with backoff until it accepts; the log records attempts, status code and latency")
    func retriesUntilAccepted() async throws {
        try await withReceiver { receiver in
            try await withServer { server, api in
                let webhook = try await api.createWebhook(API.CreateWebhook(url: receiver.url, events: [.releaseCreated], secret: Self.secret))
                await receiver.refuse(next: 2)
                let ping = try await api.testWebhook(webhook.id)
                try await receiver.wait(for: "the ping accepted") { $0.contains { $0.delivery == ping.id } }
                let logged = try #require(try await settled(webhook, api: api).first)
                #expect(logged.id == ping.id && logged.event == .ping && logged.attempts == 3 && logged.lastStatusCode == 204)
                #expect((logged.lastLatencyMs ?? 0) > 0 && logged.lastError == nil)
                let arrivals = await receiver.deliveries.filter { $0.delivery == ping.id }
                #expect(arrivals.map(\.accepted) == [false, false, true])
                #expect(arrivals.allSatisfy { $0.verdict == .valid && $0.payload.data.webhook == webhook.id })
            }
        }
    }

    @Test("a delivery that fails for its whole retry window is marked dead, with the last error")
    func dead() async throws {
        let closed = "http://127.0.0.1:\(try FreePort.pick())/hook"
        try await withServer(WebhookSettings(retry: WebhookRetry(firstDelay: 0.2, maximumDelay: 0.4, giveUpAfter: 1.5))) { _, api in
            let webhook = try await api.createWebhook(API.CreateWebhook(url: closed, events: [.releaseCreated], secret: Self.secret))
            let ping = try await api.testWebhook(webhook.id)
            let dead = try await eventually("the delivery dead") {
                try await api.webhookDeliveries(webhook.id).first { $0.id == ping.id }
            } until: {
                $0?.status == .dead
            }
            #expect((dead?.attempts ?? 0) >= 2 && dead?.nextAttemptAt == nil)
            #expect(dead?.lastError?.contains("connection refused") == true, "\(dead?.lastError ?? "")")
        }
    }

    @Test("device.online reaches the receiver once an enrolled device is heard from")
    func online() async throws {
        try await withReceiver { receiver in
            try await withServer { server, api in
                _ = try await api.createFleet(name: "on")
                _ = try await api.createWebhook(API.CreateWebhook(url: receiver.url, events: [.deviceOnline], secret: Self.secret, fleet: "on"))
                let key = try #require(try await api.createKey(fleet: "on", API.CreateKey()).key)
                let device = try await enrol("pi", key: key, server: server)
                _ = try await DroverAPIClient.with(server: server.url, credential: device.apiKey) { try await $0.target(knownETag: nil) }
                let got = try await receiver.wait(for: "device.online") { !$0.isEmpty }
                #expect(got.map(\.event) == ["device.online"] && got[0].payload.data.device?.uuid == device.uuid)
                #expect(got[0].payload.data.lastSeen != nil && got[0].verdict == .valid)
            }
        }
    }

    @Test("with --webhook-block-private a webhook that reaches a private address is refused at delivery too, and nothing is sent")
    func blockedAtDelivery() async throws {
        try await withReceiver { receiver in
            // Made while the setting was off, as on a server that turned it on later.
            let server = try await TestServer.start()
            let org = try await server.plane.ownerAccess()
            let webhook = try await server.plane.createWebhook(org, API.CreateWebhook(url: receiver.url, events: [.releaseCreated]))
            let ping = try await server.plane.testWebhook(org, webhook.id)
            let settings = WebhookSettings(blockPrivateAddresses: true, retry: Self.quick.retry)
            let courier = WebhookCourier(store: server.store, settings: settings, logger: Logger(label: "test"), poll: .milliseconds(100))
            let running = Task { try await courier.run() }
            let refused = try await eventually("a refused attempt") {
                try await server.plane.webhookDeliveries(org, webhook.id).first { $0.id == ping.id }
            } until: {
                ($0?.attempts ?? 0) >= 1
            }
            running.cancel()
            try await running.value
            #expect(refused?.status == .pending && refused?.lastStatusCode == nil)
            #expect(refused?.lastError?.contains("127.0.0.1 is a private, loopback or link-local address") == true, "\(refused?.lastError ?? "")")
            #expect(await receiver.deliveries.isEmpty)
            try await server.store.close()
        }
    }
}
