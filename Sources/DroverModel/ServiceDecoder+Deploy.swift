import Foundation

/// Resource limits, from the service keys and from `deploy`, and the parts of `deploy` that mean something on one device.
extension ServiceDecoder {
    func cpus(_ value: YAMLValue, path: String) throws(ModelError) -> Double {
        let text = try ComposeValues.string(value, path: path)
        guard let number = Double(text) else {
            throw ModelError(.invalidValue, at: path, line: value.line, "cpus '\(text)' must be a number of CPUs such as 0.5 or 2")
        }
        try ServiceLimits.checkCPUs(number, text: text, at: path, line: value.line)
        return number
    }

    func memory(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        let text = try ComposeValues.string(value, path: path)
        let bytes = try ComposeValues.byteSize(text, path: path, line: value.line)
        try ServiceLimits.checkMemory(bytes, text: text, at: path, line: value.line)
        return bytes
    }

    func pids(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        let number = Int64(try ComposeValues.int(value, path: path))
        try ServiceLimits.checkPids(number, at: path, line: value.line)
        return number
    }

    /// Reads the parts of `deploy` that mean something on one device; returns a restart
    /// policy from `deploy.restart_policy` for when `restart` is not given.
    mutating func deploy(_ value: YAMLValue, path: String) throws(ModelError) -> DeploySettings {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'deploy' must be a mapping")
        }
        var settings = DeploySettings()
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            switch key {
            case "replicas":
                settings.replicas = try replicaCount(item, key: "deploy.replicas", path: itemPath)
                settings.replicasLine = item.line
            case "mode":
                let mode = try ComposeValues.string(item, path: itemPath)
                switch mode {
                case "replicated": break
                case "global":
                    // One task per node is one container on a device, as docker compose runs it.
                    settings.global = true
                    settings.globalLine = item.line
                    warnings.append("service '\(name)': deploy.mode 'global' runs one container on each device (one task per node)")
                case "replicated-job", "global-job":
                    throw ModelError(
                        .unsupported, at: itemPath, line: item.line,
                        "service '\(name)' uses deploy.mode '\(mode)', a Swarm job; on a device, run it as a service with restart: 'no' (or on-failure)")
                default:
                    throw ModelError(
                        .invalidValue, at: itemPath, line: item.line, "deploy.mode '\(mode)' must be replicated or global (or a Swarm job mode)")
                }
            case "placement", "update_config", "rollback_config", "endpoint_mode", "labels":
                // Scheduling and Swarm service settings: docker compose on one host ignores them too.
                warnings.append("service '\(name)': deploy.\(key) is for a Swarm's scheduler and has no effect on a device (it applies in cluster mode)")
            case "resources":
                for (group, limits) in item.mappingPairs ?? [] {
                    // A block that is present counts even when empty: compose compares against it.
                    if group == "limits" { settings.limits = settings.limits ?? DeploySettings.Resources(line: limits.line) }
                    if group == "reservations" { settings.reservations = settings.reservations ?? DeploySettings.Resources(line: limits.line) }
                    for (resource, amount) in limits.mappingPairs ?? [] {
                        let resourcePath = "\(itemPath).\(group).\(resource)"
                        switch (group, resource) {
                        case ("limits", "memory"): settings.limits?.memory = try memory(amount, path: resourcePath)
                        case ("limits", "cpus"): settings.limits?.cpus = try cpus(amount, path: resourcePath)
                        case ("limits", "pids"): settings.limits?.pids = try pids(amount, path: resourcePath)
                        case ("reservations", "memory"): settings.reservations?.memory = try memory(amount, path: resourcePath)
                        case ("reservations", "devices"): settings.devices = try deviceRequests(amount, path: resourcePath, gpu: false)
                        case ("reservations", "cpus"):
                            // A reservation only matters to a scheduler, but a bad one is still an error.
                            _ = try cpus(amount, path: resourcePath)
                        default:
                            throw ModelError(
                                .unsupported, at: resourcePath, line: amount.line,
                                "service '\(name)' uses deploy.resources.\(group).\(resource), which Drover does not support yet")
                        }
                    }
                }
            case "restart_policy":
                let condition = try item["condition"].map { v throws(ModelError) in try ComposeValues.string(v, path: "\(itemPath).condition") } ?? "any"
                switch condition {
                case "none": settings.restart = "no"
                case "on-failure":
                    if let attempts = item["max_attempts"] {
                        let count = try ComposeValues.int(attempts, path: "\(itemPath).max_attempts")
                        try ServiceLimits.checkCount(count, what: "max_attempts", at: "\(itemPath).max_attempts", line: attempts.line)
                        settings.restart = "on-failure:\(count)"
                    } else {
                        settings.restart = "on-failure"
                    }
                case "any": settings.restart = "always"
                default:
                    throw ModelError(
                        .invalidValue, at: "\(itemPath).condition", line: item.line, "restart condition '\(condition)' must be none, on-failure or any")
                }
            default:
                throw ModelError(.unsupported, at: itemPath, line: item.line, "service '\(name)' uses deploy.\(key), which Drover does not support yet")
            }
        }
        return settings
    }

    /// Reconciles a limit given both as a service key and in `deploy.resources`, as compose
    /// does: when the service key is set (and not 0) and the deploy block exists, the two must
    /// be equal, and a block that leaves the resource out counts as 0. Returns the value to use.
    func reconcile<Value: Equatable & Sendable>(
        _ own: Value?, key: String, line: Int?, deploy block: DeploySettings.Resources?, group: String, resource: String,
        value: (DeploySettings.Resources) -> Value?, zero: Value
    ) throws(ModelError) -> Value? {
        guard let block else { return own }
        let fromDeploy = value(block)
        guard let own, own != zero else { return fromDeploy ?? own }
        guard fromDeploy != own else { return own }
        let other =
            fromDeploy.map { "to \($0)" }
            ?? "nowhere (its deploy.resources.\(group) block leaves \(resource) out, which compose reads as 0)"
        throw ModelError(
            .invalidValue, at: "\(prefix).\(key)", line: line,
            "service '\(name)' sets '\(key)' to \(own) and 'deploy.resources.\(group).\(resource)' \(other); compose refuses distinct values, so set the limit in one place"
        )
    }
}

/// What `deploy` says that a device uses: a replica count, a restart policy and resource limits.
struct DeploySettings {
    /// `deploy.replicas`: how many containers of the service the device runs.
    var replicas: Int?
    /// The line of `deploy.replicas`.
    var replicasLine: Int?
    /// `deploy.mode: global`: one container on the device.
    var global = false
    /// The line of `deploy.mode`.
    var globalLine: Int?
    /// From `deploy.restart_policy`, for when `restart` is not given.
    var restart: String?
    /// `deploy.resources.limits`, when the block is there.
    var limits: Resources?
    /// `deploy.resources.reservations`, when the block is there.
    var reservations: Resources?
    /// `deploy.resources.reservations.devices`: devices asked of a driver.
    var devices: [DeviceRequest] = []

    /// One block of `deploy.resources`.
    struct Resources {
        var line: Int?
        var cpus: Double?
        var memory: Int64?
        var pids: Int64?
    }
}
