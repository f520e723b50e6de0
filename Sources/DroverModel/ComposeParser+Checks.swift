import Foundation

/// Checks of the document as a whole: service names and dependency cycles.
extension ComposeParser {
    /// Returns a dependency cycle as a path that starts and ends with the same service, or nil.
    static func findCycle(_ services: [String: ServiceSpec]) -> [String]? {
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 {
                guard let start = stack.firstIndex(of: name) else { return nil }
                return Array(stack[start...]) + [name]
            }
            state[name] = 1
            stack.append(name)
            for dependency in (services[name]?.dependsOn ?? [:]).keys.sorted() where services[dependency] != nil {
                if let cycle = visit(dependency) { return cycle }
            }
            stack.removeLast()
            state[name] = 2
            return nil
        }
        for name in services.keys.sorted() {
            if let cycle = visit(name) { return cycle }
        }
        return nil
    }

    static func validateServiceName(_ name: String, line: Int?) throws(ModelError) {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            (scalar.value < 128) && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
        }
        guard !name.isEmpty, allowed else {
            let reason = name.contains(" ") ? "contains a space" : "contains a character other than letters, digits, '.', '_' and '-'"
            throw ModelError(.invalidValue, at: "services", line: line, "service name '\(name)' \(reason); service names must match ^[a-zA-Z0-9._-]+$")
        }
    }
}
