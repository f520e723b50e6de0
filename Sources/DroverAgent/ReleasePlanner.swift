import DroverModel

/// The planner: a pure function from what the engine holds and what the app should be to the
/// steps that move one towards the other. No I/O; the executor calls it again after every
/// round of steps, so each plan only names steps whose prerequisites already hold.
public struct ReleasePlanner: Sendable {
    /// Options that shape a plan.
    public struct Options: Sendable, Equatable {
        /// Remove the app's named volumes when the app is removed.
        public var removeVolumes: Bool
        /// Apply the update even while a service holds the update lock (`drover device update --force`).
        public var force: Bool
        /// Creates options.
        public init(removeVolumes: Bool = false, force: Bool = false) {
            self.removeVolumes = removeVolumes
            self.force = force
        }
    }

    /// The device.
    public var device: DeviceIdentity
    /// The app.
    public var app: String
    /// Options.
    public var options: Options

    /// Creates a planner.
    public init(device: DeviceIdentity, app: String, options: Options = Options()) {
        self.device = device
        self.app = app
        self.options = options
    }

    /// Plans the next steps. A nil target means the app is to be removed.
    public func plan(current snapshot: EngineSnapshot, target: AppTarget?) -> Plan {
        // A container the engine is already removing is the engine's business: it runs nothing
        // and must not hold back its replacement (a removal can hang after an engine restart).
        var current = snapshot
        current.containers.removeAll { $0.state == .removing }
        let names = EngineNames(device: device, app: app)
        guard let target else { return planRemoval(current: current) }
        var plan = Plan()

        let locks = options.force ? [] : current.locks
        var deferred = false

        // A network whose settings changed is made again: first its containers go, then the
        // network, then it is created anew and the services' containers with it.
        // Its steps follow the pulls.
        var networkPlan = Plan()
        let (readyNetworks, evicted) = planNetworks(current: current, target: target, names: names, locks: locks, plan: &networkPlan, deferred: &deferred)
        var byService: [String: [ObservedContainer]] = [:]
        for container in current.containers where !evicted.contains(container.id) { byService[container.service, default: []].append(container) }

        // Services whose old container must go before their image is fetched
        // (kill-then-download, delete-then-download) hold back that image's pull.
        // With replicas, only until the first replica's old container has gone.
        var killFirst: Set<String> = []
        for (service, spec) in target.services {
            let strategy = spec.updatePolicy.strategy
            guard strategy == .killThenDownload || strategy == .deleteThenDownload, let image = spec.image, current.images[image] == nil else { continue }
            let containers = byService[service] ?? []
            if !containers.isEmpty && ReplicaSet(containers: containers, count: spec.replicaCount, matches: { _ in false }).allPresent {
                killFirst.insert(image)
            }
        }

        // Images: by default every image is present before anything is stopped.
        let references = Set(target.services.values.compactMap(\.image))
        let missing = references.subtracting(current.images.keys)
        for reference in missing.sorted() where !killFirst.contains(reference) {
            let platform = target.services.values.first(where: { $0.image == reference })?.platform
            plan.steps.append(.pullImage(reference: reference, platform: platform))
        }
        let allImagesPresent = missing.isEmpty
        plan.steps += networkPlan.steps
        plan.blocked += networkPlan.blocked

        var readyVolumes: Set<String> = []
        for (name, spec) in (target.volumes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let engineName = names.volume(name, spec)
            if spec.external == true {
                if current.externalResources.contains(engineName) {
                    readyVolumes.insert(name)
                } else {
                    plan.blocked.append("external volume '\(engineName)' does not exist; create it on the device first")
                }
            } else if current.volumes.contains(where: { $0.engineName == engineName }) {
                readyVolumes.insert(name)
            } else {
                plan.steps.append(.createVolume(name: name, engineName: engineName))
            }
        }

        // Containers, service by service in dependency order; a service's replicas one by one.
        var satisfying: [String: [ObservedContainer]] = [:]  // per service, each replica's container that satisfies its target
        let stopped = Set(target.stopped ?? [])
        for service in target.startOrder() {
            guard let spec = target.services[service] else { continue }
            let policy = spec.updatePolicy
            let hash = target.configHash(of: service)
            let imageID = spec.image.flatMap { current.images[$0] }
            let replicas = ReplicaSet(containers: byService[service] ?? [], count: spec.replicaCount) {
                $0.configHash == hash && (imageID == nil || $0.imageID == imageID)
            }
            satisfying[service] = replicas.slots.compactMap(\.keep)
            // Scaled down: the highest indexes go (an update lock holds that back, as it would
            // any stop); the other replicas are left as they are.
            if !replicas.surplus.isEmpty && !locks.isEmpty {
                deferred = true
            } else {
                for container in replicas.surplus {
                    let reason = "scaled to \(spec.replicaCount) replica\(spec.replicaCount == 1 ? "" : "s")"
                    plan.steps.append(.removeContainer(service: service, id: container.id, containerName: container.name, reason: reason))
                }
            }
            // Without its secrets and configs a service keeps what runs: nothing of it is
            // replaced, created or started until the device has them. The convergence ends
            // there (the rest done), so the next round brings the newest target and asks again.
            if let reason = current.unavailable[service], !stopped.contains(service), replicas.slots.contains(where: { !($0.keep?.isUp ?? false) }) {
                plan.blocked.append("\(service) waits for its secrets and configs: \(reason)")
                continue
            }
            // A service whose restart policy keeps it running is started again when it is
            // found exited (an engine restart that did not bring it back); any other exited
            // container with an exit code has run to completion.
            let keptRunning = ["always", "unless-stopped"].contains(spec.restart ?? "no")
            // A service stopped on purpose runs nothing, so its replicas need no turns.
            let turn =
                stopped.contains(service)
                ? nil : replicas.turn(service: service, healthChecked: spec.healthcheck.map { $0.test != ["NONE"] } ?? false, keptRunning: keptRunning)
            if let failed = turn?.failed { plan.failedDependencies.append(failed) }
            if let waiting = turn?.waiting { plan.waiting.append(waiting) }
            for slot in replicas.slots where turn?.allowed.contains(slot.index) ?? true {
                let keep = slot.keep
                let stale = slot.stale

                // When the old containers may go: after every image is present (download-then-kill),
                // at once (kill-then-download, delete-then-download), or once the new container
                // has signalled or its hand-over time is up (hand-over).
                var removeStale: Bool
                var removal = "configuration changed"
                switch policy.strategy {
                case .downloadThenKill: removeStale = allImagesPresent
                case .killThenDownload, .deleteThenDownload: removeStale = true
                case .handOver:
                    // Until the new container runs, an old one that runs stays.
                    removeStale = !stale.contains(where: \.isUp)
                    if let keep, keep.isUp, !stale.isEmpty {
                        // The timeout comes from a label (at most ~292 years once parsed) and the
                        // creation time from the engine: neither may trap the planner.
                        let seconds = policy.handoverTimeout.rounded(.up)
                        let timeout: Int64 = seconds.isFinite ? Int64(min(max(seconds, 0), 1e15)) : 0
                        let (sum, overflow) = keep.created.addingReportingOverflow(timeout)
                        let deadline = overflow ? Int64.max : sum
                        if current.handoverSignals.contains(EngineNames.handoverSignal(service: service, configHash: keep.configHash)) {
                            removeStale = true
                            removal = "handed over to \(keep.name)"
                        } else if current.now >= deadline {
                            removeStale = true
                            removal = "hand-over to \(keep.name) timed out after \(Self.format(policy.handoverTimeout))"
                        } else {
                            plan.waiting.append(
                                "\(service) hands over: the old container runs until \(keep.name) signals completion (\(deadline &- current.now)s left)")
                        }
                    }
                }
                if !stale.isEmpty && removeStale && !locks.isEmpty {
                    deferred = true
                    removeStale = false
                }
                if removeStale {
                    for container in stale {
                        var reason = removal
                        if container.configHash == hash && container.imageID != imageID {
                            reason = "image \(spec.image ?? "") changed"
                        } else if container.configHash == hash {
                            reason = "duplicate container"
                        }
                        if policy.strategy == .deleteThenDownload, !container.image.isEmpty, !references.contains(container.image),
                            !current.images.values.contains(container.imageID)
                        {
                            plan.steps.append(
                                .deleteContainer(service: service, id: container.id, containerName: container.name, image: container.image, reason: reason))
                        } else {
                            plan.steps.append(.removeContainer(service: service, id: container.id, containerName: container.name, reason: reason))
                        }
                    }
                }
                if let keep {
                    if stopped.contains(service) {
                        if keep.isUp {
                            if locks.isEmpty {
                                plan.steps.append(.stopContainer(service: service, id: keep.id, containerName: keep.name))
                            } else {
                                deferred = true
                            }
                        }
                        continue
                    }
                    // A replacement prepared beside the old container starts once the old one is gone
                    // (beside it, for a hand-over).
                    let oldGone = stale.isEmpty || policy.strategy == .handOver
                    if oldGone && (keep.state == .created || (keep.state == .exited && (keep.exitCode == nil || keptRunning))) {
                        if !holdBack(service, spec: spec, satisfied: satisfying, target: target, plan: &plan) {
                            plan.steps.append(.startContainer(service: service, id: keep.id, containerName: keep.name))
                        }
                    }
                    continue
                }
                // A new container needs its image, networks and volumes. While an old container of
                // the service is being removed, the new one is created (not started) in the same
                // round, so the service is down only for the stop and the start.
                guard imageID != nil, stale.isEmpty || removeStale || policy.strategy == .handOver else { continue }
                let networksReady = (spec.networks ?? [:]).keys.allSatisfy(readyNetworks.contains)
                let volumesReady = (spec.volumes ?? []).allSatisfy { $0.type != .volume || $0.source == nil || readyVolumes.contains($0.source ?? "") }
                guard networksReady && volumesReady else { continue }
                let name = names.container(service, configHash: hash, replica: slot.index, of: spec.replicaCount)
                if policy.strategy == .handOver, !stopped.contains(service), let old = stale.first(where: \.isUp) {
                    if !locks.isEmpty {
                        deferred = true
                    } else if !holdBack(service, spec: spec, satisfied: satisfying, target: target, plan: &plan) {
                        plan.steps.append(.handOver(service: service, containerName: name, replica: slot.index, from: old.id, fromName: old.name))
                    }
                    continue
                }
                if !stale.isEmpty || stopped.contains(service) {
                    plan.steps.append(.createContainer(service: service, containerName: name, replica: slot.index, start: false))
                    continue
                }
                if !holdBack(service, spec: spec, satisfied: satisfying, target: target, plan: &plan) {
                    plan.steps.append(.createContainer(service: service, containerName: name, replica: slot.index, start: true))
                }
            }
        }

        // Containers of services the target no longer has.
        let leftovers = current.containers.sorted(by: { $0.name < $1.name }).filter { target.services[$0.service] == nil }
        if allImagesPresent && !leftovers.isEmpty && !locks.isEmpty {
            deferred = true
        } else if allImagesPresent {
            for container in leftovers {
                plan.steps.append(.removeContainer(service: container.service, id: container.id, containerName: container.name, reason: "service removed"))
            }
        }
        // Each replica of a service asks after the same dependencies: say each thing once.
        plan.waiting = plan.waiting.reduce(into: []) { once, line in if !once.contains(line) { once.append(line) } }
        plan.failedDependencies = plan.failedDependencies.reduce(into: []) { once, line in if !once.contains(line) { once.append(line) } }
        if deferred {
            plan.deferred.append("update pending: locked by \(locks.joined(separator: ", "))")
        }

        // Networks the target no longer has, once nothing of ours is attached.
        let wantedNetworks = Set((target.networks ?? [:]).map { names.network($0.key, $0.value) })
        let attached = Set(current.containers.flatMap(\.networks))
        for network in current.networks.sorted(by: { $0.engineName < $1.engineName })
        where !wantedNetworks.contains(network.engineName) && !attached.contains(network.engineName) {
            plan.steps.append(.removeNetwork(name: network.name, engineName: network.engineName))
        }
        return plan
    }

