import Foundation

/// Turns one service's YAML mapping into a `ServiceSpec`, key by key.
struct ServiceDecoder {
    let name: String
    let environment: [String: String]
    let baseDirectory: String?
    let readFile: (@Sendable (String) throws -> String)?
    private(set) var warnings: [String] = []

    init(name: String, environment: [String: String], baseDirectory: String?, readFile: (@Sendable (String) throws -> String)?) {
        self.name = name
        self.environment = environment
        self.baseDirectory = baseDirectory
        self.readFile = readFile
    }

    private var prefix: String { "services.\(name)" }

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
        var containerName: String?
        var deployRestart: String?
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
            switch key {
            case "image": spec.image = try ComposeValues.string(value, path: path)
            case "build": spec.build = try build(value, path: path)
            case "command": spec.command = try ComposeValues.command(value, path: path)
            case "entrypoint": spec.entrypoint = try ComposeValues.command(value, path: path)
            case "environment":
                spec.environment = try ComposeValues.keyValues(value, path: path, what: "environment", fallback: environment)
            case "env_file": environmentFromFiles = try envFiles(value, path: path)
            case "ports": spec.ports = try ports(value, path: path)
            case "expose":
                var exposed: [String] = []
                for (index, item) in try ComposeValues.stringList(value, path: path).enumerated() {
                    let itemPath = "\(path)[\(index)]"
                    let parts = item.split(separator: "/", maxSplits: 1)
                    let proto = parts.count > 1 ? String(parts[1]).lowercased() : "tcp"
                    guard ServiceLimits.protocols.contains(proto) else {
                        throw ModelError(.invalidValue, at: itemPath, line: value.line, "exposed port '\(item)' has protocol '\(proto)'; use tcp, udp or sctp")
                    }
                    let ports = try ComposeValues.portRange(String(parts.first ?? ""), path: itemPath, line: value.line, what: "exposed port")
                    try ServiceLimits.checkPortCount(exposed.count + ports.count, at: path, line: value.line)
                    exposed += ports.map { "\($0)/\(proto)" }
                }
                spec.expose = exposed
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
                containerName = try ComposeValues.string(value, path: path)
            case "pull_policy": spec.pullPolicy = try pullPolicy(value, path: path)
            case "platform": spec.platform = try ComposeValues.string(value, path: path)
            case "logging": spec.logging = try logging(value, path: path)
            case "profiles": profiles = try ComposeValues.stringList(value, path: path)
            case "extends": continue  // resolved before decoding
            case "deploy": deployRestart = try deploy(value, path: path, into: &spec)
            case "mem_limit": spec.memoryLimit = try memory(value, path: path)
            case "mem_reservation": spec.memoryReservation = try memory(value, path: path)
            case "cpus": spec.cpus = try cpus(value, path: path)
            case "pids_limit": spec.pidsLimit = try pids(value, path: path)
            case "security_opt": spec.securityOpt = try ComposeValues.stringList(value, path: path)
            case "pid": spec.pid = try ComposeValues.string(value, path: path)
            case "ipc": spec.ipc = try ComposeValues.string(value, path: path)
            case "group_add": spec.groupAdd = try ComposeValues.stringList(value, path: path)
            case "tty": spec.tty = try ComposeValues.bool(value, path: path)
            case "stdin_open": spec.stdinOpen = try ComposeValues.bool(value, path: path)
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
        if spec.restart == nil, let deployRestart { spec.restart = deployRestart }
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
        if spec.tmpfs?.isEmpty == true { spec.tmpfs = nil }
        if spec.sysctls?.isEmpty == true { spec.sysctls = nil }
        if spec.ulimits?.isEmpty == true { spec.ulimits = nil }
        if spec.extraHosts?.isEmpty == true { spec.extraHosts = nil }
        if spec.dns?.isEmpty == true { spec.dns = nil }
        if spec.restart == "no" { spec.restart = nil }
    }

    // MARK: - Keys with structure

