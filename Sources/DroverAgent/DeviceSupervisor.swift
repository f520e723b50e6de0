import DockerEngine
import DroverClient
import DroverModel
import Foundation
import Logging

/// The device agent's daemon (`drover-agent run`): enrols once, then in rounds fetches its
/// target from the server, converges the engine on it, reports what runs, and ships container
/// logs. With the server away it keeps running — and re-converging — the last target it
/// saved, also across its own restarts, and catches up when the link returns.
///
/// It wires five parts: the ``ServerLink`` (target, reports, backoff), the ``DeviceChannel``
/// (the server's notices), ``AppConvergence`` (each app's rollout), the ``LogShipper`` and
/// the ``MetricShipper``.
public actor DeviceSupervisor {
    let config: AgentConfig
    let logger: Logger
    let state: StateDirectory

    /// Creates a supervisor.
    public init(config: AgentConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.state = StateDirectory(path: config.stateDir)
    }

    /// Runs until the task is cancelled.
    public func run() async throws {
        let engine = try await connectEngine()
        defer { Task { try? await engine.shutdown() } }
        let platform = await Self.platform(of: engine, logger: logger)
        let credentials = try await ServerLink.enrol(config: config, state: state, platform: platform, logger: logger)
        var logger = self.logger
        logger[metadataKey: "device"] = "\(credentials.uuid)"
        let api = DroverAPIClient(server: config.server, credential: credentials.apiKey)
        defer { Task { try? await api.shutdown() } }
        var options = Reconciler.Options()
        options.runtimeRoot = URL(fileURLWithPath: config.stateDir).standardizedFileURL.path + "/apps"
        options.registryAuth = { [logger] image in
            // Without an answer the engine pulls anonymously: an open registry still works, and
            // a closed one says so in the pull's own error.
            do {
                return try await api.pullAuth(image: image).registryAuth
            } catch {
                logger.info("no registry credentials for the pull", metadata: ["image": "\(image)", "error": "\(error)"])
                return nil
            }
        }
        options.files = AppFileVault(root: config.secretsDir.map { "\($0)/\(credentials.uuid)" } ?? AppFileVault.defaultRoot(device: credentials.uuid)) {
            try await api.deviceFiles().files
        }
        let reconciler = Reconciler(engine: engine, device: DeviceIdentity(id: credentials.uuid), logger: logger, options: options)
        let liveLogs = LiveLogFeed()
        let logs = LogShipper(
            api: api, engine: engine, state: state, capBytes: config.logBufferBytes ?? 50_000_000, logger: logger, live: liveLogs)
        await logs.restore()
        let settings = DeviceSettings()
        let sessions = DeviceSessions(engine: engine, device: credentials.uuid, liveLogs: liveLogs, settings: settings, logger: logger)
        let channel = DeviceChannel(server: config.server, credential: credentials.apiKey, logger: logger, sessions: sessions)
        let channelling = Task { await channel.run() }
        defer { channelling.cancel() }
        let link = ServerLink(
            api: api, state: state, poll: config.effectivePollInterval, logger: logger, channel: channel, platform: platform.description,
            dropped: { await logs.takeDropped() })
        let apps = AppConvergence(reconciler: reconciler, state: state, logger: logger)
        let shipping = Task { await logs.ship() }
        defer {
            shipping.cancel()
            Task { await logs.stop() }
        }
        let sampler = MetricSampler(engine: engine, device: DeviceIdentity(id: credentials.uuid), stateDirectory: config.stateDir, logger: logger)
        let metrics = MetricShipper(api: api, sampler: sampler, state: state, capBytes: config.metricBufferBytes ?? 10_000_000, logger: logger)
        await metrics.configure(await link.target?.config)
        settings.set(await link.target?.config)
        // A fleet in cluster mode: this device's node of the swarm, on a loop of its own.
        let member = ClusterMember(engine: engine, api: api, state: state, logger: logger, registryAuth: options.registryAuth)
        let membering = Task { await member.run { await link.target?.cluster } }
        defer { membering.cancel() }
        let sampling = Task { await metrics.sample() }
        let sendingMetrics = Task { await metrics.ship() }
        defer {
            sampling.cancel()
            sendingMetrics.cancel()
        }

        // Run what was last asked for before waiting on the server: after a power cut the
        // device's apps come back even if the server is away or has nothing new to say.
        if await link.target != nil { _ = await round(apps: apps, link: link, logs: logs) }
        while !Task.isCancelled {
            await link.refresh(attentive: await apps.attentive)
            settings.set(await link.target?.config)
            // Converge also offline: this heals drift and restarts.
            let report = await round(apps: apps, link: link, logs: logs)
            await metrics.configure(await link.target?.config)
            if await link.online { await link.send(await link.annotated(report)) }
            await link.pause(attentive: await apps.attentive)
        }
    }

    /// One convergence of the whole target; while an update runs, the server hears its
    /// phase (downloading, then installing), one report per change.
    private func round(apps: AppConvergence, link: ServerLink, logs: LogShipper) async -> API.StateReport {
        let (phases, sink) = AsyncStream<(API.DeviceStatus, API.Rollout?)>.makeStream()
        let reporter = Task {
            var last: API.DeviceStatus?
            for await (phase, rollout) in phases where phase != last {
                last = phase
                await link.sendPhase(phase, rollout: rollout)
            }
        }
        let round = await apps.converge(await link.target) { phase, rollout in _ = sink.yield((phase, rollout)) }
        sink.finish()
        await reporter.value
        await logs.follow(round.statuses)
        return round.report
    }

    private func connectEngine() async throws -> DockerClient {
        let endpoint: EngineEndpoint =
            if let engine = config.engine { try EngineEndpoint(parsing: engine) } else {
                try EngineEndpoint.fromEnvironment(ProcessInfo.processInfo.environment)
            }
        var attempt = 0
        while true {
            do {
                return try await DockerClient.connect(to: endpoint, logger: logger)
            } catch {
                attempt += 1
                logger.info("engine not reachable yet", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .seconds(min(30, Double(attempt))))
            }
        }
    }

    /// The platform the engine runs (what it pulls), from its `/info`; the agent's own
    /// architecture when the engine does not say.
    static func platform(of engine: DockerClient, logger: Logger) async -> Platform {
        do {
            let info = try await engine.info()
            if let machine = info.architecture, !machine.isEmpty { return Platform(engineOS: info.osType ?? "linux", machine: machine) }
        } catch {
            logger.info("the engine did not say its platform; using the agent's", metadata: ["error": "\(error)"])
        }
        return Platform(os: "linux", architecture: architecture)
    }

    static var architecture: String {
        #if arch(arm64)
            "arm64"
        #elseif arch(arm)
            "arm"
        #else
            "amd64"
        #endif
    }
}
