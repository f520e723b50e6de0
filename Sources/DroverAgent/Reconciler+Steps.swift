import DockerEngine
import DroverModel
import Foundation

extension Reconciler {
    func createNetwork(_ network: NetworkCreate) async throws(AgentError) {
        do {
            _ = try await engine.createNetwork(network)
        } catch {
            if error.isConflict {
                throw AgentError(.invalidTarget, "a network named \(network.name) already exists and does not belong to this device")
            }
            throw AgentError(.engine, error.description)
        }
    }

    /// The host directory mounted into the app's containers, if any.
    public func runtimeDirectory(app: String) -> String? {
        options.runtimeRoot.map { ($0 as NSString).appendingPathComponent(app) }
    }

    /// Creates the app's runtime directory and its `locks/` and `handover/`, writable by any
    /// user a container runs as.
    func prepareRuntimeDirectory(app: String) throws(AgentError) {
        guard let directory = runtimeDirectory(app: app) else { return }
        for path in [directory, directory + "/locks", directory + "/handover"] {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                try FileManager.default.setAttributes([.posixPermissions: path == directory ? 0o755 : 0o1777], ofItemAtPath: path)
            } catch {
                throw AgentError(.stateDirectory, "cannot create the app's runtime directory \(path)", cause: error)
            }
        }
    }

    func create(
        service: String, containerName: String, replica: Int, start: Bool, app: String, target: AppTarget?, peers: [String: String]
    ) async throws {
        guard let target else { throw AgentError(.invalidTarget, "no target for \(service)") }
        try prepareRuntimeDirectory(app: app)
        try await prepareFiles(app: app, service: service, target: target)
        var builder = ContainerConfigBuilder(device: device, app: app, target: target, runtimeDirectory: runtimeDirectory(app: app))
        builder.fileRoot = options.files?.root
        let (config, extraNetworks) = try builder.build(service: service, replica: replica, peerContainers: peers)
        let id = try await engine.createContainer(name: containerName, config, platform: target.services[service]?.platform)
        for (network, endpoint) in extraNetworks {
            try await engine.connectNetwork(network, container: id, aliases: endpoint.aliases, addresses: endpoint.ipamConfig)
        }
        if start {
            try await engine.startContainer(id)
            try await runPostStart(service: service, container: id, target: target)
        }
    }

    /// Puts the files of the secrets and configs `service` mounts in place (after a reboot the
    /// tmpfs that held them is empty).
    func prepareFiles(app: String, service: String, target: AppTarget?) async throws(AgentError) {
        guard let target, let spec = target.services[service], spec.secrets != nil || spec.configs != nil else { return }
        guard let files = options.files else {
            throw AgentError(
                .invalidTarget, "service '\(service)' mounts secrets or configs, which only an agent run against a server can fetch and keep")
        }
        try await files.prepare(app: app, service: service, target: target)
    }

    /// The services of `target` whose secrets and configs this device cannot have now, and why.
    func unavailableFiles(app: String, target: AppTarget) async -> [String: String] {
        let mounting = target.services.filter { $0.value.secrets != nil || $0.value.configs != nil }
        guard !mounting.isEmpty else { return [:] }
        guard let files = options.files else {
            return mounting.mapValues { _ in "only an agent run against a server can fetch and keep secrets and configs" }
        }
        return await files.readiness(app: app, target: target)
    }

    /// A lock file dies with the container that held it: after a forced update removed the
    /// holder, its lock must not hold back every later update. (In a hand-over the new
    /// container may already hold the lock, so it stays.)
    func releaseLock(app: String, service: String, target: AppTarget?) {
        guard let directory = runtimeDirectory(app: app), target?.services[service]?.updatePolicy.strategy != .handOver else { return }
        try? FileManager.default.removeItem(atPath: directory + "/locks/\(service).lock")
    }

    /// Applies one step to the engine.
    func apply(_ step: Step, app: String, target: AppTarget?, peers: [String: String]) async throws {
        var labels = [DroverLabel.device: device.id, DroverLabel.app: app]
        if let target { labels[DroverLabel.release] = target.release }
        switch step {
        case .pullImage(let reference, let platform):
            if let policy = target?.services.values.first(where: { $0.image == reference })?.pullPolicy, policy == "never" {
                throw AgentError(.invalidTarget, "image \(reference) is not on the device and its pull_policy is never")
            }
            let auth = await options.registryAuth?(reference)
            try await engine.pullImage(reference, platform: platform, registryAuth: auth)
        case .createNetwork(let name, let engineName):
            let spec = target?.networks?[name] ?? NetworkSpec()
            labels[DroverLabel.resourceName] = name
            labels[DroverLabel.configHash] = spec.configHash
            let network = NetworkCreate(
                name: engineName, driver: spec.driver, options: spec.driverOpts, labels: (spec.labels ?? [:]).merging(labels) { _, ours in ours },
                internal: spec.internal, attachable: spec.attachable, enableIPv6: spec.enableIPv6, ipam: spec.engineIPAM)
            try await createNetwork(network)
        case .createVolume(let name, let engineName):
            let spec = target?.volumes?[name] ?? VolumeSpec()
            labels[DroverLabel.resourceName] = name
            let volume = try await engine.createVolume(
                VolumeCreate(
                    name: engineName, driver: spec.driver, driverOpts: spec.driverOpts, labels: (spec.labels ?? [:]).merging(labels) { _, ours in ours }))
            if volume.labels?[DroverLabel.device] != device.id {
                throw AgentError(.invalidTarget, "a volume named \(engineName) already exists and does not belong to this device")
            }
        case .createContainer(let service, let containerName, let replica, let start):
            try await create(service: service, containerName: containerName, replica: replica, start: start, app: app, target: target, peers: peers)
        case .handOver(let service, let containerName, let replica, let old, _):
            // The old container must not come back after a power cut once the new one runs.
            try await engine.updateRestartPolicy(old, RestartPolicy(name: "no"))
            if let directory = runtimeDirectory(app: app), let target {
                let signal = EngineNames.handoverSignal(service: service, configHash: target.configHash(of: service))
                try? FileManager.default.removeItem(atPath: directory + "/handover/" + signal)
            }
            try await create(service: service, containerName: containerName, replica: replica, start: true, app: app, target: target, peers: peers)
        case .deleteContainer(let service, let id, _, let image, _):
            let grace = target?.services[service]?.stopTimeoutSeconds ?? 10
            await runPreStop(container: id)
            try await engine.stopContainer(id, timeoutSeconds: grace)
            try await engine.removeContainer(id, force: true)
            releaseLock(app: app, service: service, target: target)
            do {
                try await engine.removeImage(image)
            } catch {
                guard error.isConflict || error.isNotFound else { throw error }
                logger.info("old image kept: something else uses it", metadata: ["image": "\(image)", "error": "\(error)"])
            }
        case .startContainer(let service, let id, _):
            try await prepareFiles(app: app, service: service, target: target)
            do {
                try await engine.startContainer(id)
            } catch {
                // After an engine restart containerd can keep a stale task for the container
                // ("task … already exists") and refuse every start. Removed, the container is
                // created afresh by the next plan (its named volumes stay).
                guard error.message.contains("already exists") else { throw error }
                logger.warning("the engine cannot start this container; recreating it", metadata: ["container": "\(id)", "error": "\(error)"])
                try await engine.removeContainer(id, force: true)
                throw error
            }
            try await runPostStart(service: service, container: id, target: target)
        case .stopContainer(let service, let id, _):
            let grace = target?.services[service]?.stopTimeoutSeconds ?? 10
            await runPreStop(container: id)
            try await engine.stopContainer(id, timeoutSeconds: grace)
        case .removeContainer(let service, let id, _, _):
            let grace = target?.services[service]?.stopTimeoutSeconds ?? 10
            await runPreStop(container: id)
            try await engine.stopContainer(id, timeoutSeconds: grace)
            try await engine.removeContainer(id, force: true)
            releaseLock(app: app, service: service, target: target)
        case .removeNetwork(_, let engineName):
            try await engine.removeNetwork(engineName)
        case .removeVolume(_, let engineName):
            try await engine.removeVolume(engineName)
        }
    }
}

extension NetworkSpec {
    /// The `ipam` block as the engine takes it.
    var engineIPAM: NetworkIPAM? {
        ipam.map { ipam in
            NetworkIPAM(
                driver: ipam.driver,
                config: ipam.config?.map { .init(subnet: $0.subnet, ipRange: $0.ipRange, gateway: $0.gateway, auxiliaryAddresses: $0.auxAddresses) },
                options: ipam.options)
        }
    }
}