    private func build(_ value: YAMLValue, path: String) throws(ModelError) -> ServiceSpec.BuildSpec {
        if case .scalar = value {
            return .init(context: try ComposeValues.string(value, path: path))
        }
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'build' must be a context path or a mapping")
        }
        var spec = ServiceSpec.BuildSpec(context: ".")
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            switch key {
            case "context": spec.context = try ComposeValues.string(item, path: itemPath)
            case "dockerfile": spec.dockerfile = try ComposeValues.string(item, path: itemPath)
            case "args": spec.args = try ComposeValues.keyValues(item, path: itemPath, what: "build arg", fallback: environment)
            case "target": spec.target = try ComposeValues.string(item, path: itemPath)
            case "cache_from", "cache_to", "labels", "network", "shm_size", "extra_hosts", "platforms", "tags", "ssh", "secrets",
                "additional_contexts", "pull", "no_cache", "privileged", "isolation", "ulimits", "dockerfile_inline", "entitlements":
                // Build options matter only to whoever builds the image; the device never builds.
                continue
            default:
                if key.hasPrefix("x-") { continue }
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "service '\(name)' has unknown build key '\(key)'")
            }
        }
        return spec
    }

    private func envFiles(_ value: YAMLValue, path: String) throws(ModelError) -> [String: String] {
        var files: [(path: String, required: Bool)] = []
        switch value {
        case .scalar: files = [(try ComposeValues.string(value, path: path), true)]
        case .sequence(let items, _):
            for (index, item) in items.enumerated() {
                if case .mapping = item {
                    guard let filePath = item["path"] else {
                        throw ModelError(.missing, at: "\(path)[\(index)]", line: item.line, "env_file entry needs 'path'")
                    }
                    let required = try item["required"].map { v throws(ModelError) in try ComposeValues.bool(v, path: "\(path)[\(index)].required") } ?? true
                    files.append((try ComposeValues.string(filePath, path: "\(path)[\(index)].path"), required))
                } else {
                    files.append((try ComposeValues.string(item, path: "\(path)[\(index)]"), true))
                }
            }
        case .mapping:
            throw ModelError(.invalidValue, at: path, line: value.line, "'env_file' must be a path or a list of paths")
        }
        var out: [String: String] = [:]
        for file in files {
            guard let readFile else {
                throw ModelError(
                    .unsupported, at: path, line: value.line,
                    "service '\(name)' reads env_file '\(file.path)', and this document was given without its directory; put the variables under 'environment'")
            }
            let text: String
            do {
                text = try readFile(file.path)
            } catch {
                if !file.required { continue }
                throw ModelError(.missing, at: path, line: value.line, "service '\(name)' reads env_file '\(file.path)', which cannot be read: \(error)")
            }
            for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = rawLine.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                let entry = trimmed.hasPrefix("export ") ? String(trimmed.dropFirst(7)) : trimmed
                guard let eq = entry.firstIndex(of: "=") else {
                    if let inherited = environment[entry] { out[entry] = inherited }
                    continue
                }
                var val = String(entry[entry.index(after: eq)...])
                if val.count >= 2, let first = val.first, first == "\"" || first == "'", val.last == first {
                    val = String(val.dropFirst().dropLast())
                }
                let key = String(entry[..<eq]).trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty else {
                    throw ModelError(.invalidValue, at: path, line: value.line, "env_file '\(file.path)' line \(number + 1) has no variable name")
                }
                out[key] = val
            }
        }
        return out
    }

    private func ports(_ value: YAMLValue, path: String) throws(ModelError) -> [PortMapping] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'ports' must be a list")
        }
        var out: [PortMapping] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            switch item {
            case .scalar(let text, let plain, let line):
                if plain, let number = Int(text) {
                    guard (1...65535).contains(number) else {
                        throw ModelError(.invalidValue, at: itemPath, line: line, "ports entry \(number) is outside the valid TCP/UDP port range 1-65535")
                    }
                    out.append(PortMapping(target: number, published: nil, hostIP: nil, protocol: "tcp"))
                } else {
                    out += try ComposeValues.shortPort(text, path: itemPath, line: line)
                }
                try ServiceLimits.checkPortCount(out.count, at: path, line: line)
            case .mapping(let pairs, let line):
                var target: Int?
                var published: [Int]?
                var hostIP: String?
                var proto = "tcp"
                for (key, field) in pairs {
                    let fieldPath = "\(itemPath).\(key)"
                    switch key {
                    case "target":
                        target = try ComposeValues.port(
                            try ComposeValues.string(field, path: fieldPath), path: fieldPath, line: field.line, what: "target port")
                    case "published":
                        published = try ComposeValues.portRange(
                            try ComposeValues.string(field, path: fieldPath), path: fieldPath, line: field.line, what: "published port")
                    case "host_ip": hostIP = try ComposeValues.string(field, path: fieldPath)
                    case "protocol": proto = try ComposeValues.string(field, path: fieldPath).lowercased()
                    case "mode", "name", "app_protocol": continue
                    default:
                        if key.hasPrefix("x-") { continue }
                        throw ModelError(.unknownKey, at: fieldPath, line: field.line, "unknown port key '\(key)'")
                    }
                }
                guard let target else {
                    throw ModelError(.missing, at: itemPath, line: line, "a port in long syntax needs 'target'")
                }
                guard ["tcp", "udp", "sctp"].contains(proto) else {
                    throw ModelError(.invalidValue, at: "\(itemPath).protocol", line: line, "protocol '\(proto)' must be tcp, udp or sctp")
                }
                if let published, published.count > 1 {
                    throw ModelError(
                        .unsupported, at: "\(itemPath).published", line: line, "a published port range for one target port is not supported; publish one port")
                }
                out.append(PortMapping(target: target, published: published?.first, hostIP: hostIP, protocol: proto))
            case .sequence(_, let line):
                throw ModelError(.invalidValue, at: itemPath, line: line, "a ports entry must be a string, a number or a mapping")
            }
        }
        return out
    }

    private func resolveHostPath(_ source: String) -> String {
        if source.hasPrefix("~/"), let home = environment["HOME"] { return home + source.dropFirst(1) }
        guard !source.hasPrefix("/"), let baseDirectory else { return source }
        var relative = Substring(source)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        if relative == "." { return baseDirectory }
        return (baseDirectory.hasSuffix("/") ? baseDirectory : baseDirectory + "/") + relative
    }

    private func volumes(_ value: YAMLValue, path: String) throws(ModelError) -> [VolumeMount] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'volumes' must be a list")
        }
        var out: [VolumeMount] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            switch item {
            case .scalar:
                out.append(try shortVolume(try ComposeValues.string(item, path: itemPath), path: itemPath, line: item.line))
            case .mapping(let pairs, let line):
                var kind: VolumeMount.Kind?
                var source: String?
                var target: String?
                var readOnly: Bool?
                var noCopy: Bool?
                var size: Int64?
                var create: Bool?
                for (key, field) in pairs {
                    let fieldPath = "\(itemPath).\(key)"
                    switch key {
                    case "type":
                        let text = try ComposeValues.string(field, path: fieldPath)
                        guard let parsed = VolumeMount.Kind(rawValue: text) else {
                            throw ModelError(.unsupported, at: fieldPath, line: field.line, "mount type '\(text)' is not supported; use volume, bind or tmpfs")
                        }
                        kind = parsed
                    case "source": source = try ComposeValues.string(field, path: fieldPath)
                    case "target": target = try ComposeValues.string(field, path: fieldPath)
                    case "read_only": readOnly = try ComposeValues.bool(field, path: fieldPath)
                    case "volume":
                        if let nc = field["nocopy"] { noCopy = try ComposeValues.bool(nc, path: "\(fieldPath).nocopy") }
                    case "tmpfs":
                        if let s = field["size"] {
                            size = try ComposeValues.byteSize(try ComposeValues.string(s, path: "\(fieldPath).size"), path: "\(fieldPath).size", line: s.line)
                        }
                    case "bind":
                        if let c = field["create_host_path"] { create = try ComposeValues.bool(c, path: "\(fieldPath).create_host_path") }
                    case "consistency": continue
                    default:
                        if key.hasPrefix("x-") { continue }
                        throw ModelError(.unknownKey, at: fieldPath, line: field.line, "unknown mount key '\(key)'")
                    }
                }
                guard let kind else { throw ModelError(.missing, at: itemPath, line: line, "a mount in long syntax needs 'type'") }
                guard let target, target.hasPrefix("/") else {
                    throw ModelError(.missing, at: itemPath, line: line, "a mount needs 'target', an absolute path in the container")
                }
                if kind == .bind {
                    guard let given = source else { throw ModelError(.missing, at: itemPath, line: line, "a bind mount needs 'source'") }
                    source = resolveHostPath(given)
                }
                var mount = VolumeMount(type: kind, source: kind == .tmpfs ? nil : source, target: target, readOnly: readOnly == true ? true : nil)
                mount.noCopy = noCopy == true ? true : nil
                mount.tmpfsSize = size
                mount.createHostPath = kind == .bind ? (create ?? true) : nil
                out.append(mount)
            case .sequence(_, let line):
                throw ModelError(.invalidValue, at: itemPath, line: line, "a volumes entry must be a string or a mapping")
            }
        }
        return out
    }

    private func shortVolume(_ text: String, path: String, line: Int?) throws(ModelError) -> VolumeMount {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)' is malformed; write [SOURCE:]TARGET[:MODE]")
        }
        if parts.count == 1 {
            guard text.hasPrefix("/") else {
                throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)' needs an absolute container path")
            }
            return VolumeMount(type: .volume, source: nil, target: text)
        }
        let source = parts[0]
        let target = parts[1]
        guard target.hasPrefix("/") else {
            throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)': the container path '\(target)' must be absolute")
        }
        var readOnly = false
        var noCopy = false
        if parts.count == 3 {
            for option in parts[2].split(separator: ",") {
                switch option {
                case "ro": readOnly = true
                case "rw", "z", "Z", "cached", "delegated", "consistent", "rprivate", "private", "rshared", "shared", "rslave", "slave": continue
                case "nocopy": noCopy = true
                default:
                    throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)' has unknown mode '\(option)' (use ro or rw)")
                }
            }
        }
        let isPath = source.hasPrefix("/") || source.hasPrefix(".") || source.hasPrefix("~")
        var mount = VolumeMount(
            type: isPath ? .bind : .volume, source: isPath ? resolveHostPath(source) : source, target: target, readOnly: readOnly ? true : nil)
        if noCopy { mount.noCopy = true }
        if isPath { mount.createHostPath = true }
        return mount
    }

    private func networks(_ value: YAMLValue, path: String) throws(ModelError) -> [String: NetworkAttachment] {
        var out: [String: NetworkAttachment] = [:]
        switch value {
        case .sequence:
            for network in try ComposeValues.stringList(value, path: path) { out[network] = NetworkAttachment() }
        case .mapping(let pairs, _):
            for (network, item) in pairs {
                var attachment = NetworkAttachment()
                if !item.isNull {
                    guard case .mapping(let keys, _) = item else {
                        throw ModelError(.invalidValue, at: "\(path).\(network)", line: item.line, "network settings must be a mapping or empty")
                    }
                    for (key, field) in keys {
                        let fieldPath = "\(path).\(network).\(key)"
                        switch key {
                        case "aliases": attachment.aliases = try ComposeValues.stringList(field, path: fieldPath)
                        case "ipv4_address": attachment.ipv4Address = try ComposeValues.string(field, path: fieldPath)
                        case "priority", "gw_priority": continue
                        case "ipv6_address", "link_local_ips", "mac_address", "driver_opts", "interface_name":
                            throw ModelError(
                                .unsupported, at: fieldPath, line: field.line,
                                "service '\(name)' uses network setting '\(key)', which Drover does not support yet")
                        default:
                            throw ModelError(.unknownKey, at: fieldPath, line: field.line, "service '\(name)' has unknown network setting '\(key)'")
                        }
                    }
                }
                out[network] = attachment
            }
        case .scalar:
            throw ModelError(.invalidValue, at: path, line: value.line, "'networks' must be a list or a mapping")
        }
        return out
    }

    private func restart(_ value: YAMLValue, path: String) throws(ModelError) -> String {
        // `restart: no` unquoted is YAML 1.1's false; compose means the string "no".
        let text = try ComposeValues.string(value, path: path)
        let normalised = text == "false" ? "no" : text
        try ServiceLimits.checkRestart(normalised, at: path, line: value.line)
        return normalised
    }

    private func dependsOn(_ value: YAMLValue, path: String) throws(ModelError) -> [String: DependencyCondition] {
        var out: [String: DependencyCondition] = [:]
        switch value {
        case .sequence:
            for dependency in try ComposeValues.stringList(value, path: path) { out[dependency] = .serviceStarted }
        case .mapping(let pairs, _):
            for (dependency, item) in pairs {
                var condition = DependencyCondition.serviceStarted
                if let conditionNode = item["condition"] {
                    let text = try ComposeValues.string(conditionNode, path: "\(path).\(dependency).condition")
                    guard let parsed = DependencyCondition(rawValue: text) else {
                        throw ModelError(
                            .invalidValue, at: "\(path).\(dependency).condition", line: conditionNode.line,
                            "condition '\(text)' must be service_started, service_healthy or service_completed_successfully")
                    }
                    condition = parsed
                }
                for (key, field) in item.mappingPairs ?? [] where !["condition", "restart", "required"].contains(key) {
                    throw ModelError(.unknownKey, at: "\(path).\(dependency).\(key)", line: field.line, "unknown depends_on key '\(key)'")
                }
                out[dependency] = condition
            }
        case .scalar:
            throw ModelError(.invalidValue, at: path, line: value.line, "'depends_on' must be a list of services or a mapping")
        }
        return out
    }

    private mutating func healthcheck(_ value: YAMLValue, path: String) throws(ModelError) -> ServiceSpec.Healthcheck? {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'healthcheck' must be a mapping")
        }
        var check = ServiceSpec.Healthcheck(test: [])
        var disabled = false
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            switch key {
            case "test":
                if case .sequence = item {
                    check.test = try ComposeValues.stringList(item, path: itemPath)
                    guard let first = check.test.first, ["CMD", "CMD-SHELL", "NONE"].contains(first) else {
                        throw ModelError(.invalidValue, at: itemPath, line: item.line, "a healthcheck test list must start with CMD, CMD-SHELL or NONE")
                    }
                } else {
                    check.test = ["CMD-SHELL", try ComposeValues.string(item, path: itemPath)]
                }
            case "interval": check.interval = try healthcheckDuration(item, path: itemPath)
            case "timeout": check.timeout = try healthcheckDuration(item, path: itemPath)
            case "start_period": check.startPeriod = try healthcheckDuration(item, path: itemPath)
            case "retries":
                let retries = try ComposeValues.int(item, path: itemPath)
                try ServiceLimits.checkCount(retries, what: "retries", at: itemPath, line: item.line)
                check.retries = retries
            case "disable": disabled = try ComposeValues.bool(item, path: itemPath)
            case "start_interval":
                // Needs engine API 1.44; older engines (dockerd 20.10) ignore it, so it only shapes start-up probing.
                _ = try healthcheckDuration(item, path: itemPath)
                warnings.append("service '\(name)': healthcheck start_interval is not applied (engine API 1.44 needed)")
            default:
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown healthcheck key '\(key)'")
            }
        }
        if disabled { return .init(test: ["NONE"]) }
        if check.test.isEmpty {
            throw ModelError(.missing, at: path, line: value.line, "service '\(name)' has a healthcheck without 'test'")
        }
        return check
    }

    private func devices(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        var out: [String] = []
        for (index, entry) in try ComposeValues.stringList(value, path: path).enumerated() {
            try ServiceLimits.checkDevice(entry, at: "\(path)[\(index)]", line: value.line)
            out.append(entry)
        }
        return out
    }

    private func ulimits(_ value: YAMLValue, path: String) throws(ModelError) -> [String: ServiceSpec.Ulimit] {
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

    private func extraHosts(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        if case .mapping(let pairs, _) = value {
            var out: [String] = []
            for (host, item) in pairs { out.append("\(host):\(try ComposeValues.string(item, path: "\(path).\(host)"))") }
            return out
        }
        return try ComposeValues.stringList(value, path: path).map { entry in
            // Compose accepts HOST=IP as well as HOST:IP.
            if let eq = entry.firstIndex(of: "=") { return entry.replacingCharacters(in: eq...eq, with: ":") }
            return entry
        }
    }

    private func pullPolicy(_ value: YAMLValue, path: String) throws(ModelError) -> String? {
        let text = try ComposeValues.string(value, path: path)
        switch text {
        case "always": return "always"
        case "never": return "never"
        case "missing", "if_not_present", "build": return nil
        default:
            throw ModelError(.invalidValue, at: path, line: value.line, "pull_policy '\(text)' must be always, missing, if_not_present, never or build")
        }
    }

    private func logging(_ value: YAMLValue, path: String) throws(ModelError) -> ServiceSpec.Logging {
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

    private func cpus(_ value: YAMLValue, path: String) throws(ModelError) -> Double {
        let text = try ComposeValues.string(value, path: path)
        guard let number = Double(text) else {
            throw ModelError(.invalidValue, at: path, line: value.line, "cpus '\(text)' must be a number of CPUs such as 0.5 or 2")
        }
        try ServiceLimits.checkCPUs(number, text: text, at: path, line: value.line)
        return number
    }

    private func memory(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        let text = try ComposeValues.string(value, path: path)
        let bytes = try ComposeValues.byteSize(text, path: path, line: value.line)
        try ServiceLimits.checkMemory(bytes, text: text, at: path, line: value.line)
        return bytes
    }

    private func pids(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        let number = Int64(try ComposeValues.int(value, path: path))
        try ServiceLimits.checkPids(number, at: path, line: value.line)
        return number
    }

    private func healthcheckDuration(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        let text = try ComposeValues.string(value, path: path)
        let nanoseconds = try ComposeValues.duration(text, path: path, line: value.line)
        try ServiceLimits.checkHealthcheckDuration(nanoseconds, text: text, at: path, line: value.line)
        return nanoseconds
    }

    /// Reads the parts of `deploy` that mean something on one device; returns a restart
    /// policy from `deploy.restart_policy` for when `restart` is not given.
    private mutating func deploy(_ value: YAMLValue, path: String, into spec: inout ServiceSpec) throws(ModelError) -> String? {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'deploy' must be a mapping")
        }
        var restart: String?
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            switch key {
            case "replicas":
                let count = try ComposeValues.int(item, path: itemPath)
                guard count >= 0 else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "deploy.replicas is \(count); replica count must be a non-negative integer")
                }
                guard count <= 1 else {
                    throw ModelError(
                        .unsupported, at: itemPath, line: item.line, "service '\(name)' asks for \(count) replicas; a device runs one container per service")
                }
            case "mode":
                let mode = try ComposeValues.string(item, path: itemPath)
                guard mode == "replicated" else {
                    throw ModelError(
                        .unsupported, at: itemPath, line: item.line, "service '\(name)' uses deploy.mode '\(mode)', which Drover does not support yet")
                }
            case "resources":
                for (group, limits) in item.mappingPairs ?? [] {
                    for (resource, amount) in limits.mappingPairs ?? [] {
                        let resourcePath = "\(itemPath).\(group).\(resource)"
                        switch (group, resource) {
                        case ("limits", "memory"): spec.memoryLimit = try memory(amount, path: resourcePath)
                        case ("limits", "cpus"): spec.cpus = try cpus(amount, path: resourcePath)
                        case ("limits", "pids"): spec.pidsLimit = try pids(amount, path: resourcePath)
                        case ("reservations", "memory"): spec.memoryReservation = try memory(amount, path: resourcePath)
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
                case "none": restart = "no"
                case "on-failure":
                    if let attempts = item["max_attempts"] {
                        let count = try ComposeValues.int(attempts, path: "\(itemPath).max_attempts")
                        try ServiceLimits.checkCount(count, what: "max_attempts", at: "\(itemPath).max_attempts", line: attempts.line)
                        restart = "on-failure:\(count)"
                    } else {
                        restart = "on-failure"
                    }
                case "any": restart = "always"
                default:
                    throw ModelError(
                        .invalidValue, at: "\(itemPath).condition", line: item.line, "restart condition '\(condition)' must be none, on-failure or any")
                }
            default:
                throw ModelError(.unsupported, at: itemPath, line: item.line, "service '\(name)' uses deploy.\(key), which Drover does not support yet")
            }
        }
        return restart
    }
}
