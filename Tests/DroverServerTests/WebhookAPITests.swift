import DroverModel
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import DroverServer

extension TestServer {
    /// A server whose webhooks follow `webhooks` (no courier runs: deliveries stay queued).
    static func start(webhooks: WebhookSettings) async throws -> TestServer {
        let directory = NSTemporaryDirectory() + "drover-server-\(UUID().uuidString)"
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let plane = ControlPlane(store: store, logger: Logger(label: "test"), webhooks: webhooks)
        let token = try #require(try await plane.bootstrap())
        return TestServer(plane: plane, store: store, adminToken: token, directory: directory)
    }

    /// A token of a second organisation, `other`.
    func otherOrganisationToken() async throws -> String {
        let org = try await store.ensureOrg("other")
        let owner = UserRecord(
            id: UUID().uuidString, orgID: org, name: "other-owner-\(UUID().uuidString.prefix(8))", password: nil, inviteHash: nil, inviteExpires: nil,
            orgRole: .owner, createdAt: 0)
        try await store.createUser(owner, fleetRole: nil)
        let token = Secrets.mint(prefix: "drv_")
        try await store.addToken(
            TokenRecord(
                id: UUID().uuidString, hash: Secrets.hash(token), userID: owner.id, orgID: org, kind: .api, name: "other", prefix: String(token.prefix(10)),
                fleetID: nil, role: nil, expiresAt: nil, csrf: nil, createdAt: 0))
        return token
    }
}

extension TestServer.Client {
    /// Creates a webhook from a JSON body.
    func webhook(_ json: String, token: String? = nil) async throws -> API.Webhook {
        try await decode(API.Webhook.self, .post, "/v1/webhooks", json: json, token: token)
    }

    /// The events of a webhook's deliveries, oldest first.
    func deliveredEvents(_ webhook: API.Webhook, token: String? = nil) async throws -> [API.WebhookEvent] {
        try await decode([API.WebhookDelivery].self, .get, "/v1/webhooks/\(webhook.id)/deliveries", token: token).reversed().map(\.event)
    }

    /// Enrols a device named `name` into an existing fleet, with a fresh key.
    func enrol(_ name: String, fleet: String) async throws -> API.RegisteredDevice {
        let key = try await decode(API.ProvisioningKey.self, .post, "/v1/fleets/\(fleet)/keys", json: "{}")
        return try await decode(
            API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "\#(name)"}"#, token: "")
    }

    /// Creates a release of `fleet` with one service whose image is tagged `tag`.
    func release(_ fleet: String, tag: Int) async throws -> API.Release {
        let json = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: "services:\n  s:\n    image: x:\(tag)\n")), as: UTF8.self)
        return try await decode(API.Release.self, .post, "/v1/fleets/\(fleet)/releases", json: json)
    }

    /// Sends a device's rollout report; the status code.
    @discardableResult
    func report(_ device: API.RegisteredDevice, _ release: String, _ outcome: API.RolloutOutcome, reason: String? = nil) async throws -> Int {
        let report = API.StateReport(rollout: API.Rollout(release: release, outcome: outcome, reason: reason))
        let body = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        return Int(try await call(.patch, "/v1/device/state", json: body, token: device.apiKey).status.code)
    }
}

@Suite("Webhooks (API)")
struct WebhookAPITests {
    static let secret = "a-secret-of-sixteen-bytes-or-more"

