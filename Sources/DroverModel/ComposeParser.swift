import Foundation

/// A compose document turned into Drover's normalised app, with the warnings met on the way.
public struct ComposeDocument: Sendable, Equatable {
    /// The app as Drover runs it.
    public var app: AppSpec
    /// The document's `name:`, if any.
    public var name: String?
    /// Things accepted but worth telling the user (an unset variable, an ignored setting).
    public var warnings: [String]
}

/// Parses and validates compose documents.
///
/// Every key of the Compose specification is either turned into Drover's spec or rejected with
/// an error that names the service and the key; nothing is silently dropped. File access
/// (`extends: {file:}`, `env_file`) goes through `readFile`, so the parser itself does no I/O.
public struct ComposeParser: Sendable {
    /// Variables for `${VAR}` interpolation and for bare `environment` entries.
    public var environment: [String: String]
    /// Profiles to activate; services in other profiles are left out.
    public var activeProfiles: Set<String>
    /// Directory that relative bind-mount paths are resolved against; nil keeps them relative.
    public var baseDirectory: String?
    /// Reads a file named in the document (relative to the document); nil when files cannot be read.
    public var readFile: (@Sendable (String) throws -> String)?

    /// Creates a parser.
    public init(
        environment: [String: String] = [:], activeProfiles: Set<String> = [], baseDirectory: String? = nil,
        readFile: (@Sendable (String) throws -> String)? = nil
    ) {
        self.environment = environment
        self.activeProfiles = activeProfiles
        self.baseDirectory = baseDirectory
        self.readFile = readFile
    }

    static let topLevelKeys: Set<String> = ["version", "name", "services", "networks", "volumes"]
    static let topLevelUnsupported: [String: String] = [
        "include": "include other compose files into this one",
        "secrets": "pass secret values as environment variables or mount the file with a bind mount",
        "configs": "mount the config file with a bind mount",
        "models": "models are not supported",
    ]

    static let supportedServiceKeys: Set<String> = [
        "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "networks",
        "network_mode", "labels", "restart", "depends_on", "healthcheck", "privileged", "cap_add", "cap_drop", "devices",
        "working_dir", "user", "hostname", "domainname", "tmpfs", "sysctls", "ulimits", "stop_signal", "stop_grace_period",
        "read_only", "extra_hosts", "dns", "dns_search", "shm_size", "init", "container_name", "pull_policy", "platform",
        "logging", "profiles", "extends", "links", "deploy", "mem_limit", "mem_reservation", "cpus", "pids_limit",
        "security_opt", "pid", "ipc", "group_add", "tty", "stdin_open",
    ]

    static let unsupportedServiceKeys: Set<String> = [
        "annotations", "attach", "blkio_config", "cpu_count", "cpu_percent", "cpu_shares", "cpu_period", "cpu_quota",
        "cpu_rt_runtime", "cpu_rt_period", "cpuset", "credential_spec", "configs", "cgroup", "cgroup_parent", "develop",
        "device_cgroup_rules", "dns_opt", "external_links", "gpus", "isolation", "label_file", "post_start", "pre_stop",
        "mac_address", "memswap_limit", "mem_swappiness", "models", "oom_kill_disable", "oom_score_adj", "provider",
        "runtime", "scale", "secrets", "storage_opt", "userns_mode", "uts", "use_api_socket", "volumes_from",
    ]

    /// Parses `text` into an app, or throws the first problem found.
    public func parse(_ text: String) throws(ModelError) -> ComposeDocument {
        var unset: Set<String> = []
        do {
            return try parse(text, unset: &unset)
        } catch {
            // An unset variable is the usual cause of an empty or malformed value: say so.
            guard !unset.isEmpty else { throw error }
            var explained = error
            explained.message += " (note: variable(s) \(unset.sorted().joined(separator: ", ")) are not set and were replaced by empty strings)"
            throw explained
        }
    }

