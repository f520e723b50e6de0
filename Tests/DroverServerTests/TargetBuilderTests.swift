import DroverModel
import Foundation
import Testing

@testable import DroverServer

/// Target computation as a pure function of a snapshot: what each device is told to run.
@Suite("Targets: what a device is told to run")
struct TargetBuilderTests {
    static func app(_ image: String, environment: [String: String]? = nil) -> AppSpec {
        var web = ServiceSpec(image: image)
        web.environment = environment
        return AppSpec(services: ["web": web, "worker": ServiceSpec(image: "busybox:1.36")])
    }

    static let fleet = FleetRecord(id: "f1", orgID: "o", name: "lab", createdAt: 1)
    static let old = ReleaseRecord(id: "r-old", fleetID: "f1", app: app("nginx:1.26"), createdAt: 10)
    static let new = ReleaseRecord(id: "r-new", fleetID: "f1", app: app("nginx:1.27", environment: ["MODE": "compose"]), createdAt: 20)

    /// Two devices of one fleet that offers `new`.
    static func snapshot() -> TargetSnapshot {
        var snapshot = TargetSnapshot(generation: 1)
        snapshot.devices = ["a": DevicePlacement(fleetID: "f1", pinned: nil), "b": DevicePlacement(fleetID: "f1", pinned: nil)]
        snapshot.fleets = ["f1": fleet]
        snapshot.offered = ["f1": new]
        return snapshot
    }

    static func app(of target: ServedTarget?) throws -> AppTarget {
        let body = try #require(target?.body)
        return try #require(try TargetState.decode(from: body).apps["lab"])
    }

    @Test("a tracking device gets what its fleet offers, the same bytes as every other device with nothing of its own")
    func tracked() throws {
        let builder = TargetBuilder(snapshot: Self.snapshot())
        let app = try Self.app(of: builder.target(of: "a", pinned: nil))
        #expect(app.release == "r-new")
        #expect(app.services["web"]?.image == "nginx:1.27")
        #expect(builder.sharesFleetTarget("a"))
        #expect(builder.target(of: "a", pinned: nil) == builder.target(of: "b", pinned: nil))
        #expect(builder.target(of: "nobody", pinned: nil) == nil)
    }

    @Test("a pinned device gets its pinned release, not the fleet's, and has a target of its own")
    func pinned() throws {
        var snapshot = Self.snapshot()
        snapshot.devices["a"] = DevicePlacement(fleetID: "f1", pinned: "r-old")
        let builder = TargetBuilder(snapshot: snapshot)
        #expect(try Self.app(of: builder.target(of: "a", pinned: Self.old)).release == "r-old")
        #expect(!builder.sharesFleetTarget("a"))
    }

    @Test("DROVER_* variables of the fleet and the device reach the agent as config, the device's winning; a service's do not")
    func deviceConfig() {
        let config = TargetBuilder.deviceConfig([
            ScopedVariable(device: false, service: nil, name: "DROVER_METRICS_INTERVAL", value: "30"),
            ScopedVariable(device: true, service: nil, name: "DROVER_METRICS_INTERVAL", value: "5"),
            ScopedVariable(device: false, service: nil, name: "DROVER_HOST_SHELL", value: "1"),
            ScopedVariable(device: true, service: "web", name: "DROVER_OTHER", value: "x"),
            ScopedVariable(device: false, service: nil, name: "LEVEL", value: "debug"),
        ])
        #expect(config == ["DROVER_METRICS_INTERVAL": "5", "DROVER_HOST_SHELL": "1"])
        #expect(TargetBuilder.deviceConfig([ScopedVariable(device: false, service: nil, name: "LEVEL", value: "1")]) == nil)
    }

    @Test("a fleet with no release gives its devices an empty target")
    func noRelease() throws {
        var snapshot = Self.snapshot()
        snapshot.offered = [:]
        let target = try #require(TargetBuilder(snapshot: snapshot).target(of: "a", pinned: nil))
        #expect(try TargetState.decode(from: target.body).apps.isEmpty)
    }

    @Test("a device that started a release since marked failing keeps it; the others get the last good one")
    func failingKept() throws {
        let failing = ReleaseRecord(id: "r-bad", fleetID: "f1", app: Self.app("nginx:bad"), status: .failing, createdAt: 30)
        var snapshot = Self.snapshot()
        let attempts = [
            ReleaseAttempt(releaseID: "r-bad", deviceUUID: "a", deviceName: "a", outcome: .healthy, reason: nil),
            ReleaseAttempt(releaseID: "r-bad", deviceUUID: "b", deviceName: "b", outcome: .rolledBack, reason: "crashed"),
        ]
        snapshot.keepFailing = snapshot.keptFailing([failing], attempts: attempts)
        #expect(snapshot.keepFailing.keys.sorted() == ["a"])
        let builder = TargetBuilder(snapshot: snapshot)
        #expect(try Self.app(of: builder.target(of: "a", pinned: nil)).release == "r-bad")
        #expect(try Self.app(of: builder.target(of: "b", pinned: nil)).release == "r-new")
        // A fleet held at a release keeps everyone on it: nobody keeps the failing one.
        snapshot.fleets["f1"]?.trackedRelease = "r-new"
        #expect(snapshot.keptFailing([failing], attempts: attempts).isEmpty)
    }

