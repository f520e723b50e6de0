import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import Foundation
import Logging
import Testing

/// The real thing: a server on a loopback port, agents (device supervisors) driving one real
/// engine, and a registry with the test images. Enabled by scripts/test.
enum Live {
    static let dockerHost = ProcessInfo.processInfo.environment["DROVER_TEST_DOCKER_HOST"]
    static let registry = ProcessInfo.processInfo.environment["DROVER_TEST_REGISTRY"] ?? "127.0.0.1:5055"
    static var available: Bool { dockerHost != nil }
}

/// A server process in-process: can be stopped and started again on the same port and data.
actor LiveServer {
    nonisolated let directory = NSTemporaryDirectory() + "drover-e2e-\(UUID().uuidString.prefix(8))"
    nonisolated let port = Int.random(in: 20_000...29_000)
    private var task: Task<Void, any Error>?
    private var store: SQLStore?
    private var controlPlane: ControlPlane?
    private(set) var token = ""

    /// The running server's control plane, for assertions.
    func plane() throws -> ControlPlane {
        guard let controlPlane else { throw ServerError(.storage, "the server is not running") }
        return controlPlane
    }

    /// The default organisation's id.
    func org() async throws -> String {
        try await plane().defaultOrg()
    }

    nonisolated var url: String { "http://127.0.0.1:\(port)" }

    func start() async throws {
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "e2e"))
        let plane = ControlPlane(store: store, logger: Logger(label: "e2e"))
        if let first = try await plane.bootstrap() { token = first }
        let app = DroverServerApp.buildApplication(plane: plane, host: "127.0.0.1", port: port, logger: Logger(label: "e2e"))
        self.store = store
        controlPlane = plane
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        let probe = DroverAPIClient(server: url, credential: nil)
        for _ in 0..<100 {
            if (try? await probe.send(.GET, "/v1/health")) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await probe.shutdown()
    }

    func stop() async throws {
        task?.cancel()
        _ = await task?.result
        task = nil
        try await store?.close()
        store = nil
    }
}

@Suite("End to end: server, agents and a real engine", .enabled(if: Live.available), .serialized)
struct EndToEndTests {
    let logger = Logger(label: "e2e")

    func compose(tag: Int, marker: String) -> String {
        """
        services:
          app:
            image: \(Live.registry)/drover/busybox:\(tag)
            command: ["sh", "-c", "trap 'exit 0' TERM; echo started \(marker); while true; do echo tick $$(date +%s); sleep 1 & wait; done"]
            environment: {MARKER: "\(marker)"}
        """
    }

