import DockerEngine
import DroverModel
import Foundation

/// The swarm leader's work: keeping the nodes' labels and roles as the server plans them,
/// the release running as a stack, and telling the server what it sees.
extension ClusterMember {

    /// Labels and roles as the server plans them; nodes of devices that left are removed.
    func keepNodes(_ target: ClusterTarget, nodes: [SwarmNode]) async {
        guard let plan = target.nodes else { return }
        let planned = Set(plan.values.map(\.device))
        for node in nodes {
            do {
                if let want = plan[node.id] {
                    var spec = node.spec
                    let role = SwarmNode.Role(rawValue: want.role.rawValue)
                    guard spec.labels ?? [:] != want.labels || spec.role != role else { continue }
                    spec.labels = want.labels
                    spec.role = role
                    try await engine.updateNode(id: node.id, version: node.version.index, spec: spec)
                } else if Self.departed(node, planned: planned) {
                    // A device that left the fleet, or a node no device claims that is down: a
                    // manager is demoted first, as a swarm removes only workers.
                    if node.spec.role == .manager {
                        var spec = node.spec
                        spec.role = .worker
                        try await engine.updateNode(id: node.id, version: node.version.index, spec: spec)
                    } else {
                        try await engine.removeNode(id: node.id, force: true)
                        logger.notice("removed node \(node.id): its device is not in the cluster")
                    }
                }
            } catch {
                note("updating node \(node.id) failed; will retry", error)
            }
        }
    }

    /// Whether a node the plan does not list is to go: its device left the fleet, or it is a
    /// down node that no device of the fleet claims (an old node of a device that joined again).
    static func departed(_ node: SwarmNode, planned: Set<String>) -> Bool {
        if let device = node.spec.labels?[ClusterTarget.deviceLabel], !planned.contains(device) { return true }
        return node.status.state == .down
    }

