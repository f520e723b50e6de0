import DroverModel
import Foundation
import HTTPTypes
import Hummingbird
import DroverTestSupport
import HummingbirdTesting
import Testing

@testable import DroverServer

/// What the dashboard needs of the server: its files served safely and cheaply, device pages
/// to scroll through, fleets at a glance, and a stream that says what changed.
@Suite("Dashboard: files, device pages, fleet summaries and live events")
struct DashboardServingTests {
    @Test("the page is served with a strict CSP, an ETag that answers 304, and gzip when the browser takes it")
    func page() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let page = try await client.call(.get, "/", token: "", headers: [.acceptEncoding: "identity"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.body.contains("<title>Drover</title>"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"))
            let etag = try #require(page.headers[.eTag])
            let again = try await client.call(.get, "/", token: "", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.isEmpty)
            let packed = try await client.call(.get, "/", token: "", headers: [.acceptEncoding: "gzip, deflate, br"])
            #expect(packed.headers[.contentEncoding] == "gzip")
            // Every answer carries the policy, an API error among them.
            let error = try await client.call(.get, "/v1/fleets/nope")
            #expect(error.status == .notFound && error.headers[.contentSecurityPolicy] == policy)
            #expect(error.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test(
        "a name that is not one of the dashboard's files is 404, never a file elsewhere",
        arguments: ["..", ".env", "..%2F..%2Fetc%2Fpasswd", "nope.js", "INDEX.HTML"])
    func strangers(name: String) async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let answer = try await client.call(.get, "/ui/\(name)", token: "")
            #expect(answer.status == .notFound, "\(name): \(answer.status)")
            #expect(!answer.body.contains("root:"))
        }
    }

