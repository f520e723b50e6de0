import Yams

/// A YAML node after anchors, aliases and merge keys are resolved, with its line kept for
/// error messages. Scalars stay text; each consumer decides what type it needs.
indirect enum YAMLValue: Sendable, Equatable {
    /// A scalar: its text, whether it was written plain (unquoted), and its line.
    case scalar(String, plain: Bool, line: Int?)
    /// A mapping with its keys in document order.
    case mapping([(key: String, value: YAMLValue)], line: Int?)
    /// A sequence.
    case sequence([YAMLValue], line: Int?)

    static func == (lhs: YAMLValue, rhs: YAMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a, let pa, _), .scalar(let b, let pb, _)): a == b && pa == pb
        case (.sequence(let a, _), .sequence(let b, _)): a == b
        case (.mapping(let a, _), .mapping(let b, _)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    var line: Int? {
        switch self {
        case .scalar(_, _, let line), .mapping(_, let line), .sequence(_, let line): line
        }
    }

    /// True for `null`, `~` and an empty plain scalar.
    var isNull: Bool {
        if case .scalar(let text, true, _) = self { return text.isEmpty || text == "null" || text == "~" || text == "Null" || text == "NULL" }
        return false
    }

    var mappingPairs: [(key: String, value: YAMLValue)]? {
        if case .mapping(let pairs, _) = self { return pairs }
        return nil
    }

    subscript(key: String) -> YAMLValue? {
        mappingPairs?.first(where: { $0.key == key })?.value
    }

    /// A short name of the node's kind for error messages.
    var kindName: String {
        switch self {
        case .scalar: isNull ? "null" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}

/// How large a compose document may be, and how large it may grow once anchors, aliases,
/// merge keys and `extends` are resolved. Aliases make a document of a few hundred bytes
/// stand for billions of nodes ("billion laughs"); resolving them is where memory would go,
/// so the budget is counted while resolving and stops it at the limit.
public enum DocumentLimits {
    /// Largest document, in bytes of UTF-8: 1 MiB, some hundred times the largest real compose files.
    public static let maxBytes = 1 << 20
    /// Most nodes (scalars, mappings, sequences) the document may expand to.
    public static let maxNodes = 100_000
    /// Most bytes of scalar text the document may expand to: 4 MiB (a document without
    /// aliases has at most 1 MiB).
    public static let maxTextBytes = 4 << 20

    /// Refuses a document over ``maxBytes``.
    static func checkSize(_ text: String) throws(ModelError) {
        let bytes = text.utf8.count
        guard bytes <= maxBytes else {
            throw ModelError(
                .tooLarge, at: "", "the document is \(bytes) bytes; Drover accepts compose documents of at most \(maxBytes) bytes (1 MiB)")
        }
    }
}

/// What resolving a document has produced so far, against ``DocumentLimits``.
struct ExpansionBudget {
    private(set) var nodes = 0
    private(set) var textBytes = 0

    /// Counts one node (and its text); throws once the document has grown past a limit.
    mutating func count(text: String = "", line: Int?, through what: String = "aliases") throws(ModelError) {
        nodes += 1
        textBytes += text.utf8.count
        if nodes > DocumentLimits.maxNodes {
            throw ModelError(
                .tooLarge, at: "", line: line,
                "the document expands to more than \(DocumentLimits.maxNodes) nodes through \(what); Drover accepts at most \(DocumentLimits.maxNodes)")
        }
        if textBytes > DocumentLimits.maxTextBytes {
            throw ModelError(
                .tooLarge, at: "", line: line,
                "the document expands to more than \(DocumentLimits.maxTextBytes) bytes of text through \(what); Drover accepts at most \(DocumentLimits.maxTextBytes) (4 MiB)"
            )
        }
    }

    /// Counts every node of `value`, stopping at the first limit passed.
    mutating func count(_ value: YAMLValue, through what: String) throws(ModelError) {
        switch value {
        case .scalar(let text, _, let line): try count(text: text, line: line, through: what)
        case .sequence(let items, let line):
            try count(line: line, through: what)
            for item in items { try count(item, through: what) }
        case .mapping(let pairs, let line):
            try count(line: line, through: what)
            for pair in pairs {
                try count(text: pair.key, line: line, through: what)
                try count(pair.value, through: what)
            }
        }
    }
}

extension YAMLValue {
    /// Parses YAML text. Duplicate keys, tabs in indentation and other syntax problems are
    /// reported with their line; a document larger than ``DocumentLimits`` allow, as written
    /// or once its aliases are resolved, is refused.
    static func parse(_ text: String) throws(ModelError) -> YAMLValue? {
        try DocumentLimits.checkSize(text)
        if let neutral = AliasKeys.neutralised(text) {
            try AliasKeys.refuseNonScalarKeys(try compose(neutral))
        }
        guard let node = try compose(text) else { return nil }
        var budget = ExpansionBudget()
        return try convert(node, path: "", budget: &budget)
    }

    private static func compose(_ text: String) throws(ModelError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, in: text)
        } catch {
            throw ModelError(.syntax, at: "", "YAML syntax error: \(error)")
        }
    }

    private static func syntaxError(_ error: YamlError, in text: String) -> ModelError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let line = context.mark.line + 1
            return ModelError(.syntax, at: "", line: line, "duplicate mapping key \(keys): YAML keys must be unique")
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var message = "YAML syntax error: \(problem)"
            if let context { message += " \(context.text)" }
            let index = mark.line - 1
            // A tab in indentation is the most common cause of scanner errors in hand-written files.
            let nearby = lines.indices.filter { abs($0 - index) <= 1 }
            if let tabLine = nearby.first(where: { lines[$0].prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") }) {
                return ModelError(
                    .syntax, at: "", line: tabLine + 1,
                    "YAML syntax error: a tab character is used for indentation; YAML allows only spaces there")
            }
            return ModelError(.syntax, at: "", line: mark.line, message)
        default:
            return ModelError(.syntax, at: "", "YAML syntax error: \(error)")
        }
    }

    /// Yams has already put each alias's anchored node in its place, sharing storage; here every
    /// use becomes a node of its own, so this is where the budget is counted.
    ///
    /// `aliasLine` is the line of the outermost alias being expanded (known when a node's child
    /// was written above it): the line a "too large" error names, as that is where to look.
    private static func convert(_ node: Node, path: String, budget: inout ExpansionBudget, aliasLine: Int? = nil) throws(ModelError) -> YAMLValue {
        let line = node.mark.map { $0.line }
        func via(_ child: Node) -> Int? {
            if let aliasLine { return aliasLine }
            guard let line, let childLine = child.mark?.line, childLine < line else { return nil }
            return line
        }
        switch node {
        case .scalar(let scalar):
            try budget.count(text: scalar.string, line: aliasLine ?? line)
            return .scalar(scalar.string, plain: scalar.style == .plain, line: line)
        case .sequence(let sequence):
            try budget.count(line: aliasLine ?? line)
            var items: [YAMLValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", budget: &budget, aliasLine: via(item)))
            }
            return .sequence(items, line: line)
        case .mapping(let mapping):
            try budget.count(line: aliasLine ?? line)
            var merged: [(key: String, value: YAMLValue)] = []
            var mergedKeys: Set<String> = []
            var own: [(key: String, value: YAMLValue)] = []
            var ownKeys: Set<String> = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ModelError(.invalidValue, at: path, line: keyNode.mark?.line, "mapping keys must be plain text, not a list or mapping")
                }
                let key = keyScalar.string
                try budget.count(text: key, line: aliasLine ?? line)
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if key == "<<" && keyScalar.style == .plain {
                    // Merge key: earlier entries in a list of merged maps win, own keys win over all.
                    let sources: [Node]
                    switch valueNode {
                    case .mapping: sources = [valueNode]
                    case .sequence(let seq): sources = Array(seq)
                    default:
                        throw ModelError(
                            .invalidValue, at: childPath, line: valueNode.mark?.line, "a merge key '<<' must refer to a mapping or a list of mappings")
                    }
                    for source in sources {
                        guard case .mapping = source else {
                            throw ModelError(
                                .invalidValue, at: childPath, line: source.mark?.line, "a merge key '<<' must refer to a mapping or a list of mappings")
                        }
                        guard case .mapping(let pairs, _) = try convert(source, path: path, budget: &budget, aliasLine: via(source)) else { continue }
                        for pair in pairs where mergedKeys.insert(pair.key).inserted {
                            merged.append(pair)
                        }
                    }
                    continue
                }
                own.append((key, try convert(valueNode, path: childPath, budget: &budget, aliasLine: via(valueNode))))
                ownKeys.insert(key)
            }
            let result = own + merged.filter { !ownKeys.contains($0.key) }
            return .mapping(result, line: line)
        case .alias:
            throw ModelError(.syntax, at: path, line: line, "an unresolved YAML alias")
        }
    }
}

