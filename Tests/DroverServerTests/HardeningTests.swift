import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import DroverClient
import SQLKit
import ServiceLifecycle
import Testing

/// Regression tests for what a probe of the server found: bad input from a client or a device
/// gets a clear 4xx, and never a crash, a lost write or another fleet's data.
@Suite("Hardening: bad input from clients and devices")
struct HardeningTests {
    @Test(
        "a device's long-poll wait that is not a finite number of seconds in range is refused and the server keeps serving",
        arguments: ["nan", "NaN", "inf", "-inf", "infinity", "-1", "61", "1e308", "9223372036854775808", "abc", ""])
    func badWait(wait: String) async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let device = try await client.fleetWithDevice("lab", device: "pi")
            let first = try await client.call(.get, "/v1/device/state", token: device.apiKey)
            let etag = try #require(first.headers[.eTag])
            let answer = try await client.call(.get, "/v1/device/state?wait=\(wait)", token: device.apiKey, headers: [.ifNoneMatch: etag])
            #expect(answer.status == .badRequest, "wait=\(wait): \(answer.status) \(answer.body)")
            #expect(answer.body.contains("wait must be a number of seconds from 0 to 60"))
            let after = try await client.call(.get, "/v1/device/state?wait=0", token: device.apiKey, headers: [.ifNoneMatch: etag])
            #expect(after.status == .notModified)
        }
    }

    @Test("text with a NUL character is refused instead of being stored cut short")
    func nul() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await client.call(.post, "/v1/fleets", json: #"{"name": "lab"}"#)
            let answer = try await client.call(.put, "/v1/env", json: #"{"fleet": "lab", "name": "A", "value": "before\u0000after"}"#)
            #expect(answer.status == .badRequest)
            #expect(answer.body.contains("NUL"))
            // An escaped backslash followed by "u0000" is ordinary text.
            let literal = try await client.call(.put, "/v1/env", json: #"{"fleet": "lab", "name": "B", "value": "c:\\u0000"}"#)
            #expect(literal.status == .ok, "\(literal.body)")
            let listed = try await client.decode([API.EnvVar].self, .get, "/v1/env?fleet=lab")
            #expect(listed.map(\.name) == ["B"])
            #expect(listed.first?.value == #"c:\u0000"#)
        }
    }

    @Test("a request without credentials gets 401 before its body is looked at")
    func authenticateFirst() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            for (method, path) in [(HTTPRequest.Method.post, "/v1/fleets"), (.put, "/v1/env"), (.patch, "/v1/device/state"), (.post, "/v1/device/logs")] {
                let answer = try await client.call(method, path, json: "not json", token: "")
                #expect(answer.status == .unauthorized, "\(method) \(path): \(answer.status) \(answer.body)")
            }
            // A user token on a device route, and the reverse, is 403, also with a bad body.
            let device = try await client.fleetWithDevice("lab", device: "pi")
            #expect(try await client.call(.patch, "/v1/device/state", json: "[").status == .forbidden)
            #expect(try await client.call(.post, "/v1/fleets", json: "[", token: device.apiKey).status == .forbidden)
        }
    }

    @Test("a wrong method on a path that exists is 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await client.fleetWithDevice("lab", device: "pi")
            let answer = try await client.call(.post, "/v1/fleets/lab")
            #expect(answer.status == .methodNotAllowed)
            #expect(answer.headers[.allow] == "DELETE, GET, HEAD, PATCH")
            #expect(answer.body.contains(#""code":"method_not_allowed""#))
            #expect(try await client.call(.delete, "/v1/device/state").status == .methodNotAllowed)
            #expect(try await client.call(.get, "/v1/nothing/here").status == .notFound)
        }
    }

    @Test("an oversized body gets 413, and oversized fields get 400 naming the field and the limit")
    func sizes() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let device = try await client.fleetWithDevice("lab", device: "pi")
            let huge = String(repeating: "x", count: API.Limits.body + 1)
            let tooLarge = try await client.call(.put, "/v1/env", json: #"{"fleet": "lab", "name": "A", "value": "\#(huge)"}"#)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.body.contains("payload_too_large"))

            let longValue = String(repeating: "v", count: API.Limits.envValue + 1)
            let env = try await client.call(.put, "/v1/env", json: #"{"fleet": "lab", "name": "A", "value": "\#(longValue)"}"#)
            #expect(env.status == .badRequest)
            #expect(env.body.contains("value of A is 32769 bytes; at most 32768"))

            let detail = String(repeating: "d", count: API.Limits.detail + 1)
            let report = try await client.call(.patch, "/v1/device/state", json: #"{"status": "failed", "statusDetail": "\#(detail)"}"#, token: device.apiKey)
            #expect(report.status == .badRequest)
            #expect(report.body.contains("statusDetail"))

            let line = #"{"timestamp": "2026-01-01T00:00:00Z", "service": "web", "stream": "stdout", "message": "hi"}"#
            let lines = Array(repeating: line, count: API.Limits.logBatchLines + 1).joined(separator: ",")
            let batch = try await client.call(.post, "/v1/device/logs", json: #"{"lines": [\#(lines)]}"#, token: device.apiKey)
            #expect(batch.status == .badRequest)
            #expect(batch.body.contains("a batch holds at most 500"))
            let logs = try await client.decode([API.LogEntry].self, .get, "/v1/devices/pi/logs")
            #expect(logs.isEmpty)
        }
    }

    @Test("type errors are explained in the API's words, not Swift's")
    func typeWords() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await client.fleetWithDevice("lab", device: "pi")
            let object = try await client.call(.put, "/v1/devices/pi/tags", json: #"{"set": ["a"]}"#)
            #expect(object.status == .badRequest)
            #expect(object.body.contains("'set' must be an object"), "\(object.body)")
            let array = try await client.call(.put, "/v1/devices/pi/tags", json: #"{"remove": "a"}"#)
            #expect(array.body.contains("'remove' must be an array"), "\(array.body)")
            #expect(!object.body.contains("Dictionary") && !array.body.contains("Array<"))
        }
    }

    @Test("LIKE wildcards in a device or release reference match only themselves")
    func wildcards() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await client.fleetWithDevice("lab", device: "pi")
            let key = try await client.decode(API.ProvisioningKey.self, .post, "/v1/fleets/lab/keys", json: "{}")
            _ = try await client.call(.post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "pi2"}"#, token: "")
            // References of 7+ characters are also UUID prefixes, matched with LIKE.
            for reference in ["_______", "%25%25%25%25%25%25%25", "pi_____"] {
                #expect(try await client.call(.get, "/v1/devices/\(reference)").status == .notFound, "\(reference)")
            }
            _ = try await client.call(.post, "/v1/fleets/lab/releases", json: #"{"compose": "services: {web: {image: busybox}}"}"#)
            #expect(try await client.call(.get, "/v1/releases/______").status == .notFound)
        }
    }

    @Test("device names are unique in a fleet: enrolment takes a free variant, a rename to a taken name is 409")
    func uniqueNames() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await client.fleetWithDevice("lab", device: "pi")
            let key = try await client.decode(API.ProvisioningKey.self, .post, "/v1/fleets/lab/keys", json: "{}")
            var names: [String] = []
            for _ in 0..<3 {
                let device = try await client.decode(
                    API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "pi"}"#, token: "")
                names.append(device.name)
            }
            #expect(names == ["pi-2", "pi-3", "pi-4"])
            let rename = try await client.call(.patch, "/v1/devices/pi-3", json: #"{"name": "pi"}"#)
            #expect(rename.status == .conflict)
            #expect(rename.body.contains("fleet 'lab' already has a device named 'pi'"))
            #expect(try await client.decode(API.Device.self, .get, "/v1/devices/pi").name == "pi")
            // The same name in another fleet is fine.
            _ = try await client.fleetWithDevice("other", device: "pi")
            #expect(try await client.call(.get, "/v1/devices?fleet=other").body.contains(#""name":"pi""#))
        }
    }

    @Test("a device cannot report a rollout of another fleet's release")
    func rolloutOfAnotherFleet() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let a1 = try await client.fleetWithDevice("a", device: "a1")
            _ = try await client.fleetWithDevice("b", device: "b1")
            let release = try await client.decode(
                API.Release.self, .post, "/v1/fleets/b/releases", json: #"{"compose": "services: {web: {image: busybox}}"}"#)
            let answer = try await client.call(
                .patch, "/v1/device/state", json: #"{"rollout": {"release": "\#(release.id)", "outcome": "rolled-back", "reason": "x"}}"#,
                token: a1.apiKey)
            #expect(answer.status == .badRequest)
            #expect(answer.body.contains("is not a release of this device's fleet"))
            let shown = try await client.decode(API.Release.self, .get, "/v1/releases/\(release.id)")
            #expect(shown.status == .ready)
            #expect(shown.attempts?.started == 0)
        }
    }
}