    @Test("variables apply by precedence over the compose file's, and only to the device they are set for")
    func environment() throws {
        var snapshot = Self.snapshot()
        snapshot.env["f1"] = [
            EnvRecord(fleetID: "f1", name: "LEVEL", value: "fleet"),
            EnvRecord(fleetID: "f1", service: "web", name: "MODE", value: "fleet-web"),
            EnvRecord(fleetID: "f1", deviceUUID: "a", service: "worker", name: "LEVEL", value: "a-worker"),
            EnvRecord(fleetID: "f1", deviceUUID: "a", name: "LEVEL", value: "a"),
        ]
        let builder = TargetBuilder(snapshot: snapshot)
        let a = try Self.app(of: builder.target(of: "a", pinned: nil))
        #expect(a.services["web"]?.environment == ["MODE": "fleet-web", "LEVEL": "a"])
        #expect(a.services["worker"]?.environment == ["LEVEL": "a-worker"])
        let b = try Self.app(of: builder.target(of: "b", pinned: nil))
        #expect(b.services["web"]?.environment == ["MODE": "fleet-web", "LEVEL": "fleet"])
        #expect(!builder.sharesFleetTarget("a"))
        #expect(builder.sharesFleetTarget("b"))
    }

    @Test("commands and stopped services reach the target as the counters agents already read")
    func counters() throws {
        var snapshot = Self.snapshot()
        snapshot.commands["a"] = DeviceCommands(appRestarts: 2, serviceRestarts: ["web": 1], purges: 1, retries: 3)
        snapshot.stopped["a"] = ["worker"]
        let builder = TargetBuilder(snapshot: snapshot)
        let a = try Self.app(of: builder.target(of: "a", pinned: nil))
        #expect(a.restarts == ["*": 2, "web": 1])
        #expect(a.purges == 1)
        #expect(a.forcedUpdates == nil)
        #expect(a.retries == 3)
        #expect(a.stopped == ["worker"])
        let body = String(decoding: try #require(builder.target(of: "b", pinned: nil)).body, as: UTF8.self)
        for key in ["restarts", "purges", "forcedUpdates", "retries", "stopped"] { #expect(!body.contains(key)) }
    }

    @Test("the ETag changes exactly when the target does")
    func etag() throws {
        let snapshot = Self.snapshot()
        let before = try #require(TargetBuilder(snapshot: snapshot).target(of: "a", pinned: nil))
        var same = snapshot
        same.generation = 2
        same.env["f1"] = [EnvRecord(fleetID: "f1", deviceUUID: "b", name: "ONLY_B", value: "1")]
        #expect(TargetBuilder(snapshot: same).target(of: "a", pinned: nil)?.etag == before.etag)
        var changed = snapshot
        changed.commands["a"] = DeviceCommands(forcedUpdates: 1)
        let after = try #require(TargetBuilder(snapshot: changed).target(of: "a", pinned: nil))
        #expect(after.etag != before.etag)
        #expect(after.body != before.body)
    }

    @Test(
        "each device is given its own platform's manifest of a pinned image; one whose platform the image lacks is told its platform, so its engine refuses the pull in words"
    )
    func platforms() throws {
        var pinned = Self.new
        pinned.pins = [
            "web": API.ImagePin(
                repository: "127.0.0.1:5000/default/lab/web", digest: "sha256:index",
                platforms: ["linux/amd64": "sha256:amd", "linux/arm64": "sha256:arm"])
        ]
        var snapshot = Self.snapshot()
        snapshot.offered = ["f1": pinned]
        snapshot.devices = [
            "x86": DevicePlacement(fleetID: "f1", pinned: nil, platform: try Platform(parsing: "linux/amd64")),
            "pi": DevicePlacement(fleetID: "f1", pinned: nil, platform: try Platform(parsing: "linux/arm64")),
            "old-pi": DevicePlacement(fleetID: "f1", pinned: nil, platform: try Platform(parsing: "linux/arm/v7")),
            "unsaid": DevicePlacement(fleetID: "f1", pinned: nil),
        ]
        let builder = TargetBuilder(snapshot: snapshot)
        #expect(try Self.app(of: builder.target(of: "x86", pinned: nil)).services["web"]?.image == "127.0.0.1:5000/default/lab/web@sha256:amd")
        #expect(try Self.app(of: builder.target(of: "pi", pinned: nil)).services["web"]?.image == "127.0.0.1:5000/default/lab/web@sha256:arm")
        let lacking = try Self.app(of: builder.target(of: "old-pi", pinned: nil)).services["web"]
        #expect(lacking?.image == "127.0.0.1:5000/default/lab/web@sha256:index")
        #expect(lacking?.platform == "linux/arm/v7")
        #expect(try Self.app(of: builder.target(of: "unsaid", pinned: nil)).services["web"]?.image == "127.0.0.1:5000/default/lab/web@sha256:index")
        // The unpinned service is as the compose file says.
        #expect(try Self.app(of: builder.target(of: "pi", pinned: nil)).services["worker"]?.image == "busybox:1.36")
    }
}
