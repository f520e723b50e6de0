import DockerEngine
import DroverTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Docker client on a real engine", .needsEngine, .testEngine)
struct RealEngineTests {
    @Test("version is negotiated and the engine answers ping, version and info")
    func system() async throws {
        let client = try TestEngine.scoped().client
        #expect(client.apiVersion >= DockerClient.minimumAPIVersion)
        #expect(try await client.ping())
        #expect(!(try await client.version().version.isEmpty))
        #expect((try await client.info().cpuCount ?? 0) > 0)
    }

    @Test("logs are demultiplexed with timestamps; events show the container's life")
    func logsAndEvents() async throws {
        let client = try TestEngine.scoped().client
        let label = "drover.test=\(UUID().uuidString)"
        let since = Int64(Date().timeIntervalSince1970) - 1
        // Subscribed before the container exists: a query of the engine's history afterwards
        // misses events once other tests have pushed them out of its short buffer.
        let events = try await client.events(filters: ["label": [label]], since: since)
        let recorder = ActionRecorder()
        let collector = Task {
            for try await event in events { await recorder.add(event.action) }
        }
        defer { collector.cancel() }
        var config = ContainerCreate(image: TestEngine.image(1))
        config.cmd = ["sh", "-c", "echo out; echo err >&2; echo out2"]
        config.labels = ["drover.test": String(label.split(separator: "=")[1])]
        let id = try await client.createContainer(name: nil, config)
        try await client.startContainer(id)
        #expect(try await client.waitContainer(id) == 0)
        var lines: [LogLine] = []
        for try await line in try await client.containerLogs(id) { lines.append(line) }
        #expect(lines.map(\.text) == ["out", "err", "out2"] || Set(lines.map(\.text)) == ["out", "err", "out2"])
        #expect(lines.first { $0.text == "err" }?.stream == .stderr)
        #expect(lines.allSatisfy { $0.timestamp?.hasPrefix("20") == true })

        try await client.renameContainer(id, to: "renamed-\(id.prefix(8))")
        try await client.updateRestartPolicy(id, RestartPolicy(name: "on-failure", maximumRetryCount: 2))
        let inspected = try #require(try await client.inspectContainer(id))
        #expect(inspected.name == "/renamed-\(id.prefix(8))")
        #expect(inspected.hostConfig?.restartPolicy == RestartPolicy(name: "on-failure", maximumRetryCount: 2))
        try await client.removeContainer(id, force: true)

        let actions = try await eventually("the engine's destroy event", timeout: .seconds(30)) {
            await recorder.actions
        } until: {
            $0.contains("destroy")
        }
        #expect(actions.starts(with: ["create", "start"]))
        #expect(actions.contains("die") && actions.contains("destroy"))
    }

    @Test("stop with a timeout kills a container that ignores SIGTERM")
    func stopTimeout() async throws {
        let client = try TestEngine.scoped().client
        var config = ContainerCreate(image: TestEngine.image(1))
        config.cmd = ["sleep", "600"]  // PID 1 ignores SIGTERM
        let id = try await client.createContainer(name: nil, config)
        try await client.startContainer(id)
        try await client.stopContainer(id, timeoutSeconds: 1)
        let state = try #require(try await client.inspectContainer(id)).state
        #expect(!state.running)
        #expect(state.exitCode == 137)
        try await client.removeContainer(id)
        #expect(try await client.inspectContainer(id) == nil)
    }

    @Test("errors carry the engine's own message and status")
    func engineErrors() async throws {
        let client = try TestEngine.scoped().client
        let error = await #expect(throws: DockerError.self) { try await client.startContainer("no-such-container") }
        #expect(error?.status == 404)
        #expect(error?.message.contains("no-such-container") == true)
        let pull = await #expect(throws: DockerError.self) { try await client.pullImage("\(TestEngine.registry)/drover/nothing-here:1") }
        #expect(pull?.message.contains("nothing-here") == true)
        let missing = await #expect(throws: DockerError.self) { try await DockerClient.connect(to: .unix(path: "/nonexistent/docker.sock")) }
        #expect(missing?.code == .unreachable)
    }

    @Test("pull streams progress, networks and volumes are created, listed by label, and removed")
    func pullNetworksVolumes() async throws {
        let client = try TestEngine.scoped().client
        let counter = ProgressCounter()
        try await client.pullImage(TestEngine.image(1)) { _ in counter.increment() }
        #expect(counter.value > 0)
        let tag = UUID().uuidString.prefix(8).lowercased()
        let labels = ["drover.test": String(tag)]
        _ = try await client.createNetwork(NetworkCreate(name: "net-\(tag)", labels: labels))
        _ = try await client.createVolume(VolumeCreate(name: "vol-\(tag)", labels: labels))
        #expect(try await client.listNetworks(filters: ["label": ["drover.test=\(tag)"]]).map(\.name) == ["net-\(tag)"])
        #expect(try await client.listVolumes(filters: ["label": ["drover.test=\(tag)"]]).map(\.name) == ["vol-\(tag)"])
        try await client.removeNetwork("net-\(tag)")
        try await client.removeVolume("vol-\(tag)")
        #expect(try await client.listNetworks(filters: ["label": ["drover.test=\(tag)"]]).isEmpty)
        #expect(try await client.inspectVolume("vol-\(tag)") == nil)
    }
}

/// The actions of the events a test saw, in order.
actor ActionRecorder {
    private(set) var actions: [String] = []
    func add(_ action: String) { actions.append(action) }
}

final class ProgressCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
