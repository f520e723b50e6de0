import Foundation

/// The patterns of a `.dockerignore`, matched as Docker's CLI matches them: `*` and `?` within
/// one path element, `**` across any number, `!` to take a path back, the last matching
/// pattern deciding; a pattern that matches a directory leaves out everything in it.
public struct DockerIgnore: Sendable {
    private struct Rule: @unchecked Sendable {
        let regex: NSRegularExpression
        let negated: Bool
    }

    private let rules: [Rule]

    /// Reads `.dockerignore` text; lines starting with `#` are comments.
    public init(_ text: String) {
        var rules: [Rule] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            var negated = false
            if line.hasPrefix("!") {
                negated = true
                line = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            let cleaned = Self.clean(line)
            guard !cleaned.isEmpty, let regex = try? NSRegularExpression(pattern: "^" + Self.regex(for: cleaned) + "$") else { continue }
            rules.append(Rule(regex: regex, negated: negated))
        }
        self.rules = rules
    }

    /// Whether the path (relative to the context, `/`-separated) is left out.
    public func excludes(_ path: String) -> Bool {
        var excluded = false
        let parents = Self.parents(of: path)
        for rule in rules {
            let matches = parents.contains { candidate in
                rule.regex.firstMatch(in: candidate, range: NSRange(candidate.startIndex..., in: candidate)) != nil
            }
            if matches { excluded = !rule.negated }
        }
        return excluded
    }

    /// Whether any rule takes paths back, so a left-out directory must still be walked.
    public var hasExceptions: Bool { rules.contains(where: \.negated) }

    /// `a/b/c`, `a/b`, `a`: a pattern matching a directory matches what is in it.
    static func parents(of path: String) -> [String] {
        var out = [path]
        var current = Substring(path)
        while let slash = current.lastIndex(of: "/") {
            current = current[..<slash]
            out.append(String(current))
        }
        return out
    }

    /// The pattern made canonical as Go's `filepath.Clean` would, without a leading `/`.
    static func clean(_ pattern: String) -> String {
        var parts: [Substring] = []
        for part in pattern.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", !parts.isEmpty, parts.last != ".." {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    static func regex(for pattern: String) -> String {
        var out = ""
        let characters = Array(pattern)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "*":
                if index + 1 < characters.count, characters[index + 1] == "*" {
                    index += 1
                    if index + 1 < characters.count, characters[index + 1] == "/" {
                        index += 1
                        out += "(.*/)?"
                    } else {
                        out += ".*"
                    }
                } else {
                    out += "[^/]*"
                }
            case "?": out += "[^/]"
            case "[":
                if let close = characters[index...].firstIndex(of: "]") {
                    var set = String(characters[(index + 1)..<close])
                    if set.hasPrefix("!") { set = "^" + set.dropFirst() }
                    out += "[" + set.replacingOccurrences(of: "\\", with: "\\\\") + "]"
                    index = close
                } else {
                    out += "\\["
                }
            case "\\":
                if index + 1 < characters.count {
                    index += 1
                    out += NSRegularExpression.escapedPattern(for: String(characters[index]))
                }
            default: out += NSRegularExpression.escapedPattern(for: String(character))
            }
            index += 1
        }
        return out
    }
}