    /// The release as a stack: networks, secrets and configs, then services created, updated
    /// or removed, then the secrets and configs no service uses any more.
    func keepStack(_ target: ClusterTarget) async {
        guard let stack = target.stack else { return }
        await keepNetworks(stack, cluster: target.id)
        let existing: [SwarmService]
        do {
            existing = try await engine.services(label: "\(ClusterTarget.clusterLabel)=\(target.id)")
        } catch {
            note("listing the stack's services failed", error)
            return
        }
        guard let files = await clusterFiles(cluster: target.id) else { return }
        let fileIDs = await keepFiles(stack, cluster: target.id, existing: files)
        var byName: [String: SwarmService] = [:]
        for service in existing {
            if let name = service.spec.labels?[StackServices.serviceLabel] { byName[name] = service }
        }
        for (name, service) in stack.services.sorted(by: { $0.key < $1.key }) {
            var spec = StackServices.spec(name, service, stack: stack, cluster: target.id)
            let hash = spec.labels?[StackServices.specHashLabel] ?? ""
            var remembered = memory[name] ?? StackPlan.Memory()
            // A service whose secrets or configs the swarm does not have yet keeps its current
            // spec; the server hears what it waits for.
            let absent = StackFiles.resolve(&spec, ids: fileIDs)
            if let waiting = StackFiles.waiting(service, stack: stack) ?? (absent.isEmpty ? nil : "waits for swarm objects \(absent.joined(separator: ", "))") {
                remembered.deployError = waiting
                memory[name] = remembered
                continue
            }
            let existing = byName[name]
            let current = existing.map { service in
                StackPlan.Current(
                    hash: service.spec.labels?[StackServices.specHashLabel], release: service.spec.labels?[StackServices.releaseLabel],
                    rolledBack: service.updateStatus?.state?.rawValue.hasPrefix("rollback") == true)
            }
            let due = credentialsSent[name].map { ContinuousClock.now - $0 >= Self.authRefresh } ?? true
            let action = StackPlan.action(hash: hash, release: stack.release, current: current, memory: remembered, credentialsDue: due)
            do {
                switch (action, existing) {
                case (.create, _):
                    _ = try await engine.createService(spec, registryAuth: await registryAuth?(service.image ?? ""))
                    credentialsSent[name] = .now
                    logger.notice("created service \(spec.name ?? name) of release \(stack.release)")
                case (.update, let current?):
                    let auth = await registryAuth?(service.image ?? "")
                    try await engine.updateService(id: current.id, version: current.version.index, spec: spec, registryAuth: auth)
                    credentialsSent[name] = .now
                    logger.notice("updated service \(spec.name ?? name) to release \(stack.release)")
                case (.relabel, let current?):
                    try await engine.updateService(id: current.id, version: current.version.index, spec: spec, registryAuth: nil)
                case (.renewCredentials, let current?):
                    // The swarm keeps the credentials of the last write for the nodes that pull
                    // later (a task moved after its node died); registry tokens expire, so they
                    // are handed over again, which restarts nothing.
                    if let auth = await registryAuth?(service.image ?? "") {
                        try await engine.updateService(id: current.id, version: current.version.index, spec: spec, registryAuth: auth)
                    }
                    credentialsSent[name] = .now
                case (.keepRolledBack, _):
                    if remembered.rolledBackFrom == nil {
                        logger.notice("the swarm rolled service \(spec.name ?? name) back from release \(stack.release)")
                    }
                    remembered.rolledBackFrom = stack.release
                default:
                    break
                }
                if action != .keepRolledBack {
                    remembered.applied = hash
                    remembered.rolledBackFrom = nil
                }
                remembered.deployError = nil
            } catch {
                // The next round reads the service again; meanwhile the server hears why.
                remembered.deployError = "\(error)"
                note("deploying service \(name) failed; will retry", error)
            }
            memory[name] = remembered
        }
        let gone = StackPlan.removals(
            existing: byName.mapValues { $0.spec.labels?[StackServices.namespaceLabel] }, release: Set(stack.services.keys), namespace: stack.namespace)
        for name in gone {
            guard let service = byName[name] else { continue }
            memory[name] = nil
            do {
                try await engine.removeService(id: service.id)
                logger.notice("removed service \(service.spec.name ?? name): not in release \(stack.release)")
            } catch {
                note("removing service \(name) failed; will retry", error)
            }
        }
        await removeUnusedFiles(stack, existing: files, services: existing)
    }

    private func keepNetworks(_ stack: ClusterTarget.Stack, cluster: String) async {
        guard let networks = stack.networks, !networks.isEmpty else { return }
        let existing: Set<String>
        do {
            existing = Set(try await engine.listNetworks().map(\.name))
        } catch {
            return
        }
        for (network, spec) in networks.sorted(by: { $0.key < $1.key }) where spec.external != true {
            let name = StackServices.networkName(network, namespace: stack.namespace, spec: spec)
            guard !existing.contains(name) else { continue }
            var labels = spec.labels ?? [:]
            labels[StackServices.namespaceLabel] = stack.namespace
            labels[ClusterTarget.clusterLabel] = cluster
            var create = NetworkCreate(name: name)
            create.driver = spec.driver ?? "overlay"
            create.options = spec.driverOpts
            create.labels = labels
            create.internal = spec.internal
            create.attachable = spec.attachable
            create.enableIPv6 = spec.enableIPv6
            create.ipam = spec.engineIPAM
            do {
                _ = try await engine.createNetwork(create)
            } catch {
                note("creating network \(name) failed; will retry", error)
            }
        }
    }

