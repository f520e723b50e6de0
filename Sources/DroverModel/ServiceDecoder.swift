import Foundation

/// Turns one service's YAML mapping into a `ServiceSpec`, key by key.
struct ServiceDecoder {
    let name: String
    let environment: [String: String]
    let baseDirectory: String?
    let readFile: (@Sendable (String) throws -> String)?
    /// Things accepted but worth telling the user; the parser hands them on.
    var warnings: [String] = []
    /// The service's `container_name`, for the check that no two services share one.
    var containerName: String?
    /// Decoding a Swarm stack's service (see ``ComposeParser/swarm``).
    var swarm = false

    init(name: String, environment: [String: String], baseDirectory: String?, readFile: (@Sendable (String) throws -> String)?) {
        self.name = name
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.readFile = readFile
    }

    var prefix: String { "services.\(name)" }

    mutating func decode(_ node: YAMLValue) throws(ModelError) -> (ServiceSpec, profiles: [String]) {
        guard case .mapping(let pairs, let line) = node else {
            if node.isNull {
                throw ModelError(.missing, at: prefix, line: node.line, "service '\(name)' has neither 'image' nor 'build', so there is nothing to run")
            }
            throw ModelError(.invalidValue, at: prefix, line: node.line, "service '\(name)' must be a mapping of keys, found \(ComposeValues.describe(node))")
        }
        var spec = ServiceSpec(image: nil)
        var profiles: [String] = []
        var environmentFromFiles: [String: String] = [:]
        var deploy = DeploySettings()
        var scale: Int?
        var gpuRequests: [DeviceRequest] = []
        for (key, value) in pairs {
            let path = "\(prefix).\(key)"
            if key.hasPrefix("x-") { continue }
            if ComposeParser.unsupportedServiceKeys.contains(key) {
                throw ModelError(.unsupported, at: path, line: value.line, "service '\(name)' uses '\(key)', which Drover does not support yet")
            }
            guard ComposeParser.supportedServiceKeys.contains(key) else {
                var message = "service '\(name)' has unknown key '\(key)'"
                if let guess = ComposeParser.closest(to: key, in: ComposeParser.supportedServiceKeys) { message += "; did you mean '\(guess)'?" }
                throw ModelError(.unknownKey, at: path, line: value.line, message)
            }
            if swarm, let reason = Self.swarmRefusals[key] {
                throw ModelError(.unsupported, at: path, line: value.line, "service '\(name)' uses '\(key)', which a Swarm service cannot have: \(reason)")
            }
            if Self.uniqueListKeys.contains(key) { try checkUnique(value, path: path) }
            switch key {
            case "image": spec.image = try ComposeValues.string(value, path: path)
            case "build": spec.build = try build(value, path: path)
            case "command": spec.command = try ComposeValues.command(value, path: path)
            case "entrypoint": spec.entrypoint = try ComposeValues.command(value, path: path)
            case "environment":
                try checkEnvironmentNames(value, path: path)
                spec.environment = try ComposeValues.keyValues(value, path: path, what: "environment", fallback: environment)
            case "env_file": environmentFromFiles = try envFiles(value, path: path)
            case "ports": spec.ports = try ports(value, path: path)
            case "expose": spec.expose = try expose(value, path: path)
            case "volumes": spec.volumes = try volumes(value, path: path)
            case "networks": spec.networks = try networks(value, path: path)
            case "network_mode": spec.networkMode = try ComposeValues.string(value, path: path)
            case "labels":
                spec.labels = try ComposeValues.keyValues(value, path: path, what: "label")
                _ = try UpdatePolicy(labels: spec.labels, service: name, path: path, line: value.line)
            case "restart": spec.restart = try restart(value, path: path)
            case "depends_on": spec.dependsOn = try dependsOn(value, path: path)
            case "links":
                for link in try ComposeValues.stringList(value, path: path) {
                    let target = String(link.split(separator: ":").first ?? "")
                    spec.dependsOn = (spec.dependsOn ?? [:]).merging([target: .serviceStarted]) { existing, _ in existing }
                }
                warnings.append("service '\(name)': 'links' is treated as depends_on; services reach each other by service name on the app network")
            case "healthcheck": spec.healthcheck = try healthcheck(value, path: path)
            case "privileged": spec.privileged = try ComposeValues.bool(value, path: path)
            case "cap_add": spec.capAdd = try ComposeValues.stringList(value, path: path)
            case "cap_drop": spec.capDrop = try ComposeValues.stringList(value, path: path)
            case "devices": spec.devices = try devices(value, path: path)
            case "device_cgroup_rules": spec.deviceCgroupRules = try deviceCgroupRules(value, path: path)
            case "gpus": gpuRequests = try gpus(value, path: path)
            case "runtime": spec.runtime = try ComposeValues.string(value, path: path)
            case "working_dir": spec.workingDir = try ComposeValues.string(value, path: path)
            case "user": spec.user = try ComposeValues.string(value, path: path)
            case "hostname": spec.hostname = try ComposeValues.string(value, path: path)
            case "domainname": spec.domainname = try ComposeValues.string(value, path: path)
            case "tmpfs":
                let entries = try ComposeValues.stringList(value, path: path)
                for (index, entry) in entries.enumerated() { try ServiceLimits.checkTmpfs(entry, at: "\(path)[\(index)]", line: value.line) }
                spec.tmpfs = entries
            case "sysctls": spec.sysctls = try ComposeValues.keyValues(value, path: path, what: "sysctl")
            case "ulimits": spec.ulimits = try ulimits(value, path: path)
            case "stop_signal": spec.stopSignal = try ComposeValues.string(value, path: path)
            case "stop_grace_period":
                spec.stopGracePeriod = try ComposeValues.duration(try ComposeValues.string(value, path: path), path: path, line: value.line)
            case "read_only": spec.readOnly = try ComposeValues.bool(value, path: path)
            case "extra_hosts": spec.extraHosts = try extraHosts(value, path: path)
            case "dns": spec.dns = try ComposeValues.stringList(value, path: path)
            case "dns_search": spec.dnsSearch = try ComposeValues.stringList(value, path: path)
            case "shm_size": spec.shmSize = try ComposeValues.byteSize(try ComposeValues.string(value, path: path), path: path, line: value.line)
            case "init": spec.initProcess = try ComposeValues.bool(value, path: path)
            case "container_name":
                let text = try ComposeValues.string(value, path: path)
                try checkContainerName(text, path: path, line: value.line)
                containerName = text
            case "pull_policy": spec.pullPolicy = try pullPolicy(value, path: path)
            case "platform":
                // An empty platform (`${DOCKER_PLATFORM:-}`) is no platform, as in compose.
                let platform = try ComposeValues.string(value, path: path)
                spec.platform = platform.isEmpty ? nil : platform
            case "logging": spec.logging = try logging(value, path: path)
            case "profiles": profiles = try ComposeValues.stringList(value, path: path)
            case "extends": continue  // resolved before decoding
            case "deploy":
                if swarm { spec.swarm = try swarmDeploy(value, path: path, settings: &deploy) } else { deploy = try self.deploy(value, path: path) }
            case "mem_limit": spec.memoryLimit = try memory(value, path: path)
            case "mem_reservation": spec.memoryReservation = try memory(value, path: path)
            case "cpus": spec.cpus = try cpus(value, path: path)
            case "pids_limit": spec.pidsLimit = try pids(value, path: path)
            case "security_opt": spec.securityOpt = try ComposeValues.stringList(value, path: path)
            case "pid": spec.pid = try ComposeValues.string(value, path: path)
            case "ipc": spec.ipc = try ComposeValues.string(value, path: path)
            case "group_add": spec.groupAdd = try ComposeValues.stringList(value, path: path)
            case "scale": scale = try replicaCount(value, key: "scale", path: path)
            case "tty": spec.tty = try ComposeValues.bool(value, path: path)
            case "stdin_open": spec.stdinOpen = try ComposeValues.bool(value, path: path)
            case "post_start": spec.postStart = try lifecycleHooks(value, path: path)
            case "pre_stop": spec.preStop = try lifecycleHooks(value, path: path)
            case "secrets": spec.secrets = try fileMounts(value, kind: .secret, path: path)
            case "configs": spec.configs = try fileMounts(value, kind: .config, path: path)
            default:
                throw ModelError(.unsupported, at: path, line: value.line, "service '\(name)' uses '\(key)', which Drover does not support yet")
            }
        }
        if spec.image == nil && spec.build == nil {
            throw ModelError(.missing, at: prefix, line: line, "service '\(name)' has neither 'image' nor 'build', so there is nothing to run")
        }
        if !environmentFromFiles.isEmpty {
            spec.environment = environmentFromFiles.merging(spec.environment ?? [:]) { _, own in own }
        }
        if spec.restart == nil, let restart = deploy.restart { spec.restart = restart }
        spec.deviceRequests = gpuRequests + deploy.devices
        try applyDeployLimits(deploy, to: &spec, node: node)
        if swarm { try checkSwarmService(spec, node: node) }
        try checkCombinations(&spec, node: node)
        try ServiceLimits.checkReservation(spec.memoryReservation, limit: spec.memoryLimit, at: "\(prefix).mem_reservation", line: line)
        if let containerName {
            // Drover names containers itself (per device and config); the fixed name stays reachable as a DNS alias.
            warnings.append("service '\(name)': container_name '\(containerName)' is kept as a network alias; Drover names containers itself")
            if var networks = spec.networks {
                for key in Array(networks.keys) {
                    let aliases = networks[key]?.aliases ?? []
                    networks[key]?.aliases = aliases + [containerName]
                }
                spec.networks = networks
            } else if spec.networkMode == nil {
                spec.networks = ["default": NetworkAttachment(aliases: [containerName])]
            }
        }
        if spec.networkMode == "host", spec.ports != nil {
            warnings.append("service '\(name)': 'ports' has no effect with network_mode: host (the service uses the host's ports directly)")
            spec.ports = nil
        }
        try applyReplicas(scale: scale, deploy: deploy, to: &spec, node: node)
        Self.dropEmpty(&spec)
        // Every value was checked where it was read; this is the same check a target gets on
        // the device, so nothing the parser accepts can be refused there.
        try spec.validate(at: prefix)
        return (spec, profiles)
    }