    private func parse(_ text: String, unset: inout Set<String>) throws(ModelError) -> ComposeDocument {
        guard let root = try YAMLValue.parse(text) else {
            throw ModelError(.missing, at: "", "the document is empty; it needs a 'services' mapping")
        }
        var interpolator = Interpolator(environment: environment)
        let resolved = try interpolate(root, path: "", with: &interpolator)
        unset = interpolator.unset
        guard case .mapping(let top, _) = resolved else {
            throw ModelError(
                .invalidValue, at: "", line: resolved.line, "the document must be a mapping with a 'services' key, found \(ComposeValues.describe(resolved))")
        }
        var warnings: [String] = []
        for (key, value) in top where !key.hasPrefix("x-") && !Self.topLevelKeys.contains(key) {
            if let reason = Self.topLevelUnsupported[key] {
                throw ModelError(.unsupported, at: key, line: value.line, "top-level '\(key)' is not supported by Drover yet: \(reason)")
            }
            var message = "unknown top-level key '\(key)' (allowed: version, name, services, networks, volumes and x-* extensions)"
            if let guess = Self.closest(to: key, in: Self.topLevelKeys) { message += "; did you mean '\(guess)'?" }
            throw ModelError(.unknownKey, at: key, line: value.line, message)
        }
        if resolved["version"] != nil {
            warnings.append("the top-level 'version' key is obsolete and ignored")
        }
        let name = try resolved["name"].map { value throws(ModelError) in try ComposeValues.string(value, path: "name") }

        let networks = try parseNetworks(resolved["networks"])
        let volumes = try parseVolumes(resolved["volumes"])

        guard let servicesNode = resolved["services"] else {
            throw ModelError(.missing, at: "services", "the document has no 'services' mapping, so there is nothing to run")
        }
        let servicePairs: [(key: String, value: YAMLValue)]
        switch servicesNode {
        case .mapping(let pairs, _): servicePairs = pairs
        case .sequence:
            throw ModelError(
                .invalidValue, at: "services", line: servicesNode.line,
                "'services' is a YAML sequence instead of a mapping: write each service as 'name:' with its keys indented below, not as a '- name:' list item")
        case .scalar:
            if servicesNode.isNull {
                throw ModelError(.missing, at: "services", line: servicesNode.line, "'services' is empty, so there is nothing to run")
            }
            throw ModelError(.invalidValue, at: "services", line: servicesNode.line, "'services' must be a mapping of service names to definitions")
        }
        guard servicePairs.count <= API.Limits.reportedServices else {
            throw ModelError(
                .tooLarge, at: "services", line: servicesNode.line,
                "the document has \(servicePairs.count) services; an app holds at most \(API.Limits.reportedServices)")
        }
        let rawServices = Dictionary(servicePairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })

