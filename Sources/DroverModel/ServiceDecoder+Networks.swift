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
                        case "ipv6_address": attachment.ipv6Address = try ComposeValues.string(field, path: fieldPath)
                        case "priority", "gw_priority": continue
                        case "link_local_ips", "mac_address", "driver_opts", "interface_name":
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

    /// Reads `extra_hosts` as compose does (`HOST=IP`, `HOST:IP`, a mapping, or several IPs
    /// joined by commas) into the engine's `HOST:IP` entries, refusing an entry without an IP
    /// and a host name that is empty or holds a separator, as compose does.
    func extraHosts(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        var out: [String] = []
        func add(host: String, addresses: [String], at entryPath: String, line: Int?) throws(ModelError) {
            guard !host.isEmpty, !host.contains(":"), !host.contains("=") else {
                throw ModelError(
                    .invalidValue, at: entryPath, line: line, "extra_hosts has a bad host name '\(host)': it must be non-empty and hold no ':' or '='")
            }
            for address in addresses {
                // Compose takes [::1] as ::1; the engine wants the bare address.
                let bare = address.count > 2 && address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
                out.append("\(host):\(bare)")
            }
        }
        switch value {
        case .mapping(let pairs, _):
            for (host, item) in pairs {
                let itemPath = "\(path).\(host)"
                let addresses = item.isNull ? [""] : try ComposeValues.stringList(item, path: itemPath)
                try add(host: host, addresses: addresses, at: itemPath, line: item.line)
            }
        default:
            var lines: [Int?] = []
            if case .sequence(let items, _) = value { lines = items.map(\.line) }
            for (index, entry) in try ComposeValues.stringList(value, path: path).enumerated() {
                let entryPath = "\(path)[\(index)]"
                let entryLine = index < lines.count ? lines[index] : value.line
                // Compose splits at the first '=', else at the first ':' (so HOST:::1 is an IPv6 address).
                guard let separator = entry.firstIndex(of: "=") ?? entry.firstIndex(of: ":") else {
                    throw ModelError(.invalidValue, at: entryPath, line: entryLine, "extra_hosts entry '\(entry)' has no IP address; write HOST:IP or HOST=IP")
                }
                let host = String(entry[..<separator])
                let addresses = entry[entry.index(after: separator)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                try add(host: host, addresses: addresses, at: entryPath, line: entryLine)
            }
        }
        return out
    }
}
