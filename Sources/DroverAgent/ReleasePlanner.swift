import DroverModel

/// The planner: a pure function from what the engine holds and what the app should be to the
/// steps that move one towards the other. No I/O; the executor calls it again after every
/// round of steps, so each plan only names steps whose prerequisites already hold.
public struct ReleasePlanner: Sendable {
    /// Options that shape a plan.
    public struct Options: Sendable, Equatable {
        /// Remove the app's named volumes when the app is removed.
        public var removeVolumes: Bool
        /// Creates options.
        public init(removeVolumes: Bool = false) {
            self.removeVolumes = removeVolumes
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
    public func plan(current: EngineSnapshot, target: AppTarget?) -> Plan {
        let names = EngineNames(device: device, app: app)
        guard let target else { return planRemoval(current: current) }
        var plan = Plan()

        // Images: download-then-kill pulls everything before anything is stopped.
        let references = Set(target.services.values.compactMap(\.image))
        let missing = references.subtracting(current.images.keys)
        for reference in missing.sorted() {
            let platform = target.services.values.first(where: { $0.image == reference })?.platform
            plan.steps.append(.pullImage(reference: reference, platform: platform))
        }
        let allImagesPresent = missing.isEmpty

        // Networks and volumes the target declares.
        var readyNetworks: Set<String> = []
        for (name, spec) in (target.networks ?? [:]).sorted(by: { $0.key < $1.key }) {
            let engineName = names.network(name, spec)
            if spec.external == true {
                if current.externalResources.contains(engineName) {
                    readyNetworks.insert(name)
                } else {
                    plan.blocked.append("external network '\(engineName)' does not exist; create it on the device first")
                }
            } else if current.networks.contains(where: { $0.engineName == engineName }) {
                readyNetworks.insert(name)
            } else {
                plan.steps.append(.createNetwork(name: name, engineName: engineName))
            }
        }
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

        // Containers, service by service in dependency order.
        var byService: [String: [ObservedContainer]] = [:]
        for container in current.containers { byService[container.service, default: []].append(container) }
        var current_: [String: ObservedContainer] = [:]  // the container that satisfies each service's target
        let stopped = Set(target.stopped ?? [])
        for service in target.startOrder() {
            guard let spec = target.services[service] else { continue }
            let hash = target.configHash(of: service)
            let imageID = spec.image.flatMap { current.images[$0] }
            let containers = (byService[service] ?? []).sorted { ($0.isUp ? 1 : 0, $0.created) > ($1.isUp ? 1 : 0, $1.created) }
            let matching = containers.filter { $0.configHash == hash && (imageID == nil || $0.imageID == imageID) }
            let keep = matching.first
            let stale = containers.filter { $0.id != keep?.id }
            for container in stale {
                guard allImagesPresent else { continue }
                let reason: String
                if container.configHash != hash {
                    reason = "configuration changed"
                } else if container.imageID != imageID {
                    reason = "image \(spec.image ?? "") changed"
                } else {
                    reason = "duplicate container"
                }
                plan.steps.append(.removeContainer(service: service, id: container.id, containerName: container.name, reason: reason))
            }
            if let keep {
                current_[service] = keep
                if stopped.contains(service) {
                    if keep.isUp { plan.steps.append(.stopContainer(service: service, id: keep.id, containerName: keep.name)) }
                    continue
                }
                // A replacement prepared beside the old container starts once the old one is gone.
                if stale.isEmpty && (keep.state == "created" || (keep.state == "exited" && keep.exitCode == nil)) {
                    if let reason = unmetDependency(service, spec: spec, satisfied: current_, target: target) {
                        plan.waiting.append(reason)
                    } else {
                        plan.steps.append(.startContainer(service: service, id: keep.id, containerName: keep.name))
                    }
                }
                continue
            }
            // A new container needs its image, networks and volumes. While an old container of
            // the service is being removed, the new one is created (not started) in the same
            // round, so the service is down only for the stop and the start.
            guard imageID != nil, stale.isEmpty || allImagesPresent else { continue }
            let networksReady = (spec.networks ?? [:]).keys.allSatisfy(readyNetworks.contains)
            let volumesReady = (spec.volumes ?? []).allSatisfy { $0.type != .volume || $0.source == nil || readyVolumes.contains($0.source ?? "") }
            guard networksReady && volumesReady else { continue }
            let name = names.container(service, configHash: hash)
            if !stale.isEmpty || stopped.contains(service) {
                plan.steps.append(.createContainer(service: service, containerName: name, start: false))
                continue
            }
            if let reason = unmetDependency(service, spec: spec, satisfied: current_, target: target) {
                plan.waiting.append(reason)
                continue
            }
            plan.steps.append(.createContainer(service: service, containerName: name, start: true))
        }

        // Containers of services the target no longer has.
        if allImagesPresent {
            for container in current.containers.sorted(by: { $0.name < $1.name }) where target.services[container.service] == nil {
                plan.steps.append(.removeContainer(service: container.service, id: container.id, containerName: container.name, reason: "service removed"))
            }
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

    /// Why `service` cannot start yet, or nil when every dependency is met.
    private func unmetDependency(
        _ service: String, spec: ServiceSpec, satisfied: [String: ObservedContainer], target: AppTarget
    ) -> String? {
        var dependencies = spec.dependsOn ?? [:]
        if let mode = spec.networkMode, mode.hasPrefix("service:") {
            dependencies[String(mode.dropFirst("service:".count)), default: .serviceStarted] = .serviceStarted
        }
        // A dependency a user stopped on purpose does not hold its dependents back.
        for (dependency, condition) in dependencies.sorted(by: { $0.key < $1.key }) where !(target.stopped ?? []).contains(dependency) {
            guard let container = satisfied[dependency] else {
                return "\(service) waits for \(dependency) to be created"
            }
            switch condition {
            case .serviceStarted:
                if container.state == "created" { return "\(service) waits for \(dependency) to start" }
            case .serviceHealthy:
                let hasCheck = target.services[dependency]?.healthcheck.map { $0.test != ["NONE"] } ?? false
                if !hasCheck {
                    if !container.isUp { return "\(service) waits for \(dependency) to start" }
                } else if container.health != "healthy" {
                    let state = container.isUp ? (container.health ?? "starting") : container.state
                    return "\(service) waits for \(dependency) to be healthy (now \(state))"
                }
            case .serviceCompletedSuccessfully:
                if container.state != "exited" {
                    return "\(service) waits for \(dependency) to complete"
                }
                if container.exitCode != 0 {
                    return "\(service) cannot start: \(dependency) exited with code \(container.exitCode.map(String.init) ?? "?")"
                }
            }
        }
        return nil
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
