import DroverModel
import DroverServer
import Foundation
import Logging
import Testing

/// A way to open an empty store. Every store implementation is added to ``all``, and the
/// contract suite runs against each.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    var name: String
    var open: @Sendable () async throws -> any DroverStore

    var testDescription: String { name }

    static let sqlite = StoreFactory(name: "SQLite") {
        try await DroverServerApp.openStore(dataDirectory: NSTemporaryDirectory() + "drover-contract-\(UUID().uuidString)", logger: Logger(label: "test"))
    }

    /// Every implementation the contract is checked against (PostgreSQL joins here).
    static let all = [sqlite]
}

/// What every ``DroverStore`` promises, whatever it is built on.
@Suite("The store contract")
struct StoreContractTests {
    /// A store with an organisation, a fleet `lab` and a key for it.
    static func prepared(_ factory: StoreFactory) async throws -> (store: any DroverStore, fleet: FleetRecord, keyHash: String) {
        let store = try await factory.open()
        let org = try await store.ensureOrg("default")
        let fleet = try await store.createFleet(org: org, name: "lab")
        _ = try await store.addKey(fleet: fleet, hash: "key-hash", expiresAt: nil, deviceLimit: 3)
        return (store, fleet, "key-hash")
    }

    static func enrol(_ store: any DroverStore, keyHash: String, name: String) async throws(ServerError) -> DeviceRecord {
        try await store.enrol(
            Enrolment(keyHash: keyHash, uuid: UUID().uuidString.lowercased(), name: name, architecture: "arm64", apiKeyHash: "api-\(UUID())"))
    }

    @Test("fleets are found by name or id, names are unique, and a fleet with devices is not deleted", arguments: StoreFactory.all)
    func fleets(factory: StoreFactory) async throws {
        let (store, fleet, keyHash) = try await Self.prepared(factory)
        #expect(try await store.fleet(org: fleet.orgID, named: "lab") == fleet)
        #expect(try await store.fleet(org: fleet.orgID, named: fleet.id) == fleet)
        await #expect(throws: ServerError.self) { try await store.createFleet(org: fleet.orgID, name: "lab") }
        try await store.updateFleet(id: fleet.id, FleetChange(failingShare: 0.5, failingMin: 4))
        let updated = try await store.fleet(id: fleet.id)
        #expect(updated.failingShare == 0.5 && updated.failingMin == 4 && updated.name == "lab")
        _ = try await Self.enrol(store, keyHash: keyHash, name: "pi")
        do {
            try await store.deleteFleet(fleet)
            Issue.record("a fleet with a device was deleted")
        } catch {
            #expect(error.code == .conflict)
        }
        try await store.close()
    }

    @Test("enrolment takes the first free name and counts the key's uses against its limit", arguments: StoreFactory.all)
    func enrolment(factory: StoreFactory) async throws {
        let (store, fleet, keyHash) = try await Self.prepared(factory)
        let names = [
            try await Self.enrol(store, keyHash: keyHash, name: "pi").name, try await Self.enrol(store, keyHash: keyHash, name: "pi").name,
            try await Self.enrol(store, keyHash: keyHash, name: "pi").name,
        ]
        #expect(names == ["pi", "pi-2", "pi-3"])
        do {
            _ = try await Self.enrol(store, keyHash: keyHash, name: "pi")
            Issue.record("a key enrolled past its limit")
        } catch {
            #expect(error.code == .forbidden)
        }
        #expect(try await store.keys(fleetID: fleet.id).first?.used == 3)
        #expect(try await store.deviceCount(fleetID: fleet.id) == 3)
        try await store.close()
    }

    @Test("commands raise their own counters, starting a service restarts it, and deleting a device clears them", arguments: StoreFactory.all)
    func commands(factory: StoreFactory) async throws {
        let (store, _, keyHash) = try await Self.prepared(factory)
        let device = try await Self.enrol(store, keyHash: keyHash, name: "pi")
        for command in [DeviceCommand.restart(service: nil), .restart(service: nil), .restart(service: "web"), .purge, .forceUpdate, .retry, .retry] {
            try await store.record(command, uuid: device.uuid)
        }
        try await store.setStopped(true, service: "worker", uuid: device.uuid)
        try await store.setStopped(true, service: "web", uuid: device.uuid)
        try await store.setStopped(false, service: "web", uuid: device.uuid)
        let expected = DeviceCommands(appRestarts: 2, serviceRestarts: ["web": 2], purges: 1, forcedUpdates: 1, retries: 2)
        #expect(try await store.commands()[device.uuid] == expected)
        #expect(try await store.stoppedServices()[device.uuid] == ["worker"])
        try await store.deleteDevice(uuid: device.uuid)
        #expect(try await store.commands()[device.uuid] == nil)
        #expect(try await store.stoppedServices()[device.uuid] == nil)
        try await store.close()
    }

