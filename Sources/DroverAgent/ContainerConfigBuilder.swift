import DockerEngine
import DroverModel

/// Turns a service spec into the engine's container-create body. Pure: the engine names of
/// networks and volumes, and the container ID a `service:` network mode points at, are given.
public struct ContainerConfigBuilder: Sendable {
    /// The device.
    public var device: DeviceIdentity
    /// The app.
    public var app: String
    /// The app's target.
    public var target: AppTarget
    /// The host directory mounted at ``EngineNames/runtimeMount`` (update locks, hand-over
    /// signals); nil mounts nothing.
    public var runtimeDirectory: String?
    /// The tmpfs directory that holds the files of secrets and configs (``AppFileVault/root``).
    public var fileRoot: String?

    /// Creates a builder.
    public init(device: DeviceIdentity, app: String, target: AppTarget, runtimeDirectory: String? = nil) {
        self.device = device
        self.app = app
        self.target = target
        self.runtimeDirectory = runtimeDirectory
    }

    /// The create body for replica `replica` (from 1) of `service`, and the networks (engine
    /// name and endpoint: aliases, static addresses) to attach after creation, since engines
    /// before API 1.44 take only one network at creation. Every replica joins under the
    /// service's name, so the engine's DNS answers it with all of them.
    public func build(service: String, replica: Int = 1, peerContainers: [String: String] = [:]) throws(AgentError) -> (
        ContainerCreate, extraNetworks: [(String, ContainerCreate.EndpointConfig)]
    ) {
        guard let spec = target.services[service] else {
            throw AgentError(.invalidTarget, "service '\(service)' is not in the target")
        }
        guard let image = spec.image else {
            throw AgentError(.invalidTarget, "service '\(service)' has no image; Drover runs images: build and push it, then name it under 'image'")
        }
        // The target was validated when it arrived; checked again here because a bad number
        // must become an error for this service, never a trap that takes the agent down.
        let nanoCPUs: Int64?
        do {
            try spec.validate(at: "services.\(service)")
            nanoCPUs = try spec.nanoCPUs(at: "services.\(service).cpus")
        } catch {
            throw AgentError(.invalidTarget, "service '\(service)' cannot run as given: \(error)")
        }
        let names = EngineNames(device: device, app: app)
        let hash = target.configHash(of: service)
        var config = ContainerCreate(image: image)
        config.cmd = spec.command
        config.entrypoint = spec.entrypoint
        var environment = spec.environment ?? [:]
        environment["DROVER_DEVICE_UUID"] = environment["DROVER_DEVICE_UUID"] ?? device.id
        environment["DROVER_APP_NAME"] = environment["DROVER_APP_NAME"] ?? app
        environment["DROVER_SERVICE_NAME"] = environment["DROVER_SERVICE_NAME"] ?? service
        if runtimeDirectory != nil {
            environment["DROVER_LOCK_DIR"] = EngineNames.runtimeMount + "/locks"
            environment["DROVER_LOCK_PATH"] = EngineNames.lockFile(service: service)
            environment["DROVER_HANDOVER_COMPLETE_PATH"] =
                EngineNames.runtimeMount + "/handover/" + EngineNames.handoverSignal(service: service, configHash: hash)
        }
        config.env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var labels = spec.labels ?? [:]
        labels[DroverLabel.device] = device.id
        labels[DroverLabel.app] = app
        labels[DroverLabel.service] = service
        labels[DroverLabel.release] = target.release
        labels[DroverLabel.configHash] = hash
        if let hooks = spec.preStop, !hooks.isEmpty {
            labels[Reconciler.preStopLabel] = String(decoding: Canonical.encode(hooks), as: UTF8.self)
        }
        labels[DroverLabel.replica] = String(replica)
        config.labels = labels
        config.workingDir = spec.workingDir
        config.user = spec.user
        config.hostname = spec.hostname
        config.domainname = spec.domainname
        config.stopSignal = spec.stopSignal
        config.stopTimeout = spec.stopTimeoutSeconds
        config.tty = spec.tty
        config.openStdin = spec.stdinOpen
        if let check = spec.healthcheck {
            config.healthcheck = .init(
                test: check.test, interval: check.interval, timeout: check.timeout, retries: check.retries, startPeriod: check.startPeriod)
        }

        var host = ContainerCreate.HostConfig()
        var exposed: [String: EmptyObject] = [:]
        var bindings: [String: [PortBinding]] = [:]
        for port in spec.ports ?? [] {
            let key = "\(port.target)/\(port.protocol)"
            exposed[key] = EmptyObject()
            bindings[key, default: []].append(PortBinding(hostIP: port.hostIP ?? "", hostPort: port.published.map(String.init) ?? ""))
        }
        for port in spec.expose ?? [] { exposed[port] = EmptyObject() }
        config.exposedPorts = exposed.isEmpty ? nil : exposed
        host.portBindings = bindings.isEmpty ? nil : bindings

        var binds: [String] = []
        var mounts: [ContainerCreate.MountSpec] = []
        for mount in spec.volumes ?? [] {
            switch mount.type {
            case .volume:
                let source = mount.source.map { names.volume($0, target.volumes?[$0]) }
                let options = mount.noCopy == true ? ContainerCreate.MountSpec.VolumeOptions(noCopy: true) : nil
                mounts.append(.init(type: "volume", source: source, target: mount.target, readOnly: mount.readOnly, volumeOptions: options))
            case .bind:
                let source = try bindSource(mount.source ?? "", service: service)
                if mount.createHostPath ?? true {
                    binds.append("\(source):\(mount.target)\(mount.readOnly == true ? ":ro" : "")")
                } else {
                    mounts.append(.init(type: "bind", source: source, target: mount.target, readOnly: mount.readOnly))
                }
            case .tmpfs:
                mounts.append(.init(type: "tmpfs", source: nil, target: mount.target, tmpfsOptions: mount.tmpfsSize.map { .init(sizeBytes: $0) }))
            }
        }
        if let runtimeDirectory { binds.append("\(runtimeDirectory):\(EngineNames.runtimeMount)") }
        for kind in AppFileKind.allCases {
            for mount in kind.mounts(of: spec) {
                // A missing file fails the start ("bind source path does not exist"), rather
                // than the engine making an empty directory in its place.
                guard let fileRoot, let version = target.files(kind)[mount.source]?.version else {
                    throw AgentError(.invalidTarget, "service '\(service)' mounts \(kind.rawValue) '\(mount.source)', whose value this agent does not hold")
                }
                let source = AppFileLayout.path(root: fileRoot, app: app, kind: kind, mount: mount, version: version)
                mounts.append(.init(type: "bind", source: source, target: mount.target, readOnly: true))
            }
        }
        host.binds = binds.isEmpty ? nil : binds
        host.mounts = mounts.isEmpty ? nil : mounts

        if let restart = spec.restart {
            if restart.hasPrefix("on-failure:") {
                guard let count = Int(restart.dropFirst("on-failure:".count)), count >= 0 else {
                    throw AgentError(.invalidTarget, "service '\(service)' has restart policy '\(restart)'; the count must be a whole number, 0 or more")
                }
                host.restartPolicy = RestartPolicy(name: "on-failure", maximumRetryCount: count)
            } else {
                host.restartPolicy = RestartPolicy(name: restart)
            }
        }
        host.privileged = spec.privileged
        host.capAdd = spec.capAdd
        host.capDrop = spec.capDrop
        if let devices = spec.devices {
            var mapped: [ContainerCreate.DeviceMapping] = []
            for entry in devices {
                guard let device = DeviceMapping(entry) else {
                    throw AgentError(.invalidTarget, "service '\(service)' has device '\(entry)', which is not HOST_PATH[:CONTAINER_PATH][:PERMISSIONS]")
                }
                mapped.append(.init(pathOnHost: device.pathOnHost, pathInContainer: device.pathInContainer, cgroupPermissions: device.permissions))
            }
            host.devices = mapped
        }
        if let tmpfs = spec.tmpfs {
            var table: [String: String] = [:]
            for entry in tmpfs {
                let parts = entry.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard let mountPath = parts.first, !mountPath.isEmpty else {
                    throw AgentError(.invalidTarget, "service '\(service)' has tmpfs '\(entry)', which names no container path")
                }
                table[mountPath] = parts.count > 1 ? parts[1] : ""
            }
            host.tmpfs = table
        }
        host.sysctls = spec.sysctls
        host.ulimits = spec.ulimits?.sorted { $0.key < $1.key }.map { .init(name: $0.key, soft: $0.value.soft, hard: $0.value.hard) }
        host.readonlyRootfs = spec.readOnly
        host.extraHosts = spec.extraHosts
        host.dns = spec.dns
        host.dnsSearch = spec.dnsSearch
        host.shmSize = spec.shmSize
        host.initProcess = spec.initProcess
        host.memory = spec.memoryLimit
        host.memoryReservation = spec.memoryReservation
        host.nanoCPUs = nanoCPUs
        host.pidsLimit = spec.pidsLimit
        host.logConfig = spec.logging.map { .init(type: $0.driver ?? "json-file", config: $0.options) }
        host.securityOpt = spec.securityOpt
        host.pidMode = spec.pid
        host.ipcMode = spec.ipc
        host.groupAdd = spec.groupAdd
        host.deviceRequests = spec.deviceRequests?.map {
            .init(driver: $0.driver, count: $0.count, deviceIDs: $0.deviceIDs, capabilities: $0.capabilities, options: $0.options)
        }
        host.deviceCgroupRules = spec.deviceCgroupRules
        host.runtime = spec.runtime

        var extra: [(String, ContainerCreate.EndpointConfig)] = []
        if let mode = spec.networkMode {
            if mode.hasPrefix("service:") {
                let peer = String(mode.dropFirst("service:".count))
                guard let id = peerContainers[peer] else {
                    throw AgentError(.invalidTarget, "service '\(service)' shares the network of '\(peer)', which has no container yet")
                }
                host.networkMode = "container:\(id)"
            } else {
                host.networkMode = mode
            }
        } else {
            let attachments = (spec.networks ?? [:]).sorted { $0.key < $1.key }
            for (index, (name, attachment)) in attachments.enumerated() {
                let engineName = names.network(name, target.networks?[name])
                let addresses: ContainerCreate.EndpointConfig.IPAMConfig? =
                    attachment.ipv4Address == nil && attachment.ipv6Address == nil
                    ? nil : .init(ipv4Address: attachment.ipv4Address, ipv6Address: attachment.ipv6Address)
                let endpoint = ContainerCreate.EndpointConfig(aliases: [service] + (attachment.aliases ?? []), ipamConfig: addresses)
                if index == 0 {
                    host.networkMode = engineName
                    config.networkingConfig = .init(endpointsConfig: [engineName: endpoint])
                } else {
                    extra.append((engineName, endpoint))
                }
            }
        }
        config.hostConfig = host
        return (config, extra)
    }

    /// The host path of a bind mount. A relative one (`./data`, `../src`) is relative to the
    /// project's directory in compose; a device has no project directory, so it gets one of
    /// the app's own under its runtime directory (`{state dir}/apps/{app}/binds/project`),
    /// kept across updates; `..` may reach the app's `binds`, and no further.
    public func bindSource(_ source: String, service: String) throws(AgentError) -> String {
        if source.hasPrefix("/") { return source }
        var resolved = ["project"]
        var escapes = source.isEmpty
        for part in source.split(separator: "/") where part != "." {
            if part == ".." {
                if resolved.popLast() == nil { escapes = true }
            } else {
                resolved.append(String(part))
            }
        }
        guard let runtimeDirectory, !escapes else {
            throw AgentError(
                .invalidTarget,
                "service '\(service)' bind-mounts '\(source)', which is neither an absolute path nor a path inside the app's directory"
            )
        }
        return ([runtimeDirectory, "binds"] + resolved).joined(separator: "/")
    }
}