    /// Waits until `condition` holds for the devices the API lists, or fails after 60 s.
    func eventually(_ what: String, _ api: DroverAPIClient, _ condition: @escaping ([API.Device]) -> Bool) async throws {
        var last: [API.Device] = []
        for _ in 0..<240 {
            last = try await api.call([API.Device].self, .GET, "/v1/devices")
            if condition(last) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("timed out waiting for \(what): \(last.map { "\($0.name) \($0.release ?? "-") \($0.status)" })")
        throw ClientError(code: "timeout", message: what)
    }

    func containers(_ engine: DockerClient, device: String, app: String? = nil) async throws -> [ContainerSummary] {
        try await engine.listContainers(all: true, filters: DeviceIdentity(id: device).labelFilter(app: app))
    }

    @Test("three agents enrol, follow releases, pins, env, restarts, moves and deletion; logs survive a server outage")
    func fleetLifecycle() async throws {
        let server = LiveServer()
        try await server.start()
        let api = DroverAPIClient(server: server.url, credential: await server.token)
        let engine = try await DockerClient.connect(to: try EngineEndpoint(parsing: Live.dockerHost ?? ""))
        var agents: [Task<Void, any Error>] = []
        defer {
            for agent in agents { agent.cancel() }
        }

        _ = try await api.call(API.Fleet.self, .POST, "/v1/fleets", body: API.CreateFleet(name: "e2ea"))
        _ = try await api.call(API.Fleet.self, .POST, "/v1/fleets", body: API.CreateFleet(name: "e2eb"))
        let key = try await api.call(API.ProvisioningKey.self, .POST, "/v1/fleets/e2ea/keys", body: API.CreateKey())
        let root = NSTemporaryDirectory() + "drover-agents-\(UUID().uuidString.prefix(8))"
        for name in ["d1", "d2", "d3"] {
            let config = AgentConfig(
                server: server.url, provisioningKey: key.key, deviceName: name, engine: Live.dockerHost, stateDir: "\(root)/\(name)", pollInterval: 2)
            let supervisor = DeviceSupervisor(config: config, logger: logger)
            agents.append(Task { try await supervisor.run() })
        }
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
        for _ in 0..<240 {
            if try await level(d2) == "device", try await level(d3) == "fleet", try await level(d1) == "fleet" { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await level(d1) == "fleet")
        #expect(try await level(d2) == "device")
        #expect(try await level(d3) == "fleet")

        // Tag d2 and d3, restart only those.
        struct Tags: Encodable, Sendable { var set: [String: String] }
        for name in ["d2", "d3"] { _ = try await api.send(.PUT, "/v1/devices/\(name)/tags", body: Tags(set: ["site": "lab"])) }
        try await eventually("settled", api) { $0.allSatisfy { $0.status == .running } }
        try await Task.sleep(for: .seconds(3))
        func ids(_ device: String) async throws -> Set<String> { Set(try await containers(engine, device: device).map(\.id)) }
        let before = [d1: try await ids(d1), d2: try await ids(d2), d3: try await ids(d3)]
        for device in try await api.call([API.Device].self, .GET, "/v1/devices?tag=site=lab") {
            _ = try await api.send(.POST, "/v1/devices/\(device.uuid)/actions", body: API.DeviceAction(action: .restart, service: nil))
        }
        for _ in 0..<240 {
            if try await ids(d2).isDisjoint(with: before[d2] ?? []), try await ids(d3).isDisjoint(with: before[d3] ?? []) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await ids(d2).isDisjoint(with: before[d2] ?? []), "d2 restarted")
        #expect(try await ids(d3).isDisjoint(with: before[d3] ?? []), "d3 restarted")
        #expect(try await ids(d1) == before[d1], "d1 untouched")

        // Move d3 to another fleet: it swaps apps.
        let b1 = try await api.call(API.Release.self, .POST, "/v1/fleets/e2eb/releases", body: API.CreateRelease(compose: compose(tag: 1, marker: "b1")))
        _ = try await api.call(API.Device.self, .PATCH, "/v1/devices/d3", body: API.UpdateDevice(fleet: "e2eb"))
        try await eventually("d3 runs e2eb", api) { $0.first { $0.name == "d3" }?.release == b1.id }
        for _ in 0..<120 where try await !containers(engine, device: d3, app: "e2ea").isEmpty { try await Task.sleep(for: .milliseconds(250)) }
        #expect(try await containers(engine, device: d3, app: "e2ea").isEmpty)
        #expect(try await containers(engine, device: d3, app: "e2eb").count == 1)

        // Lines logged while the server is down reach the log history once it is back.
        try await server.stop()
        let down = Int(Date().timeIntervalSince1970)
        try await Task.sleep(for: .seconds(4))
        let up = Int(Date().timeIntervalSince1970)
        try await server.start()
        var ticks: Set<Int> = []
        for _ in 0..<120 {
            let lines = try await api.call([API.LogEntry].self, .GET, "/v1/devices/d2/logs?limit=1000")
            ticks = Set(lines.compactMap { $0.message.hasPrefix("tick ") ? Int($0.message.dropFirst(5)) : nil })
            if (down + 1..<up).allSatisfy(ticks.contains) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect((down + 1..<up).allSatisfy(ticks.contains), "every line logged while the server was down arrived")

        // Delete d1: its containers go and its key is refused.
        let d1Key = try JSONDecoder().decode(DeviceKeyFile.self, from: Data(contentsOf: URL(fileURLWithPath: "\(root)/d1/identity.json"))).apiKey
        _ = try await api.send(.DELETE, "/v1/devices/d1")
        for _ in 0..<120 where try await !containers(engine, device: d1).isEmpty { try await Task.sleep(for: .milliseconds(250)) }
        #expect(try await containers(engine, device: d1).isEmpty)
        let refused = DroverAPIClient(server: server.url, credential: d1Key)
        let error = await #expect(throws: ClientError.self) { try await refused.send(.GET, "/v1/device/state") }
        #expect(error?.status == 401)
        try await refused.shutdown()

        // Clean up: remove the other devices' apps.
        for agent in agents { agent.cancel() }
        for device in [d2, d3] {
            for app in ["e2ea", "e2eb"] {
                _ = try await Reconciler(engine: engine, device: DeviceIdentity(id: device), logger: logger).converge(app: app, target: nil)
            }
        }
        try await api.shutdown()
        try await engine.shutdown()
        try await server.stop()
    }
}

struct DeviceKeyFile: Decodable {
    var apiKey: String
}
