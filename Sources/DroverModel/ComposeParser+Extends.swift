import Foundation

/// How `extends` combines a service with the one it extends, where it is more than "own keys win".
extension ComposeParser {
    /// Keys whose entries are merged name by name, the extending service's winning.
    static let mergedOnExtends: Set<String> = ["environment", "labels", "sysctls", "annotations"]

    /// `base` and `own` (each a mapping, or a list of `NAME=VALUE`) as one mapping: every name
    /// of both, `own`'s value where both have one.
    static func mergeNamed(_ base: YAMLValue, under own: YAMLValue) -> YAMLValue {
        let ownPairs = namedPairs(own)
        let ownNames = Set(ownPairs.map(\.key))
        return .mapping(namedPairs(base).filter { !ownNames.contains($0.key) } + ownPairs, line: own.line)
    }

    private static func namedPairs(_ value: YAMLValue) -> [(key: String, value: YAMLValue)] {
        switch value {
        case .mapping(let pairs, _): return pairs
        case .sequence(let items, _):
            return items.compactMap { item -> (key: String, value: YAMLValue)? in
                guard case .scalar(let text, _, let line) = item else { return nil }
                guard let equals = text.firstIndex(of: "=") else { return (text, .scalar("", plain: true, line: line)) }
                return (String(text[..<equals]), .scalar(String(text[text.index(after: equals)...]), plain: false, line: line))
            }
        case .scalar: return []
        }
    }
}
