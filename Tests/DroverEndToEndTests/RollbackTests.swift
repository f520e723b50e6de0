import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// Health-gated updates end to end: agents roll a bad release back on their own, and the
/// server stops offering a release that too many devices rolled back.
@Suite("End to end: health-gated updates and rollback", .needsEngine, .serialized)
struct RollbackTests {
    let logger = Logger(label: "e2e-rollback")
    let image = "\(TestEngine.registry)/drover/busybox:1"

    /// A release whose web service answers its health check (or not), watched for `window`.
    func compose(marker: String, healthy: Bool = true, crashLoop: Bool = false, window: String) -> String {
        let command =
            crashLoop
            ? #"["sh", "-c", "echo crashing; exit 3"]"#
            : #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#
        return """
            services:
              web:
                image: \(image)
                command: \(command)
                restart: \(crashLoop ? "always" : "unless-stopped")
                environment: {MARKER: "\(marker)"}
                stop_grace_period: 1s
                labels:
                  io.drover.update.health-window: \(window)
                healthcheck:
                  test: ["CMD", "sh", "-c", "\(healthy ? "true" : "echo database unreachable; exit 1")"]
                  interval: 500ms
                  retries: 2
            """
    }

    func devices(_ api: DroverAPIClient) async throws -> [API.Device] {
        try await api.call([API.Device].self, .GET, "/v1/devices?fleet=rb")
    }

    /// Waits until `condition` holds, or fails after 90 s.
    func eventually(_ what: String, _ api: DroverAPIClient, _ condition: @escaping ([API.Device]) -> Bool) async throws {
        try await DroverTestSupport.eventually(what) {
            try await devices(api)
        } until: {
            condition($0)
        }
    }

    @Test("an unhealthy release and a crash-looping one roll back on every device; the failing release stops reaching new devices")
    func rollback() async throws {
        try await LiveRig.run(scenario)
    }

