import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import Foundation
import Logging

/// A live server, an API client with the admin token and the test engine for one scenario;
/// whatever the scenario does, its agents are cancelled, what its devices made on the engine
/// is removed, and everything is shut down after.
public enum LiveRig {
    /// Creates `fleet` and a provisioning key for it; returns the key.
    public static func fleetWithKey(_ fleet: String, api: DroverAPIClient) async throws -> String? {
        _ = try await api.createFleet(name: fleet)
        return try await api.createKey(fleet: fleet, API.CreateKey()).key
    }

    /// Runs `scenario` with a started server (with the device channel when `channel`), an
    /// admin client, the engine and a set of agents.
    public static func run(
        channel: Bool = false, registry: Bool = false, _ scenario: (LiveServer, DroverAPIClient, DockerClient, AgentTasks) async throws -> Void
    ) async throws {
        try await withTestEngine { engine in
            try await withLiveServer(channel: channel, registry: registry) { server in
                let api = await server.adminClient()
                let agents = AgentTasks()
                var failure: (any Error)?
                do {
                    try await scenario(server, api, engine.client, agents)
                } catch {
                    failure = error
                }
                await agents.cancelAll()
                // The devices to clean: those the server lists (it may have been stopped by a
                // failed scenario) and those whose agents the rig started.
                do {
                    for device in try await api.call([API.Device].self, .GET, "/v1/devices") { await engine.track(device.uuid) }
                } catch {
                    failure = failure ?? error
                }
                do {
                    for id in try await agents.devices() { await engine.track(id) }
                } catch {
                    failure = failure ?? error
                }
                await agents.removeStateDirectories()
                try? await api.shutdown()
                if let failure { throw failure }
            }
        }
    }
}

/// The agents a test started, cancelled together.
public actor AgentTasks {
    private var tasks: [Task<Void, any Error>] = []
    private var stateDirectories: [String] = []
    /// Where ``start(_:server:key:logger:)`` puts its agents' state; removed at the end.
    private let root = NSTemporaryDirectory() + "drover-agents-\(UUID().uuidString.prefix(8))"
    /// The tmpfs directory where those agents keep the values of secrets and configs.
    public nonisolated let secretsRoot = "/dev/shm/drover-test-\(UUID().uuidString.prefix(8))"

    /// An empty set.
    public init() {}

    /// Adds an agent task to cancel at the end.
    public func add(_ task: Task<Void, any Error>) { tasks.append(task) }

    /// Starts a device supervisor with `config`; its state directory tells the rig which
    /// device it became, so its containers go at the end even if the server forgot it.
    public func start(_ config: AgentConfig, logger: Logger) {
        stateDirectories.append(config.stateDir)
        let supervisor = DeviceSupervisor(config: config, logger: logger)
        tasks.append(Task { try await supervisor.run() })
    }

    /// Starts an agent named `name` that enrols with `key` at `server`, polling every 2 s, its
    /// state in a directory of the rig's own.
    public func start(_ name: String, server: LiveServer, key: String?, logger: Logger) {
        var config = AgentConfig(
            server: server.url, provisioningKey: key, deviceName: name, engine: TestEnvironment.dockerHost, stateDir: stateDirectory(name),
            pollInterval: 2)
        config.secretsDir = secretsRoot
        start(config, logger: logger)
    }

    /// The state directory of the agent named `name` started by ``start(_:server:key:logger:)``.
    public nonisolated func stateDirectory(_ name: String) -> String { "\(root)/\(name)" }

    /// Removes the state directories of the agents ``start(_:server:key:logger:)`` made.
    func removeStateDirectories() {
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: secretsRoot)
    }

    /// Cancels every agent.
    public func cancelAll() {
        for task in tasks { task.cancel() }
        tasks.removeAll()
    }

    /// The device ids of the agents started with `start` that enrolled.
    func devices() throws -> [String] {
        struct Identity: Decodable { var uuid: String }
        return try stateDirectories.compactMap { directory in
            guard let data = FileManager.default.contents(atPath: directory + "/identity.json") else { return nil }
            return try JSONDecoder().decode(Identity.self, from: data).uuid
        }
    }
}
