import Foundation

// Parsers for the small value syntaxes of compose documents: durations, byte sizes,
// ports, mounts, booleans. Each throws a `ModelError` naming the value and the path.

enum ComposeValues {
    /// Parses a compose duration (`1m30s`, `10s`, `1.5s`, `500ms`, `2us`, `3ns`, `1h`) into
    /// nanoseconds, at most ``ServiceLimits/maxDuration``. Whole numbers are counted exactly,
    /// so the longest duration Int64 holds is accepted and one nanosecond more is not.
    static func duration(_ text: String, path: String, line: Int?) throws(ModelError) -> Int64 {
        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
        ]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else {
            throw ModelError(.invalidValue, at: path, line: line, "duration is empty; write e.g. 10s, 1m30s or 500ms")
        }
        if Double(rest) != nil {
            throw ModelError(.invalidValue, at: path, line: line, "bad duration '\(text)': it needs a unit, e.g. \(text)s")
        }
        let tooLong = ModelError(.invalidValue, at: path, line: line, "'\(text)' is too long: a duration is at most \(ServiceLimits.maxDurationText)")
        var total: Int64 = 0
        while !rest.isEmpty {
            let number = rest.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." })
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            guard !number.isEmpty, number != ".", parts.count <= 2 else {
                throw ModelError(.invalidValue, at: path, line: line, "bad duration '\(text)': write e.g. 10s, 1m30s or 500ms (units h, m, s, ms, us, ns)")
            }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix(while: { !($0.isASCII && $0.isNumber) && $0 != "." })
            guard let unit = units.first(where: { $0.0 == unitText })?.1 else {
                throw ModelError(.invalidValue, at: path, line: line, "bad duration '\(text)': unknown unit '\(unitText)' (units h, m, s, ms, us, ns)")
            }
            rest = rest.dropFirst(unitText.count)
            // The whole part exactly; the fraction (less than one unit, so below 3.6e12 ns) as a double.
            let wholeDigits = parts.first ?? ""
            guard let whole = wholeDigits.isEmpty ? 0 : Int64(wholeDigits) else { throw tooLong }
            let (scaled, overflow) = whole.multipliedReportingOverflow(by: unit)
            guard !overflow else { throw tooLong }
            var fraction: Int64 = 0
            if parts.count == 2, let digits = Double("0." + parts[1].prefix(18)) {
                fraction = Int64((digits * Double(unit)).rounded(.toNearestOrEven))
            }
            let (term, termOverflow) = scaled.addingReportingOverflow(fraction)
            let (sum, sumOverflow) = total.addingReportingOverflow(term)
            guard !termOverflow, !sumOverflow else { throw tooLong }
            total = sum
        }
        return total
    }

    /// Parses a byte size (`64m`, `1g`, `512mb`, `1024`, `1.5gb`) into bytes, at most
    /// ``ServiceLimits/maxBytes``.
    static func byteSize(_ text: String, path: String, line: Int?) throws(ModelError) -> Int64 {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        let number = lower.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." })
        let unit = lower.dropFirst(number.count)
        let factors: [String: Int64] = [
            "": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40,
        ]
        guard let value = Double(number), let factor = factors[String(unit)] else {
            throw ModelError(.invalidValue, at: path, line: line, "bad size '\(text)': write e.g. 64m, 1g or 512mb")
        }
        let tooLarge = ModelError(.invalidValue, at: path, line: line, "'\(text)' is too large: a size is at most \(ServiceLimits.maxBytesText)")
        // Whole numbers are exact (a Double would round sizes above 2^53).
        if !number.contains(".") {
            guard let whole = Int64(number) else { throw tooLarge }
            let (bytes, overflow) = whole.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw tooLarge }
            return bytes
        }
        let bytes = value * Double(factor)
        guard bytes.isFinite, bytes < 0x1p63 else { throw tooLarge }
        return Int64(bytes)
    }

    /// Parses a port number, 1–65535.
    static func port(_ text: String, path: String, line: Int?, what: String = "port") throws(ModelError) -> Int {
        guard let value = Int(text) else {
            throw ModelError(.invalidValue, at: path, line: line, "\(what) '\(text)' is not a number")
        }
        guard (1...65535).contains(value) else {
            throw ModelError(.invalidValue, at: path, line: line, "\(what) \(value) is outside the valid TCP/UDP port range 1-65535")
        }
        return value
    }

    /// Parses `8000` or `8000-8010` into a list of ports.
    static func portRange(_ text: String, path: String, line: Int?, what: String) throws(ModelError) -> [Int] {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 1 { return [try port(text, path: path, line: line, what: what)] }
        guard parts.count == 2 else {
            throw ModelError(.invalidValue, at: path, line: line, "\(what) range '\(text)' must be START-END")
        }
        let start = try port(String(parts[0]), path: path, line: line, what: what)
        let end = try port(String(parts[1]), path: path, line: line, what: what)
        guard start <= end else {
            throw ModelError(.invalidValue, at: path, line: line, "\(what) range '\(text)' ends before it starts")
        }
        return Array(start...end)
    }

    /// Parses the short port syntax `[[ip:]published[-range]:]target[-range][/protocol]`.
    static func shortPort(_ text: String, path: String, line: Int?) throws(ModelError) -> [PortMapping] {
        var spec = Substring(text)
        var proto = "tcp"
        if let slash = spec.lastIndex(of: "/") {
            proto = String(spec[spec.index(after: slash)...]).lowercased()
            spec = spec[..<slash]
        }
        guard ["tcp", "udp", "sctp"].contains(proto) else {
            throw ModelError(.invalidValue, at: path, line: line, "port '\(text)' has protocol '\(proto)'; use tcp, udp or sctp")
        }
        var hostIP: String?
        if spec.hasPrefix("[") {
            guard let close = spec.firstIndex(of: "]") else {
                throw ModelError(.invalidValue, at: path, line: line, "port '\(text)' has an IPv6 address without its closing ']'")
            }
            hostIP = String(spec[spec.index(after: spec.startIndex)..<close])
            spec = spec[spec.index(after: close)...]
            guard spec.hasPrefix(":") else {
                throw ModelError(.invalidValue, at: path, line: line, "port '\(text)' must have ':' after the host address")
            }
            spec = spec.dropFirst()
        }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var publishedText: String?
        let targetText: String
        switch parts.count {
        case 1:
            targetText = parts[0]
        case 2:
            publishedText = parts[0]
            targetText = parts[1]
        case 3 where hostIP == nil:
            hostIP = parts[0]
            publishedText = parts[1]
            targetText = parts[2]
        default:
            throw ModelError(.invalidValue, at: path, line: line, "port '\(text)' is malformed; write [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]")
        }
        if let hostIP, !hostIP.isEmpty { try checkHostIP(hostIP, path: path, line: line) }
        let targets = try portRange(targetText, path: path, line: line, what: "container port")
        guard let publishedText, !publishedText.isEmpty else {
            return targets.map { PortMapping(target: $0, published: nil, hostIP: hostIP, protocol: proto) }
        }
        let published = try portRange(publishedText, path: path, line: line, what: "host port")
        if published.count != targets.count {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "port '\(text)' maps \(published.count) host port(s) to \(targets.count) container port(s); the ranges must be the same length")
        }
        return zip(published, targets).map { PortMapping(target: $1, published: $0, hostIP: hostIP, protocol: proto) }
    }

    /// A host address to publish on must be an IPv4 or IPv6 address, as compose checks it
    /// (a host name or a typo would otherwise fail only when the engine binds it).
    static func checkHostIP(_ text: String, path: String, line: Int?) throws(ModelError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1 else {
            throw ModelError(.invalidValue, at: path, line: line, "host_ip '\(text)' is not an IP address; write e.g. 127.0.0.1 or ::1")
        }
    }

    /// Reads a boolean (`true`/`false`).
    static func bool(_ value: YAMLValue, path: String) throws(ModelError) -> Bool {
        if case .scalar(let text, _, _) = value {
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        throw ModelError(.invalidValue, at: path, line: value.line, "expected true or false, found \(describe(value))")
    }

    /// Reads an integer.
    static func int(_ value: YAMLValue, path: String) throws(ModelError) -> Int {
        if case .scalar(let text, _, _) = value, let number = Int(text) { return number }
        throw ModelError(.invalidValue, at: path, line: value.line, "expected a whole number, found \(describe(value))")
    }

    /// Reads a scalar as text; numbers and booleans become their text.
    static func string(_ value: YAMLValue, path: String) throws(ModelError) -> String {
        if case .scalar(let text, _, _) = value, !value.isNull { return text }
        throw ModelError(.invalidValue, at: path, line: value.line, "expected a string, found \(describe(value))")
    }

    /// Reads a string or a list of strings (a string is split shell-style).
    static func command(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        switch value {
        case .scalar(let text, _, _):
            return try ShellWords.split(text, path: path, line: value.line)
        case .sequence(let items, _):
            var out: [String] = []
            for (index, item) in items.enumerated() { out.append(try string(item, path: "\(path)[\(index)]")) }
            return out
        case .mapping:
            throw ModelError(.invalidValue, at: path, line: value.line, "expected a string or a list of strings, found a mapping")
        }
    }

    /// Reads a list of strings (a single string is accepted as a one-item list).
    static func stringList(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        switch value {
        case .scalar: return [try string(value, path: path)]
        case .sequence(let items, _):
            var out: [String] = []
            for (index, item) in items.enumerated() { out.append(try string(item, path: "\(path)[\(index)]")) }
            return out
        case .mapping:
            throw ModelError(.invalidValue, at: path, line: value.line, "expected a list of strings, found a mapping")
        }
    }

    /// Reads a `KEY=VALUE` list or a mapping of scalars. In list form, `KEY` alone takes the
    /// value from `fallback` (and is left out when absent there), as compose does.
    static func keyValues(_ value: YAMLValue, path: String, what: String, fallback: [String: String]? = nil) throws(ModelError)
        -> [String: String]
    {
        var out: [String: String] = [:]
        switch value {
        case .sequence(let items, _):
            for (index, item) in items.enumerated() {
                let entry = try string(item, path: "\(path)[\(index)]")
                if let eq = entry.firstIndex(of: "=") {
                    out[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
                } else if let fallback {
                    if let inherited = fallback[entry] { out[entry] = inherited }
                } else {
                    out[entry] = ""
                }
            }
        case .mapping(let pairs, _):
            for (key, item) in pairs {
                switch item {
                case .scalar(let text, _, _):
                    if item.isNull {
                        if let fallback {
                            if let inherited = fallback[key] { out[key] = inherited }
                        } else {
                            out[key] = ""
                        }
                    } else {
                        out[key] = text
                    }
                default:
                    throw ModelError(
                        .invalidValue, at: "\(path).\(key)", line: item.line,
                        "\(what) value for \(key) is \(describe(item)); values must be scalars (string, number, boolean or null)")
                }
            }
        case .scalar:
            if value.isNull { return [:] }
            throw ModelError(.invalidValue, at: path, line: value.line, "\(what) must be a mapping or a list of KEY=VALUE strings, found a scalar")
        }
        return out
    }

    /// Reads a mapping key by key, `x-` extensions left out, handing each key, value and path to
    /// `body`; refuses any other kind of node with `message`.
    static func eachKey(
        _ node: YAMLValue, path: String, else message: String, _ body: (String, YAMLValue, String) throws(ModelError) -> Void
    ) throws(ModelError) {
        guard case .mapping(let pairs, _) = node else { throw ModelError(.invalidValue, at: path, line: node.line, message) }
        for (key, value) in pairs where !key.hasPrefix("x-") { try body(key, value, "\(path).\(key)") }
    }

    static func describe(_ value: YAMLValue) -> String {
        switch value {
        case .scalar(let text, _, _): value.isNull ? "null" : "'\(text)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}

/// Splits a command string into words as a POSIX shell would (quotes and backslashes), without
/// expanding anything.
enum ShellWords {
    static func split(_ text: String, path: String, line: Int?) throws(ModelError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped {
                current.append(char)
                escaped = false
                continue
            }
            if let open = quote {
                if char == open {
                    quote = nil
                } else if char == "\\" && open == "\"" {
                    escaped = true
                } else {
                    current.append(char)
                }
                continue
            }
            switch char {
            case "\\":
                escaped = true
                inWord = true
            case "'", "\"":
                quote = char
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(char)
                inWord = true
            }
        }
        if quote != nil {
            throw ModelError(.invalidValue, at: path, line: line, "command has an unterminated quote: \(text)")
        }
        if inWord { words.append(current) }
        return words
    }
}
