import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// The real thing: a server on a loopback port, agents (device supervisors) driving one real
/// engine, and a registry with the test images. Enabled by scripts/test.
@Suite("End to end: server, agents and a real engine", .needsEngine, .serialized)
struct EndToEndTests {
    let logger = Logger(label: "e2e")

    func compose(tag: Int, marker: String) -> String {
        """
        services:
          app:
            image: \(TestEngine.registry)/drover/busybox:\(tag)
            command: ["sh", "-c", "trap 'exit 0' TERM; echo started \(marker); while true; do echo tick $$(date +%s); sleep 1 & wait; done"]
            environment: {MARKER: "\(marker)"}
        """
    }

    /// Waits until `condition` holds for the devices the API lists, or fails after 60 s.
    func eventually(_ what: String, _ api: DroverAPIClient, _ condition: @escaping ([API.Device]) -> Bool) async throws {
        try await DroverTestSupport.eventually(what, timeout: .seconds(60)) {
            try await api.call([API.Device].self, .GET, "/v1/devices")
        } until: {
            condition($0)
        }
    }

    func containers(_ engine: DockerClient, device: String, app: String? = nil) async throws -> [ContainerSummary] {
        try await engine.listContainers(all: true, filters: DeviceIdentity(id: device).labelFilter(app: app))
    }

    @Test("three agents enrol, follow releases, pins, env, restarts, moves and deletion; logs survive a server outage")
    func fleetLifecycle() async throws {
        try await LiveRig.run(scenario)
    }

