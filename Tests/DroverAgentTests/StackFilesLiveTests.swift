import Crypto
import DockerEngine
import DroverModel
import Foundation
import Testing

@testable import DroverAgent

/// A stack service with a secret and a config on a real single-node swarm: the objects are
/// made as the leader makes them, the service as ``StackServices`` builds it, and the task's
/// container reads both values at their targets; a new value is a new object and a new spec.
@Suite("Stack secrets and configs on a real swarm")
struct StackFilesLiveTests {
    /// A dockerd the test may put into swarm mode (never the shared test engine).
    static let host = ProcessInfo.processInfo.environment["DROVER_TEST_SWARM_DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }

    struct Failed: Error, CustomStringConvertible { var description: String }

    /// A version as the server makes one: 32 hex digits that change with the value.
    static func version(_ value: String) -> String { SHA256.hash(data: Data(value.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined() }

    static func stack(secret: String, config: String, image: String) -> ClusterTarget.Stack {
        var web = ServiceSpec(image: image)
        web.command = ["sh", "-c", "sleep 3600"]
        web.stopGracePeriod = 1_000_000_000
        web.secrets = [AppFileMount(source: "db", target: "/run/secrets/db", uid: "1000", mode: 0o400)]
        web.configs = [AppFileMount(source: "site", target: "/etc/site.conf")]
        var stack = ClusterTarget.Stack(namespace: "ssl", release: "r-\(version(secret + config).prefix(6))", services: ["web": web])
        stack.secrets = ["db": AppFile(source: .file, from: "./db.txt", version: version(secret))]
        stack.configs = ["site": AppFile(source: .content, version: version(config))]
        return stack
    }

    /// Makes the objects the stack lacks from `values` (document name → value), as the leader does.
    static func keepObjects(_ client: DockerClient, _ stack: ClusterTarget.Stack, values: [String: String]) async throws -> [AppFileKind: [String: String]] {
        var ids: [AppFileKind: [String: String]] = [:]
        for kind in AppFileKind.allCases {
            for object in try await client.swarmFiles(StackFiles.swarmKind(kind), label: "\(ClusterTarget.clusterLabel)=live") {
                ids[kind, default: [:]][object.spec.name] = object.id
            }
        }
        for wanted in StackFiles.wanted(stack) where ids[wanted.kind]?[wanted.object] == nil {
            let spec = SwarmFileSpec(
                name: wanted.object, labels: StackFiles.labels(wanted, namespace: stack.namespace, cluster: "live"),
                data: Data(try #require(values[wanted.name]).utf8).base64EncodedString())
            ids[wanted.kind, default: [:]][wanted.object] = try await client.createSwarmFile(StackFiles.swarmKind(wanted.kind), spec)
        }
        return ids
    }

    /// What `command` prints in the service's running task's container, once it prints `expected`.
    static func read(_ client: DockerClient, service: String, host: String, command: [String], expected: String) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        var last = ""
        while ContinuousClock.now < deadline {
            let tasks = try await client.tasks(service: service).filter { $0.desiredState == .running && $0.status.state == .running }
            for container in tasks.compactMap({ $0.status.containerStatus?.containerID }) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/docker")
                process.arguments = ["-H", host, "exec", container] + command
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                try process.run()
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                last = output
                if output == expected { return }
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw Failed(description: "\(command) did not print \(expected.debugDescription) within 120 s; last: \(last.debugDescription)")
    }

    @Test(
        "a service reads its secret and config at their targets, owner and mode; a new value is a new object, spec and task; unused objects go",
        .enabled(if: host != nil, "needs DROVER_TEST_SWARM_DOCKER_HOST, a dockerd it may put into swarm mode, and DROVER_TEST_REGISTRY"),
        .timeLimit(.minutes(5)))
    func liveStack() async throws {
        let host = try #require(Self.host)
        let image = (ProcessInfo.processInfo.environment["DROVER_TEST_REGISTRY"] ?? "127.0.0.1:5055") + "/drover/busybox:1"
        let client = try await DockerClient.connect(to: EngineEndpoint(parsing: host))
        // Whatever fails, the client is shut down (a client left open traps in debug builds).
        do {
            if try await client.info().swarm?.localNodeState != "inactive" { try await client.swarmLeave(force: true) }
            _ = try await client.swarmInit(SwarmInitRequest(advertiseAddr: ProcessInfo.processInfo.environment["DROVER_TEST_SWARM_ADVERTISE"]))
            try await Self.exercise(client, host: host, image: image)
        } catch {
            try? await client.swarmLeave(force: true)
            try await client.shutdown()
            throw error
        }
        try await client.swarmLeave(force: true)
        try await client.shutdown()
    }

    static func exercise(_ client: DockerClient, host: String, image: String) async throws {
        let first = stack(secret: "pw-one", config: "level=1", image: image)
        var spec = StackServices.spec("web", try #require(first.services["web"]), stack: first, cluster: "live")
        #expect(StackFiles.resolve(&spec, ids: try await keepObjects(client, first, values: ["db": "pw-one", "site": "level=1"])).isEmpty)
        let id = try await client.createService(spec, registryAuth: nil)
        try await read(client, service: id, host: host, command: ["cat", "/run/secrets/db", "/etc/site.conf"], expected: "pw-onelevel=1")
        try await read(client, service: id, host: host, command: ["stat", "-c", "%u %a", "/run/secrets/db"], expected: "1000 400\n")

        // A new secret value: a new object, a new spec hash, and a task that reads it.
        let second = stack(secret: "pw-two", config: "level=1", image: image)
        var next = StackServices.spec("web", try #require(second.services["web"]), stack: second, cluster: "live")
        #expect(next.labels?[StackServices.specHashLabel] != spec.labels?[StackServices.specHashLabel])
        #expect(StackFiles.resolve(&next, ids: try await keepObjects(client, second, values: ["db": "pw-two", "site": "level=1"])).isEmpty)
        let current = try #require(try await client.services(label: "\(ClusterTarget.clusterLabel)=live").first)
        try await client.updateService(id: id, version: current.version.index, spec: next, registryAuth: nil)
        try await read(client, service: id, host: host, command: ["cat", "/run/secrets/db", "/etc/site.conf"], expected: "pw-twolevel=1")

        // The old secret is kept while the previous spec (a rollback's) names it; the one in use
        // cannot be removed, and the swarm says so in words the leader recognises.
        let secrets = try await client.swarmFiles(.secret, label: "\(ClusterTarget.clusterLabel)=live")
        #expect(secrets.count == 2)
        let services = try await client.services(label: "\(ClusterTarget.clusterLabel)=live")
        let referenced = Set(services.flatMap { StackFiles.referenced($0.spec, kind: .secret) + StackFiles.referenced($0.previousSpec, kind: .secret) })
        let wanted = Set(StackFiles.wanted(second).map(\.object))
        #expect(StackFiles.removals(existing: secrets, wanted: wanted, referenced: referenced).isEmpty)
        let inUse = try #require(secrets.first { wanted.contains($0.spec.name) })
        let refused = await #expect(throws: DockerError.self) { try await client.removeSwarmFile(.secret, id: inUse.id) }
        #expect(refused?.isInUse == true, "\(String(describing: refused))")

        // Once no service names them, every object goes.
        try await client.removeService(id: id)
        for kind in AppFileKind.allCases {
            let objects = try await client.swarmFiles(StackFiles.swarmKind(kind), label: "\(ClusterTarget.clusterLabel)=live")
            for object in StackFiles.removals(existing: objects, wanted: [], referenced: []) {
                try await client.removeSwarmFile(StackFiles.swarmKind(kind), id: object.id)
            }
            #expect(try await client.swarmFiles(StackFiles.swarmKind(kind), label: "\(ClusterTarget.clusterLabel)=live").isEmpty)
        }
    }
}
