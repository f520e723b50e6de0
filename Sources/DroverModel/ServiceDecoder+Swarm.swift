import Foundation

/// A service of a Swarm stack: `deploy` as a swarm reads it, and the keys that a Swarm
/// service cannot have, each refused with the reason and what to do instead.
extension ServiceDecoder {
    /// Service keys that Swarm services do not have. `docker stack deploy` drops most of them
    /// with a one-line warning; Drover refuses them, so that nothing in the file is silently
    /// not done.
    static let swarmRefusals: [String: String] = [
        "restart": "a swarm restarts tasks by deploy.restart_policy; use that instead",
        "depends_on": "a swarm starts a stack's services in no order; let the service wait for what it needs (retry, or a health check)",
        "container_name": "a swarm names each task's container itself; reach the service by its name on a shared network",
        "links": "reach the other service by its name on a shared network",
        "network_mode": "attach the service to the stack's networks instead",
        "privileged": "Swarm services cannot run privileged containers",
        "devices": "Swarm services cannot map host devices",
        "device_cgroup_rules": "Swarm services cannot map host devices",
        "gpus": "Swarm services cannot ask a device driver for GPUs; run the fleet in device mode",
        "runtime": "Swarm services run on each node's default runtime",
        "pid": "Swarm services cannot share a PID namespace",
        "ipc": "Swarm services cannot share an IPC namespace",
        "security_opt": "Swarm services take no security options",
        "shm_size": "Swarm services cannot size /dev/shm; mount a tmpfs there instead",
        "domainname": "Swarm services have no domain name",
        "pull_policy": "every node pulls the image the release pins",
        "scale": "a swarm reads the count from deploy.replicas; set it there",
        "post_start": "a swarm runs no commands in a task's container; run it in the image's entrypoint",
        "pre_stop": "a swarm runs no commands in a task's container; trap the stop signal in the image instead",
        "platform": "a swarm places tasks by the nodes' platforms: use a placement constraint such as node.platform.arch==aarch64",
    ]

    /// The most replicas one service may ask for.
    static let maxReplicas = 10_000

