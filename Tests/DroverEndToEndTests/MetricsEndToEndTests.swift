import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// Device metrics from a real agent on the real engine, as `drover device metrics` shows them.
@Suite("End to end: device metrics", .needsEngine, .serialized)
struct MetricsEndToEndTests {
    let logger = Logger(label: "e2e-metrics")

    static let compose = """
        services:
          app:
            image: \(TestEngine.registry)/drover/busybox:1
            command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait; done"]
        """

    /// The host's memory as the kernel reports it, bytes.
    static func hostMemory() throws -> Int64 {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") })
        return try #require(Int64(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
    }

    /// A fleet sampled every second (its DROVER_METRICS_INTERVAL) running the busybox app, and
    /// its device `name` running it.
    func fleet(_ fleet: String, device name: String, server: LiveServer, api: DroverAPIClient, agents: AgentTasks) async throws {
        let key = try await LiveRig.fleetWithKey(fleet, api: api)
        _ = try await api.setEnv(API.SetEnv(fleet: fleet, device: nil, service: nil, name: "DROVER_METRICS_INTERVAL", value: "1"))
        let release = try await api.call(API.Release.self, .POST, "/v1/fleets/\(fleet)/releases", body: API.CreateRelease(compose: Self.compose))
        await agents.start(name, server: server, key: key, logger: logger)
        try await eventually("\(name) runs the release", timeout: .seconds(60)) {
            try await api.call(API.Device.self, .GET, "/v1/devices/\(name)")
        } until: {
            $0.release == release.id && $0.status == .running
        }
    }

    @Test("a real agent reports the host's memory, a CPU figure within 0-100 x cores, its disks and its container")
    func plausible() async throws {
        try await LiveRig.run { server, api, _, agents in
            try await fleet("met", device: "m1", server: server, api: api, agents: agents)
            let metrics = try await eventually("m1's metrics with its container", timeout: .seconds(60)) {
                try await api.metrics(device: "m1")
            } until: {
                $0.latest?.cpu != nil && $0.latest?.containers?.isEmpty == false && !$0.history.isEmpty
            }
            let latest = try #require(metrics.latest)
            #expect(latest.memoryTotal == (try Self.hostMemory()), "memory total is the host's MemTotal")
            let used = try #require(latest.memoryUsed)
            #expect(used > 0 && used < (latest.memoryTotal ?? 0))
            let cpu = try #require(latest.cpu)
            #expect((0...100 * Double(ProcessInfo.processInfo.activeProcessorCount)).contains(cpu), "cpu \(cpu)")
            #expect((latest.stateDisk?.total ?? 0) > 0 && (latest.engineDisk?.total ?? 0) > 0)
            #expect((latest.uptime ?? 0) > 0)
            let container = try #require(latest.containers?.first)
            #expect(container.app == "met" && container.service == "app" && container.memory > 0)
            #expect(metrics.history.last?.memoryTotal == Double(latest.memoryTotal ?? 0))

            // What a person sees: the device list's columns, and the metrics sheet.
            let listed = try await api.call([API.Device].self, .GET, "/v1/devices")
            #expect(listed.first?.metrics?.memoryTotal == latest.memoryTotal)
            let token = await server.token
            let sheet = try Self.drover(["device", "metrics", "m1", "--server", server.url, "--token", token])
            #expect(sheet.contains("memory:") && sheet.contains(" of ") && sheet.contains("app"), "\(sheet)")
            let json = try Self.drover(["device", "metrics", "m1", "-o", "json", "--server", server.url, "--token", token])
            let decoded = try JSONDecoder().decode(API.DeviceMetrics.self, from: Data(json.utf8))
            #expect(decoded.latest?.memoryTotal == (try Self.hostMemory()))
            let table = try Self.drover(["device", "list", "--server", server.url, "--token", token])
            #expect(table.contains("CPU") && table.contains("MEM") && table.contains("TEMP"), "\(table)")
        }
    }

    @Test("samples taken while the server is down reach it once it is back")
    func offline() async throws {
        try await LiveRig.run { server, api, _, agents in
            try await fleet("metoff", device: "m2", server: server, api: api, agents: agents)
            try await eventually("m2's first metrics", timeout: .seconds(60)) {
                try await api.metrics(device: "m2")
            } until: {
                $0.latest != nil
            }
            try await server.stop()
            // The agent keeps sampling and spills what it cannot send to its state directory.
            let spool = agents.stateDirectory("m2") + "/metric-spool.jsonl"
            let offline = try await eventually("three samples spooled while the server is down", timeout: .seconds(60)) {
                try Self.spooledTimes(spool)
            } until: {
                $0.count >= 3
            }
            try await server.start()
            try await eventually("the spool delivered", timeout: .seconds(60)) {
                FileManager.default.fileExists(atPath: spool)
            } until: {
                !$0
            }
            let metrics = try await api.metrics(device: "m2")
            #expect((metrics.latest?.time ?? 0) >= (offline.max() ?? .infinity))
            let counts = Dictionary(metrics.history.map { ($0.minute, $0.samples) }, uniquingKeysWith: +)
            let spooledPerMinute = Dictionary(grouping: offline) { ($0 / 60).rounded(.down) * 60 }.mapValues(\.count)
            for (minute, spooled) in spooledPerMinute {
                #expect((counts[minute] ?? 0) >= spooled, "minute \(minute) holds the \(spooled) samples taken offline")
            }
        }
    }

    /// The times of the samples in an agent's metric spool.
    static func spooledTimes(_ file: String) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(API.MetricSample.self, from: Data($0)).time }
    }

    /// Runs the `drover` binary built beside the tests; returns what it printed.
    static func drover(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("drover")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "drover \(arguments.joined(separator: " ")): \(text)")
        return text
    }
}
