import Foundation

/// How a service joins networks and what it adds to name resolution.
extension ServiceDecoder {
    func networks(_ value: YAMLValue, path: String) throws(ModelError) -> [String: NetworkAttachment] {
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

    func extraHosts(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
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
}