    /// Reads `deploy` for a swarm; limits and reservations go to `settings`, where they are
    /// reconciled with the service keys as on a device.
    func swarmDeploy(_ value: YAMLValue, path: String, settings: inout DeploySettings) throws(ModelError) -> SwarmDeploy? {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'deploy' must be a mapping")
        }
        var out = SwarmDeploy()
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            if key.hasPrefix("x-") { continue }
            switch key {
            case "mode":
                let mode = try ComposeValues.string(item, path: itemPath)
                guard mode == "replicated" || mode == "global" else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "deploy.mode '\(mode)' must be replicated or global")
                }
                out.global = mode == "global" ? true : nil
            case "replicas":
                let count = try ComposeValues.int(item, path: itemPath)
                guard (0...Self.maxReplicas).contains(count) else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "deploy.replicas is \(count); it must be from 0 to \(Self.maxReplicas)")
                }
                out.replicas = count
            case "placement": try placement(item, path: itemPath, into: &out)
            case "resources": try swarmResources(item, path: itemPath, out: &out, settings: &settings)
            case "restart_policy": out.restart = try restartPolicy(item, path: itemPath)
            case "update_config": out.update = try rollingUpdate(item, path: itemPath, rollback: false)
            case "rollback_config": out.rollback = try rollingUpdate(item, path: itemPath, rollback: true)
            case "endpoint_mode":
                let mode = try ComposeValues.string(item, path: itemPath)
                guard mode == "vip" || mode == "dnsrr" else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "deploy.endpoint_mode '\(mode)' must be vip or dnsrr")
                }
                out.endpointMode = mode == "vip" ? nil : mode
            case "labels": out.labels = try ComposeValues.keyValues(item, path: itemPath, what: "label")
            default:
                throw ModelError(
                    .unknownKey, at: itemPath, line: item.line,
                    "service '\(name)' has unknown deploy key '\(key)' (a swarm reads mode, replicas, placement, resources, restart_policy, update_config, rollback_config, endpoint_mode and labels)"
                )
            }
        }
        if out.global == true, let replicas = out.replicas, replicas != 1 {
            throw ModelError(
                .invalidValue, at: "\(path).replicas", line: value.line,
                "service '\(name)' is global (one task per node) and asks for \(replicas) replicas; drop one of the two")
        }
        if out.labels?.isEmpty == true { out.labels = nil }
        return out == SwarmDeploy() ? nil : out
    }

    /// What a Swarm service cannot be given that a device can: a published port bound to one
    /// host address, a fixed address on a network, and a DNS round-robin endpoint with ports
    /// published through the routing mesh (the engine refuses that service).
    func checkSwarmService(_ spec: ServiceSpec, node: YAMLValue) throws(ModelError) {
        for port in spec.ports ?? [] where port.hostIP != nil {
            throw ModelError(
                .unsupported, at: "\(prefix).ports", line: node["ports"]?.line,
                "service '\(name)' publishes port \(port.published ?? port.target) on address \(port.hostIP ?? ""); a swarm publishes on every address of a node, so a port cannot be kept to one address (leave the address out, or keep the port off 'ports')"
            )
        }
        for (network, attachment) in spec.networks ?? [:] where attachment.ipv4Address != nil || attachment.ipv6Address != nil {
            throw ModelError(
                .unsupported, at: "\(prefix).networks.\(network).\(attachment.ipv4Address != nil ? "ipv4_address" : "ipv6_address")",
                line: node["networks"]?.line,
                "service '\(name)' asks for a fixed address on network '\(network)'; a swarm gives each task its own address")
        }
        if spec.swarm?.endpointMode == "dnsrr", spec.ports?.contains(where: { $0.mode != "host" }) == true {
            throw ModelError(
                .invalidValue, at: "\(prefix).deploy.endpoint_mode", line: node["deploy"]?.line,
                "service '\(name)' uses endpoint_mode dnsrr and publishes ports through the routing mesh, which Swarm refuses; publish them with mode: host")
        }
    }

    private func placement(_ value: YAMLValue, path: String, into out: inout SwarmDeploy) throws(ModelError) {
        for (key, item) in try mapping(value, path: path) {
            let itemPath = "\(path).\(key)"
            switch key {
            case "constraints":
                let constraints = try ComposeValues.stringList(item, path: itemPath)
                for (index, constraint) in constraints.enumerated() {
                    try SwarmDeploy.checkConstraint(constraint, at: "\(itemPath)[\(index)]", line: item.line)
                }
                out.constraints = constraints.isEmpty ? nil : constraints
            case "preferences":
                guard case .sequence(let entries, _) = item else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "placement.preferences must be a list of '- spread: node.labels.KEY'")
                }
                var spread: [String] = []
                for (index, entry) in entries.enumerated() {
                    guard let descriptor = entry["spread"], entry.mappingPairs?.count == 1 else {
                        throw ModelError(.invalidValue, at: "\(itemPath)[\(index)]", line: entry.line, "a placement preference is '- spread: node.labels.KEY'")
                    }
                    spread.append(try ComposeValues.string(descriptor, path: "\(itemPath)[\(index)].spread"))
                }
                out.spread = spread.isEmpty ? nil : spread
            case "max_replicas_per_node":
                let count = try ComposeValues.int(item, path: itemPath)
                guard (1...Self.maxReplicas).contains(count) else {
                    throw ModelError(
                        .invalidValue, at: itemPath, line: item.line, "max_replicas_per_node is \(count); it must be from 1 to \(Self.maxReplicas)")
                }
                out.maxReplicasPerNode = count
            default:
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown placement key '\(key)' (constraints, preferences, max_replicas_per_node)")
            }
        }
    }

    private func swarmResources(_ value: YAMLValue, path: String, out: inout SwarmDeploy, settings: inout DeploySettings) throws(ModelError) {
        for (group, limits) in try mapping(value, path: path) {
            if group == "limits" { settings.limits = settings.limits ?? DeploySettings.Resources(line: limits.line) }
            if group == "reservations" { settings.reservations = settings.reservations ?? DeploySettings.Resources(line: limits.line) }
            for (resource, amount) in try mapping(limits, path: "\(path).\(group)") {
                let resourcePath = "\(path).\(group).\(resource)"
                switch (group, resource) {
                case ("limits", "memory"): settings.limits?.memory = try memory(amount, path: resourcePath)
                case ("limits", "cpus"): settings.limits?.cpus = try cpus(amount, path: resourcePath)
                case ("limits", "pids"): settings.limits?.pids = try pids(amount, path: resourcePath)
                case ("reservations", "memory"): settings.reservations?.memory = try memory(amount, path: resourcePath)
                case ("reservations", "cpus"): out.reservedCPUs = try cpus(amount, path: resourcePath)
                default:
                    throw ModelError(
                        .unsupported, at: resourcePath, line: amount.line,
                        "service '\(name)' uses deploy.resources.\(group).\(resource), which Drover does not support yet for a swarm")
                }
            }
        }
    }

    private func restartPolicy(_ value: YAMLValue, path: String) throws(ModelError) -> SwarmDeploy.RestartPolicy {
        var policy = SwarmDeploy.RestartPolicy()
        for (key, item) in try mapping(value, path: path) {
            let itemPath = "\(path).\(key)"
            switch key {
            case "condition":
                let condition = try ComposeValues.string(item, path: itemPath)
                guard ["none", "on-failure", "any"].contains(condition) else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "restart condition '\(condition)' must be none, on-failure or any")
                }
                policy.condition = condition
            case "delay": policy.delay = try duration(item, path: itemPath)
            case "window": policy.window = try duration(item, path: itemPath)
            case "max_attempts":
                let count = try ComposeValues.int(item, path: itemPath)
                try ServiceLimits.checkCount(count, what: "max_attempts", at: itemPath, line: item.line)
                policy.maxAttempts = count
            default:
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown restart_policy key '\(key)' (condition, delay, max_attempts, window)")
            }
        }
        return policy
    }

    private func rollingUpdate(_ value: YAMLValue, path: String, rollback: Bool) throws(ModelError) -> SwarmDeploy.RollingUpdate {
        var config = SwarmDeploy.RollingUpdate()
        for (key, item) in try mapping(value, path: path) {
            let itemPath = "\(path).\(key)"
            switch key {
            case "parallelism":
                let count = try ComposeValues.int(item, path: itemPath)
                guard (0...Self.maxReplicas).contains(count) else {
                    throw ModelError(
                        .invalidValue, at: itemPath, line: item.line, "parallelism is \(count); it must be from 0 (all at once) to \(Self.maxReplicas)")
                }
                config.parallelism = count
            case "delay": config.delay = try duration(item, path: itemPath)
            case "monitor": config.monitor = try duration(item, path: itemPath)
            case "failure_action":
                let action = try ComposeValues.string(item, path: itemPath)
                let allowed = rollback ? ["continue", "pause"] : ["continue", "pause", "rollback"]
                guard allowed.contains(action) else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "failure_action '\(action)' must be \(allowed.joined(separator: ", "))")
                }
                config.failureAction = action
            case "max_failure_ratio":
                let text = try ComposeValues.string(item, path: itemPath)
                guard let ratio = Double(text), ratio.isFinite, (0...1).contains(ratio) else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "max_failure_ratio '\(text)' must be a number from 0 to 1")
                }
                config.maxFailureRatio = ratio
            case "order":
                let order = try ComposeValues.string(item, path: itemPath)
                guard order == "stop-first" || order == "start-first" else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "order '\(order)' must be stop-first or start-first")
                }
                config.order = order
            default:
                throw ModelError(
                    .unknownKey, at: itemPath, line: item.line,
                    "unknown \(rollback ? "rollback_config" : "update_config") key '\(key)' (parallelism, delay, failure_action, monitor, max_failure_ratio, order)"
                )
            }
        }
        return config
    }

    /// The pairs of a mapping; anything else is an error naming the path.
    private func mapping(_ value: YAMLValue, path: String) throws(ModelError) -> [(key: String, value: YAMLValue)] {
        guard let pairs = value.mappingPairs else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'\(path)' must be a mapping, found \(ComposeValues.describe(value))")
        }
        return pairs
    }

    private func duration(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        try ComposeValues.duration(try ComposeValues.string(value, path: path), path: path, line: value.line)
    }
}

extension ComposeParser {
    /// A stack's networks are overlay networks spanning the nodes; a bridge or host network
    /// of the stack's own cannot span them.
    static func checkSwarmVolumes(_ volumes: [String: VolumeSpec]?, top: YAMLValue) throws(ModelError) {
        for (name, volume) in (volumes ?? [:]).sorted(by: { $0.key < $1.key }) where volume.external != true {
            if volume.driver != nil || volume.driverOpts != nil {
                throw ModelError(
                    .unsupported, at: "volumes.\(name)", line: top["volumes"]?[name]?.line,
                    "volume '\(name)' sets a driver or driver_opts, which Drover does not pass to a swarm yet; each node makes a local volume")
            }
        }
    }

    static func checkSwarmNetworks(_ networks: [String: NetworkSpec]?, top: YAMLValue) throws(ModelError) {
        for (name, network) in (networks ?? [:]).sorted(by: { $0.key < $1.key }) where network.external != true {
            if let driver = network.driver, driver != "overlay" {
                throw ModelError(
                    .unsupported, at: "networks.\(name).driver", line: top["networks"]?[name]?.line,
                    "network '\(name)' uses driver '\(driver)'; a swarm's stack networks are overlay networks (leave 'driver' out)")
            }
        }
    }
}
