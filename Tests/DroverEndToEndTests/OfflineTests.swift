import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// A device without its server: the agent restarts, the engine loses the app's container,
/// and the device still runs its last target; state and logs reach the server once it is back.
@Suite("End to end: offline operation", .needsEngine, .serialized)
struct OfflineTests {
    let logger = Logger(label: "e2e-offline")

    @Test("with the server down, a restarted agent brings back its saved target and catches up when the link returns")
    func offline() async throws {
        try await LiveRig.run(scenario)
    }

    func scenario(server: LiveServer, api: DroverAPIClient, engine: DockerClient, agents: AgentTasks) async throws {
        let key = try await LiveRig.fleetWithKey("off", api: api)
        await agents.start("o1", server: server, key: key, logger: logger)
        let compose = """
            services:
              app:
                image: \(TestEngine.registry)/drover/busybox:1
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do echo offline-tick $$(date +%s); sleep 1 & wait; done"]
            """
        let release = try await api.call(API.Release.self, .POST, "/v1/fleets/off/releases", body: API.CreateRelease(compose: compose))
        // The agent enrols on its own schedule: the device may not exist yet.
        var device = try await eventually("o1 runs the release", timeout: .seconds(60)) {
            try await api.call(API.Device.self, .GET, "/v1/devices/o1")
        } until: {
            $0.release == release.id && $0.status == .running
        }
        #expect(device.release == release.id)
        let identity = DeviceIdentity(id: device.uuid)

        // The server goes away; the agent is killed; the engine loses the app's container.
        try await server.stop()
        await agents.cancelAll()
        let lost = Int(Date().timeIntervalSince1970)
        for container in try await engine.listContainers(all: true, filters: identity.labelFilter(app: "off")) {
            try await engine.removeContainer(container.id, force: true)
        }
        // A new agent process on the same state directory, still without a server.
        await agents.start("o1", server: server, key: key, logger: logger)
        let running = try await eventually("the saved target running again", timeout: .seconds(60)) {
            try await engine.listContainers(all: false, filters: identity.labelFilter(app: "off"))
        } until: {
            !$0.isEmpty
        }
        #expect(running.count == 1 && running.first?.labels[DroverLabel.release] == release.id, "the saved target runs again without the server")
        // The container logs while the server is still away: wait for the engine to have a line
        // of it, instead of sleeping for one.
        let offlineID = try #require(running.first?.id)
        try await eventually("a line logged while offline", timeout: .seconds(30)) {
            var lines: [String] = []
            for try await line in try await engine.containerLogs(offlineID, timestamps: false) { lines.append(line.text) }
            return lines
        } until: {
            $0.contains { $0.hasPrefix("offline-tick ") }
        }

        // The link returns: the device is online, running, and its offline log lines arrive.
        try await server.start()
        var ticks: Set<Int> = []
        (device, ticks) = try await eventually("o1 online with its offline lines", timeout: .seconds(60)) {
            let device = try await api.call(API.Device.self, .GET, "/v1/devices/o1")
            let lines = try await api.call([API.LogEntry].self, .GET, "/v1/devices/o1/logs?limit=1000")
            return (device, Set(lines.compactMap { $0.message.hasPrefix("offline-tick ") ? Int($0.message.dropFirst(13)) : nil }))
        } until: {
            $0.0.online && $0.1.contains { $0 > lost }
        }
        #expect(device.online && device.status == .running && device.release == release.id)
        #expect(ticks.contains { $0 > lost }, "lines logged by the container started while offline reached the server")
    }
}