    func scenario(server: LiveServer, api: DroverAPIClient, engine: DockerClient, agents: AgentTasks) async throws {
        let key = try await LiveRig.fleetWithKey("e2ea", api: api)
        _ = try await api.createFleet(name: "e2eb")
        for name in ["d1", "d2", "d3"] { await agents.start(name, server: server, key: key, logger: logger) }
        try await eventually("three devices enrolled", api) { $0.count == 3 }
        let devices = Dictionary(uniqueKeysWithValues: try await api.call([API.Device].self, .GET, "/v1/devices").map { ($0.name, $0.uuid) })
        let d1 = try #require(devices["d1"]), d2 = try #require(devices["d2"]), d3 = try #require(devices["d3"])

        // v1 then v2 reach every device.
        let v1 = try await api.call(API.Release.self, .POST, "/v1/fleets/e2ea/releases", body: API.CreateRelease(compose: compose(tag: 1, marker: "v1")))
        try await eventually("all run v1", api) { $0.allSatisfy { $0.release == v1.id && $0.status == .running } }
        let v2 = try await api.call(API.Release.self, .POST, "/v1/fleets/e2ea/releases", body: API.CreateRelease(compose: compose(tag: 2, marker: "v2")))
        try await eventually("all run v2", api) { $0.allSatisfy { $0.release == v2.id } }

        // Pin d1 to v1: it goes back and stays while the fleet moves on.
        _ = try await api.call(API.Device.self, .PATCH, "/v1/devices/d1", body: API.UpdateDevice(pinRelease: v1.id))
        try await eventually("d1 back on v1", api) { $0.first { $0.name == "d1" }?.release == v1.id }
        let v3 = try await api.call(API.Release.self, .POST, "/v1/fleets/e2ea/releases", body: API.CreateRelease(compose: compose(tag: 1, marker: "v3")))
        try await eventually("d2 and d3 on v3, d1 on v1", api) { list in
            list.allSatisfy { $0.name == "d1" ? $0.release == v1.id : $0.release == v3.id }
        }

        // Fleet variable, then a device override: each container shows the precedence.
        _ = try await api.call(API.EnvVar.self, .PUT, "/v1/env", body: API.SetEnv(fleet: "e2ea", device: nil, service: nil, name: "LEVEL", value: "fleet"))
        _ = try await api.call(API.EnvVar.self, .PUT, "/v1/env", body: API.SetEnv(fleet: nil, device: "d2", service: nil, name: "LEVEL", value: "device"))
        func level(_ device: String) async throws -> String? {
            for summary in try await containers(engine, device: device, app: "e2ea") where summary.state == "running" {
                let env = try await engine.inspectContainer(summary.id)?.config.env ?? []
                if let line = env.first(where: { $0.hasPrefix("LEVEL=") }) { return String(line.dropFirst(6)) }
            }
            return nil
        }
        let levels = try await DroverTestSupport.eventually("each container shows its LEVEL") {
            [try await level(d1), try await level(d2), try await level(d3)]
        } until: {
            $0 == ["fleet", "device", "fleet"]
        }
        #expect(levels == ["fleet", "device", "fleet"])

        // Tag d2 and d3, restart only those.
        struct Tags: Encodable, Sendable { var set: [String: String] }
        for name in ["d2", "d3"] { _ = try await api.send(.PUT, "/v1/devices/\(name)/tags", body: Tags(set: ["site": "lab"])) }
        try await eventually("settled", api) { $0.allSatisfy { $0.status == .running } }
        // Each agent finishes a whole round after that: nothing it was still doing can change
        // the containers counted below.
        for name in ["d1", "d2", "d3"] { try await server.agentRound(by: try deviceCredential(stateDirectory: agents.stateDirectory(name))) }
        func ids(_ device: String) async throws -> Set<String> { Set(try await containers(engine, device: device).map(\.id)) }
        let before = [d1: try await ids(d1), d2: try await ids(d2), d3: try await ids(d3)]
        for device in try await api.call([API.Device].self, .GET, "/v1/devices?tag=site=lab") {
            _ = try await api.send(.POST, "/v1/devices/\(device.uuid)/actions", body: API.DeviceAction(action: .restart, service: nil))
        }
        try await DroverTestSupport.eventually("d2 and d3 restarted") {
            [try await ids(d2), try await ids(d3)]
        } until: {
            $0[0].isDisjoint(with: before[d2] ?? []) && $0[1].isDisjoint(with: before[d3] ?? [])
        }
        #expect(try await ids(d2).isDisjoint(with: before[d2] ?? []), "d2 restarted")
        #expect(try await ids(d3).isDisjoint(with: before[d3] ?? []), "d3 restarted")
        #expect(try await ids(d1) == before[d1], "d1 untouched")

        // Move d3 to another fleet: it swaps apps.
        let b1 = try await api.call(API.Release.self, .POST, "/v1/fleets/e2eb/releases", body: API.CreateRelease(compose: compose(tag: 1, marker: "b1")))
        _ = try await api.call(API.Device.self, .PATCH, "/v1/devices/d3", body: API.UpdateDevice(fleet: "e2eb"))
        try await eventually("d3 runs e2eb", api) { $0.first { $0.name == "d3" }?.release == b1.id }
        try await DroverTestSupport.eventually("d3's e2ea containers gone") {
            try await containers(engine, device: d3, app: "e2ea").count
        } until: {
            $0 == 0
        }
        #expect(try await containers(engine, device: d3, app: "e2ea").isEmpty)
        #expect(try await containers(engine, device: d3, app: "e2eb").count == 1)

        // Lines logged while the server is down reach the log history once it is back.
        try await server.stop()
        let down = Int(Date().timeIntervalSince1970)
        // d2's container logs on while the server is away: wait until the engine has its lines
        // of a few seconds after the stop, instead of sleeping for them.
        func engineTicks() async throws -> Set<Int> {
            var ticks: Set<Int> = []
            for summary in try await containers(engine, device: d2, app: "e2ea") where summary.state == "running" {
                for try await line in try await engine.containerLogs(summary.id, timestamps: false) where line.text.hasPrefix("tick ") {
                    if let tick = Int(line.text.dropFirst(5)) { ticks.insert(tick) }
                }
            }
            return ticks
        }
        try await DroverTestSupport.eventually("d2's container to log while the server is down") {
            try await engineTicks()
        } until: {
            $0.contains { $0 >= down + 3 }
        }
        let up = Int(Date().timeIntervalSince1970)
        // The lines the engine holds from the outage: on a loaded machine the container may
        // skip a second, so the engine, not the clock, says what was logged.
        let logged = try await engineTicks().filter { down < $0 && $0 < up }
        #expect(!logged.isEmpty)
        try await server.start()
        let ticks = try await DroverTestSupport.eventually("the lines logged while the server was down", timeout: .seconds(60)) {
            let lines = try await api.call([API.LogEntry].self, .GET, "/v1/devices/d2/logs?limit=1000")
            return Set(lines.compactMap { $0.message.hasPrefix("tick ") ? Int($0.message.dropFirst(5)) : nil })
        } until: { (seen: Set<Int>) in
            logged.isSubset(of: seen)
        }
        #expect(logged.isSubset(of: ticks), "every line logged while the server was down arrived")

        // Delete d1: its containers go and its key is refused.
        let d1Key = try deviceCredential(stateDirectory: agents.stateDirectory("d1"))
        _ = try await api.send(.DELETE, "/v1/devices/d1")
        try await DroverTestSupport.eventually("d1's containers gone", timeout: .seconds(30)) {
            try await containers(engine, device: d1).count
        } until: {
            $0 == 0
        }
        #expect(try await containers(engine, device: d1).isEmpty)
        let refused = DroverAPIClient(server: server.url, credential: d1Key)
        let error = await #expect(throws: ClientError.self) { try await refused.send(.GET, "/v1/device/state") }
        #expect(error?.status == 401)
        try await refused.shutdown()
    }
}
