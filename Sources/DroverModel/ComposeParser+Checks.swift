import Foundation

/// Checks of the document as a whole: service names, references between services and to
/// declared resources, and dependency cycles.
extension ComposeParser {
    /// Checks what services say about each other and about the top-level resources, and adds
    /// the default network where services use it.
    func validate(_ app: inout AppSpec, skipped: [String: [String]], rawServices: [String: YAMLValue]) throws(ModelError) {
        let declaredNetworks = app.networks ?? [:]
        let declaredVolumes = app.volumes ?? [:]
        var usesDefault = false
        for name in app.services.keys.sorted() {
            guard var spec = app.services[name] else { continue }
            let line = rawServices[name]?.line
            for (dependency, _) in spec.dependsOn ?? [:] {
                if let profiles = skipped[dependency] {
                    throw ModelError(
                        .undeclared, at: "services.\(name).depends_on", line: line,
                        "service '\(name)' depends on '\(dependency)', which is left out because its profile(s) \(profiles.joined(separator: ", ")) are not active"
                    )
                }
                guard app.services[dependency] != nil else {
                    throw ModelError(
                        .undeclared, at: "services.\(name).depends_on", line: line, "service '\(name)' depends on '\(dependency)', which is not defined")
                }
            }
            if let mode = spec.networkMode, mode.hasPrefix("service:") {
                let other = String(mode.dropFirst("service:".count))
                guard app.services[other] != nil else {
                    throw ModelError(
                        .undeclared, at: "services.\(name).network_mode", line: line, "network_mode names service '\(other)', which is not defined")
                }
            }
            for (network, _) in spec.networks ?? [:] where network != "default" && declaredNetworks[network] == nil {
                let known = declaredNetworks.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw ModelError(
                    .undeclared, at: "services.\(name).networks", line: line,
                    "service '\(name)' joins network '\(network)', which is not declared under top-level networks"
                        + (known.isEmpty ? " (none is declared)" : " (declared: \(known))"))
            }
            if spec.networkMode == nil {
                if spec.networks == nil {
                    spec.networks = ["default": NetworkAttachment()]
                }
                if spec.networks?["default"] != nil { usesDefault = true }
            }
            for (index, mount) in (spec.volumes ?? []).enumerated() where mount.type == .volume {
                guard let source = mount.source else { continue }
                guard declaredVolumes[source] != nil else {
                    let known = declaredVolumes.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    throw ModelError(
                        .undeclared, at: "services.\(name).volumes[\(index)]", line: line,
                        "service '\(name)' mounts named volume '\(source)', which is not declared under top-level volumes"
                            + (known.isEmpty ? " (none is declared)" : " (declared: \(known))"))
                }
            }
            app.services[name] = spec
        }
        if usesDefault && declaredNetworks["default"] == nil {
            app.networks = declaredNetworks.merging(["default": NetworkSpec()]) { a, _ in a }
        }
        if app.networks?.isEmpty == true { app.networks = nil }
        if app.volumes?.isEmpty == true { app.volumes = nil }
        if let cycle = Self.findCycle(app.services) {
            throw ModelError(
                .dependencyCycle, at: "services.\(cycle[0]).depends_on", line: rawServices[cycle[0]]?.line,
                "dependency cycle: \(cycle.joined(separator: " -> "))")
        }
    }

    /// The closest of `candidates` to `word` by edit distance, when close enough to be a typo.
    static func closest(to word: String, in candidates: Set<String>) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var current = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                previous = current
            }
            return previous[b.count]
        }
        // A candidate whose length differs by more than 2 cannot be within 2 edits; skipping it
        // also keeps a key of a million characters from costing a million-row table per candidate.
        let near = candidates.filter { abs($0.count - word.count) <= 2 }
        let scored = near.map { ($0, distance(Array(word), Array($0))) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let best = scored.first, best.1 <= 2 else { return nil }
        return best.0
    }

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
