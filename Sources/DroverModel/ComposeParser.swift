import Foundation

/// A compose document turned into Drover's normalised app, with the warnings met on the way.
public struct ComposeDocument: Sendable, Equatable {
    /// The app as Drover runs it.
    public var app: AppSpec
    /// The document's `name:`, if any.
    public var name: String?
    /// Things accepted but worth telling the user (an unset variable, an ignored setting).
    public var warnings: [String]
    /// The `content` of each config given inline, by name (configs are not secret).
    public var inlineConfigs: [String: String] = [:]
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
    /// Reads the document as a Swarm stack (a fleet in cluster mode): `deploy` means replicas,
    /// placement and rolling updates, and keys that Swarm services cannot have are refused.
    public var swarm = false

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

    static let topLevelKeys: Set<String> = ["version", "name", "services", "networks", "volumes", "secrets", "configs"]
    static let topLevelUnsupported: [String: String] = [
        "include": "include other compose files into this one",
        "models": "models are not supported",
    ]

    static let supportedServiceKeys: Set<String> = [
        "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "networks",
        "network_mode", "labels", "restart", "depends_on", "healthcheck", "privileged", "cap_add", "cap_drop", "devices",
        "working_dir", "user", "hostname", "domainname", "tmpfs", "sysctls", "ulimits", "stop_signal", "stop_grace_period",
        "read_only", "extra_hosts", "dns", "dns_search", "shm_size", "init", "container_name", "pull_policy", "platform",
        "logging", "profiles", "extends", "links", "deploy", "mem_limit", "mem_reservation", "cpus", "pids_limit",
        "security_opt", "pid", "ipc", "group_add", "tty", "stdin_open", "secrets", "configs", "scale", "device_cgroup_rules", "gpus",
        "runtime", "post_start", "pre_stop",
    ]

    static let unsupportedServiceKeys: Set<String> = [
        "annotations", "attach", "blkio_config", "cpu_count", "cpu_percent", "cpu_shares", "cpu_period", "cpu_quota",
        "cpu_rt_runtime", "cpu_rt_period", "cpuset", "credential_spec", "cgroup", "cgroup_parent", "develop",
        "dns_opt", "external_links", "isolation", "label_file",
        "mac_address", "memswap_limit", "mem_swappiness", "models", "oom_kill_disable", "oom_score_adj", "provider",
        "storage_opt", "userns_mode", "uts", "use_api_socket", "volumes_from",
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
            var message = "unknown top-level key '\(key)' (allowed: version, name, services, networks, volumes, secrets, configs and x-* extensions)"
            if let guess = Self.closest(to: key, in: Self.topLevelKeys) { message += "; did you mean '\(guess)'?" }
            throw ModelError(.unknownKey, at: key, line: value.line, message)
        }
        if resolved["version"] != nil {
            warnings.append("the top-level 'version' key is obsolete and ignored")
        }
        let name = try resolved["name"].map { value throws(ModelError) in try ComposeValues.string(value, path: "name") }

        let networks = try parseNetworks(resolved["networks"])
        for (network, spec) in networks.sorted(by: { $0.key < $1.key }) {
            try spec.validate(name: network, at: "networks.\(network)") { path in resolved.line(at: path) }
        }
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
        var containerNames: [String: String] = [:]
        for (serviceName, node) in servicePairs {
            try Self.validateServiceName(serviceName, line: node.line)
            let definition = try resolveExtends(serviceName, node: node, services: rawServices, depth: 0, files: &files)
            try budget.count(definition, through: "'extends'")
            var decoder = ServiceDecoder(
                name: serviceName, environment: environment, baseDirectory: baseDirectory, readFile: readFile)
            decoder.swarm = swarm
            let (spec, profiles) = try decoder.decode(definition)
            warnings += decoder.warnings
            if !profiles.isEmpty && activeProfiles.isDisjoint(with: profiles) {
                skipped[serviceName] = profiles
                warnings.append("service '\(serviceName)' is left out: it is in profile(s) \(profiles.joined(separator: ", ")), none of them active")
                continue
            }
            services[serviceName] = spec
            containerNames[serviceName] = decoder.containerName
        }
        if services.isEmpty && skipped.isEmpty {
            throw ModelError(.missing, at: "services", line: servicesNode.line, "'services' is empty, so there is nothing to run")
        }
        for name in interpolator.unset.sorted() {
            warnings.append("variable \(name) is not set; it was replaced by an empty string")
        }
        if swarm {
            try Self.checkSwarmNetworks(networks, top: resolved)
            try Self.checkSwarmVolumes(volumes, top: resolved)
        } else {
            try Self.checkDeviceNetworks(networks, top: resolved)
        }
        var app = AppSpec(services: services, networks: networks, volumes: volumes)
        let inlineConfigs = try parseFiles(resolved, into: &app)
        try validate(&app, skipped: skipped, rawServices: rawServices, containerNames: containerNames, warnings: &warnings)
        return ComposeDocument(app: app, name: name, warnings: warnings, inlineConfigs: inlineConfigs)
    }

    // MARK: - Interpolation and extends

    private func interpolate(_ value: YAMLValue, path: String, with interpolator: inout Interpolator) throws(ModelError) -> YAMLValue {
        switch value {
        case .scalar(let text, let plain, let line):
            // A value made by interpolation is a string, even an empty one (`${PLATFORM:-}`),
            // as compose interpolates after YAML has typed the document.
            let resolved = try interpolator.interpolate(text, path: path, line: line)
            return .scalar(resolved, plain: plain && resolved == text, line: line)
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
                    // The other file is interpolated with the same variables, as compose does.
                    var interpolator = Interpolator(environment: environment)
                    other = try interpolate(try YAMLValue.parse(text) ?? .scalar("", plain: true, line: nil), path: "", with: &interpolator)
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
        // The extending service's own keys win; depends_on and links are not inherited, as in
        // compose. Mappings of names (environment, labels, sysctls) are merged name by name.
        var own = pairs.filter { $0.key != "extends" }
        let ownKeys = Set(own.map(\.key))
        for (index, pair) in own.enumerated() where Self.mergedOnExtends.contains(pair.key) {
            guard let inherited = base[pair.key] else { continue }
            own[index].value = Self.mergeNamed(inherited, under: pair.value)
        }
        let inherited = basePairs.filter { pair in
            pair.key != "depends_on" && pair.key != "links" && pair.key != "extends" && !ownKeys.contains(pair.key)
        }
        return .mapping(own + inherited, line: line)
    }

}
