import DroverModel
import DroverServer
import Foundation
import Testing

/// The server's side of rollbacks, in-process: devices report how a release went; past the
/// fleet's share the release is failing and only devices that started it keep it.
@Suite("Failing releases (API)")
struct FailingReleaseAPITests {
    @Test("rolled-back reports mark a release failing; new devices get the last good one, devices that started it keep it")
    func failing() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "fl"}"#)
            let key = try await api.decode(API.ProvisioningKey.self, .post, "/v1/fleets/fl/keys", json: "{}")
            func enrol(_ name: String) async throws -> API.RegisteredDevice {
                try await api.decode(
                    API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "\#(name)"}"#, token: "")
            }
            func release(_ tag: Int) async throws -> API.Release {
                let json = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: "services:\n  s:\n    image: x:\(tag)\n")), as: UTF8.self)
                return try await api.decode(API.Release.self, .post, "/v1/fleets/fl/releases", json: json)
            }
            func report(_ device: API.RegisteredDevice, _ release: String, _ outcome: API.RolloutOutcome, reason: String? = nil) async throws -> Int {
                let body = String(
                    decoding: try JSONEncoder().encode(API.StateReport(rollout: API.Rollout(release: release, outcome: outcome, reason: reason))),
                    as: UTF8.self)
                return Int(try await api.call(.patch, "/v1/device/state", json: body, token: device.apiKey).status.code)
            }
            func offered(_ device: API.RegisteredDevice) async throws -> String? {
                try TargetState.decode(from: Data(try await api.call(.get, "/v1/device/state", token: device.apiKey).body.utf8)).apps["fl"]?.release
            }
            let devices = try await [enrol("a"), enrol("b"), enrol("c"), enrol("d"), enrol("e"), enrol("f")]
            let good = try await release(1)
            let bad = try await release(2)
            // Bad reports are refused with what was wrong.
            let unknownOutcome = #"{"rollout": {"release": "\#(bad.id)", "outcome": "exploded"}}"#
            let refused = try await api.call(.patch, "/v1/device/state", json: unknownOutcome, token: devices[0].apiKey)
            #expect(refused.status == .badRequest)
            #expect(refused.body.contains("started, healthy or rolled-back"))
            #expect(try await report(devices[0], "nope", .started) == 400)

            // Five start it; one rolls back (20% is not more than 20%): still offered.
            for device in devices.prefix(5) { #expect(try await report(device, bad.id, .started) == 204) }
            _ = try await report(devices[0], bad.id, .rolledBack, reason: "service s is unhealthy: boom")
            #expect(try await api.decode(API.Release.self, .get, "/v1/releases/\(bad.id)").status == .ready)
            #expect(try await offered(devices[5]) == bad.id)

            // A second one (40%): failing, with the reasons.
            _ = try await report(devices[1], bad.id, .rolledBack, reason: "service s is crash-looping")
            let shown = try await api.decode(API.Release.self, .get, "/v1/releases/\(bad.id)")
            #expect(shown.status == .failing)
            #expect(shown.attempts == API.ReleaseAttempts(started: 5, healthy: 0, rolledBack: 2))
            let detail = shown.statusDetail ?? ""
            #expect(detail.contains("2 of 5 devices that tried it rolled it back (40% > 20%)"), "\(detail)")
            #expect(detail.contains("a: service s is unhealthy: boom") && detail.contains("b: service s is crash-looping"), "\(detail)")

            // Who gets what now.
            #expect(try await offered(devices[5]) == good.id, "a device that never started it gets the last good release")
            #expect(try await offered(try await enrol("g")) == good.id, "so does a device enrolled now")
            #expect(try await offered(devices[2]) == bad.id, "a device that started it keeps it")
            #expect(try await offered(devices[0]) == good.id, "a device that rolled it back is offered the good one")
            _ = try await report(devices[2], bad.id, .rolledBack, reason: "late")
            #expect(try await offered(devices[2]) == good.id)
            #expect(try await api.decode(API.Fleet.self, .get, "/v1/fleets/fl").targetRelease == good.id)

            // The thresholds are the fleet's, and checked.
            #expect(try await api.call(.patch, "/v1/fleets/fl", json: #"{"failingShare": 1.5}"#).status == .badRequest)
            #expect(try await api.call(.patch, "/v1/fleets/fl", json: #"{"failingMinDevices": 0}"#).status == .badRequest)
            let tuned = try await api.decode(API.Fleet.self, .patch, "/v1/fleets/fl", json: #"{"failingShare": 0.5, "failingMinDevices": 3}"#)
            #expect(tuned.failingShare == 0.5 && tuned.failingMinDevices == 3)
            let next = try await release(3)
            for device in devices.prefix(4) { _ = try await report(device, next.id, .started) }
            for device in devices.prefix(2) { _ = try await report(device, next.id, .rolledBack, reason: "x") }
            #expect(try await api.decode(API.Release.self, .get, "/v1/releases/\(next.id)").status == .ready, "2 of 4 is not past 3 devices and 50%")
        }
    }

    @Test("a release with a bad update label is refused with the service and label named")
    func badLabel() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "lb"}"#)
            let compose = "services:\n  web:\n    image: x:1\n    labels:\n      io.drover.update.strategy: yolo\n"
            let json = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: compose)), as: UTF8.self)
            let answer = try await api.call(.post, "/v1/fleets/lb/releases", json: json)
            #expect(answer.status == .unprocessableContent || answer.status == .badRequest)
            #expect(answer.body.contains("service 'web': update strategy 'yolo' is not one of"), "\(answer.body)")
            #expect(answer.body.contains("line 5"), "\(answer.body)")
        }
    }
}