    func scenario(server: LiveServer, api: DroverAPIClient, engine: DockerClient, agents: AgentTasks) async throws {
        let key = try await LiveRig.fleetWithKey("rb", api: api)
        for name in ["r1", "r2", "r3"] { await agents.start(name, server: server, key: key, logger: logger) }

        // A good release passes its (short) health window everywhere.
        let good = try await api.call(
            API.Release.self, .POST, "/v1/fleets/rb/releases", body: API.CreateRelease(compose: compose(marker: "good", window: "2s")))
        try await eventually("all run the good release", api) { $0.count == 3 && $0.allSatisfy { $0.release == good.id && $0.status == .running } }
        let judged = try await DroverTestSupport.eventually("the good release healthy on 3 devices", timeout: .seconds(30)) {
            try await api.call(API.Release.self, .GET, "/v1/releases/\(good.id)")
        } until: {
            $0.attempts?.healthy == 3
        }
        #expect(judged.attempts?.healthy == 3)

        // A release whose health check fails: every device returns to the good one and says why.
        let released = Date()
        let bad = try await api.call(
            API.Release.self, .POST, "/v1/fleets/rb/releases",
            body: API.CreateRelease(compose: compose(marker: "bad", healthy: false, window: "30s")))
        // Each device returns to the good release and reports why; once two of the three have,
        // the release is failing and the fleet offers the good one again.
        let shown = try await DroverTestSupport.eventually("the unhealthy release rolled back on 3 devices") {
            try await api.call(API.Release.self, .GET, "/v1/releases/\(bad.id)")
        } until: {
            ($0.attempts?.rolledBack ?? 0) >= 3
        }
        let rollbackSeconds = Date().timeIntervalSince(released)
        print("unhealthy release rolled back on 3 devices \(String(format: "%.1f", rollbackSeconds)) s after it was created (window 30 s)")
        #expect(shown.attempts?.rolledBack == 3)
        #expect(shown.status == .failing)
        let detail = shown.statusDetail ?? ""
        #expect(detail.contains("devices that tried it rolled it back"), "\(detail)")
        #expect(detail.contains("service web is unhealthy: health check exited with code 1: database unreachable"), "\(detail)")
        let fleet = try await api.call(API.Fleet.self, .GET, "/v1/fleets/rb")
        #expect(fleet.targetRelease == good.id, "the fleet offers the good release again")
        try await eventually("every device runs the good release", api) { $0.allSatisfy { $0.release == good.id && $0.status == .running } }
        for device in try await devices(api) {
            let running = try await engine.listContainers(all: false, filters: DeviceIdentity(id: device.uuid).labelFilter(app: "rb"))
            #expect(running.count == 1 && running.first?.labels[DroverLabel.release] == good.id, "\(device.name) runs the good release")
        }

        // A device enrolled now is never offered the failing release.
        await agents.start("r4", server: server, key: key, logger: logger)
        try await eventually("the new device runs the good release", api) { list in
            list.first { $0.name == "r4" }.map { $0.release == good.id && $0.status == .running } ?? false
        }
        let r4 = try #require(try await devices(api).first { $0.name == "r4" })
        #expect(r4.targetRelease == good.id)
        let r4Containers = try await engine.listContainers(all: true, filters: DeviceIdentity(id: r4.uuid).labelFilter(app: "rb"))
        #expect(r4Containers.allSatisfy { $0.labels[DroverLabel.release] == good.id }, "no container of the failing release on the new device")

        // A crash-looping release rolls back too. With a threshold no release reaches here, the
        // devices keep saying that they rolled it back, and why.
        _ = try await api.call(API.Fleet.self, .PATCH, "/v1/fleets/rb", body: API.UpdateFleet(failingMinDevices: 10))
        let looping = try await api.call(
            API.Release.self, .POST, "/v1/fleets/rb/releases",
            body: API.CreateRelease(compose: compose(marker: "loop", crashLoop: true, window: "30s")))
        try await eventually("every device rolled the crash loop back", api) { list in
            list.count == 4
                && list.allSatisfy {
                    $0.status == .rolledBack && ($0.statusDetail ?? "").contains("runs \(good.id), the last good release; refused \(looping.id): ")
                }
        }
        for device in try await devices(api) {
            #expect((device.statusDetail ?? "").contains("crash-looping"), "\(device.name): \(device.statusDetail ?? "")")
        }

        // It is not tried again on its own; `drover device retry` tries it once more.
        let r1 = try #require(try await devices(api).first { $0.name == "r1" })
        // The engine's events, subscribed before the retry (its event history is too short to ask afterwards).
        let filters = ["type": ["container"], "event": ["create"], "label": ["\(DroverLabel.device)=\(r1.uuid)", "\(DroverLabel.release)=\(looping.id)"]]
        let stream = try await engine.events(filters: filters)
        let creations = Counter()
        let collector = Task {
            do {
                for try await _ in stream { await creations.add() }
            } catch {}
        }
        // Two whole rounds of r1's agent, each a chance to try the release again, are the
        // signal that it decided not to; then the engine would have told of a creation.
        let r1Key = try deviceCredential(stateDirectory: agents.stateDirectory("r1"))
        try await server.agentRound(by: r1Key)
        try await server.agentRound(by: r1Key)
        #expect(await creations.value == 0, "a rolled-back release is not tried again on its own")
        _ = try await api.send(.POST, "/v1/devices/r1/actions", body: API.DeviceAction(action: .retry, service: nil))
        try await DroverTestSupport.eventually("the retried release created", timeout: .seconds(60)) {
            await creations.value
        } until: {
            $0 > 0
        }
        #expect(await creations.value == 1, "after the retry it was tried once more")
        try await eventually("r1 rolled it back again", api) { list in
            list.first { $0.name == "r1" }.map { $0.release == good.id && $0.status == .rolledBack } ?? false
        }
        collector.cancel()
    }
}

extension RollbackTests {
    @Test("a first release that fails has nothing good to return to: the device reports failed, and why")
    func nothingToReturnTo() async throws {
        try await LiveRig.run { server, api, engine, agents in
            let key = try await LiveRig.fleetWithKey("rb", api: api)
            await agents.start("n1", server: server, key: key, logger: logger)
            let bad = try await api.call(
                API.Release.self, .POST, "/v1/fleets/rb/releases",
                body: API.CreateRelease(compose: compose(marker: "bad", healthy: false, window: "30s")))
            try await eventually("the device refused its only release", api) { list in
                list.first.map { $0.status == .failed && $0.rollout?.outcome == .rolledBack } ?? false
            }
            let device = try #require(try await devices(api).first)
            #expect(device.release == bad.id, "the refused release is all there is to run")
            #expect(device.rollout == API.Rollout(release: bad.id, outcome: .rolledBack, reason: device.rollout?.reason))
            #expect(
                (device.statusDetail ?? "").contains("release \(bad.id) failed: service web is unhealthy"), "\(device.statusDetail ?? "")")
            #expect((device.statusDetail ?? "").contains("no earlier healthy release to return to"), "\(device.statusDetail ?? "")")
        }
    }
}

/// Counts events seen by a background task.
actor Counter {
    private(set) var value = 0
    func add() { value += 1 }
}