    /// Plans the app's networks: creates the missing ones, and makes again each one whose
    /// settings changed, in order: the containers attached to it are removed, then the
    /// network, then (next round) it is created. Returns the networks ready for containers, and
    /// the containers being removed for a network, which the service loop must leave alone.
    private func planNetworks(
        current: EngineSnapshot, target: AppTarget, names: EngineNames, locks: [String], plan: inout Plan, deferred: inout Bool
    ) -> (ready: Set<String>, evicted: Set<String>) {
        var ready: Set<String> = []
        var stale: [(name: String, engineName: String)] = []
        for (name, spec) in (target.networks ?? [:]).sorted(by: { $0.key < $1.key }) {
            let engineName = names.network(name, spec)
            if spec.external == true {
                if current.externalResources.contains(engineName) {
                    ready.insert(name)
                } else {
                    plan.blocked.append("external network '\(engineName)' does not exist; create it on the device first")
                }
            } else if let observed = current.networks.first(where: { $0.engineName == engineName }) {
                if observed.matches(spec) { ready.insert(name) } else { stale.append((name, engineName)) }
            } else {
                plan.steps.append(.createNetwork(name: name, engineName: engineName))
            }
        }
        guard !stale.isEmpty else { return (ready, []) }
        guard locks.isEmpty else {
            deferred = true
            return (ready, [])
        }
        var evicted: Set<String> = []
        for (name, engineName) in stale {
            let attached = current.containers.filter { $0.networks.contains(engineName) }.sorted { $0.name < $1.name }
            for container in attached where !evicted.contains(container.id) {
                evicted.insert(container.id)
                plan.steps.append(
                    .removeContainer(service: container.service, id: container.id, containerName: container.name, reason: "network \(name) changed"))
            }
            if attached.isEmpty { plan.steps.append(.removeNetwork(name: name, engineName: engineName)) }
        }
        return (ready, evicted)
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int64(seconds))s" : "\(seconds)s"
    }

    private func planRemoval(current: EngineSnapshot) -> Plan {
        var plan = Plan()
        for container in current.containers.sorted(by: { $0.name < $1.name }) {
            plan.steps.append(.removeContainer(service: container.service, id: container.id, containerName: container.name, reason: "app removed"))
        }
        let attached = Set(current.containers.flatMap(\.networks))
        for network in current.networks.sorted(by: { $0.engineName < $1.engineName }) where !attached.contains(network.engineName) {
            plan.steps.append(.removeNetwork(name: network.name, engineName: network.engineName))
        }
        if options.removeVolumes && current.containers.isEmpty {
            for volume in current.volumes.sorted(by: { $0.engineName < $1.engineName }) {
                plan.steps.append(.removeVolume(name: volume.name, engineName: volume.engineName))
            }
        }
        return plan
    }
}