    @Test("bad URLs, events and secrets are refused with a message naming the field")
    func refusals() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "lab"}"#)
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"url": "ftp://example.test/hook", "events": ["release.created"]}"#, .badRequest, "body: url 'ftp://example.test/hook' is a ftp URL"),
                (#"{"url": "http:///hook", "events": ["release.created"]}"#, .badRequest, "body: url 'http:///hook' has no host"),
                (#"{"url": "hook", "events": ["release.created"]}"#, .badRequest, "body: url 'hook' is not a URL"),
                (#"{"url": "http://user:pw@example.test/", "events": ["release.created"]}"#, .badRequest, "must not carry a user or password"),
                (#"{"url": "http://example.test/", "events": []}"#, .badRequest, "body: events must name at least one"),
                (#"{"url": "http://example.test/", "events": ["ping"]}"#, .badRequest, "body: events[0]: ping is not an event to subscribe to"),
                (#"{"url": "http://example.test/", "events": ["device.exploded"]}"#, .badRequest, "'device.exploded' is not one of device.enrolled"),
                (#"{"url": "http://example.test/", "events": ["device.online"], "secret": "short"}"#, .badRequest, "body: secret is 5 bytes"),
                (#"{"url": "http://example.test/", "events": ["device.online"], "fleet": "ghost"}"#, .notFound, "no fleet named 'ghost'"),
                (#"{"url": "http://example.test/", "events": ["device.online"], "org": "elsewhere"}"#, .notFound, "no organisation 'elsewhere'"),
            ]
            for (body, status, phrase) in cases {
                let answer = try await api.call(.post, "/v1/webhooks", json: body)
                #expect(answer.status == status, "\(body): \(answer.body)")
                #expect(answer.body.contains(phrase), "\(body): \(answer.body)")
            }
            // Without --webhook-block-private a loopback receiver is fine (the tests rely on it).
            let loopback = try await api.webhook(#"{"url": "http://127.0.0.1:9/hook", "events": ["release.created"], "org": "default"}"#)
            #expect(loopback.fleet == nil && loopback.org == "default")
        }
    }

    @Test(
        "with --webhook-block-private, hosts that are or resolve to private, loopback or link-local addresses are refused",
        arguments: [
            ("http://10.1.2.3/hook", "10.1.2.3 is a private, loopback or link-local address"),
            ("http://127.0.0.1:8080/hook", "127.0.0.1 is a private"),
            ("http://[::1]/hook", "::1 is a private"),
            ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a private"),
            ("http://192.168.1.20/", "192.168.1.20 is a private"),
            ("http://[fd00::1]/", "fd00::1 is a private"),
            ("http://localhost:9/hook", "host 'localhost' resolves to"),
        ])
    func blockPrivate(url: String, phrase: String) async throws {
        let server = try await TestServer.start(webhooks: WebhookSettings(blockPrivateAddresses: true))
        try await server.test { api in
            let answer = try await api.call(.post, "/v1/webhooks", json: #"{"url": "\#(url)", "events": ["release.created"]}"#)
            #expect(answer.status == .badRequest, "\(answer.body)")
            #expect(answer.body.contains("body: url: \(phrase)"), "\(answer.body)")
            #expect(answer.body.contains("--webhook-block-private"), "\(answer.body)")
            // A public address passes (nothing is sent to it: no event is queued here).
            #expect(try await api.call(.post, "/v1/webhooks", json: #"{"url": "https://192.0.2.10/hook", "events": ["release.created"]}"#).status == .created)
        }
    }

    @Test("the secret is shown once; listing, the fleet filter and deleting work; another organisation's webhook is 404 and hears nothing")
    func lifecycleAndIsolation() async throws {
        let server = try await TestServer.start()
        let other = try await server.otherOrganisationToken()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "lab"}"#)
            let fleetHook = try await api.webhook(
                #"{"url": "http://127.0.0.1:9/a", "events": ["release.failing", "device.enrolled"], "fleet": "lab", "secret": "\#(Self.secret)"}"#)
            #expect(fleetHook.secret == Self.secret && fleetHook.fleet == "lab")
            #expect(fleetHook.events == [.deviceEnrolled, .releaseFailing], "in the order of the event list")
            let orgHook = try await api.webhook(#"{"url": "https://127.0.0.1:9/b", "events": ["release.created"]}"#)
            #expect(orgHook.secret?.hasPrefix("whsec_") == true, "the server made a secret")
            let listed = try await api.decode([API.Webhook].self, .get, "/v1/webhooks")
            #expect(listed.map(\.id) == [fleetHook.id, orgHook.id])
            #expect(listed.allSatisfy { $0.secret == nil }, "a listing never shows a secret")
            #expect(try await api.decode([API.Webhook].self, .get, "/v1/webhooks?fleet=lab").map(\.id) == [fleetHook.id])
            #expect(try await api.call(.get, "/v1/webhooks?fleet=ghost").status == .notFound)

            // Another organisation sees none of it, not even by id, and cannot name the fleet.
            #expect(try await api.decode([API.Webhook].self, .get, "/v1/webhooks", token: other).isEmpty)
            for (method, path) in [
                (HTTPRequest.Method.delete, "/v1/webhooks/\(fleetHook.id)"), (.post, "/v1/webhooks/\(fleetHook.id)/test"),
                (.get, "/v1/webhooks/\(fleetHook.id)/deliveries"),
            ] {
                let answer = try await api.call(method, path, token: other)
                #expect(answer.status == .notFound && answer.body.contains("no webhook '\(fleetHook.id)'"), "\(method) \(path): \(answer.body)")
            }
            let foreignFleet = try await api.call(
                .post, "/v1/webhooks", json: #"{"url": "http://127.0.0.1:9/c", "events": ["release.created"], "fleet": "lab"}"#, token: other)
            #expect(foreignFleet.status == .notFound)
            let otherHook = try await api.webhook(#"{"url": "http://127.0.0.1:9/d", "events": ["release.created"]}"#, token: other)
            _ = try await api.release("lab", tag: 1)
            #expect(try await api.deliveredEvents(orgHook) == [.releaseCreated])
            #expect(try await api.deliveredEvents(otherHook, token: other).isEmpty, "another organisation's webhook hears nothing of this one")

            // A test delivery is a ping, queued whatever the webhook hears.
            let ping = try await api.decode(API.WebhookDelivery.self, .post, "/v1/webhooks/\(fleetHook.id)/test")
            #expect(ping.event == .ping && ping.status == .pending && ping.attempts == 0 && ping.webhook == fleetHook.id)
            #expect(try await api.deliveredEvents(fleetHook) == [.ping])

            #expect(try await api.call(.delete, "/v1/webhooks/\(fleetHook.id)").status == .noContent)
            #expect(try await api.call(.get, "/v1/webhooks/\(fleetHook.id)/deliveries").status == .notFound)
            #expect(try await api.decode([API.Webhook].self, .get, "/v1/webhooks").map(\.id) == [orgHook.id])
        }
    }

    @Test("an event reaches the webhooks of its fleet and of its organisation that hear it, and no others")
    func fanOut() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("a", device: "pi")
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "b"}"#)
            let org = try await api.webhook(#"{"url": "http://127.0.0.1:9/1", "events": ["release.created", "device.enrolled"]}"#)
            let fleetA = try await api.webhook(#"{"url": "http://127.0.0.1:9/2", "events": ["release.created"], "fleet": "a"}"#)
            let fleetB = try await api.webhook(#"{"url": "http://127.0.0.1:9/3", "events": ["release.created"], "fleet": "b"}"#)
            let enrolOnly = try await api.webhook(#"{"url": "http://127.0.0.1:9/4", "events": ["device.enrolled"], "fleet": "a"}"#)
            let release = try await api.release("a", tag: 1)
            #expect(try await api.deliveredEvents(org) == [.releaseCreated])
            #expect(try await api.deliveredEvents(fleetA) == [.releaseCreated])
            #expect(try await api.deliveredEvents(fleetB).isEmpty)
            #expect(try await api.deliveredEvents(enrolOnly).isEmpty, "\(device.name) enrolled before the webhook existed")
            _ = try await api.enrol("pi2", fleet: "a")
            #expect(try await api.deliveredEvents(enrolOnly) == [.deviceEnrolled])
            #expect(try await api.deliveredEvents(org) == [.releaseCreated, .deviceEnrolled])
            #expect(release.fleet == "a")
        }
    }

    @Test("release.completed is queued once every device tracking the fleet passed the release's health window, and once only")
    func completed() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let first = try await api.fleetWithDevice("done", device: "one")
            let second = try await api.enrol("two", fleet: "done")
            let hook = try await api.webhook(#"{"url": "http://127.0.0.1:9/", "events": ["release.completed"], "fleet": "done"}"#)
            let release = try await api.release("done", tag: 1)
            #expect(try await api.report(first, release.id, .started) == 204)
            #expect(try await api.report(first, release.id, .healthy) == 204)
            #expect(try await api.deliveredEvents(hook).isEmpty, "one of two devices is not completion")
            #expect(try await api.report(second, release.id, .healthy) == 204)
            #expect(try await api.deliveredEvents(hook) == [.releaseCompleted])
            #expect(try await api.report(first, release.id, .healthy) == 204)
            #expect(try await api.deliveredEvents(hook) == [.releaseCompleted], "said again, it is not announced again")
        }
    }

    @Test("device.rolled_back once per rollback, even when the agent sends its whole report again; release.failing once")
    func rollbacksAndFailing() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let devices = [try await api.fleetWithDevice("rb", device: "a"), try await api.enrol("b", fleet: "rb"), try await api.enrol("c", fleet: "rb")]
            let hook = try await api.webhook(#"{"url": "http://127.0.0.1:9/", "events": ["device.rolled_back", "release.failing"]}"#)
            let bad = try await api.release("rb", tag: 2)
            for device in devices { try await api.report(device, bad.id, .started) }
            try await api.report(devices[0], bad.id, .rolledBack, reason: "boom")
            try await api.report(devices[0], bad.id, .rolledBack, reason: "boom")
            #expect(try await api.deliveredEvents(hook) == [.deviceRolledBack])
            try await api.report(devices[1], bad.id, .rolledBack, reason: "boom")
            try await api.report(devices[2], bad.id, .rolledBack, reason: "boom")
            #expect(try await api.deliveredEvents(hook) == [.deviceRolledBack, .deviceRolledBack, .releaseFailing, .deviceRolledBack])
            // A retried release that rolls back again is a new rollback.
            try await api.report(devices[0], bad.id, .started)
            try await api.report(devices[0], bad.id, .rolledBack, reason: "again")
            #expect(try await api.deliveredEvents(hook).filter { $0 == .deviceRolledBack }.count == 4)
        }
    }

    @Test("device.online when a device is heard from, device.offline 75 s after it was last; not offline before the server had 75 s")
    func presence() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("p", device: "pi")
            let hook = try await api.webhook(#"{"url": "http://127.0.0.1:9/", "events": ["device.online", "device.offline"]}"#)
            let courier = WebhookCourier(store: server.store, settings: WebhookSettings(), logger: Logger(label: "test"))
            let longRunning = WebhookEvents(store: server.store, courier: courier, logger: Logger(label: "test"), startedAt: 0, live: LiveEvents())
            let justStarted = WebhookEvents(store: server.store, courier: courier, logger: Logger(label: "test"), startedAt: WallClock.now, live: LiveEvents())
            await longRunning.announcePresence()
            #expect(try await api.deliveredEvents(hook).isEmpty, "never heard from: nothing to announce")
            try await server.store.recordLastSeen([device.uuid: WallClock.now])
            await longRunning.announcePresence()
            await longRunning.announcePresence()
            #expect(try await api.deliveredEvents(hook) == [.deviceOnline])
            try await server.store.recordLastSeen([device.uuid: WallClock.now - 80])
            await justStarted.announcePresence()
            #expect(try await api.deliveredEvents(hook) == [.deviceOnline], "a server that just started gives devices time to reach it")
            await longRunning.announcePresence()
            await longRunning.announcePresence()
            #expect(try await api.deliveredEvents(hook) == [.deviceOnline, .deviceOffline])
            try await server.store.recordLastSeen([device.uuid: WallClock.now])
            await justStarted.announcePresence()
            #expect(try await api.deliveredEvents(hook) == [.deviceOnline, .deviceOffline, .deviceOnline])
        }
    }

    @Test("every webhook answer fits its documented status and schema")
    func answersConform() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let check = Conformance(document: try await OpenAPIDocumentTests.servedDocument(), api: api)
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "lab"}"#)
            let created = try await check(
                .post, "/v1/webhooks", 201, json: #"{"url": "http://127.0.0.1:9/", "events": ["release.created"], "fleet": "lab"}"#)
            let id = try #require(created["id"]?.string)
            try await check(.post, "/v1/webhooks", 400, json: #"{"url": "ftp://x/", "events": ["release.created"]}"#)
            try await check(.post, "/v1/webhooks", 404, json: #"{"url": "http://x/", "events": ["release.created"], "fleet": "ghost"}"#)
            try await check(.get, "/v1/webhooks", 200)
            try await check(.get, "/v1/webhooks?fleet=lab", 200, template: "/v1/webhooks")
            try await check(.get, "/v1/webhooks?fleet=ghost", 404, template: "/v1/webhooks")
            try await check(.post, "/v1/webhooks/\(id)/test", 201, template: "/v1/webhooks/{webhook}/test")
            _ = try await api.release("lab", tag: 1)
            try await check(.get, "/v1/webhooks/\(id)/deliveries", 200, template: "/v1/webhooks/{webhook}/deliveries")
            try await check(.get, "/v1/webhooks/nope/deliveries", 404, template: "/v1/webhooks/{webhook}/deliveries")
            try await check(.delete, "/v1/webhooks/\(id)", 204, template: "/v1/webhooks/{webhook}")
            try await check(.delete, "/v1/webhooks/\(id)", 404, template: "/v1/webhooks/{webhook}")
        }
    }
}
