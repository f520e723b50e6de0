import Foundation

/// Top-level `networks` and `volumes`: the resources services share.
extension ComposeParser {
    func parseNetworks(_ node: YAMLValue?) throws(ModelError) -> [String: NetworkSpec] {
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

    func parseVolumes(_ node: YAMLValue?) throws(ModelError) -> [String: VolumeSpec] {
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

}
