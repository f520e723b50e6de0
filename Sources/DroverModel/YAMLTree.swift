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

extension YAMLValue {
    /// Parses YAML text. Duplicate keys, tabs in indentation and other syntax problems are
    /// reported with their line.
    static func parse(_ text: String) throws(ModelError) -> YAMLValue? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, in: text)
        } catch {
            throw ModelError(.syntax, at: "", "YAML syntax error: \(error)")
        }
        guard let node else { return nil }
        return try convert(node, path: "")
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

    private static func convert(_ node: Node, path: String) throws(ModelError) -> YAMLValue {
        let line = node.mark.map { $0.line }
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, plain: scalar.style == .plain, line: line)
        case .sequence(let sequence):
            var items: [YAMLValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]"))
            }
            return .sequence(items, line: line)
        case .mapping(let mapping):
            var merged: [(key: String, value: YAMLValue)] = []
            var own: [(key: String, value: YAMLValue)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ModelError(.invalidValue, at: path, line: keyNode.mark?.line, "mapping keys must be plain text, not a list or mapping")
                }
                let key = keyScalar.string
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
                        guard case .mapping(let pairs, _) = try convert(source, path: path) else { continue }
                        for pair in pairs where !merged.contains(where: { $0.key == pair.key }) {
                            merged.append(pair)
                        }
                    }
                    continue
                }
                own.append((key, try convert(valueNode, path: childPath)))
            }
            let result = own + merged.filter { pair in !own.contains(where: { $0.key == pair.key }) }
            return .mapping(result, line: line)
        case .alias:
            throw ModelError(.syntax, at: path, line: line, "an unresolved YAML alias")
        }
    }
}