@Suite("Hardening: the store")
struct StoreHardeningTests {
    /// A control plane over a fresh data directory, bootstrapped: its directory, store, plane and organisation.
    static func openPlane() async throws -> (String, SQLStore, ControlPlane, Access) {
        let directory = NSTemporaryDirectory() + "drover-store-\(UUID().uuidString)"
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let plane = ControlPlane(store: store, logger: Logger(label: "test"))
        _ = try await plane.bootstrap()
        return (directory, store, plane, try await plane.ownerAccess())
    }

    @Test("the data directory is 0700 and its files 0600 whatever the umask, and a wider mode is narrowed at start")
    func permissions() async throws {
        let directory = NSTemporaryDirectory() + "drover-perm-\(UUID().uuidString)"
        let previous = umask(0o022)
        defer { umask(previous) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: directory + "/admin-token", contents: Data("t\n".utf8), attributes: [.posixPermissions: 0o644])
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let plane = ControlPlane(store: store, logger: Logger(label: "test"))
        _ = try await plane.bootstrap()
        _ = try await plane.createFleet(try await plane.ownerAccess(), name: "lab")
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
        }
        #expect(try mode(directory) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.contains("drover.sqlite") && files.contains("drover.sqlite-wal"))
        for file in files {
            let fileMode = try mode(directory + "/" + file)
            #expect(fileMode & 0o077 == 0, "\(file) is \(String(fileMode, radix: 8))")
        }
        try await store.close()
    }

    @Test("a transaction that fails rolls back only its own writes, while others write at the same moment")
    func transactionsDoNotInterleave() async throws {
        let (directory, store, plane, org) = try await Self.openPlane()
        _ = try await plane.createFleet(org, name: "lab")
        // Enrolments with a wrong key run a transaction that fails and rolls back, the shape of
        // the probe that lost acknowledged env writes.
        let acknowledged = try await withThrowingTaskGroup(of: String?.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for _ in 0..<150 { _ = try? await plane.register(API.RegisterDevice(provisioningKey: "wrong-\(worker)", name: nil, architecture: nil)) }
                    return nil
                }
            }
            for index in 0..<300 {
                group.addTask {
                    let name = "C_\(index)"
                    _ = try await plane.setEnv(org, API.SetEnv(fleet: "lab", device: nil, service: nil, name: name, value: "1"))
                    return name
                }
            }
            var names: [String] = []
            for try await name in group { if let name { names.append(name) } }
            return names
        }
        try await store.close()
        // Read back through a fresh open of the same files: acknowledged means durable.
        let reopened = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let stored = Set(try await ControlPlane(store: reopened, logger: Logger(label: "test")).listEnv(org, fleet: "lab", device: nil).map(\.name))
        #expect(acknowledged.count == 300)
        #expect(Set(acknowledged).subtracting(stored).isEmpty, "lost: \(Set(acknowledged).subtracting(stored).count)")
        try await reopened.close()
    }

    @Test("a read started after a write was acknowledged sees it, however many reads overlap")
    func readYourWrites() async throws {
        let (_, store, plane, org) = try await Self.openPlane()
        // Creating a fleet writes it and reads it back; readers listing fleets overlap with
        // those reads. A read that kept an older snapshot answered "no fleet with id …".
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 { _ = try? await plane.listFleets(org) }
                    return nil
                }
            }
            for index in 0..<200 {
                group.addTask {
                    do {
                        let fleet = try await plane.createFleet(org, name: "f\(index)")
                        return fleet.name == "f\(index)" ? nil : "f\(index) came back as \(fleet.name)"
                    } catch {
                        return "f\(index): \(error)"
                    }
                }
            }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        #expect(failures.isEmpty, "\(failures.count) creations did not read back their fleet, e.g. \(failures.first ?? "")")
        try await store.close()
    }

    /// Creates `fleet` and enrols a device named `name` in it with a fresh key.
    static func enrol(plane: ControlPlane, org: Access, fleet: String, name: String) async throws -> API.RegisteredDevice {
        _ = try await plane.createFleet(org, name: fleet)
        let key = try await plane.createKey(org, fleet: fleet, API.CreateKey())
        return try await plane.register(API.RegisterDevice(provisioningKey: key.key ?? "", name: name, architecture: nil))
    }

    @Test("a device enrolled into a fleet created after targets were last computed gets its (empty) target, not 404")
    func newFleetAfterTargets() async throws {
        let (_, store, plane, org) = try await Self.openPlane()
        let first = try await Self.enrol(plane: plane, org: org, fleet: "old", name: "a")
        _ = try await plane.target(device: first.uuid)  // the snapshot of fleets is taken here
        let device = try await Self.enrol(plane: plane, org: org, fleet: "new", name: "b")
        let target = try await plane.target(device: device.uuid)
        #expect(String(decoding: target.body, as: UTF8.self).contains("apps"))
        try await store.close()
    }

    @Test("a stopping server answers the devices' held long-polls at once and holds no new ones")
    func longPollsReleasedOnStop() async throws {
        let (_, store, plane, org) = try await Self.openPlane()
        let device = try await Self.enrol(plane: plane, org: org, fleet: "lab", name: "pi")
        let current = try await plane.target(device: device.uuid)
        let clock = ContinuousClock()
        let start = clock.now
        // Held for up to a minute (less jitter) unless released.
        let held = Task { try await plane.deviceTarget(device: device.uuid, knownETag: current.etag, wait: 60) }
        _ = try await eventually("the long-poll is held", timeout: .seconds(30), every: .milliseconds(10)) {
            await plane.heldLongPolls
        } until: {
            $0 > 0
        }
        await plane.releaseLongPolls()
        #expect(try await held.value.etag == current.etag)
        let again = try await plane.deviceTarget(device: device.uuid, knownETag: current.etag, wait: 60)
        #expect(again.etag == current.etag)
        // Both answers came well before the 42 s a held request would have taken at the least.
        #expect(clock.now - start < .seconds(30))
        try await store.close()
    }

    @Test("a change wakes every device waiting for its target, also those that began to wait as the change landed")
    func noMissedWakeups() async throws {
        let (_, store, plane, org) = try await Self.openPlane()
        let device = try await Self.enrol(plane: plane, org: org, fleet: "lab", name: "pi")
        // With a release, each change of a fleet variable changes the device's target.
        _ = try await plane.createRelease(org, fleet: "lab", compose: "services:\n  app:\n    image: busybox\n")
        let clock = ContinuousClock()
        let start = clock.now
        // Each round starts waiters for the current target, spread over the few milliseconds
        // the change takes to be written, so some begin to wait just as it lands. One that looked
        // at the generation before the change and was registered after it would sleep for its
        // whole minute (at least 42 s with jitter): the rounds would not end in 30 s.
        var rounds = 0
        while clock.now - start < .seconds(8) {
            let etag = try await plane.target(device: device.uuid).etag
            let value = "\(rounds)"
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<25 {
                    group.addTask {
                        try await Task.sleep(for: .microseconds(Int.random(in: 0...6_000)))
                        _ = try await plane.deviceTarget(device: device.uuid, knownETag: etag, wait: 60)
                    }
                }
                group.addTask { _ = try await plane.setEnv(org, API.SetEnv(fleet: "lab", device: nil, service: nil, name: "ROUND", value: value)) }
                try await group.waitForAll()
            }
            rounds += 1
            #expect(clock.now - start < .seconds(30), "a waiter slept through the change of round \(rounds)")
            if clock.now - start >= .seconds(30) { break }
        }
        #expect(await plane.heldLongPolls == 0)
        try await store.close()
    }

    @Test("a graceful stop of the running server answers a device's held long-poll at once and ends, instead of waiting out the minute")
    func gracefulStop() async throws {
        let (_, store, plane, org) = try await Self.openPlane()
        let device = try await Self.enrol(plane: plane, org: org, fleet: "lab", name: "pi")
        let etag = try await plane.target(device: device.uuid).etag
        let port = Int.random(in: 30_000...39_000)
        let app = DroverServerApp.buildApplication(plane: plane, host: "127.0.0.1", port: port, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let client = DroverAPIClient(server: "http://127.0.0.1:\(port)", credential: device.apiKey)
        _ = try await eventually("the server answers", timeout: .seconds(30), every: .milliseconds(50)) {
            (try? await client.send(.GET, "/v1/health")) != nil
        } until: {
            $0
        }
        let clock = ContinuousClock()
        let start = clock.now
        let held = Task { try await client.send(.GET, "/v1/device/state?wait=60", headers: [("If-None-Match", etag)], timeout: .seconds(90)) }
        _ = try await eventually("the long-poll is held", timeout: .seconds(30), every: .milliseconds(20)) {
            await plane.heldLongPolls
        } until: {
            $0 > 0
        }
        await group.triggerGracefulShutdown()
        #expect(try await held.value.status == 304)
        try await running.value
        // A held request lasts at least 42 s (60 s less jitter); the stop came long before.
        #expect(clock.now - start < .seconds(30))
        try await client.shutdown()
        try await store.close()
    }
}
