import Foundation

/// Checks of the document as a whole: service names, references between services and to
/// declared resources, and dependency cycles.
extension ComposeParser {
    /// Checks what services say about each other and about the top-level resources, and adds
    /// the default network where services use it.
    func validate(
        _ app: inout AppSpec, skipped: [String: [String]], rawServices: [String: YAMLValue], containerNames: [String: String],
        warnings: inout [String]
    ) throws(ModelError) {
        try Self.checkContainerNames(containerNames, rawServices: rawServices)
        let declaredNetworks = app.networks ?? [:]
        let declaredVolumes = app.volumes ?? [:]
        var usesDefault = false
        for name in app.services.keys.sorted() {
            guard var spec = app.services[name] else { continue }
            let line = rawServices[name]?.line
            try Self.checkReferences(of: name, spec: spec, raw: rawServices[name], services: app.services, skipped: skipped)
            for (dependency, _) in spec.dependsOn ?? [:] {
                if let profiles = skipped[dependency] {
                    // Compose starts a service without an optional dependency that is left out.
                    if let required = rawServices[name]?["depends_on"]?[dependency]?["required"],
                        try !ComposeValues.bool(required, path: "services.\(name).depends_on.\(dependency).required")
                    {
                        spec.dependsOn?[dependency] = nil
                        warnings.append("service '\(name)' starts without '\(dependency)', which is left out by its profile(s) and not required")
                        continue
                    }
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
            if spec.dependsOn?.isEmpty == true { spec.dependsOn = nil }
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
        try StaticAddresses.check(services: app.services, networks: declaredNetworks, path: { "services.\($0)" }) { service, network in
            rawServices[service]?.line(at: "networks.\(network)")
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
    /// Sharing another service's network, PID or IPC namespace needs that service first, so those
    /// count as dependencies too (compose adds them to depends_on).
    static func findCycle(_ services: [String: ServiceSpec]) -> [String]? {
        func edges(_ name: String) -> [String] {
            guard let spec = services[name] else { return [] }
            let shared = [spec.networkMode, spec.pid, spec.ipc].compactMap { mode in mode.flatMap(Self.sharedService) }
            return Set((spec.dependsOn ?? [:]).keys).union(shared).sorted()
        }
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
            for dependency in edges(name) where services[dependency] != nil {
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

    /// The service a `service:NAME` namespace mode names, or nil for any other mode.
    static func sharedService(_ mode: String) -> String? {
        mode.hasPrefix("service:") ? String(mode.dropFirst("service:".count)) : nil
    }

    /// `links` and the `pid`/`ipc` modes `service:NAME` must name services of the app, as
    /// compose (which turns them into dependencies) demands.
    static func checkReferences(
        of name: String, spec: ServiceSpec, raw: YAMLValue?, services: [String: ServiceSpec], skipped: [String: [String]]
    ) throws(ModelError) {
        func missing(_ other: String, _ what: String, at path: String, line: Int?) -> ModelError? {
            if services[other] != nil { return nil }
            if let profiles = skipped[other] {
                return ModelError(
                    .undeclared, at: path, line: line,
                    "service '\(name)' \(what) '\(other)', which is left out because its profile(s) \(profiles.joined(separator: ", ")) are not active")
            }
            return ModelError(.undeclared, at: path, line: line, "service '\(name)' \(what) '\(other)', which is not defined")
        }
        if case .sequence(let links, _) = raw?["links"] {
            for (index, link) in links.enumerated() {
                guard case .scalar(let text, _, _) = link else { continue }
                // As compose reads it: SERVICE or SERVICE:ALIAS.
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                let target = parts.count == 2 ? String(parts[0]) : text
                if let error = missing(target, "links to", at: "services.\(name).links[\(index)]", line: link.line) { throw error }
            }
        }
        for (key, mode) in [("pid", spec.pid), ("ipc", spec.ipc)] {
            guard let other = mode.flatMap(sharedService) else { continue }
            if let error = missing(other, "shares the \(key) namespace of", at: "services.\(name).\(key)", line: raw?[key]?.line) { throw error }
        }
    }

    /// Two services cannot share a `container_name`: docker compose refuses it before creating
    /// anything, since the engine allows a container name once.
    static func checkContainerNames(_ names: [String: String], rawServices: [String: YAMLValue]) throws(ModelError) {
        var owner: [String: String] = [:]
        for service in names.keys.sorted() {
            guard let containerName = names[service] else { continue }
            if let first = owner[containerName] {
                throw ModelError(
                    .invalidValue, at: "services.\(service).container_name", line: rawServices[service]?["container_name"]?.line ?? rawServices[service]?.line,
                    "container name '\(containerName)' is already used by service '\(first)'; container names must be unique")
            }
            owner[containerName] = service
        }
    }
}
