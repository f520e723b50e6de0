import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// A device that is given something it cannot run keeps running, says why, and heals itself
/// when a fixed release comes: nobody has to touch it.
@Suite("End to end: targets a device cannot apply", .needsEngine, .serialized)
struct BadTargetTests {
    let logger = Logger(label: "e2e-bad-target")

    @Test(
        "an agent starts over a saved target with cpus 1e10 without crashing; a release the engine refuses is reported failed; the next good release heals it")
    func badTargets() async throws {
        try await LiveRig.run(scenario)
    }

    func scenario(server: LiveServer, api: DroverAPIClient, engine: DockerClient, agents: AgentTasks) async throws {
        let key = try await LiveRig.fleetWithKey("bad", api: api)
        let state = NSTemporaryDirectory() + "drover-bad-target-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let loop = #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#

        // What an older agent, which let `cpus: 1e10` through, left in the state directory:
        // it used to crash the agent at every start.
        var spec = ServiceSpec(image: "\(TestEngine.registry)/drover/busybox:1")
        spec.cpus = 1e10
        let saved = TargetState(apps: ["bad": AppTarget(release: "old", services: ["app": spec])])
        let directory = StateDirectory(path: state)
        try directory.write("target.json", saved.canonicalJSON())
        try directory.write("target.etag", Data("\"old\"".utf8))

        let config = AgentConfig(
            server: server.url, provisioningKey: key, deviceName: "b1", engine: TestEnvironment.dockerHost, stateDir: state, pollInterval: 2)
        await agents.start(config, logger: logger)

        // A release every parser accepts but this engine refuses: more CPUs than the machine has.
        let refused = try await api.call(
            API.Release.self, .POST, "/v1/fleets/bad/releases",
            body: API.CreateRelease(compose: "services:\n  app:\n    image: \(TestEngine.registry)/drover/busybox:1\n    command: \(loop)\n    cpus: 8000\n"))
        let failed = try await device("b1", api) { $0.targetRelease == refused.id && $0.status == .failed }
        #expect(failed.statusDetail?.contains("CPU") == true, "the reason is the engine's: \(failed.statusDetail ?? "")")

        // The fixed release heals the device without anyone touching it.
        let fixed = try await api.call(
            API.Release.self, .POST, "/v1/fleets/bad/releases",
            body: API.CreateRelease(compose: "services:\n  app:\n    image: \(TestEngine.registry)/drover/busybox:1\n    command: \(loop)\n    cpus: 0.5\n"))
        let healed = try await device("b1", api) { $0.release == fixed.id && $0.status == .running }
        let running = try await engine.listContainers(all: false, filters: DeviceIdentity(id: healed.uuid).labelFilter(app: "bad"))
        #expect(running.count == 1 && running.first?.labels[DroverLabel.release] == fixed.id)

    }

    /// The device once `condition` holds for it, or a failure after 90 s.
    func device(_ name: String, _ api: DroverAPIClient, _ condition: (API.Device) -> Bool) async throws -> API.Device {
        try await eventually("device \(name)") {
            try await api.call(API.Device.self, .GET, "/v1/devices/\(name)")
        } until: {
            condition($0)
        }
    }
}
