import ArgumentParser
import Foundation

/// One host that `drover device provision` brings up: how ssh reaches it (`user@host[:port]`)
/// and the device name it enrols under.
struct ProvisionTarget: Sendable, Equatable {
    /// The login name, when given; else ssh's own default (`~/.ssh/config`, then the local user).
    var user: String?
    /// A host name or address, as ssh takes it (IPv6 without brackets).
    var host: String
    /// The port, when given; else ssh's own default.
    var port: Int?
    /// The device name: `name=` from the hosts file, else made from the host (and a port other than 22).
    var name: String

    /// The host as the user wrote it, to show in progress and the summary.
    var label: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return (user.map { "\($0)@" } ?? "") + host + (port.map { ":\($0)" } ?? "")
    }

    /// Reads `user@host[:port]`, `host`, `user@[v6address]:port` or a bare IPv6 address.
    /// `name` overrides the device name made from the host.
    static func parse(_ text: String, name: String? = nil) throws -> ProvisionTarget {
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { throw ValidationError("'\(text)' is not user@host[:port]") }
        var user: String?
        var rest = Substring(text)
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard let user, !user.isEmpty else { throw ValidationError("'\(text)': the user before '@' is empty") }
        }
        var host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ValidationError("'\(text)': '[' without ']'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ValidationError("'\(text)': after ']' only :PORT may follow") }
                portText = after.dropFirst()
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            // No colon, or several: a host name, or an IPv6 address without a port.
            host = String(rest)
        }
        guard !host.isEmpty else { throw ValidationError("'\(text)': no host") }
        guard !host.hasPrefix("-") else { throw ValidationError("'\(text)': a host cannot start with '-'") }
        var port: Int?
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw ValidationError("'\(text)': the port must be a number from 1 to 65535, not '\(portText)'")
            }
            port = number
        }
        if host.contains(":") { host = host.lowercased() }
        let deviceName = name ?? Self.defaultName(host: host, port: port)
        guard Self.isValidName(deviceName) else {
            if name != nil { throw ValidationError("name '\(deviceName)' must be 1-64 letters, digits, '.', '_' or '-'") }
            throw ValidationError("'\(text)' makes no valid device name ('\(deviceName)'); give one with name=NAME in a hosts file")
        }
        return ProvisionTarget(user: user, host: host, port: port, name: deviceName)
    }

    /// The device name a host gets by default: the host as given (hostnames collide across
    /// machines more often than the addresses people reach them by), with a port other than 22.
    static func defaultName(host: String, port: Int?) -> String {
        let base = host.replacingOccurrences(of: ":", with: "-")
        guard let port, port != 22 else { return base }
        return "\(base)-\(port)"
    }

    /// Names as the server takes them: 1-64 letters, digits, '.', '_' or '-'.
    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Reads a hosts file: one `user@host[:port] [name=NAME]` a line; `#` starts a comment; blank
    /// lines are skipped. An error names `path` and the line.
    static func hostsFile(_ text: String, path: String) throws -> [ProvisionTarget] {
        var targets: [ProvisionTarget] = []
        var lines: [String: Int] = [:]
        var names: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            func failure(_ message: String) -> ValidationError { ValidationError("\(path) line \(number): \(message)") }
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let destination = words.first else { continue }
            var name: String?
            for word in words.dropFirst() {
                guard word.hasPrefix("name="), name == nil else {
                    throw failure(name == nil ? "unknown word '\(word)' (only name=NAME may follow the host)" : "name= given twice")
                }
                name = String(word.dropFirst(5))
            }
            let target: ProvisionTarget
            do {
                target = try parse(destination, name: name)
            } catch let error as ValidationError {
                throw failure(error.message)
            }
            if let first = lines[target.label] { throw failure("\(target.label) is already on line \(first)") }
            if let first = names[target.name] { throw failure("device name '\(target.name)' is already used on line \(first)") }
            lines[target.label] = number
            names[target.name] = number
            targets.append(target)
        }
        return targets
    }
}

/// The architectures Drover builds agents for, in Docker's words, and how a host or a binary
/// names them.
enum ProvisionArch {
    /// `uname -m` to Docker's architecture name; nil for one Drover has no agent for.
    static func fromUname(_ machine: String) -> String? {
        switch machine.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "x86_64", "amd64": "amd64"
        case "aarch64", "arm64": "arm64"
        // armv8l is a 64-bit core running a 32-bit kernel or userland: it runs 32-bit binaries.
        case "armv7l", "armv7", "armhf", "armv8l": "arm"
        default: nil
        }
    }

    /// The architecture an ELF executable is built for, from its header; nil when `header` is
    /// not the start of an ELF file of a known machine.
    static func ofELF(_ header: Data) -> String? {
        let bytes = [UInt8](header.prefix(20))
        guard bytes.count == 20, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return nil }
        // e_machine, after the 16-byte ident and the 2-byte type; little-endian on all three.
        switch UInt16(bytes[18]) | UInt16(bytes[19]) << 8 {
        case 62: return "amd64"
        case 183: return "arm64"
        case 40: return "arm"
        default: return nil
        }
    }

    /// This machine's architecture, for the agent beside the running `drover`.
    static var local: String {
        #if arch(x86_64)
            "amd64"
        #elseif arch(arm64)
            "arm64"
        #elseif arch(arm)
            "arm"
        #else
            "unknown"
        #endif
    }
}
