import DockerEngine
import DroverAgent
import DroverAgentCLI
import ArgumentParser
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What the scenarios on the real engine share.
extension TestEngine {
    static func httpGet(_ url: String) async -> String? {
        guard let url = URL(string: url) else { return nil }
        return try? await eventually("\(url) to answer 200", timeout: .seconds(10)) {
            let (data, response) = try await URLSession.shared.data(from: url)
            return ((response as? HTTPURLResponse)?.statusCode, String(decoding: data, as: UTF8.self))
        } until: {
            $0.0 == 200
        }.1
    }
}

/// Collects executor events in order, for asserting what happened when.
final class EventLog: Sendable {
    private let entries = Mutex<[ReconcileEvent]>([])

    func record(_ event: ReconcileEvent) { entries.withLock { $0.append(event) } }

    var events: [ReconcileEvent] { entries.withLock { $0 } }

    func index(where predicate: (ReconcileEvent) -> Bool) -> Int? { events.firstIndex(where: predicate) }
}

@Suite("Agent on a real engine", .needsEngine, .testEngine, .serialized)
struct EngineScenarioTests {
    static func fiveServices(web: Int = 1, webImage: String? = nil, port: Int, workerMode: String = "worker", withCache: Bool = true) -> String {
        let loop = #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#
        var yaml = """
            services:
              db:
                image: \(TestEngine.image(1))
                command: ["sh", "-c", "trap 'exit 0' TERM; echo ready > /data/ready; while true; do sleep 1; done"]
                volumes: [data:/data]
                stop_grace_period: 2s
                healthcheck:
                  test: ["CMD", "test", "-f", "/data/ready"]
                  interval: 500ms
                  retries: 5
              migrate:
                image: \(TestEngine.image(1))
                command: ["sh", "-c", "echo migrated >> /data/migrations"]
                volumes: [data:/data]
                depends_on:
                  db: {condition: service_healthy}
              web:
                image: \(webImage ?? TestEngine.image(web))
                command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
                ports: ["127.0.0.1:\(port):8080"]
                stop_grace_period: 1s
                depends_on:
                  db: {condition: service_healthy}
                  migrate: {condition: service_completed_successfully}
              worker:
                image: \(TestEngine.image(1))
                command: \(loop)
                stop_grace_period: 2s
                environment: {MODE: \(workerMode)}
                depends_on: [db]

            """
        if withCache {
            yaml += """
                  cache:
                    image: \(TestEngine.image(1))
                    command: \(loop)
                    stop_grace_period: 2s
                    volumes: [cachevol:/cache]

                """
        }
        yaml += "volumes:\n  data:\n  cachevol:\n"
        return yaml
    }

