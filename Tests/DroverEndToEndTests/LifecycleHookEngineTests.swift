import DockerEngine
import DroverAgent
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// `post_start` and `pre_stop` on the real engine.
@Suite("Lifecycle hooks on a real engine", .needsEngine, .testEngine, .serialized)
struct LifecycleHookEngineTests {
    func app(release: String, marker: String, postStart: String = "echo started-$$MARKER > /shared/post") throws -> AppTarget {
        try TestEngine.target(
            """
            services:
              web:
                image: \(TestEngine.image(1))
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
                environment: {MARKER: \(marker)}
                stop_grace_period: 2s
                volumes: [shared:/shared]
                post_start:
                  - command: ["sh", "-c", "\(postStart)"]
                    user: "0"
                    environment: {HOOK: post}
                pre_stop:
                  - command: ["sh", "-c", "echo stopped-$$MARKER-$$HOOK >> /shared/pre"]
                    environment: {HOOK: pre}
            volumes:
              shared: {}
            """, release: release)
    }

    func read(_ client: DockerClient, _ container: String, _ path: String) async throws -> String {
        let exec = try await client.createExec(container: container, command: ["cat", path], tty: false)
        return try await client.attachExec(exec, tty: false) { output, input in
            input.finish()
            var text = ""
            for try await chunk in output {
                if case .stdout(let bytes) = chunk { text += String(decoding: bytes, as: UTF8.self) }
            }
            return text
        }
    }

    @Test(
        "post_start runs in the new container once it starts; pre_stop runs in the old one before it is stopped; a failing post_start is reported, naming the hook"
    )
    func hooks() async throws {
        let client = try TestEngine.scoped().client
        let device = try await TestEngine.scoped().device("hooks")
        var options = Reconciler.Options()
        options.runtimeRoot = try TestEngine.directory()
        options.maxAttempts = 1
        let reconciler = Reconciler(engine: client, device: device, logger: Logger(label: "test"), options: options)
        do {
            try await scenario(client: client, device: device, reconciler: reconciler)
        } catch {
            _ = try? await reconciler.converge(app: "shop", target: nil, planning: .init(removeVolumes: true))
            throw error
        }
        _ = try await reconciler.converge(app: "shop", target: nil, planning: .init(removeVolumes: true))
        #expect(try await client.listContainers(all: true, filters: device.labelFilter(app: "shop")).isEmpty)
    }

    func scenario(client: DockerClient, device: DeviceIdentity, reconciler: Reconciler) async throws {
        func web() async throws -> String? {
            try await client.listContainers(all: true, filters: device.labelFilter(app: "shop")).first { $0.state == "running" }?.id
        }
        _ = try await reconciler.converge(app: "shop", target: try app(release: "r1", marker: "one"))
        let first = try #require(try await web())
        #expect(try await read(client, first, "/shared/post") == "started-one\n")

        _ = try await reconciler.converge(app: "shop", target: try app(release: "r2", marker: "two"))
        let second = try #require(try await web())
        #expect(second != first)
        #expect(try await read(client, second, "/shared/pre") == "stopped-one-pre\n")
        #expect(try await read(client, second, "/shared/post") == "started-two\n")

        // A failing hook is reported as the step's failure, naming the hook and what it said; as
        // under compose, the container it ran in keeps running.
        let failures = Mutex<[String]>([])
        _ = try await reconciler.converge(app: "shop", target: try app(release: "r3", marker: "three", postStart: "echo no cache >&2; exit 3")) { event in
            if case .stepFailed(_, let message, _, _) = event { failures.withLock { $0.append(message) } }
        }
        let reported = failures.withLock { $0 }
        #expect(reported.contains { $0.contains("post_start[0]") && $0.contains("exited with 3: no cache") }, "\(reported)")
        #expect(try await web() != nil)
    }
}
