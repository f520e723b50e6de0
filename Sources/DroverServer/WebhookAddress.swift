import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a webhook may point: an http or https URL with a host and no credentials in it; with
/// `--webhook-block-private`, no host that is or resolves to a non-public address.
enum WebhookAddress {
    /// The longest URL accepted, in bytes.
    static let maxLength = 2048

    /// A URL that passed the checks.
    struct Checked: Sendable, Equatable {
        /// The URL as given.
        var url: String
        /// Its host, without the brackets of an IPv6 literal.
        var host: String
    }

    /// Checks `text` as a webhook URL; the error names `field` and says what is wrong.
    static func check(_ text: String, field: String = "body: url") throws(ServerError) -> Checked {
        guard !text.isEmpty, text.utf8.count <= maxLength else {
            throw ServerError(.badRequest, "\(field) must have 1 to \(maxLength) bytes; it has \(text.utf8.count)")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw ServerError(.badRequest, "\(field) '\(text)' is not a URL; write it as http://HOST/PATH or https://HOST/PATH")
        }
        guard scheme == "http" || scheme == "https" else {
            throw ServerError(.badRequest, "\(field) '\(text)' is a \(scheme) URL; only http and https URLs can receive webhooks")
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ServerError(.badRequest, "\(field) '\(text)' has no host; write it as \(scheme)://HOST/PATH") }
        guard components.user == nil, components.password == nil else {
            throw ServerError(
                .badRequest, "\(field) must not carry a user or password (the URL is shown in listings); deliveries are signed with the secret instead")
        }
        return Checked(url: text, host: host)
    }

    /// Refuses a host that is, or resolves to, a non-public address (``isPrivate(_:)``).
    static func refusePrivate(host: String, field: String) async throws(ServerError) {
        for address in try await addresses(of: host) where isPrivate(address) {
            let shown = describe(address)
            let what = literal(host) == nil ? "host '\(host)' resolves to \(shown), which" : shown
            throw ServerError(
                .badRequest, "\(field): \(what) is a private, loopback or link-local address; this server refuses those (--webhook-block-private)")
        }
    }

    /// The addresses of `host`, 4 or 16 bytes each: the literal itself, or every address the
    /// system resolver gives (on a thread of NIO's pool: `getaddrinfo` blocks).
    static func addresses(of host: String) async throws(ServerError) -> [[UInt8]] {
        if let literal = literal(host) { return [literal] }
        let result: Result<[[UInt8]], ServerError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { resolve(host) }
        } catch {
            result = .failure(ServerError(.badRequest, "host '\(host)' could not be resolved: \(error)"))
        }
        return try result.get()
    }

    private static func resolve(_ host: String) -> Result<[[UInt8]], ServerError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(ServerError(.badRequest, "host '\(host)' does not resolve (\(String(cString: gai_strerror(status))))"))
        }
        defer { freeaddrinfo(first) }
        var out: [[UInt8]] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var ip = pointer.pointee.sin_addr
                        out.append(withUnsafeBytes(of: &ip) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var ip = pointer.pointee.sin6_addr
                        out.append(withUnsafeBytes(of: &ip) { Array($0) })
                    }
                default: break
                }
            }
            entry = current.pointee.ai_next
        }
        return .success(out)
    }

    /// The bytes of an IPv4 or IPv6 literal; nil for a name.
    static func literal(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// An address as people write it.
    static func describe(_ address: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        let written = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        guard written != nil else { return address.map(String.init).joined(separator: ".") }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether an address is one a webhook must not reach when private ranges are blocked:
    /// IPv4 this-network, private (RFC 1918), shared (CGNAT), loopback, link-local, IETF
    /// protocol, benchmarking, multicast, reserved and broadcast; IPv6 unspecified, loopback,
    /// unique-local, link-local, site-local and multicast, and IPv4 addresses mapped,
    /// compatible or translated (NAT64) into IPv6 by the same IPv4 rules.
    static func isPrivate(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4:
            let (a, b) = (address[0], address[1])
            return a == 0 || a == 10 || a == 127 || a >= 224 || (a == 100 && (64...127).contains(b)) || (a == 169 && b == 254)
                || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 192 && b == 0 && address[2] == 0)
                || (a == 198 && (b == 18 || b == 19))
        case 16:
            let head = Array(address.prefix(12))
            let mapped = head == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
            let compatible = head.allSatisfy { $0 == 0 }
            let nat64 = head == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]
            if mapped || compatible || nat64 { return isPrivate(Array(address.suffix(4))) }
            return (address[0] & 0xfe) == 0xfc || address[0] == 0xff || (address[0] == 0xfe && (address[1] & 0x80) == 0x80)
        default:
            return true
        }
    }
}