    @Test("every file of the dashboard's folder is built into the binary, as it is on disk")
    func embedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/DroverServer/Dashboard")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        let assets = DashboardAssets(directory: nil)
        #expect(assets.names == onDisk, "list the missing files in DashboardFiles.swift")
        for name in onDisk {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect(assets.asset(name)?.bytes == bytes, "\(name) differs from the built-in copy: build again")
            #expect(DashboardAssets.isPlain(name), "\(name): dashboard file names are lowercase letters, digits, '-' and '.'")
        }
    }

    @Test("xterm.js is bundled from Debian's node-xterm into one script that defines Terminal")
    func xterm() async throws {
        let bundle = XtermBundle()
        guard FileManager.default.fileExists(atPath: bundle.directory + "/public/Terminal.js") else {
            // scripts/test installs node-xterm; a bare `swift test` elsewhere may lack it.
            Issue.record("node-xterm is not installed at \(bundle.directory): apt-get install node-xterm")
            return
        }
        let script = String(decoding: try bundle.script().get().bytes, as: UTF8.self)
        #expect(script.contains("window.Terminal = Terminal"))
        #expect(script.contains("defs[\"public/Terminal.js\"]") && script.contains("defs[\"addons/fit/fit.js\"]"))
        // Every module a module requires is in the bundle.
        #expect(!script.contains("sourceMappingURL"))
        let missing = XtermBundle(directory: "/nonexistent")
        if case .failure(let error) = missing.script() { #expect(error.message.contains("node-xterm")) } else { Issue.record("no error") }
    }

    @Test("devices page server-side: search, sort, order, limit and offset, with the total in X-Total-Count")
    func paging() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            #expect(try await client.call(.post, "/v1/fleets", json: #"{"name": "lab"}"#).status == .created)
            let key = try await client.decode(API.ProvisioningKey.self, .post, "/v1/fleets/lab/keys", json: "{}")
            for index in 0..<25 {
                let name = index % 5 == 0 ? "gate-\(index)" : "pi-\(String(format: "%02d", index))"
                let enrolled = try await client.call(
                    .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "\#(name)"}"#, token: "")
                #expect(enrolled.status == .created)
            }
            func page(_ query: String) async throws -> (names: [String], total: String?) {
                let answer = try await client.call(.get, "/v1/devices?fleet=lab&\(query)")
                #expect(answer.status == .ok, "\(query): \(answer.body)")
                let devices = try PeopleTests.decoder.decode([API.Device].self, from: Data(answer.body.utf8))
                return (devices.map(\.name), answer.headers[.named("X-Total-Count")])
            }
            let first = try await page("limit=10")
            #expect(first.total == "25" && first.names.count == 10 && first.names == first.names.sorted())
            let second = try await page("limit=10&offset=10")
            #expect(second.names.count == 10 && Set(first.names).isDisjoint(with: second.names) && second.names.first! > first.names.last!)
            let last = try await page("limit=10&offset=20")
            #expect(last.names.count == 5)
            // Pages made from each device's view (another order, a status filter) agree with
            // pages made from the records alone: none of these devices was ever seen.
            #expect(try await page("sort=lastSeen&limit=10") == first)
            #expect(try await page("status=provisioned&limit=10") == first)
            let descending = try await page("sort=name&order=desc&limit=3")
            #expect(descending.names == ["pi-24", "pi-23", "pi-22"])
            let search = try await page("q=GATE&limit=50")
            #expect(search.total == "5" && search.names.allSatisfy { $0.hasPrefix("gate-") })
            // Search is for the text itself: SQL's wildcards in it match only themselves.
            let percent = try await page("q=%25&limit=5")
            let underscore = try await page("q=_&limit=5")
            #expect(percent.total == "0" && underscore.total == "0")
            let beyond = try await page("limit=10&offset=1000")
            #expect(beyond.names.isEmpty && beyond.total == "25")
            for bad in ["limit=0", "limit=1001", "offset=-1", "limit=nan", "limit=1e3", "sort=colour", "order=up", "offset=99999999999999999999"] {
                let answer = try await client.call(.get, "/v1/devices?fleet=lab&\(bad)")
                #expect(answer.status == .badRequest, "\(bad): \(answer.status) \(answer.body)")
                #expect(answer.body.contains(String(bad.prefix(while: { $0 != "=" }))), "\(bad): the error names the parameter: \(answer.body)")
            }
        }
    }

    @Test("a fleet says how its devices stand: by status, offline, and on the offered release")
    func summary() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let device = try await client.fleetWithDevice("lab", device: "pi-1")
            _ = try await client.fleetWithDevice("lab", device: "pi-2")
            let release = try await client.decode(
                API.Release.self, .post, "/v1/fleets/lab/releases",
                json: String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: composeV1)), as: UTF8.self))
            let report = #"{"release": "\#(release.id)", "status": "running", "services": {}}"#
            #expect(try await client.call(.patch, "/v1/device/state", json: report, token: device.apiKey).status == .noContent)
            let fleet = try await client.decode(API.Fleet.self, .get, "/v1/fleets/lab")
            // pi-2 enrolled but never reported: it was never heard from, so it is offline.
            #expect(fleet.summary == API.FleetSummary(running: 1, updating: 0, failed: 0, offline: 1, onTarget: 1))
            let listed = try await client.decode([API.Fleet].self, .get, "/v1/fleets")
            #expect(listed.first { $0.name == "lab" }?.summary == fleet.summary)
            // The release page shows the document it was made from.
            #expect(try await client.decode(API.Release.self, .get, "/v1/releases/\(release.id)").compose == composeV1)
        }
    }

    @Test("the audit log lists what was done to one device, by its name or its id, and nothing of another")
    func auditOfDevice() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let device = try await client.fleetWithDevice("lab", device: "pi-1")
            _ = try await client.fleetWithDevice("lab", device: "pi-10")
            #expect(try await client.call(.put, "/v1/devices/pi-1/tags", json: #"{"set": {"site": "a"}}"#).status == .ok)
            #expect(try await client.call(.put, "/v1/devices/\(device.uuid)/tags", json: #"{"set": {"site": "b"}}"#).status == .ok)
            #expect(try await client.call(.put, "/v1/devices/pi-10/tags", json: #"{"set": {"site": "c"}}"#).status == .ok)
            let entries = try await PeopleTests.audit(client, "?device=pi-1")
            // Its enrolment, and the two tag changes by name and by id.
            #expect(entries.map(\.action) == ["setTags", "setTags", "enrolDevice"], "\(entries.map(\.target))")
            #expect(try await client.call(.get, "/v1/audit?device=nope").status == .notFound)
        }
    }

    @Test("an open event stream hears a change to its fleet, and nothing of another fleet or organisation")
    func events() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let lab = try await client.fleetWithDevice("lab", device: "pi-1")
            let other = try await client.fleetWithDevice("other", device: "pi-9")
            async let stream = client.call(.get, "/v1/events?fleet=lab&seconds=600")
            _ = try await eventually("the stream listens") {
                server.plane.live.count
            } until: {
                $0 == 1
            }
            #expect(try await client.call(.put, "/v1/devices/pi-9/tags", json: #"{"set": {"site": "b"}}"#).status == .ok)
            #expect(try await client.call(.put, "/v1/devices/pi-1/tags", json: #"{"set": {"site": "a"}}"#).status == .ok)
            #expect(try await client.call(.put, "/v1/env", json: #"{"fleet": "lab", "name": "LEVEL", "value": "1"}"#).status == .ok)
            // Each hint was queued for the stream before its change was answered.
            server.plane.live.endAll()
            let heard = try await stream
            let labID = try await fleetID(client, "lab")
            #expect(heard.status == .ok && heard.headers[.contentType] == "text/event-stream")
            #expect(heard.body.hasPrefix("retry: 2000\n\nevent: ready\n"))
            #expect(heard.body.contains("event: device\ndata: {\"fleet\":\"\(labID)\",\"device\":\"\(lab.uuid)\"}"))
            #expect(heard.body.contains("event: env\n"))
            #expect(!heard.body.contains(other.uuid), "a stream of fleet lab heard of fleet other: \(heard.body)")
            // A stream whose time is up ends by itself, and stops listening.
            let short = try await client.call(.get, "/v1/events?fleet=lab&seconds=1")
            #expect(short.status == .ok && short.body.hasSuffix(": keep-alive\n\n"))
            _ = try await eventually("the ended stream stops listening") {
                server.plane.live.count
            } until: {
                $0 == 0
            }
        }
    }

    @Test("a viewer of one fleet hears nothing of the others; a device's stream hears its logs")
    func eventScopes() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let lab = try await client.fleetWithDevice("lab", device: "pi-1")
            let other = try await client.fleetWithDevice("other", device: "pi-9")
            let viewer = try await PeopleTests.member(client, "vic", role: "viewer", fleet: "lab")
            #expect(try await client.call(.get, "/v1/events?fleet=other&seconds=1", token: viewer).status == .notFound)
            async let everything = client.call(.get, "/v1/events?seconds=600", token: viewer)
            async let logs = client.call(.get, "/v1/events?device=pi-1&seconds=600")
            _ = try await eventually("both streams listen") {
                server.plane.live.count
            } until: {
                $0 == 2
            }
            let line = #"{"lines": [{"timestamp": "2026-01-01T00:00:00Z", "service": "web", "stream": "stdout", "message": "up"}]}"#
            #expect(try await client.call(.post, "/v1/device/logs", json: line, token: lab.apiKey).status == .noContent)
            #expect(try await client.call(.post, "/v1/device/logs", json: line, token: other.apiKey).status == .noContent)
            #expect(try await client.call(.patch, "/v1/device/state", json: #"{"status": "idle"}"#, token: other.apiKey).status == .noContent)
            #expect(try await client.call(.patch, "/v1/device/state", json: #"{"status": "idle"}"#, token: lab.apiKey).status == .noContent)
            server.plane.live.endAll()
            let (seen, device) = try await (everything, logs)
            #expect(seen.body.contains(lab.uuid) && !seen.body.contains(other.uuid), "\(seen.body)")
            #expect(!seen.body.contains("event: logs"), "a fleet-wide stream carries no log hints: \(seen.body)")
            #expect(device.body.contains("event: logs\ndata: {\"fleet\":") && device.body.contains(lab.uuid) && !device.body.contains(other.uuid))
            for bad in ["seconds=0", "seconds=3601", "seconds=inf", "fleet=lab&device=pi-1"] {
                #expect(try await client.call(.get, "/v1/events?\(bad)").status == .badRequest, "\(bad)")
            }
        }
    }

    @Test("GET /v1/me gives a browser session its CSRF token after a reload, and an API token none")
    func csrfInMe() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await PeopleTests.member(client, "ada", role: "operator")
            let session = try await PeopleTests.login(client, "ada", password: "pw-ada-123")
            let me = try await client.decode(API.Me.self, .get, "/v1/me", token: session.token)
            #expect(me.csrf == session.csrf && !session.csrf.isEmpty)
            #expect(try await client.decode(API.Me.self, .get, "/v1/me").csrf == nil)
        }
    }

    private func fleetID(_ client: TestServer.Client, _ name: String) async throws -> String {
        try await client.decode(API.Fleet.self, .get, "/v1/fleets/\(name)").id
    }
}