    /// What this manager sees: the nodes, and the stack's services with their tasks.
    func observe(_ target: ClusterTarget, nodes: [SwarmNode]) async -> API.ClusterObservation? {
        let observed = nodes.map { node in
            var view = API.ObservedNode(
                id: node.id, device: node.spec.labels?[ClusterTarget.deviceLabel], role: node.spec.role?.rawValue ?? "worker",
                state: node.status.state.rawValue, availability: node.spec.availability?.rawValue ?? "active")
            view.reachability = node.managerStatus?.reachability?.rawValue
            view.leader = node.managerStatus?.leader
            view.address = node.status.addr
            view.engineVersion = node.description?.engine?.engineVersion
            view.architecture = node.description?.platform?.architecture.map(Self.architecture)
            view.labels = node.spec.labels
            return view
        }
        var services: [API.ClusterService] = []
        // A view with a part missing would read as news (every task gone, or back): none is sent.
        let list: [SwarmService]
        let tasks: [SwarmTask]
        do {
            list = try await engine.services(label: "\(ClusterTarget.clusterLabel)=\(target.id)")
            tasks = try await engine.tasks()
        } catch {
            note("reading the stack's services failed", error)
            return nil
        }
        for service in list {
            let own = tasks.filter { $0.serviceID == service.id }
            var view = Self.observed(service, tasks: own)
            // Why the swarm rolls back is said while it starts to (the message then becomes
            // "rollback completed"), and by the task that failed.
            var remembered = memory[view.name] ?? StackPlan.Memory()
            if view.updateState == "rollback_started" || view.updateState == "rollback_paused", let message = view.updateMessage {
                remembered.rollbackReason = message
            }
            if view.updateState?.hasPrefix("rollback") == true {
                if view.rolledBackFrom == nil { view.rolledBackFrom = remembered.rolledBackFrom }
                let failed = own.filter { $0.status.state.rawValue == "failed" }.max { ($0.status.timestamp ?? "") < ($1.status.timestamp ?? "") }
                let reasons = [remembered.rollbackReason, failed?.status.err.map { "a task failed: \($0)" }].compactMap { $0 }
                if !reasons.isEmpty { view.updateMessage = reasons.joined(separator: "; ") }
            } else {
                remembered.rollbackReason = nil
            }
            view.deployError = remembered.deployError
            memory[view.name] = remembered
            services.append(view)
        }
        return API.ClusterObservation(quorum: true, nodes: observed.sorted { $0.id < $1.id }, services: services.sorted { $0.name < $1.name })
    }

    static func observed(_ service: SwarmService, tasks: [SwarmTask]) -> API.ClusterService {
        let spec = service.spec
        let state = service.updateStatus?.state?.rawValue
        let meant = tasks.filter { $0.desiredState.rawValue == "running" }
        var view = API.ClusterService(
            name: spec.labels?[StackServices.serviceLabel] ?? spec.name ?? service.id, release: spec.labels?[StackServices.releaseLabel],
            mode: spec.mode?.global != nil ? "global" : "replicated",
            desired: Int(clamping: service.serviceStatus?.desiredTasks ?? spec.mode?.replicated?.replicas ?? 0),
            running: Int(clamping: service.serviceStatus?.runningTasks ?? UInt64(meant.filter { $0.status.state.rawValue == "running" }.count)),
            image: spec.taskTemplate.containerSpec?.image, updateState: state, updateMessage: service.updateStatus?.message,
            tasks: meant.sorted { ($0.slot ?? 0, $0.id) < ($1.slot ?? 0, $1.id) }.map { task in
                let running = task.status.state.rawValue == "running"
                return API.ClusterTask(
                    nodeID: task.nodeID, slot: task.slot, state: task.status.state.rawValue,
                    message: running ? nil : (task.status.err ?? task.status.message), release: spec.labels?[StackServices.releaseLabel],
                    since: task.status.timestamp.flatMap { try? EngineTimestamp.date(from: $0) }.map(\.timeIntervalSince1970))
            })
        if state?.hasPrefix("rollback") == true { view.rolledBackFrom = service.previousSpec?.labels?[StackServices.releaseLabel] }
        return view
    }

    /// Swarm's `x86_64`/`aarch64` as Drover's and Go's `amd64`/`arm64`.
    static func architecture(_ machine: String) -> String {
        switch machine {
        case "x86_64": "amd64"
        case "aarch64": "arm64"
        case "armv7l", "armv6l": "arm"
        default: machine
        }
    }
}