/// Keeps aliases out of mapping keys before Yams composes a document.
///
/// Yams checks each mapping for duplicate keys by hashing the keys whole, aliases resolved, before
/// Drover sees the document: a key that is an alias of a "billion laughs" structure costs
/// billions of steps (a 450-byte document took 73 s at eight levels, nine times longer per
/// level) though it takes no memory. Compose keys are plain text, so such a document is refused
/// first, found by composing a copy in which every alias is replaced by a scalar of its own:
/// without aliases nothing expands, and the copy's keys show where aliases stood.
enum AliasKeys {
    /// What an alias becomes in the copy, followed by its number (so no two are equal).
    static let placeholder = "drover-alias-placeholder-"

    /// The document with every alias (`*name` where a node can start) replaced; nil when the
    /// document has none. Anything that only looks like an alias (inside a quoted string, say)
    /// is replaced too, which changes nothing but that scalar's text in the copy.
    static func neutralised(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let star = UInt8(ascii: "*")
        guard bytes.contains(star) else { return nil }
        // Characters after which a node, and so an alias, can start.
        let boundaries = Set(" \t\r\n[{,:?-".utf8)
        func isAnchorCharacter(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var count = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let atBoundary = index == 0 || boundaries.contains(bytes[index - 1])
            guard byte == star, atBoundary, index + 1 < bytes.count, isAnchorCharacter(bytes[index + 1]) else {
                out.append(byte)
                index += 1
                continue
            }
            index += 1
            while index < bytes.count, isAnchorCharacter(bytes[index]) { index += 1 }
            // After `"key":` (JSON-like flow), a plain scalar needs the space an alias does not.
            if out.last == UInt8(ascii: ":") { out.append(UInt8(ascii: " ")) }
            out += Array((placeholder + String(count)).utf8)
            count += 1
        }
        guard count > 0 else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Throws at the first mapping key that is not plain text: a placeholder (an alias stood
    /// there), a list or a mapping. Visits at most ``DocumentLimits/maxNodes`` nodes.
    static func refuseNonScalarKeys(_ root: Node?) throws(ModelError) {
        guard let root else { return }
        var budget = ExpansionBudget()
        var pending = [root]
        while let node = pending.popLast() {
            try budget.count(line: node.mark?.line)
            switch node {
            case .scalar, .alias: continue
            case .sequence(let sequence): pending += Array(sequence)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    switch key {
                    case .scalar(let scalar):
                        if scalar.style == .plain, scalar.string.hasPrefix(placeholder) {
                            throw ModelError(.invalidValue, at: "", line: key.mark?.line, "an alias cannot be a mapping key; keys must be plain text")
                        }
                    default:
                        throw ModelError(.invalidValue, at: "", line: key.mark?.line, "mapping keys must be plain text, not a list or mapping")
                    }
                    pending.append(value)
                }
            }
        }
    }
}

extension YAMLValue {
    /// The line of the node at a dotted path such as `networks.front.ipam.config[0].subnet`, or
    /// of the deepest node on the way that exists: for errors found after parsing. Keys may hold
    /// dots, so the longest key that fits is taken at each step.
    func line(at path: String) -> Int? {
        var node = self
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                case .sequence(let items, _) = node, items.indices.contains(index)
            {
                node = items[index]
                rest = rest[rest.index(after: close)...]
            } else if case .mapping(let pairs, _) = node,
                let pair = pairs.filter({ pair in
                    rest.hasPrefix(pair.key) && (rest.count == pair.key.count || [".", "["].contains(rest.dropFirst(pair.key.count).first))
                }).max(by: { $0.key.count < $1.key.count })
            {
                node = pair.value
                rest = rest.dropFirst(pair.key.count)
            } else {
                break
            }
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
        }
        return node.line
    }
}
