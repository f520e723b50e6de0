import Foundation

/// The `.env` file beside a compose file, read as docker compose reads it: `NAME=value` lines,
/// `export` allowed, `#` comments, values in single quotes taken as written, in double quotes
/// with `\n` and `\"` escapes, and unquoted ones cut at ` #`.
public enum DotEnv {
    /// The variables `text` sets, in order of the lines (a later line wins).
    public static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { continue }
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            out[name] = unquote(value)
        }
        return out
    }

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("'"), let end = value.dropFirst().firstIndex(of: "'") {
            return String(value[value.index(after: value.startIndex)..<end])
        }
        if value.count >= 2, value.hasPrefix("\"") {
            var out = ""
            var escaped = false
            for character in value.dropFirst() {
                if escaped {
                    out.append(character == "n" ? "\n" : character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    return out
                } else {
                    out.append(character)
                }
            }
            return out
        }
        if let comment = value.range(of: " #") { return value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
        return value
    }

    /// The names a document refers to as `$NAME` or `${NAME…}` (`$$` is a literal dollar).
    public static func references(in text: String) -> Set<String> {
        var names: Set<String> = []
        let scalars = Array(text.unicodeScalars)
        func isNameScalar(_ scalar: Unicode.Scalar) -> Bool { scalar == "_" || (scalar.isASCII && CharacterSet.alphanumerics.contains(scalar)) }
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "$" else {
                index += 1
                continue
            }
            var cursor = index + 1
            if cursor < scalars.count, scalars[cursor] == "$" {
                index = cursor + 1
                continue
            }
            if cursor < scalars.count, scalars[cursor] == "{" { cursor += 1 }
            let start = cursor
            while cursor < scalars.count, isNameScalar(scalars[cursor]) { cursor += 1 }
            if cursor > start, !CharacterSet.decimalDigits.contains(scalars[start]) {
                var name = String.UnicodeScalarView()
                name.append(contentsOf: scalars[start..<cursor])
                names.insert(String(name))
            }
            index = max(cursor, index + 1)
        }
        return names
    }
}
