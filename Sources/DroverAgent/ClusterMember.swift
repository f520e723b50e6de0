import DockerEngine
import DroverClient
import DroverModel
import Foundation
import Logging

/// The device's part in a cluster (a Docker Swarm formed from its fleet), on a loop of its own
/// beside the app rounds: it forms the swarm (the first manager) or joins it with the token
/// its target carries, and leaves it when the target no longer names it. A manager also
/// keeps the fleet's release running as a stack, keeps the nodes' labels and roles as the
/// server plans them, removes the nodes of devices that left, and tells the server what it
/// sees of the whole swarm. Drover schedules nothing itself: placement, rescheduling and
/// rolling updates are Swarm's.
public actor ClusterMember {
    let engine: DockerClient
    let api: DroverAPIClient
    let state: StateDirectory
    let logger: Logger
    let registryAuth: (@Sendable (String) async -> String?)?
    private var lastSent: API.ClusterMemberReport?
    private var lastSentAt = ContinuousClock.now
    private var lastError: String?
    /// What this manager remembers of each service of the stack, by compose name.
    var memory: [String: StackPlan.Memory] = [:]
    /// When each service's pull credentials were last handed to the swarm.
    var credentialsSent: [String: ContinuousClock.Instant] = [:]
    /// How often a service's pull credentials are handed to the swarm again (registry tokens
    /// live 30 minutes).
    static let authRefresh: Duration = .seconds(600)

    /// How often a manager looks at the swarm; a worker, at its own node.
    static let managerInterval: Duration = .seconds(1)
    static let workerInterval: Duration = .seconds(3)
    /// How often a device in no cluster looks at its target for one.
    static let idleInterval: Duration = .seconds(1)
    /// A report that did not change is sent again after this long, so the server knows the
    /// view is current.
    static let resendInterval: Duration = .seconds(15)

    /// Creates a member.
    public init(
        engine: DockerClient, api: DroverAPIClient, state: StateDirectory, logger: Logger, registryAuth: (@Sendable (String) async -> String?)?
    ) {
        self.engine = engine
        self.api = api
        self.state = state
        self.logger = logger
        self.registryAuth = registryAuth
    }

    /// Runs until cancelled, reading the current target's cluster part each time round.
    public func run(target: @escaping @Sendable () async -> ClusterTarget?) async {
        while !Task.isCancelled {
            let pause = await round(await target())
            try? await Task.sleep(for: pause)
        }
    }

    /// One look at the engine's swarm and what the target asks; how long to wait until the next.
    func round(_ target: ClusterTarget?) async -> Duration {
        // Most devices are in no cluster: the in-memory target says so without asking the engine.
        if target == nil, membership() == nil { return Self.idleInterval }
        let info: EngineInfo
        do {
            info = try await engine.info()
        } catch {
            note("the engine did not answer", error)
            return Self.workerInterval
        }
        let local = info.swarm?.localNodeState ?? "inactive"
        let joined = membership()
        guard let target else {
            // Left the fleet's cluster (or the cluster was dissolved): leave a swarm Drover joined.
            if local != "inactive", joined != nil { await leave("the device is no longer in a cluster") }
            return Self.workerInterval
        }
        if local != "inactive", let joined, joined != target.id {
            await leave("the device's fleet is now in cluster \(target.name)")
            return Self.workerInterval
        }
        if local == "error", joined != nil {
            // Removed from the swarm while it was away, or a join that went wrong: start afresh.
            await leave("the engine's swarm state is error: \(info.swarm?.error ?? "no reason given")")
            return Self.workerInterval
        }
        if local == "inactive" {
            await enter(target)
            await send(report(target, info: try? await engine.info()))
            return Self.workerInterval
        }
        if joined == nil {
            // An engine in a swarm that this agent did not join: its own, or one it formed or
            // joined before its state directory was lost. Adopt it only when it is this cluster's.
            guard await isOurs(target, info: info) else {
                var report = report(target, info: info)
                report.error = "the engine is in a swarm that Drover did not form; leave it ('docker swarm leave') to join cluster \(target.name)"
                await send(report)
                return Self.workerInterval * 3
            }
            remember(target.id)
        }
        var report = report(target, info: info)
        guard info.swarm?.controlAvailable == true else {
            await send(report)
            return Self.workerInterval
        }
        if target.initialize == true {
            do {
                let tokens = try await engine.swarmInspect().joinTokens
                report.tokens = tokens.map { API.ClusterJoinTokens(worker: $0.worker, manager: $0.manager) }
            } catch {
                note("reading the join tokens failed", error)
            }
        }
        // One manager writes: the swarm's leader. The others only say so when they see no
        // leader at all (the managers lost their majority).
        let nodes: [SwarmNode]
        do {
            nodes = try await engine.nodes()
        } catch {
            if error.isNoLeader { report.observation = API.ClusterObservation(quorum: false, error: error.message, nodes: [], services: []) }
            await send(report)
            return Self.managerInterval
        }
        guard nodes.first(where: { $0.id == info.swarm?.nodeID })?.managerStatus?.leader == true else {
            await send(report)
            return Self.managerInterval
        }
        await keepNodes(target, nodes: nodes)
        await keepStack(target)
        report.observation = await observe(target, nodes: nodes)
        await send(report)
        return Self.managerInterval
    }

    // MARK: - Membership

    private func enter(_ target: ClusterTarget) async {
        do {
            if target.initialize == true {
                var spec = SwarmSpec(labels: [ClusterTarget.clusterLabel: target.id])
                if let heartbeat = target.heartbeat { spec.dispatcher = SwarmSpec.Dispatcher(heartbeatPeriod: heartbeat) }
                let node = try await engine.swarmInit(SwarmInitRequest(advertiseAddr: target.advertiseAddress, spec: spec))
                remember(target.id)
                logger.notice("formed the swarm of cluster \(target.name)", metadata: ["node": "\(node)"])
            } else if let join = target.join {
                // The engine tries only the first address it is given: each manager in turn.
                var failure: (any Error)?
                for manager in join.managers {
                    do {
                        try await engine.swarmJoin(
                            SwarmJoinRequest(advertiseAddr: target.advertiseAddress, remoteAddrs: [manager], joinToken: join.token))
                        failure = nil
                        break
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
                remember(target.id)
                logger.notice("joined the swarm of cluster \(target.name) as \(target.role.rawValue)")
            }
            lastError = nil
        } catch {
            note("entering the swarm of cluster \(target.name) failed; will retry", error)
            lastError = "\(error)"
        }
    }

    private func leave(_ why: String) async {
        do {
            try await engine.swarmLeave(force: true)
            logger.notice("left the swarm: \(why)")
        } catch {
            note("leaving the swarm failed; will retry", error)
            return
        }
        forget()
    }

    private func isOurs(_ target: ClusterTarget, info: EngineInfo) async -> Bool {
        if info.swarm?.controlAvailable == true, let swarm = try? await engine.swarmInspect() {
            return swarm.spec.labels?[ClusterTarget.clusterLabel] == target.id
        }
        let remote = Set((info.swarm?.remoteManagers ?? []).map(\.addr))
        return !remote.isDisjoint(with: target.join?.managers ?? [])
    }

    private struct Membership: Codable {
        var cluster: String?
    }

    /// The cluster whose swarm this agent formed or joined, kept in the state directory so
    /// that it leaves only a swarm it entered.
    private func membership() -> String? {
        guard let data = try? state.read("cluster.json") else { return nil }
        return (try? JSONDecoder().decode(Membership.self, from: data))?.cluster
    }

    private func remember(_ cluster: String?) {
        do {
            try state.write("cluster.json", try JSONEncoder().encode(Membership(cluster: cluster)))
        } catch {
            logger.warning("saving the cluster membership failed", metadata: ["error": "\(error)"])
        }
    }

    private func forget() { remember(nil) }

    // MARK: - What the node says

    private func report(_ target: ClusterTarget, info: EngineInfo?) -> API.ClusterMemberReport {
        let swarm = info?.swarm
        var report = API.ClusterMemberReport(
            cluster: target.id, nodeID: swarm?.nodeID.flatMap { $0.isEmpty ? nil : $0 }, state: swarm?.localNodeState ?? "inactive",
            manager: swarm?.controlAvailable, address: swarm?.nodeAddr.flatMap { $0.isEmpty ? nil : $0 },
            error: swarm?.error.flatMap { $0.isEmpty ? nil : $0 } ?? lastError)
        report.ipvs = Self.hasIPVS
        report.engineVersion = info?.serverVersion
        return report
    }

    /// Whether the kernel has IPVS, which Swarm's ingress routing mesh and VIPs need.
    static var hasIPVS: Bool {
        FileManager.default.fileExists(atPath: "/proc/net/ip_vs") || FileManager.default.fileExists(atPath: "/sys/module/ip_vs")
    }

    private func send(_ report: API.ClusterMemberReport) async {
        guard report != lastSent || ContinuousClock.now - lastSentAt > Self.resendInterval else { return }
        do {
            try await api.clusterReport(report)
            lastSent = report
            lastSentAt = .now
        } catch {
            note("telling the server about the swarm failed; will retry", error)
        }
    }

    func note(_ message: String, _ error: any Error) {
        logger.info("\(message)", metadata: ["error": "\(error)"])
    }
}
