import Foundation

/// Top-level `networks` and `volumes`: the resources services share.
extension ComposeParser {
    func parseNetworks(_ node: YAMLValue?) throws(ModelError) -> [String: NetworkSpec] {
        try parseResources(node, kind: "network") { (key: String, item: YAMLValue, itemPath: String, spec: inout NetworkSpec) throws(ModelError) in
            switch key {
            case "internal": spec.internal = try ComposeValues.bool(item, path: itemPath)
            case "attachable": spec.attachable = try ComposeValues.bool(item, path: itemPath)
            case "enable_ipv6": spec.enableIPv6 = try ComposeValues.bool(item, path: itemPath)
            case "ipam": spec.ipam = try Self.ipam(item, path: itemPath)
            case "enable_ipv4", "driver_opts_v2":
                throw ModelError(.unsupported, at: itemPath, line: item.line, "network key '\(key)' is not supported by Drover yet")
            default:
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown network key '\(key)'")
            }
        }
    }

    /// Reads a network's `ipam`: driver, address pools and options.
    static func ipam(_ node: YAMLValue, path: String) throws(ModelError) -> NetworkSpec.IPAM {
        var ipam = NetworkSpec.IPAM()
        try ComposeValues.eachKey(node, path: path, else: "'ipam' must be a mapping with 'driver', 'config' and 'options'") {
            (key: String, item: YAMLValue, itemPath: String) throws(ModelError) in
            switch key {
            case "driver": ipam.driver = try ComposeValues.string(item, path: itemPath)
            case "options": ipam.options = try ComposeValues.keyValues(item, path: itemPath, what: "ipam option")
            case "config":
                guard case .sequence(let entries, _) = item else {
                    throw ModelError(.invalidValue, at: itemPath, line: item.line, "'ipam.config' must be a list of address pools")
                }
                var pools: [NetworkSpec.Pool] = []
                for (index, entry) in entries.enumerated() { pools.append(try pool(entry, path: "\(itemPath)[\(index)]")) }
                ipam.config = pools.isEmpty ? nil : pools
            default:
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown ipam key '\(key)' (driver, config, options)")
            }
        }
        return ipam
    }

    /// Reads one address pool of `ipam.config`.
    private static func pool(_ node: YAMLValue, path: String) throws(ModelError) -> NetworkSpec.Pool {
        var pool = NetworkSpec.Pool()
        try ComposeValues.eachKey(node, path: path, else: "an ipam pool must be a mapping with 'subnet' and more") {
            (field: String, value: YAMLValue, fieldPath: String) throws(ModelError) in
            switch field {
            case "subnet": pool.subnet = try ComposeValues.string(value, path: fieldPath)
            case "gateway": pool.gateway = try ComposeValues.string(value, path: fieldPath)
            case "ip_range": pool.ipRange = try ComposeValues.string(value, path: fieldPath)
            case "aux_addresses": pool.auxAddresses = try ComposeValues.keyValues(value, path: fieldPath, what: "aux address")
            default:
                throw ModelError(.unknownKey, at: fieldPath, line: value.line, "unknown ipam pool key '\(field)' (subnet, gateway, ip_range, aux_addresses)")
            }
        }
        return pool
    }

    /// Networks one device's engine cannot make: an overlay network needs a Swarm.
    static func checkDeviceNetworks(_ networks: [String: NetworkSpec], top: YAMLValue) throws(ModelError) {
        for (name, spec) in networks.sorted(by: { $0.key < $1.key }) where spec.external != true && spec.driver == "overlay" {
            throw ModelError(
                .unsupported, at: "networks.\(name).driver", line: top["networks"]?[name]?["driver"]?.line,
                "network '\(name)' uses driver 'overlay', which needs a Swarm: one device's engine cannot create it. Make the fleet a cluster (drover cluster create) to run this file as a stack, or leave the driver out for a bridge network on each device"
            )
        }
    }