    static func dropEmpty(_ spec: inout ServiceSpec) {
        if spec.environment?.isEmpty == true { spec.environment = nil }
        if spec.ports?.isEmpty == true { spec.ports = nil }
        if spec.expose?.isEmpty == true { spec.expose = nil }
        if spec.volumes?.isEmpty == true { spec.volumes = nil }
        if spec.labels?.isEmpty == true { spec.labels = nil }
        if spec.dependsOn?.isEmpty == true { spec.dependsOn = nil }
        if spec.capAdd?.isEmpty == true { spec.capAdd = nil }
        if spec.capDrop?.isEmpty == true { spec.capDrop = nil }
        if spec.devices?.isEmpty == true { spec.devices = nil }
        if spec.deviceRequests?.isEmpty == true { spec.deviceRequests = nil }
        if spec.deviceCgroupRules?.isEmpty == true { spec.deviceCgroupRules = nil }
        if spec.tmpfs?.isEmpty == true { spec.tmpfs = nil }
        if spec.sysctls?.isEmpty == true { spec.sysctls = nil }
        if spec.ulimits?.isEmpty == true { spec.ulimits = nil }
        if spec.extraHosts?.isEmpty == true { spec.extraHosts = nil }
        if spec.dns?.isEmpty == true { spec.dns = nil }
        if spec.restart == "no" { spec.restart = nil }
        if spec.secrets?.isEmpty == true { spec.secrets = nil }
        if spec.postStart?.isEmpty == true { spec.postStart = nil }
        if spec.preStop?.isEmpty == true { spec.preStop = nil }
        if spec.configs?.isEmpty == true { spec.configs = nil }
    }