        var services: [String: ServiceSpec] = [:]
        var skipped: [String: [String]] = [:]
        // Services extending a large one multiply it, as aliases do: the same budget applies.
        var budget = ExpansionBudget()
        var files: [String: YAMLValue] = [:]
        for (serviceName, node) in servicePairs {
            try Self.validateServiceName(serviceName, line: node.line)
            let definition = try resolveExtends(serviceName, node: node, services: rawServices, depth: 0, files: &files)
            try budget.count(definition, through: "'extends'")
            var decoder = ServiceDecoder(
                name: serviceName, environment: environment, baseDirectory: baseDirectory, readFile: readFile)
            let (spec, profiles) = try decoder.decode(definition)
            warnings += decoder.warnings
            if !profiles.isEmpty && activeProfiles.isDisjoint(with: profiles) {
                skipped[serviceName] = profiles
                warnings.append("service '\(serviceName)' is left out: it is in profile(s) \(profiles.joined(separator: ", ")), none of them active")
                continue
            }
            services[serviceName] = spec
        }
        if services.isEmpty && skipped.isEmpty {
            throw ModelError(.missing, at: "services", line: servicesNode.line, "'services' is empty, so there is nothing to run")
        }
        for name in interpolator.unset.sorted() {
            warnings.append("variable \(name) is not set; it was replaced by an empty string")
        }
        var app = AppSpec(services: services, networks: networks, volumes: volumes)
        try validate(&app, skipped: skipped, rawServices: rawServices)
        return ComposeDocument(app: app, name: name, warnings: warnings)
    }

    // MARK: - Interpolation and extends

    private func interpolate(_ value: YAMLValue, path: String, with interpolator: inout Interpolator) throws(ModelError) -> YAMLValue {
        switch value {
        case .scalar(let text, let plain, let line):
            return .scalar(try interpolator.interpolate(text, path: path, line: line), plain: plain, line: line)
        case .sequence(let items, let line):
            var out: [YAMLValue] = []
            for (index, item) in items.enumerated() {
                out.append(try interpolate(item, path: "\(path)[\(index)]", with: &interpolator))
            }
            return .sequence(out, line: line)
        case .mapping(let pairs, let line):
            var out: [(key: String, value: YAMLValue)] = []
            for (key, item) in pairs {
                // Extension fields are templates for anchors; they are interpolated where used.
                if path.isEmpty && key.hasPrefix("x-") {
                    out.append((key, item))
                    continue
                }
                out.append((key, try interpolate(item, path: path.isEmpty ? key : "\(path).\(key)", with: &interpolator)))
            }
            return .mapping(out, line: line)
        }
    }

    private func resolveExtends(
        _ name: String, node: YAMLValue, services: [String: YAMLValue], depth: Int, files: inout [String: YAMLValue]
    ) throws(ModelError) -> YAMLValue {
        guard case .mapping(let pairs, let line) = node, let extends = node["extends"] else { return node }
        let path = "services.\(name).extends"
        guard depth < 10 else {
            throw ModelError(.dependencyCycle, at: path, line: extends.line, "'extends' chain is longer than 10 services or circular")
        }
        let baseName: String
        var file: String?
        switch extends {
        case .scalar:
            baseName = try ComposeValues.string(extends, path: path)
        case .mapping:
            guard let service = extends["service"] else {
                throw ModelError(.missing, at: path, line: extends.line, "'extends' needs 'service: NAME'")
            }
            baseName = try ComposeValues.string(service, path: "\(path).service")
            file = try extends["file"].map { value throws(ModelError) in try ComposeValues.string(value, path: "\(path).file") }
        case .sequence:
            throw ModelError(.invalidValue, at: path, line: extends.line, "'extends' must be a service name or a mapping with 'service' (and 'file')")
        }
        var base: YAMLValue
        if let file {
            guard let readFile else {
                throw ModelError(
                    .unsupported, at: path, line: extends.line,
                    "'extends' from file '\(file)' needs that file, and this document was given without its directory")
            }
            // Each file is read and parsed once, however many services extend from it.
            let other: YAMLValue
            if let known = files[file] {
                other = known
            } else {
                let text: String
                do {
                    text = try readFile(file)
                } catch {
                    throw ModelError(.missing, at: "\(path).file", line: extends.line, "'extends' names file '\(file)', which cannot be read: \(error)")
                }
                do {
                    other = try YAMLValue.parse(text) ?? .scalar("", plain: true, line: nil)
                } catch {
                    throw ModelError(error.code, at: "\(path).file", line: extends.line, "in '\(file)': \(error)")
                }
                files[file] = other
            }
            guard let found = other["services"]?[baseName] else {
                throw ModelError(.undeclared, at: path, line: extends.line, "'extends' names service '\(baseName)', which '\(file)' does not define")
            }
            base = found
        } else {
            guard let found = services[baseName] else {
                throw ModelError(.undeclared, at: path, line: extends.line, "'extends' names service '\(baseName)', which is not defined in this document")
            }
            base = try resolveExtends(baseName, node: found, services: services, depth: depth + 1, files: &files)
        }
        guard case .mapping(let basePairs, _) = base else { return node }
        // The extending service's own keys win; depends_on and links are not inherited, as in compose.
        let own = pairs.filter { $0.key != "extends" }
        let ownKeys = Set(own.map(\.key))
        let inherited = basePairs.filter { pair in
            pair.key != "depends_on" && pair.key != "links" && pair.key != "extends" && !ownKeys.contains(pair.key)
        }
        return .mapping(own + inherited, line: line)
    }

    // MARK: - Top-level networks and volumes

    private func parseNetworks(_ node: YAMLValue?) throws(ModelError) -> [String: NetworkSpec] {
        guard let node, !node.isNull else { return [:] }
        guard case .mapping(let pairs, _) = node else {
            throw ModelError(.invalidValue, at: "networks", line: node.line, "top-level 'networks' must be a mapping of network names")
        }
        var out: [String: NetworkSpec] = [:]
        for (name, value) in pairs {
            let path = "networks.\(name)"
            var spec = NetworkSpec()
            if !value.isNull {
                guard case .mapping(let keys, _) = value else {
                    throw ModelError(.invalidValue, at: path, line: value.line, "network definition must be a mapping or empty")
                }
                for (key, item) in keys {
                    let itemPath = "\(path).\(key)"
                    if let common = try Self.commonResourceKey(key, item, path: itemPath) {
                        common.apply(to: &spec.driver, &spec.driverOpts, &spec.labels, &spec.name, &spec.external)
                        continue
                    }
                    switch key {
                    case "internal": spec.internal = try ComposeValues.bool(item, path: itemPath)
                    case "attachable": spec.attachable = try ComposeValues.bool(item, path: itemPath)
                    case "enable_ipv6": spec.enableIPv6 = try ComposeValues.bool(item, path: itemPath)
                    case "ipam", "enable_ipv4", "driver_opts_v2":
                        throw ModelError(.unsupported, at: itemPath, line: item.line, "network key '\(key)' is not supported by Drover yet")
                    default:
                        if key.hasPrefix("x-") { continue }
                        throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown network key '\(key)'")
                    }
                }
            }
            out[name] = spec
        }
        return out
    }

    private func parseVolumes(_ node: YAMLValue?) throws(ModelError) -> [String: VolumeSpec] {
        guard let node, !node.isNull else { return [:] }
        guard case .mapping(let pairs, _) = node else {
            throw ModelError(.invalidValue, at: "volumes", line: node.line, "top-level 'volumes' must be a mapping of volume names")
        }
        var out: [String: VolumeSpec] = [:]
        for (name, value) in pairs {
            let path = "volumes.\(name)"
            var spec = VolumeSpec()
            if !value.isNull {
                guard case .mapping(let keys, _) = value else {
                    throw ModelError(.invalidValue, at: path, line: value.line, "volume definition must be a mapping or empty")
                }
                for (key, item) in keys {
                    let itemPath = "\(path).\(key)"
                    if let common = try Self.commonResourceKey(key, item, path: itemPath) {
                        common.apply(to: &spec.driver, &spec.driverOpts, &spec.labels, &spec.name, &spec.external)
                        continue
                    }
                    switch key {
                    default:
                        if key.hasPrefix("x-") { continue }
                        throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown volume key '\(key)'")
                    }
                }
            }
            out[name] = spec
        }
        return out
    }

    /// A key that top-level networks and volumes share, parsed.
    enum CommonResourceKey {
        case driver(String), driverOpts([String: String]), labels([String: String]), name(String), external(Bool, name: String?)

        func apply(
            to driver: inout String?, _ driverOpts: inout [String: String]?, _ labels: inout [String: String]?, _ name: inout String?,
            _ external: inout Bool?
        ) {
            switch self {
            case .driver(let value): driver = value
            case .driverOpts(let value): driverOpts = value
            case .labels(let value): labels = value
            case .name(let value): name = value
            case .external(let value, let externalName):
                external = value
                if let externalName { name = externalName }
            }
        }
    }

    static func commonResourceKey(_ key: String, _ item: YAMLValue, path: String) throws(ModelError) -> CommonResourceKey? {
        switch key {
        case "driver": return .driver(try ComposeValues.string(item, path: path))
        case "driver_opts": return .driverOpts(try ComposeValues.keyValues(item, path: path, what: "driver_opts"))
        case "labels": return .labels(try ComposeValues.keyValues(item, path: path, what: "label"))
        case "name": return .name(try ComposeValues.string(item, path: path))
        case "external":
            if case .mapping = item {
                return .external(true, name: try item["name"].map { value throws(ModelError) in try ComposeValues.string(value, path: "\(path).name") })
            }
            return .external(try ComposeValues.bool(item, path: path), name: nil)
        default: return nil
        }
    }

    // MARK: - Cross-service validation

    private func validate(_ app: inout AppSpec, skipped: [String: [String]], rawServices: [String: YAMLValue]) throws(ModelError) {
        let declaredNetworks = app.networks ?? [:]
        let declaredVolumes = app.volumes ?? [:]
        var usesDefault = false
        for name in app.services.keys.sorted() {
            guard var spec = app.services[name] else { continue }
            let line = rawServices[name]?.line
            for (dependency, _) in spec.dependsOn ?? [:] {
                if let profiles = skipped[dependency] {
                    throw ModelError(
                        .undeclared, at: "services.\(name).depends_on", line: line,
                        "service '\(name)' depends on '\(dependency)', which is left out because its profile(s) \(profiles.joined(separator: ", ")) are not active"
                    )
                }
                guard app.services[dependency] != nil else {
                    throw ModelError(
                        .undeclared, at: "services.\(name).depends_on", line: line, "service '\(name)' depends on '\(dependency)', which is not defined")
                }
            }
            if let mode = spec.networkMode, mode.hasPrefix("service:") {
                let other = String(mode.dropFirst("service:".count))
                guard app.services[other] != nil else {
                    throw ModelError(
                        .undeclared, at: "services.\(name).network_mode", line: line, "network_mode names service '\(other)', which is not defined")
                }
            }
            for (network, _) in spec.networks ?? [:] where network != "default" && declaredNetworks[network] == nil {
                let known = declaredNetworks.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw ModelError(
                    .undeclared, at: "services.\(name).networks", line: line,
                    "service '\(name)' joins network '\(network)', which is not declared under top-level networks"
                        + (known.isEmpty ? " (none is declared)" : " (declared: \(known))"))
            }
            if spec.networkMode == nil {
                if spec.networks == nil {
                    spec.networks = ["default": NetworkAttachment()]
                }
                if spec.networks?["default"] != nil { usesDefault = true }
            }
            for (index, mount) in (spec.volumes ?? []).enumerated() where mount.type == .volume {
                guard let source = mount.source else { continue }
                guard declaredVolumes[source] != nil else {
                    let known = declaredVolumes.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    throw ModelError(
                        .undeclared, at: "services.\(name).volumes[\(index)]", line: line,
                        "service '\(name)' mounts named volume '\(source)', which is not declared under top-level volumes"
                            + (known.isEmpty ? " (none is declared)" : " (declared: \(known))"))
                }
            }
            app.services[name] = spec
        }
        if usesDefault && declaredNetworks["default"] == nil {
            app.networks = declaredNetworks.merging(["default": NetworkSpec()]) { a, _ in a }
        }
        if app.networks?.isEmpty == true { app.networks = nil }
        if app.volumes?.isEmpty == true { app.volumes = nil }
        if let cycle = Self.findCycle(app.services) {
            throw ModelError(
                .dependencyCycle, at: "services.\(cycle[0]).depends_on", line: rawServices[cycle[0]]?.line,
                "dependency cycle: \(cycle.joined(separator: " -> "))")
        }
    }

    /// The closest of `candidates` to `word` by edit distance, when close enough to be a typo.
    static func closest(to word: String, in candidates: Set<String>) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var current = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                previous = current
            }
            return previous[b.count]
        }
        // A candidate whose length differs by more than 2 cannot be within 2 edits; skipping it
        // also keeps a key of a million characters from costing a million-row table per candidate.
        let near = candidates.filter { abs($0.count - word.count) <= 2 }
        let scored = near.map { ($0, distance(Array(word), Array($0))) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let best = scored.first, best.1 <= 2 else { return nil }
        return best.0
    }
}
