import DroverModel
import Foundation
import Logging
import Testing

@testable import DroverServer

/// A data directory written by the version before one-shot commands had columns of their own
/// (`Fixtures/v20-data`, made by `Fixtures/make-v20-data.sh`) opens with this version.
@Suite("Upgrading a data directory made by the previous version")
struct UpgradeTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v20-data")

    /// A copy of the fixture's database in a fresh data directory, opened and migrated.
    static func openCopy() async throws -> (SQLStore, ControlPlane) {
        let directory = NSTemporaryDirectory() + "drover-upgrade-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.appendingPathComponent("drover.sqlite").path, toPath: directory + "/drover.sqlite")
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        return (store, ControlPlane(store: store, logger: Logger(label: "test")))
    }

    @Test("the migration moves the command rows into counters and every device's target stays byte for byte what it was")
    func targetsUnchanged() async throws {
        let (store, plane) = try await Self.openCopy()
        #expect(try await store.schemaVersion() == SQLStore.migrations.count)
        let devices = try await plane.listDevices(try await plane.ownerAccess(), ControlPlane.DeviceFilter())
        #expect(devices.map(\.name) == ["nuc", "pi"])
        for device in devices {
            let saved = try Data(contentsOf: Self.fixture.appendingPathComponent("target-\(device.name).json"))
            let served = try await plane.target(device: device.uuid)
            #expect(served.body == saved, "\(device.name): \(String(decoding: served.body, as: UTF8.self))")
        }
        let commands = try await store.commands()
        let pi = try #require(devices.first { $0.name == "pi" })
        let nuc = try #require(devices.first { $0.name == "nuc" })
        #expect(commands[pi.uuid] == DeviceCommands(appRestarts: 2, serviceRestarts: ["web": 1], purges: 1, forcedUpdates: 2, retries: 1))
        #expect(commands[nuc.uuid] == DeviceCommands(serviceRestarts: ["web": 1], retries: 1))
        try await store.close()
    }

    @Test("fleets, keys, devices, releases, variables, tags, reports and logs read back, and commands count on from where they were")
    func everythingReadsBack() async throws {
        let (store, plane) = try await Self.openCopy()
        let org = try await plane.ownerAccess()
        #expect(try await plane.listFleets(org).map(\.name) == ["lab"])
        #expect(try await plane.listKeys(org, fleet: "lab").map(\.devicesEnrolled) == [2])
        let releases = try await plane.listReleases(org, fleet: "lab")
        #expect(releases.map(\.services) == [["web", "worker"]])
        let pi = try await plane.device(org, "pi")
        #expect(pi.tags == ["site": "basement", "rack": "2"])
        #expect(pi.status == .running && pi.release == releases.first?.id && pi.architecture == "arm64")
        #expect(pi.services?["web"]?.status == .running)
        #expect(try await plane.device(org, "nuc").tags == ["site": "attic"])
        let variables = try await plane.listEnv(org, fleet: "lab", device: nil)
        #expect(variables.count == 5)
        #expect(variables.contains { $0.device == pi.uuid && $0.service == "worker" && $0.name == "COLOR" && $0.value == "red" })
        let logs = try await plane.logs(org, device: "pi", service: nil, after: nil, since: nil, limit: 10)
        #expect(logs.map(\.message) == ["listening on :80", "started"])
        #expect(try await plane.release(org, releases[0].id).attempts?.healthy == 1)
        try await plane.act(org, "pi", API.DeviceAction(action: .purge, service: nil))
        try await plane.act(org, "pi", API.DeviceAction(action: .restart, service: nil))
        let app = try #require(try TargetState.decode(from: try await plane.target(device: pi.uuid).body).apps["lab"])
        #expect(app.purges == 2 && app.restarts?["*"] == 3 && app.forcedUpdates == 2)
        try await store.close()
    }
}
