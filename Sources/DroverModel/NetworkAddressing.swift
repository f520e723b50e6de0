import Foundation

/// An IPv4 or IPv6 address as bytes, read as the engine reads it.
struct IPAddress: Equatable {
    /// 4 bytes for IPv4, 16 for IPv6.
    var bytes: [UInt8]
    var isIPv6: Bool { bytes.count == 16 }
    var family: String { isIPv6 ? "IPv6" : "IPv4" }

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }
}

/// A subnet in CIDR form, `ADDRESS/PREFIX`.
struct IPSubnet: Equatable {
    var address: IPAddress
    var prefix: Int
    var text: String

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]),
            (0...(address.bytes.count * 8)).contains(prefix)
        else { return nil }
        self.address = address
        self.prefix = prefix
        self.text = text
    }

    /// The address with every bit past the prefix cleared.
    var networkAddress: IPAddress {
        var masked = address
        for index in masked.bytes.indices {
            let keep = max(0, min(8, prefix - index * 8))
            masked.bytes[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return masked
    }

    func contains(_ other: IPAddress) -> Bool {
        guard other.isIPv6 == address.isIPv6 else { return false }
        var probe = self
        probe.address = other
        return probe.networkAddress == networkAddress
    }

    func contains(_ other: IPSubnet) -> Bool { other.prefix >= prefix && contains(other.address) }
}

extension NetworkSpec {
    /// Checks the `ipam` block as compose and the engine would: each subnet in CIDR form without
    /// host bits, the gateway, range and reserved addresses inside it and of its family.
    func validate(name: String, at path: String, line: (String) -> Int? = { _ in nil }) throws(ModelError) {
        for (index, pool) in (ipam?.config ?? []).enumerated() {
            let at = "\(path).ipam.config[\(index)]"
            guard let subnetText = pool.subnet else {
                if pool.gateway != nil || pool.ipRange != nil || pool.auxAddresses != nil {
                    throw ModelError(
                        .missing, at: "\(at).subnet", line: line(at),
                        "network '\(name)' sets a gateway, ip_range or aux_addresses without a subnet; give the subnet they belong to")
                }
                continue
            }
            guard let subnet = IPSubnet(subnetText) else {
                throw ModelError(
                    .invalidValue, at: "\(at).subnet", line: line("\(at).subnet"),
                    "network '\(name)' has subnet '\(subnetText)', which is not in CIDR form (e.g. 172.28.0.0/16 or fd00:1::/64)")
            }
            guard subnet.networkAddress == subnet.address else {
                let suggested = IPSubnetText.format(subnet.networkAddress) + "/\(subnet.prefix)"
                throw ModelError(
                    .invalidValue, at: "\(at).subnet", line: line("\(at).subnet"),
                    "network '\(name)' has subnet '\(subnetText)', which has host bits set; write \(suggested)")
            }
            func inside(_ text: String, what: String, at key: String) throws(ModelError) {
                guard let address = IPAddress(text) else {
                    throw ModelError(.invalidValue, at: key, line: line(key), "network '\(name)' has \(what) '\(text)', which is not an IP address")
                }
                guard address.isIPv6 == subnet.address.isIPv6 else {
                    throw ModelError(
                        .invalidValue, at: key, line: line(key),
                        "network '\(name)' has \(what) '\(text)', an \(address.family) address, for the \(subnet.address.family) subnet \(subnetText)")
                }
                guard subnet.contains(address) else {
                    throw ModelError(
                        .invalidValue, at: key, line: line(key), "network '\(name)' has \(what) '\(text)', which is outside its subnet \(subnetText)")
                }
            }
            if let gateway = pool.gateway { try inside(gateway, what: "gateway", at: "\(at).gateway") }
            for (host, address) in (pool.auxAddresses ?? [:]).sorted(by: { $0.key < $1.key }) {
                try inside(address, what: "aux address '\(host)'", at: "\(at).aux_addresses")
            }
            if let rangeText = pool.ipRange {
                let key = "\(at).ip_range"
                guard let range = IPSubnet(rangeText) else {
                    throw ModelError(.invalidValue, at: key, line: line(key), "network '\(name)' has ip_range '\(rangeText)', which is not in CIDR form")
                }
                guard range.address.isIPv6 == subnet.address.isIPv6, subnet.contains(range) else {
                    throw ModelError(
                        .invalidValue, at: key, line: line(key), "network '\(name)' has ip_range '\(rangeText)', which is not inside its subnet \(subnetText)")
                }
            }
        }
    }

    /// The declared subnets, for checking a service's static address.
    var subnets: [IPSubnet] { (ipam?.config ?? []).compactMap { $0.subnet.flatMap(IPSubnet.init) } }
}

/// Checks of services' static addresses against the networks they join.
enum StaticAddresses {
    /// Every static address lies in a subnet the app declares for that network (the engine
    /// gives a fixed address only on a network with a user-defined subnet), and no two
    /// services ask for the same one. External networks are not ours to know, so addresses on
    /// them are left to the engine.
    static func check(
        services: [String: ServiceSpec], networks: [String: NetworkSpec], path: (String) -> String, line: (String, String) -> Int?
    ) throws(ModelError) {
        var owners: [String: String] = [:]
        for service in services.keys.sorted() {
            for (network, attachment) in (services[service]?.networks ?? [:]).sorted(by: { $0.key < $1.key }) {
                let spec = networks[network] ?? NetworkSpec()
                for (key, text, ipv6) in [("ipv4_address", attachment.ipv4Address, false), ("ipv6_address", attachment.ipv6Address, true)] {
                    guard let text else { continue }
                    let at = "\(path(service)).networks.\(network).\(key)"
                    let where_ = line(service, network)
                    guard let address = IPAddress(text), address.isIPv6 == ipv6 else {
                        throw ModelError(
                            .invalidValue, at: at, line: where_, "service '\(service)' has \(key) '\(text)', which is not an \(ipv6 ? "IPv6" : "IPv4") address")
                    }
                    if let first = owners[address.bytes.map(String.init).joined(separator: ".") + "@" + network] {
                        throw ModelError(
                            .invalidValue, at: at, line: where_, "services '\(first)' and '\(service)' both ask for address \(text) on network '\(network)'")
                    }
                    owners[address.bytes.map(String.init).joined(separator: ".") + "@" + network] = service
                    if spec.external == true { continue }
                    let subnets = spec.subnets.filter { $0.address.isIPv6 == ipv6 }
                    guard !subnets.isEmpty else {
                        throw ModelError(
                            .invalidValue, at: at, line: where_,
                            "service '\(service)' has \(key) \(text) on network '\(network)', which declares no \(ipv6 ? "IPv6" : "IPv4") subnet; a static address needs one under networks.\(network).ipam.config"
                        )
                    }
                    guard subnets.contains(where: { $0.contains(address) }) else {
                        throw ModelError(
                            .invalidValue, at: at, line: where_,
                            "service '\(service)' has \(key) \(text), which is outside network '\(network)''s subnet(s) \(subnets.map(\.text).joined(separator: ", "))"
                        )
                    }
                    if ipv6, spec.enableIPv6 != true {
                        throw ModelError(
                            .invalidValue, at: at, line: where_,
                            "service '\(service)' has an ipv6_address on network '\(network)', which does not set enable_ipv6: true")
                    }
                }
            }
        }
    }
}

/// Writes an address back as text, for error messages.
enum IPSubnetText {
    static func format(_ address: IPAddress) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let ok = address.bytes.withUnsafeBytes { bytes in inet_ntop(family, bytes.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
}
