import DockerEngine
import DroverAgent
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Testing

@Suite("Networks with fixed addresses, and devices the engine lacks, on a real engine", .needsEngine, .testEngine, .serialized)
struct NetworkAndDeviceEngineTests {
    /// An app whose service has a fixed address on a network with a fixed subnet. The
    /// subnets are private ones that nothing else on the test engine uses.
    static func fixedAddress(subnet third: Int) -> String {
        """
        services:
          web:
            image: \(TestEngine.image(1))
            command: ["sleep", "600"]
            init: true
            networks:
              front: {ipv4_address: 172.31.\(third).10}
        networks:
          front:
            ipam:
              config:
                - {subnet: 172.31.\(third).0/24, gateway: 172.31.\(third).1}
        """
    }

    func address(of service: String, app: String, _ reconciler: Reconciler, engine: DockerClient) async throws -> (id: String, address: String?) {
        let status = try #require(try await reconciler.status(app: app).first { $0.service == service })
        let details = try #require(try await engine.inspectContainer(status.containerID))
        return (details.id, details.networkSettings?.networks?.values.first?.ipAddress)
    }

    @Test("a fixed address on a fixed subnet comes up, a second apply changes nothing, and a new subnet remakes network and container")
    func fixedAddressAndSubnetChange() async throws {
        let engine = try TestEngine.scoped()
        let device = await engine.device("ipam")
        let reconciler = Reconciler(engine: engine.client, device: device, logger: Logger(label: "test"))

        _ = try await reconciler.converge(app: "net", target: try TestEngine.target(Self.fixedAddress(subnet: 240)))
        let first = try await address(of: "web", app: "net", reconciler, engine: engine.client)
        #expect(first.address == "172.31.240.10")

        let again = try await reconciler.converge(app: "net", target: try TestEngine.target(Self.fixedAddress(subnet: 240)))
        #expect(again.stepsApplied == 0, "a second apply plans nothing")
        #expect(try await address(of: "web", app: "net", reconciler, engine: engine.client).id == first.id)

        let log = EventLog()
        _ = try await reconciler.converge(app: "net", target: try TestEngine.target(Self.fixedAddress(subnet: 241))) { log.record($0) }
        let moved = try await address(of: "web", app: "net", reconciler, engine: engine.client)
        #expect(moved.address == "172.31.241.10")
        #expect(moved.id != first.id)
        let kinds = log.events.compactMap { event -> String? in if case .stepFinished(let step, _) = event { step.kind } else { nil } }
        #expect(kinds == ["remove", "remove-network", "create-network", "create"])
        let networks = try await engine.client.listNetworks(filters: device.labelFilter(app: "net"))
        #expect(networks.flatMap { $0.ipam?.config ?? [] }.compactMap(\.subnet) == ["172.31.241.0/24"])
    }

    @Test("a service asking for a device driver or runtime the engine lacks fails plainly and waits, and the other service runs")
    func missingDeviceDriver() async throws {
        let engine = try TestEngine.scoped()
        let device = await engine.device("gpu")
        var options = Reconciler.Options()
        options.maxAttempts = 2
        options.retryDelay = 0.1
        let reconciler = Reconciler(engine: engine.client, device: device, logger: Logger(label: "test"), options: options)
        let yaml = """
            services:
              plain:
                image: \(TestEngine.image(1))
                command: ["sleep", "600"]
                init: true
              gpu:
                image: \(TestEngine.image(1))
                command: ["sleep", "600"]
                deploy:
                  resources:
                    reservations:
                      devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
              sandboxed:
                image: \(TestEngine.image(1))
                command: ["sleep", "600"]
                runtime: drover-no-such-runtime
            """
        let target = try TestEngine.target(yaml)
        let error = await #expect(throws: AgentError.self) { try await reconciler.converge(app: "ai", target: target) }
        #expect(error?.code == .stepFailed)
        let message = error?.message ?? ""
        #expect(
            message.contains(
                "service 'gpu' failed: the engine has no device driver 'nvidia' for capabilities [gpu] (is the NVIDIA container toolkit installed?)"),
            "\(message)")
        #expect(message.contains("service 'sandboxed' failed: the engine has no runtime 'drover-no-such-runtime'"), "\(message)")
        let statuses = try await reconciler.status(app: "ai")
        #expect(statuses.first { $0.service == "plain" }?.state == .running)
        let gpu = try #require(statuses.first { $0.service == "gpu" })
        #expect(gpu.failure?.hasPrefix("failed: the engine has no device driver 'nvidia'") == true, "\(gpu)")
        #expect(reconciler.holds.hold(app: "ai", service: "sandboxed", configHash: target.configHash(of: "sandboxed")) != nil)

        // The next round does not ask the engine again before the pause is over.
        let log = EventLog()
        let second = await #expect(throws: AgentError.self) { try await reconciler.converge(app: "ai", target: target) { log.record($0) } }
        #expect(second?.message.contains("next try in") == true, "\(second?.message ?? "")")
        let started = log.events.compactMap { event -> Step? in if case .stepStarted(let step) = event { step } else { nil } }
        #expect(started.isEmpty, "\(started)")
    }
}