    func parseVolumes(_ node: YAMLValue?) throws(ModelError) -> [String: VolumeSpec] {
        let volumes = try parseResources(node, kind: "volume") { (key: String, item: YAMLValue, itemPath: String, _: inout VolumeSpec) throws(ModelError) in
            throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown volume key '\(key)'")
        }
        // An external volume is made elsewhere, so settings for making it cannot apply; compose
        // (validation/external.go) refuses them rather than ignore them.
        guard case .mapping(let pairs, _) = node else { return volumes }
        for (name, value) in pairs where volumes[name]?.external == true {
            for (key, item) in value.mappingPairs ?? [] where !["name", "external"].contains(key) && !key.hasPrefix("x-") {
                throw ModelError(
                    .invalidValue, at: "volumes.\(name).\(key)", line: item.line,
                    "volume '\(name)' is external, so '\(key)' cannot apply; compose refuses 'external' with any key but 'name'")
            }
        }
        return volumes
    }

    /// Reads a mapping of resource names to definitions: names as compose allows them, the keys
    /// networks and volumes share, and `name` agreeing with the deprecated `external.name`.
    private func parseResources<Spec>(
        _ node: YAMLValue?, kind: String, own: (String, YAMLValue, String, inout Spec) throws(ModelError) -> Void
    ) throws(ModelError) -> [String: Spec] where Spec: ResourceSpec {
        guard let node, !node.isNull else { return [:] }
        let section = kind == "network" ? "networks" : "volumes"
        guard case .mapping(let pairs, _) = node else {
            throw ModelError(.invalidValue, at: section, line: node.line, "top-level '\(section)' must be a mapping of \(kind) names")
        }
        var out: [String: Spec] = [:]
        for (name, value) in pairs {
            let path = "\(section).\(name)"
            try Self.validateResourceName(name, kind: kind, at: section, line: value.line)
            var spec = Spec()
            var plainName: String?
            var externalName: String?
            if !value.isNull {
                guard case .mapping(let keys, _) = value else {
                    throw ModelError(.invalidValue, at: path, line: value.line, "\(kind) definition must be a mapping or empty")
                }
                for (key, item) in keys where !key.hasPrefix("x-") {
                    let itemPath = "\(path).\(key)"
                    guard let common = try Self.commonResourceKey(key, item, path: itemPath) else {
                        try own(key, item, itemPath, &spec)
                        continue
                    }
                    if case .name(let given) = common { plainName = given }
                    if case .external(_, let given?) = common { externalName = given }
                    // Compose (transform/external.go) refuses the deprecated external.name when it disagrees with name.
                    if let plainName, let externalName, plainName != externalName {
                        throw ModelError(
                            .invalidValue, at: itemPath, line: item.line,
                            "\(kind) '\(name)' has name '\(plainName)' and external.name '\(externalName)'; they conflict, so set only 'name'")
                    }
                    common.apply(to: &spec)
                }
            }
            out[name] = spec
        }
        return out
    }

    /// Network and volume names follow the same pattern as service names in compose's schema.
    public static func validateResourceName(_ name: String, kind: String, at path: String, line: Int?) throws(ModelError) {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
        }
        guard !name.isEmpty, allowed, name != ".", name != ".." else {
            throw ModelError(
                .invalidValue, at: path, line: line, "\(kind) name '\(name)' may hold only letters, digits, '.', '_' and '-' (^[a-zA-Z0-9._-]+$)")
        }
    }

    /// A key that top-level networks and volumes share, parsed.
    enum CommonResourceKey {
        case driver(String), driverOpts([String: String]), labels([String: String]), name(String), external(Bool, name: String?)

        func apply<Spec: ResourceSpec>(to spec: inout Spec) {
            switch self {
            case .driver(let value): spec.driver = value
            case .driverOpts(let value): spec.driverOpts = value
            case .labels(let value): spec.labels = value
            case .name(let value): spec.name = value
            case .external(let value, let externalName):
                spec.external = value
                if let externalName, spec.name == nil { spec.name = externalName }
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
}

/// What top-level networks and volumes have in common, so one reader serves both.
protocol ResourceSpec {
    init()
    var driver: String? { get set }
    var driverOpts: [String: String]? { get set }
    var labels: [String: String]? { get set }
    var name: String? { get set }
    var external: Bool? { get set }
}

extension NetworkSpec: ResourceSpec {}
extension VolumeSpec: ResourceSpec {}