    func ids(_ reconciler: Reconciler, app: String) async throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try await reconciler.status(app: app).map { ($0.service, $0.containerID) })
    }

    @Test("a 5-service app converges, answers on its port, updates only what changed, and keeps its volumes")
    func fullLifecycle() async throws {
        let engine = try TestEngine.scoped()
        let client = engine.client
        let device = await engine.device("life")
        var options = Reconciler.Options()
        options.waitTimeout = 60
        let reconciler = Reconciler(engine: client, device: device, logger: Logger(label: "test"), options: options)
        let port = 18_400 + Int.random(in: 0..<500)

        // Fresh apply.
        let v1 = try TestEngine.target(Self.fiveServices(port: port))
        let first = try await reconciler.converge(app: "shop", target: v1)
        #expect(first.stepsApplied >= 8)
        let status = try await reconciler.status(app: "shop")
        #expect(Set(status.map(\.service)) == ["db", "migrate", "web", "worker", "cache"])
        #expect(status.first { $0.service == "db" }?.health == .healthy)
        #expect(status.first { $0.service == "migrate" }?.state == .exited)
        #expect(status.filter { $0.service != "migrate" }.allSatisfy { $0.state == .running })
        #expect(await TestEngine.httpGet("http://127.0.0.1:\(port)/index.html") == "drover test image 1\n")

        // web started only after migrate completed.
        let webID = try #require(status.first { $0.service == "web" }?.containerID)
        let migrateID = try #require(status.first { $0.service == "migrate" }?.containerID)
        let web = try #require(try await client.inspectContainer(webID))
        let migrate = try #require(try await client.inspectContainer(migrateID))
        let webStarted = try #require(web.state.startedAt)
        let migrateFinished = try #require(migrate.state.finishedAt)
        #expect(webStarted > migrateFinished)

        // Re-apply: nothing touched.
        let before = try await ids(reconciler, app: "shop")
        let again = try await reconciler.converge(app: "shop", target: v1)
        #expect(again.stepsApplied == 0)
        #expect(try await ids(reconciler, app: "shop") == before)

        // One service's environment changes: only it is recreated.
        let v2 = try TestEngine.target(Self.fiveServices(port: port, workerMode: "batch"), release: "r2")
        _ = try await reconciler.converge(app: "shop", target: v2)
        let afterEnv = try await ids(reconciler, app: "shop")
        #expect(afterEnv["worker"] != before["worker"])
        for service in ["db", "migrate", "web", "cache"] { #expect(afterEnv[service] == before[service], "\(service) untouched") }
        let workerID = try #require(afterEnv["worker"])
        let worker = try #require(try await client.inspectContainer(workerID))
        #expect(worker.config.env?.contains("MODE=batch") == true)

        // A service removed from the file: its container goes, its volume stays.
        let v3 = try TestEngine.target(Self.fiveServices(port: port, workerMode: "batch", withCache: false), release: "r3")
        _ = try await reconciler.converge(app: "shop", target: v3)
        #expect(try await ids(reconciler, app: "shop")["cache"] == nil)
        #expect(try await client.inspectVolume("shop_cachevol_\(device.shortID)") != nil)

        // A new image tag: pulled first, then the old container swapped.
        // A reference of this test's own, absent from the engine: other suites running in
        // parallel pull the shared test tags.
        let own = "\(TestEngine.registry)/drover/scenario-\(UInt32.random(in: 0...UInt32.max))"
        if try await client.inspectImage(TestEngine.image(2)) == nil { try await client.pullImage(TestEngine.image(2)) }
        try await client.tagImage(TestEngine.image(2), repository: own, tag: "2")
        try await client.pushImage("\(own):2")
        try await client.removeImage("\(own):2")
        let v4 = try TestEngine.target(
            Self.fiveServices(web: 2, webImage: "\(own):2", port: port, workerMode: "batch", withCache: false), release: "r4")
        let log = EventLog()
        _ = try await reconciler.converge(app: "shop", target: v4) { log.record($0) }
        let pulled = log.index {
            if case .stepFinished(.pullImage(let reference, _), _) = $0 { return reference == "\(own):2" }
            return false
        }
        let removedWeb = log.index {
            if case .stepStarted(.removeContainer(let service, _, _, _)) = $0 { return service == "web" }
            return false
        }
        #expect(pulled != nil && removedWeb != nil && (pulled ?? 0) < (removedWeb ?? 0), "pulled before the old web stopped")
        #expect(await TestEngine.httpGet("http://127.0.0.1:\(port)/index.html") == "drover test image 2\n")

        // The volume's data survived every update: migrate ran once per container it had.
        let db = try #require(try await ids(reconciler, app: "shop")["db"])
        #expect(db == before["db"])

        // Remove the app: containers and network go, volumes stay.
        _ = try await reconciler.converge(app: "shop", target: nil)
        #expect(try await reconciler.status(app: "shop").isEmpty)
        #expect(try await client.inspectVolume("shop_data_\(device.shortID)") != nil)
        _ = try await reconciler.converge(app: "shop", target: nil, planning: ReleasePlanner.Options(removeVolumes: true))
        #expect(try await client.inspectVolume("shop_data_\(device.shortID)") == nil)
    }

    @Test("two devices on one engine never touch each other, nor containers Drover did not create")
    func isolation() async throws {
        let engine = try TestEngine.scoped()
        let client = engine.client
        let a = Reconciler(engine: client, device: await engine.device("a"), logger: Logger(label: "test"))
        let b = Reconciler(engine: client, device: await engine.device("b"), logger: Logger(label: "test"))
        let yaml = "services:\n  app:\n    image: \(TestEngine.image(1))\n    command: [\"sleep\", \"600\"]\n    init: true\n"
        var foreign = ContainerCreate(image: TestEngine.image(1))
        foreign.cmd = ["sleep", "600"]
        foreign.labels = [DroverLabel.app: "shared"]  // looks like Drover's but has no device label
        let foreignID = try await client.createContainer(name: "foreign-\(UUID().uuidString.prefix(8))", foreign)
        try await client.startContainer(foreignID)
        await engine.track(container: foreignID)

        _ = try await a.converge(app: "shared", target: try TestEngine.target(yaml))
        _ = try await b.converge(app: "shared", target: try TestEngine.target(yaml))
        let bBefore = try await b.status(app: "shared")
        #expect(bBefore.count == 1)
        _ = try await a.converge(app: "shared", target: try TestEngine.target(yaml.replacingOccurrences(of: "600", with: "601"), release: "r2"))
        _ = try await a.converge(app: "shared", target: nil)
        #expect(try await a.status(app: "shared").isEmpty)
        #expect(try await b.status(app: "shared") == bBefore)
        #expect(try await client.inspectContainer(foreignID)?.state.running == true)
        _ = try await b.converge(app: "shared", target: nil)
        #expect(try await client.inspectContainer(foreignID)?.state.running == true)
    }

    @Test("a failing step is retried and reported, and does not stop the other services")
    func failingStepDoesNotWedge() async throws {
        let engine = try TestEngine.scoped()
        let client = engine.client
        var options = Reconciler.Options()
        options.maxAttempts = 2
        options.retryDelay = 0.1
        let device = await engine.device("fail")
        let reconciler = Reconciler(engine: client, device: device, logger: Logger(label: "test"), options: options)
        let yaml = """
            services:
              good:
                image: \(TestEngine.image(1))
                command: ["sleep", "600"]
                init: true
              broken:
                image: \(TestEngine.registry)/drover/does-not-exist:1
            """
        let log = EventLog()
        let error = await #expect(throws: AgentError.self) {
            try await reconciler.converge(app: "mixed", target: try TestEngine.target(yaml)) { log.record($0) }
        }
        #expect(error?.code == .stepFailed)
        #expect(error?.message.contains("does-not-exist") == true)
        let failures = log.events.filter { if case .stepFailed = $0 { return true } else { return false } }
        #expect(failures.count == 2, "tried twice")
        #expect(try await reconciler.status(app: "mixed").first { $0.service == "good" }?.state == .running)
    }

    @Test("plan and apply reject an invalid document with the parser's message")
    func invalidDocumentThroughCLI() async throws {
        let directory = try TestEngine.directory()
        let file = directory + "/docker-compose.yml"
        try "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        for verb in ["plan", "apply"] {
            var command = try AgentCommand.parseAsRoot([verb, "-f", file, "--device", "cli", "--engine", TestEnvironment.dockerHost ?? ""])
            do {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                Issue.record("\(verb) accepted a document with a dependency cycle")
            } catch {
                #expect("\(error)".contains("dependency cycle: a -> b -> a"), "\(verb): \(error)")
            }
        }
    }
}