    // MARK: - Keys with structure

    func ulimits(_ value: YAMLValue, path: String) throws(ModelError) -> [String: ServiceSpec.Ulimit] {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'ulimits' must be a mapping")
        }
        var out: [String: ServiceSpec.Ulimit] = [:]
        for (limit, item) in pairs {
            let itemPath = "\(path).\(limit)"
            let value: ServiceSpec.Ulimit
            if case .scalar = item {
                let n = Int64(try ComposeValues.int(item, path: itemPath))
                value = .init(soft: n, hard: n)
            } else {
                guard let soft = item["soft"], let hard = item["hard"] else {
                    throw ModelError(.missing, at: itemPath, line: item.line, "ulimit '\(limit)' needs a number or 'soft' and 'hard'")
                }
                value = .init(
                    soft: Int64(try ComposeValues.int(soft, path: "\(itemPath).soft")), hard: Int64(try ComposeValues.int(hard, path: "\(itemPath).hard")))
            }
            try ServiceLimits.checkUlimit(name: limit, soft: value.soft, hard: value.hard, at: itemPath, line: item.line)
            out[limit] = value
        }
        return out
    }

    func logging(_ value: YAMLValue, path: String) throws(ModelError) -> ServiceSpec.Logging {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'logging' must be a mapping")
        }
        var out = ServiceSpec.Logging()
        for (key, item) in pairs {
            switch key {
            case "driver": out.driver = try ComposeValues.string(item, path: "\(path).driver")
            case "options": out.options = try ComposeValues.keyValues(item, path: "\(path).options", what: "logging option")
            default: throw ModelError(.unknownKey, at: "\(path).\(key)", line: item.line, "unknown logging key '\(key)'")
            }
        }
        return out
    }
}
