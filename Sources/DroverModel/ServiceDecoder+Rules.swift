import Foundation

/// Rules between the keys of one service. They mirror the checks compose makes when it loads a
/// document (compose-go `loader/validate.go`, `types/`), so that a document `docker compose`
/// refuses is refused here too, with the key and line named, instead of failing on the device.
extension ServiceDecoder {
    /// Takes resource limits from `deploy.resources` where the service key does not set them,
    /// and refuses the two when they disagree.
    func applyDeployLimits(_ deploy: DeploySettings, to spec: inout ServiceSpec, node: YAMLValue) throws(ModelError) {
        spec.cpus = try reconcile(
            spec.cpus, key: "cpus", line: node["cpus"]?.line, deploy: deploy.limits, group: "limits", resource: "cpus", value: \.cpus, zero: 0)
        spec.memoryLimit = try reconcile(
            spec.memoryLimit, key: "mem_limit", line: node["mem_limit"]?.line, deploy: deploy.limits, group: "limits", resource: "memory",
            value: \.memory, zero: 0)
        spec.memoryReservation = try reconcile(
            spec.memoryReservation, key: "mem_reservation", line: node["mem_reservation"]?.line, deploy: deploy.reservations,
            group: "reservations", resource: "memory", value: \.memory, zero: 0)
        spec.pidsLimit = try reconcile(
            spec.pidsLimit, key: "pids_limit", line: node["pids_limit"]?.line, deploy: deploy.limits, group: "limits", resource: "pids",
            value: \.pids, zero: 0)
    }

    /// Checks keys that exclude or repeat each other: `network_mode` with `networks`, two
    /// mounts on one container path, a `platform` that `build.platforms` leaves out.
    mutating func checkCombinations(_ spec: inout ServiceSpec, node: YAMLValue) throws(ModelError) {
        // An empty `networks` is no network at all, so compose lets it pass.
        if let mode = spec.networkMode, spec.networks?.isEmpty == false, let networks = node["networks"] {
            throw ModelError(
                .invalidValue, at: "\(prefix).networks", line: networks.line,
                "service '\(name)' sets both 'network_mode: \(mode)' and 'networks', which exclude each other (compose refuses this too); keep one")
        }
        try checkMountTargets(&spec, node: node)
        try checkBuildPlatforms(node, platform: spec.platform)
    }

    /// A container path takes one mount. Compose keeps the last of two `volumes` entries on one
    /// path (and so does Drover, saying so), but refuses a path that is both in `tmpfs` and in
    /// `volumes`, or in `tmpfs` twice with different options.
    mutating func checkMountTargets(_ spec: inout ServiceSpec, node: YAMLValue) throws(ModelError) {
        var mounted: [String: String] = [:]
        var tmpfs: [String] = []
        for (index, entry) in (spec.tmpfs ?? []).enumerated() {
            if tmpfs.contains(entry) { continue }  // the same entry twice is one mount, as in compose
            let target = Self.cleanPath(String(entry.split(separator: ":", maxSplits: 1).first ?? ""))
            let at = "\(prefix).tmpfs[\(index)]"
            if let earlier = mounted[target] {
                throw ModelError(.invalidValue, at: at, line: node["tmpfs"]?.line, "target \(target) is already mounted by \(earlier)")
            }
            mounted[target] = at
            tmpfs.append(entry)
        }
        if spec.tmpfs != nil { spec.tmpfs = tmpfs }
        guard let mounts = spec.volumes else { return }
        let items: [YAMLValue]
        if case .sequence(let list, _) = node["volumes"] { items = list } else { items = [] }
        var kept: [VolumeMount] = []
        var position: [String: Int] = [:]
        for (index, original) in mounts.enumerated() {
            var mount = original
            mount.target = Self.cleanPath(mount.target)
            let at = "\(prefix).volumes[\(index)]"
            let line = index < items.count ? items[index].line : node["volumes"]?.line
            if let slot = position[mount.target] {
                warnings.append("service '\(name)': \(at) mounts \(mount.target) again; the later entry replaces the earlier one, as in compose")
                kept[slot] = mount
                continue
            }
            if let earlier = mounted[mount.target] {
                throw ModelError(.invalidValue, at: at, line: line, "target \(mount.target) is already mounted by \(earlier)")
            }
            mounted[mount.target] = at
            position[mount.target] = kept.count
            kept.append(mount)
        }
        spec.volumes = kept
    }

    /// A path with `.`, `..`, repeated and trailing slashes resolved, as Go's `path.Clean`
    /// gives it: compose compares and passes mount targets in this form.
    static func cleanPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Compose reads a list-form `environment` entry up to its `=` as the name, and refuses a
    /// name that ends in a space: `FOO =bar` would otherwise set a variable nobody can read.
    func checkEnvironmentNames(_ value: YAMLValue, path: String) throws(ModelError) {
        guard case .sequence(let items, _) = value else { return }
        for (index, item) in items.enumerated() {
            guard case .scalar(let entry, _, _) = item else { continue }
            let variable = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if let last = variable.last, last.isWhitespace {
                throw ModelError(
                    .invalidValue, at: "\(path)[\(index)]", line: item.line,
                    "environment variable '\(variable)' is declared with a trailing space; write '\(variable.trimmingCharacters(in: .whitespaces))=…'")
            }
        }
    }

    /// The engine's rule for container names (`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`): compose passes
    /// `container_name` to it, so a name it refuses fails every start.
    func checkContainerName(_ text: String, path: String, line: Int?) throws(ModelError) {
        let body = text.hasPrefix("/") ? Substring(text.dropFirst()) : Substring(text)
        func allowed(_ character: Character, first: Bool) -> Bool {
            guard character.isASCII, character.isLetter || character.isNumber else { return !first && "_.-".contains(character) }
            return true
        }
        guard body.count >= 2, let first = body.first, allowed(first, first: true), body.dropFirst().allSatisfy({ allowed($0, first: false) }) else {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "container_name '\(text)' is not a valid container name: it needs at least 2 characters, a letter or digit first, then letters, digits, '_', '.' or '-'"
            )
        }
    }

    /// Lists whose entries compose's schema requires to be unique (`uniqueItems`) and that
    /// compose does not merge away first, so a repeat is refused rather than quietly passed on.
    static let uniqueListKeys: Set<String> = ["security_opt", "group_add", "extra_hosts", "depends_on", "networks", "dns"]

    /// Refuses an entry repeated in a list form of one of ``uniqueListKeys``.
    func checkUnique(_ value: YAMLValue, path: String) throws(ModelError) {
        guard case .sequence(let items, _) = value else { return }
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            guard case .scalar(let text, _, _) = item else { continue }
            if let first = seen[text] {
                throw ModelError(
                    .invalidValue, at: "\(path)[\(index)]", line: item.line,
                    "'\(text)' is listed twice (first at \(path)[\(first)]); compose refuses repeated entries here")
            }
            seen[text] = index
        }
    }
}