    @Test("a variable is set, replaced and removed at exactly its scope", arguments: StoreFactory.all)
    func environment(factory: StoreFactory) async throws {
        let (store, fleet, keyHash) = try await Self.prepared(factory)
        let device = try await Self.enrol(store, keyHash: keyHash, name: "pi")
        try await store.setEnv(EnvRecord(fleetID: fleet.id, name: "LEVEL", value: "1"), fleet: fleet, device: nil)
        try await store.setEnv(EnvRecord(fleetID: fleet.id, name: "LEVEL", value: "2"), fleet: fleet, device: nil)
        try await store.setEnv(EnvRecord(fleetID: fleet.id, deviceUUID: device.uuid, name: "LEVEL", value: "3"), fleet: fleet, device: device)
        #expect(try await store.envVars(fleetID: fleet.id).map(\.value) == ["2", "3"])
        #expect(try await store.removeEnv(EnvRecord(fleetID: fleet.id, service: "web", name: "LEVEL", value: "")) == false)
        #expect(try await store.removeEnv(EnvRecord(fleetID: fleet.id, name: "LEVEL", value: "")))
        #expect(try await store.allEnv().map(\.deviceUUID) == [device.uuid])
        try await store.close()
    }

    @Test("a device keeps only its newest log lines, read back oldest first", arguments: StoreFactory.all)
    func logs(factory: StoreFactory) async throws {
        let (store, _, keyHash) = try await Self.prepared(factory)
        let device = try await Self.enrol(store, keyHash: keyHash, name: "pi")
        let lines = (1...5).map { API.LogEntry(timestamp: "2026-01-01T00:00:0\($0)Z", service: $0 % 2 == 0 ? "web" : "db", stream: .stdout, message: "\($0)") }
        try await store.appendLogs(device: device.uuid, lines, keep: 3)
        #expect(try await store.logs(device: device.uuid, LogQuery(limit: 10)).map(\.message) == ["3", "4", "5"])
        #expect(try await store.logs(device: device.uuid, LogQuery(service: "web", limit: 10)).map(\.message) == ["4"])
        let first = try #require(try await store.logs(device: device.uuid, LogQuery(limit: 1)).first?.sequence)
        #expect(try await store.logs(device: device.uuid, LogQuery(after: first - 2, limit: 1)).map(\.message) == ["4"])
        try await store.close()
    }

    @Test("reports merge into the stored one, and rollouts count per release", arguments: StoreFactory.all)
    func reports(factory: StoreFactory) async throws {
        let (store, fleet, keyHash) = try await Self.prepared(factory)
        let device = try await Self.enrol(store, keyHash: keyHash, name: "pi")
        let release = ReleaseRecord(id: "abcdef123456", fleetID: fleet.id, app: AppSpec(services: [:]), createdAt: 5)
        try await store.addRelease(release, compose: "services: {}", fleet: fleet)
        let first = API.StateReport(release: "abcdef123456", status: .running, architecture: "arm64")
        let second = API.StateReport(status: .failed, rollout: API.Rollout(release: "abcdef123456", outcome: .rolledBack, reason: "boom"))
        try await store.mergeReports([(device.uuid, first), (device.uuid, second)], at: 100)
        let stored = try await store.device(uuid: device.uuid)
        #expect(stored.report == first.merging(second))
        #expect(stored.lastSeen == 100)
        #expect(try await store.attemptCounts(release: release.id) == [.rolledBack: 1])
        #expect(try await store.attempts(release: release.id, outcome: .rolledBack, limit: 3).map(\.reason) == ["boom"])
        #expect(try await store.release(id: "abcdef").id == release.id)
        let generation = try await store.generation()
        try await store.bumpGeneration()
        #expect(try await store.generation() == generation + 1)
        try await store.close()
    }
}
