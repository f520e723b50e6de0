import Foundation

/// Published and exposed ports.
extension ServiceDecoder {
    /// Reads `ports`, ranges expanded, with an entry repeated exactly kept once (as compose does)
    /// and a host port published twice refused: the engine can bind it only once.
    func ports(_ value: YAMLValue, path: String) throws(ModelError) -> [PortMapping] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'ports' must be a list")
        }
        var out: [PortMapping] = []
        var bound = PublishedPorts()
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
                    for mapping in try ComposeValues.shortPort(text, path: itemPath, line: line) {
                        if try bound.add(mapping, at: itemPath, line: line) { out.append(mapping) }
                    }
                }
                try ServiceLimits.checkPortCount(out.count, at: path, line: line)
            case .mapping(let pairs, let line):
                var target: Int?
                var published: [Int]?
                var hostIP: String?
                var proto = "tcp"
                var mode: String?
                for (key, field) in pairs {
                    let fieldPath = "\(itemPath).\(key)"
                    switch key {
                    case "target":
                        target = try ComposeValues.port(
                            try ComposeValues.string(field, path: fieldPath), path: fieldPath, line: field.line, what: "target port")
                    case "published":
                        published = try ComposeValues.portRange(
                            try ComposeValues.string(field, path: fieldPath), path: fieldPath, line: field.line, what: "published port")
                    case "host_ip":
                        let address = try ComposeValues.string(field, path: fieldPath)
                        try ComposeValues.checkHostIP(address, path: fieldPath, line: field.line)
                        hostIP = address
                    case "protocol": proto = try ComposeValues.string(field, path: fieldPath).lowercased()
                    case "mode" where swarm:
                        let text = try ComposeValues.string(field, path: fieldPath)
                        guard text == "host" || text == "ingress" else {
                            throw ModelError(.invalidValue, at: fieldPath, line: field.line, "port mode '\(text)' must be host or ingress")
                        }
                        mode = text == "ingress" ? nil : text
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
                let mapping = PortMapping(target: target, published: published?.first, hostIP: hostIP, protocol: proto, mode: mode)
                if try bound.add(mapping, at: itemPath, line: line) { out.append(mapping) }
            case .sequence(_, let line):
                throw ModelError(.invalidValue, at: itemPath, line: line, "a ports entry must be a string, a number or a mapping")
            }
        }
        return out
    }

    /// Reads `expose` into `PORT/PROTOCOL` entries, ranges expanded.
    func expose(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
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
        return exposed
    }
}

/// The host ports a service has published so far, to find one published twice.
struct PublishedPorts {
    private var byPort: [String: [(mapping: PortMapping, path: String)]] = [:]

    /// Records `mapping`; false when the same mapping is already there (it is kept once), and
    /// an error when another mapping binds the same host port and protocol on an overlapping
    /// address. An unset address, 0.0.0.0 and :: stand for every address.
    mutating func add(_ mapping: PortMapping, at path: String, line: Int?) throws(ModelError) -> Bool {
        guard let published = mapping.published else { return true }
        let key = "\(published)/\(mapping.protocol)"
        func everywhere(_ address: String?) -> Bool { address == nil || address == "0.0.0.0" || address == "::" || address == "" }
        for earlier in byPort[key] ?? [] {
            if earlier.mapping == mapping { return false }
            if everywhere(earlier.mapping.hostIP) || everywhere(mapping.hostIP) || earlier.mapping.hostIP == mapping.hostIP {
                throw ModelError(
                    .invalidValue, at: path, line: line,
                    "host port \(key) is published twice: \(earlier.path) maps it to container port \(earlier.mapping.target) and this entry to \(mapping.target); the engine can bind it once"
                )
            }
        }
        byPort[key, default: []].append((mapping, path))
        return true
    }
}
