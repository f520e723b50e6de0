import DockerEngine
import DroverAgent
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Testing

/// `replicas: N` on a real engine: N containers with indexed names, and an update that the
/// engine's own events show replacing them one at a time, each after the last is healthy.
@Suite("Replicas on a real engine", .needsEngine, .testEngine, .serialized)
struct ReplicaEngineTests {
    func app(replicas: Int, version: String, release: String) throws -> AppTarget {
        try TestEngine.target(
            """
            services:
              web:
                image: \(TestEngine.image(1))
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
                environment: {VERSION: '\(version)'}
                stop_grace_period: 2s
                deploy: {replicas: \(replicas)}
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 500ms
                  retries: 3
            """, release: release)
    }

    func containers(_ reconciler: Reconciler) async throws -> [ContainerSummary] {
        try await reconciler.engine.listContainers(all: true, filters: reconciler.device.labelFilter(app: "shop"))
            .sorted { $0.labels[DroverLabel.replica] ?? "" < $1.labels[DroverLabel.replica] ?? "" }
    }

    @Test("replicas: 3 runs three indexed containers; an update replaces them one at a time, never more than one down")
    func rollingUpdate() async throws {
        let engine = try TestEngine.scoped()
        let client = engine.client
        if try await client.inspectImage(TestEngine.image(1)) == nil { try await client.pullImage(TestEngine.image(1)) }
        let device = await engine.device("rep")
        let reconciler = Reconciler(engine: client, device: device, logger: Logger(label: "test"))
        let names = EngineNames(device: device, app: "shop")
        do {
            let r1 = try app(replicas: 3, version: "1", release: "r1")
            _ = try await reconciler.converge(app: "shop", target: r1)
            let first = try await containers(reconciler)
            let hash1 = r1.configHash(of: "web")
            #expect(first.map(\.name) == (1...3).map { names.container("web", configHash: hash1, replica: $0, of: 3) })
            #expect(first.map { $0.labels[DroverLabel.replica] } == ["1", "2", "3"])
            #expect(first.allSatisfy { $0.state == "running" })
            let old = Set(first.map(\.id))

            let r2 = try app(replicas: 3, version: "2", release: "r2")
            let log = try await EngineEventLog.start(client)
            _ = try await reconciler.converge(app: "shop", target: r2)
            let events = try await log.stop().filter {
                $0.type == "container" && $0.actor.attributes?[DroverLabel.device] == device.id && $0.actor.attributes?[DroverLabel.service] == "web"
            }

            // Replay the engine's events: which of the service's containers run at each moment.
            var running = old
            var mostDown = 0
            for event in events {
                if event.action == "start" { running.insert(event.actor.id) }
                if event.action == "die" { running.remove(event.actor.id) }
                mostDown = max(mostDown, 3 - running.count)
            }
            let died = events.filter { $0.action == "die" }.map(\.actor.id)
            #expect(Set(died) == old, "each old replica stopped once: \(died)")
            #expect(mostDown == 1, "at most one replica was down at any moment (and the update did take one down)")

            // Each old replica k > 1 stopped only after the new replica k-1 reported healthy.
            let replicaOf = { (event: EngineEvent) in Int(event.actor.attributes?[DroverLabel.replica] ?? "") ?? 0 }
            for replica in 2...3 {
                let healthy = events.firstIndex { $0.action == "health_status: healthy" && !old.contains($0.actor.id) && replicaOf($0) == replica - 1 }
                let stopped = events.firstIndex { $0.action == "die" && old.contains($0.actor.id) && replicaOf($0) == replica }
                #expect(healthy != nil && stopped != nil && (healthy ?? .max) < (stopped ?? .min), "replica \(replica) waited for replica \(replica - 1)")
            }

            let updated = try await containers(reconciler)
            let hash2 = r2.configHash(of: "web")
            #expect(updated.map(\.name) == (1...3).map { names.container("web", configHash: hash2, replica: $0, of: 3) })
            #expect(updated.allSatisfy { $0.state == "running" && $0.labels[DroverLabel.configHash] == hash2 && $0.labels[DroverLabel.release] == "r2" })

            // Scaling down keeps replica 1 as it is and removes the others.
            _ = try await reconciler.converge(app: "shop", target: try app(replicas: 1, version: "2", release: "r3"))
            let scaled = try await containers(reconciler)
            #expect(scaled.map(\.id) == [updated[0].id])
        } catch {
            _ = try? await reconciler.converge(app: "shop", target: nil)
            throw error
        }
        _ = try await reconciler.converge(app: "shop", target: nil)
        #expect(try await containers(reconciler).isEmpty)
    }
}
