/// Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a literal `$`.
struct Interpolator {
    var environment: [String: String]
    /// Names used but not set, to warn about (they become empty, as in docker compose).
    private(set) var unset: Set<String> = []

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// How deep `${A:-${B:-…}}` may nest: far more than anyone writes, and few enough that a
    /// document cannot exhaust the stack (or spend quadratic time) on one scalar.
    static let maxNesting = 16

    mutating func interpolate(_ text: String, path: String, line: Int?, depth: Int = 0) throws(ModelError) -> String {
        guard text.contains("$") else { return text }
        guard depth <= Self.maxNesting else {
            throw ModelError(.invalidValue, at: path, line: line, "variable references nest more than \(Self.maxNesting) deep")
        }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let char = text[index]
            guard char == "$" else {
                out.append(char)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            guard next < text.endIndex else {
                out.append("$")
                break
            }
            if text[next] == "$" {
                out.append("$")
                index = text.index(after: next)
            } else if text[next] == "{" {
                guard let close = matchingBrace(in: text, from: next) else {
                    throw ModelError(.invalidValue, at: path, line: line, "unterminated variable reference '\(text[index...])': a '${' has no closing '}'")
                }
                let body = String(text[text.index(after: next)..<close])
                out += try expand(body, path: path, line: line, depth: depth)
                index = text.index(after: close)
            } else if text[next] == "_" || text[next].isLetter {
                var end = next
                while end < text.endIndex, text[end] == "_" || text[end].isLetter || text[end].isNumber {
                    end = text.index(after: end)
                }
                out += lookup(String(text[next..<end]))
                index = end
            } else {
                out.append("$")
                index = next
            }
        }
        return out
    }

    private func matchingBrace(in text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var index = open
        while index < text.endIndex {
            if text[index] == "{" { depth += 1 }
            if text[index] == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    private mutating func lookup(_ name: String) -> String {
        if let value = environment[name] { return value }
        unset.insert(name)
        return ""
    }

    private mutating func expand(_ body: String, path: String, line: Int?, depth: Int) throws(ModelError) -> String {
        let nameEnd = body.firstIndex(where: { !($0 == "_" || $0.isLetter || $0.isNumber) }) ?? body.endIndex
        let name = String(body[..<nameEnd])
        guard !name.isEmpty else {
            throw ModelError(.invalidValue, at: path, line: line, "invalid variable reference '${\(body)}'")
        }
        let rest = body[nameEnd...]
        if rest.isEmpty { return lookup(name) }
        let value = environment[name]
        for op in [":-", ":?", ":+", "-", "?", "+"] where rest.hasPrefix(op) {
            let argument = try interpolate(String(rest.dropFirst(op.count)), path: path, line: line, depth: depth + 1)
            let set = value != nil
            let nonEmpty = !(value ?? "").isEmpty
            switch op {
            case ":-": return nonEmpty ? value ?? "" : argument
            case "-": return set ? value ?? "" : argument
            case ":+": return nonEmpty ? argument : ""
            case "+": return set ? argument : ""
            case ":?", "?":
                let ok = op == ":?" ? nonEmpty : set
                if ok { return value ?? "" }
                let reason = argument.isEmpty ? "is required" : argument
                throw ModelError(.missing, at: path, line: line, "variable \(name) \(op == ":?" ? "is unset or empty" : "is unset"): \(reason)")
            default: break
            }
        }
        throw ModelError(.invalidValue, at: path, line: line, "invalid variable reference '${\(body)}'")
    }
}
