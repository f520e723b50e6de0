import DockerEngine
import DroverAgent
import DroverModel
import Foundation
import Testing

/// The real engine of `TestEnvironment.engine` for one test, and the devices the test made on
/// it: everything labelled with one of their ids is removed when the test ends.
public actor TestEngine {
    /// The engine client; shut down when the test ends.
    public nonisolated let client: DockerClient
    /// The engine's address, as agents are configured with it.
    public nonisolated let dockerHost: String
    private var devices: Set<String> = []
    private var containers: Set<String> = []

    init(client: DockerClient, dockerHost: String) {
        self.client = client
        self.dockerHost = dockerHost
    }

    /// The registry holding the test images.
    public static var registry: String { TestEnvironment.registry }

    /// The busybox test image with `tag` (1 or 2) in the test registry.
    public static func image(_ tag: Int) -> String { "\(registry)/drover/busybox:\(tag)" }

    /// The engine of the running test, set by the `.testEngine` trait.
    @TaskLocal public static var current: TestEngine?

    /// The engine of the running test; throws outside a test with the `.testEngine` trait.
    public static func scoped() throws -> TestEngine {
        guard let current else { throw EngineUnavailable() }
        return current
    }

    /// A fresh device id, so tests never see each other's containers; removed at the end.
    public func device(_ name: String) -> DeviceIdentity {
        let device = DeviceIdentity(id: "\(name)\(UInt32.random(in: 0...UInt32.max))")
        devices.insert(device.id)
        return device
    }

    /// A device made elsewhere (enrolled by an agent) whose objects go at the end too.
    public func track(_ id: String) {
        devices.insert(id)
    }

    /// A container made without a device label (one Drover must leave alone) to remove at the end.
    public func track(container id: String) {
        containers.insert(id)
    }

    /// Removes the tracked containers, and the containers, networks and volumes labelled with
    /// a tracked device's id. Best effort: a cleanup failure must not hide the test's own result.
    public func removeEverything() async {
        for id in containers.sorted() { try? await client.removeContainer(id, force: true) }
        for device in devices.sorted() {
            let filter = ["label": ["\(DroverLabel.device)=\(device)"]]
            for container in (try? await client.listContainers(all: true, filters: filter)) ?? [] {
                try? await client.removeContainer(container.id, force: true)
            }
            for network in (try? await client.listNetworks(filters: filter)) ?? [] {
                try? await client.removeNetwork(network.id)
            }
            for volume in (try? await client.listVolumes(filters: filter)) ?? [] {
                try? await client.removeVolume(volume.name, force: true)
            }
        }
    }

    /// A new empty directory under the temporary directory.
    public static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "drover-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An app target parsed from a compose document.
    public static func target(_ yaml: String, release: String = "r1", directory: String? = nil) throws -> AppTarget {
        AppTarget(release: release, app: try ComposeParser(baseDirectory: directory).parse(yaml).app)
    }
}

/// Thrown when a test asks for the engine without having one.
public struct EngineUnavailable: Error, CustomStringConvertible {
    /// Why.
    public var description: String {
        switch TestEnvironment.engine {
        case .available: "this test has no engine: add the .testEngine trait to it or its suite"
        case .missing(let reason): reason
        }
    }
}

/// Runs `body` with a client of the test engine, and always removes what its devices left on
/// the engine and shuts the client down afterwards, also when `body` throws.
public func withTestEngine<Result>(_ body: (TestEngine) async throws -> Result) async throws -> Result {
    guard let host = TestEnvironment.dockerHost else { throw EngineUnavailable() }
    let engine = TestEngine(client: try await DockerClient.connect(to: try EngineEndpoint(parsing: host)), dockerHost: host)
    do {
        let result = try await body(engine)
        await engine.removeEverything()
        try await engine.client.shutdown()
        return result
    } catch {
        await engine.removeEverything()
        try? await engine.client.shutdown()
        throw error
    }
}

/// Gives each test a `TestEngine.current` and cleans up after it (see `withTestEngine`).
public struct TestEngineTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applies to every test of a suite it is given to.
    public var isRecursive: Bool { true }

    /// One engine scope per test case, none around a suite or a whole parameterised test.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite || testCase == nil ? nil : self
    }

    /// Runs the test inside `withTestEngine`.
    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTestEngine { engine in
            try await TestEngine.$current.withValue(engine) { try await function() }
        }
    }
}

extension Trait where Self == TestEngineTrait {
    /// Each test gets the real engine as `TestEngine.scoped()`, and whatever its devices made
    /// on it is removed afterwards. Pair it with `.needsEngine`.
    public static var testEngine: Self { TestEngineTrait() }
}
