import DockerEngine
@testable import DroverAgent
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Testing

/// A target the agent cannot run — received from a server, left in the state directory by an
/// older agent, or refused by the engine — is an error the agent reports, never a trap.
@Suite("Targets the agent cannot apply")
struct TargetIntakeTests {
    static let good = TargetState(apps: ["shop": AppTarget(release: "r2", services: ["web": ServiceSpec(image: "web:2")])])

    /// A target as an older, more lenient server or agent would have written it.
    static func bad(_ change: (inout ServiceSpec) -> Void = { $0.cpus = 1e10 }) -> TargetState {
        var spec = ServiceSpec(image: "web:1")
        change(&spec)
        return TargetState(apps: ["shop": AppTarget(release: "r1", services: ["web": spec])])
    }

    @Test("a saved target with cpus 1e10 is refused, not run, and the server is asked afresh")
    func badSavedTarget() {
        let intake = TargetIntake(saved: .success(Self.bad().canonicalJSON()), etag: "\"old\"")
        #expect(intake.target == nil)
        #expect(intake.etag == nil, "no If-None-Match: the server's target is fetched again")
        #expect(intake.refusal?.contains("apps.shop.services.web.cpus") == true, "\(intake.refusal ?? "")")
    }

    @Test("an unreadable or damaged saved target is refused with the reason")
    func damagedSavedTarget() {
        let damaged = TargetIntake(saved: .success(Data("{\"apps\": {\"shop\": ".utf8)), etag: nil)
        #expect(damaged.target == nil && damaged.refusal?.contains("saved target cannot be used") == true)
        let unreadable = TargetIntake(saved: .failure(AgentError(.stateDirectory, "cannot read target.json")), etag: nil)
        #expect(unreadable.target == nil && unreadable.refusal?.contains("cannot read target.json") == true)
        let none = TargetIntake(saved: .success(nil), etag: "\"x\"")
        #expect(none == TargetIntake())
    }

    @Test("a bad target from the server keeps the previous one running; the next good one heals the device")
    func badReceivedTarget() throws {
        var intake = TargetIntake(saved: .success(Self.good.canonicalJSON()), etag: "\"r2\"")
        #expect(intake.target == Self.good && intake.refusal == nil)

        #expect(intake.receive(Self.bad().canonicalJSON(), etag: "\"r3\"") == nil)
        #expect(intake.target == Self.good, "the previous target stays")
        #expect(intake.etag == "\"r3\"", "the server holds the next request until the target changes")
        #expect(intake.refusal?.contains("cpus") == true)

        var fixed = Self.good
        fixed.apps["shop"]?.release = "r4"
        #expect(intake.receive(fixed.canonicalJSON(), etag: "\"r4\"") == fixed)
        #expect(intake.target == fixed && intake.refusal == nil && intake.etag == "\"r4\"")

        intake.forget()
        #expect(intake.target == TargetState(apps: [:]) && intake.etag == nil)
    }

    @Test(
        "the container config builder throws on values that would have trapped it",
        arguments: [
            { (spec: inout ServiceSpec) in spec.cpus = 1e10 },
            { $0.cpus = .infinity },
            { $0.cpus = .nan },
            { $0.devices = [""] },
            { $0.devices = [":"] },
            { $0.tmpfs = [""] },
            { $0.restart = "on-failure:-1" },
            { $0.restart = "on-failure:99999999999999999999" },
            { $0.ports = [PortMapping(target: Int.max, published: Int.min, hostIP: nil, protocol: "tcp")] },
        ] as [@Sendable (inout ServiceSpec) -> Void])
    func builder(change: @Sendable (inout ServiceSpec) -> Void) throws {
        guard let target = Self.bad(change).apps["shop"] else { return }
        let builder = ContainerConfigBuilder(device: DeviceIdentity(id: "d"), app: "shop", target: target)
        let error = try #require(throws: AgentError.self) { try builder.build(service: "web") }
        #expect(error.code == .invalidTarget)
    }

    @Test("the longest stop grace period and a huge hand-over timeout convert without trapping")
    func longDurations() throws {
        var spec = ServiceSpec(image: "web:1")
        spec.stopGracePeriod = Int64.max
        spec.labels = [DroverLabel.handoverTimeout: "2562047h", DroverLabel.updateStrategy: "hand-over"]
        let target = AppTarget(release: "r1", services: ["web": spec])
        let (config, _) = try ContainerConfigBuilder(device: DeviceIdentity(id: "d"), app: "shop", target: target).build(service: "web")
        #expect(config.stopTimeout == Int(Int32.max))

        // A hand-over whose new container was created at the end of time: the deadline saturates.
        let device = DeviceIdentity(id: "d")
        let names = EngineNames(device: device, app: "shop")
        func container(_ id: String, hash: String, created: Int64) -> ObservedContainer {
            ObservedContainer(
                id: id, name: names.container("web", configHash: hash), service: "web", configHash: hash, release: "r1",
                state: .running, health: nil, exitCode: nil, imageID: "sha256:1", image: "web:1", networks: [], created: created)
        }
        var snapshot = EngineSnapshot()
        snapshot.images = ["web:1": "sha256:1"]
        snapshot.containers = [container("old", hash: "old", created: 1), container("new", hash: target.configHash(of: "web"), created: Int64.max - 1)]
        snapshot.now = Int64.max
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: snapshot, target: target)
        #expect(plan.steps.contains { if case .removeContainer(_, "old", _, _) = $0 { true } else { false } }, "\(plan)")
    }
}

/// The engine refuses what no validation can know: more CPUs than this machine has.
@Suite("A target the engine refuses", .needsEngine, .testEngine, .serialized)
struct EngineRefusedTargetTests {
    @Test("an engine refusal is an error of the agent, and the next good target converges")
    func refusedThenGood() async throws {
        let engine = try TestEngine.scoped()
        let client = engine.client
        let device = await engine.device("refused")
        var options = Reconciler.Options()
        options.retryDelay = 0.05
        let reconciler = Reconciler(engine: client, device: device, logger: Logger(label: "test"), options: options)
        let loop = #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#
        let refused = try TestEngine.target("services:\n  web:\n    image: \(TestEngine.image(1))\n    command: \(loop)\n    cpus: 8000\n")
        let error = await #expect(throws: AgentError.self) { try await reconciler.converge(app: "refused", target: refused) }
        #expect(error?.code == .stepFailed)
        #expect(error?.message.contains("CPU") == true, "\(error.map { "\($0)" } ?? "")")

        let good = try TestEngine.target("services:\n  web:\n    image: \(TestEngine.image(1))\n    command: \(loop)\n    cpus: 0.5\n", release: "r2")
        _ = try await reconciler.converge(app: "refused", target: good)
        let running = try await reconciler.status(app: "refused")
        #expect(running.map(\.state) == [.running] && running.first?.release == "r2")
        _ = try await reconciler.converge(app: "refused", target: nil)
    }
}
