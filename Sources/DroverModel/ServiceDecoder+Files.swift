import Foundation

/// Keys that name files outside the document: `build` (kept for the push pipeline) and `env_file`.
extension ServiceDecoder {
    func build(_ value: YAMLValue, path: String) throws(ModelError) -> ServiceSpec.BuildSpec {
        if case .scalar = value {
            return .init(context: try ComposeValues.string(value, path: path))
        }
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'build' must be a context path or a mapping")
        }
        var spec = ServiceSpec.BuildSpec(context: ".")
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            switch key {
            case "context": spec.context = try ComposeValues.string(item, path: itemPath)
            case "dockerfile": spec.dockerfile = try ComposeValues.string(item, path: itemPath)
            case "args": spec.args = try ComposeValues.keyValues(item, path: itemPath, what: "build arg", fallback: environment)
            case "target": spec.target = try ComposeValues.string(item, path: itemPath)
            case "labels": spec.labels = try ComposeValues.keyValues(item, path: itemPath, what: "build label")
            case "cache_from", "cache_to", "network", "shm_size", "extra_hosts", "platforms", "tags", "ssh", "secrets",
                "additional_contexts", "pull", "no_cache", "privileged", "isolation", "ulimits", "dockerfile_inline", "entitlements":
                // Build options matter only to whoever builds the image; the device never builds.
                continue
            default:
                if key.hasPrefix("x-") { continue }
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "service '\(name)' has unknown build key '\(key)'")
            }
        }
        // Compose refuses both: it could not tell which Dockerfile the image is built from.
        if value["dockerfile"] != nil, let inline = value["dockerfile_inline"] {
            throw ModelError(
                .invalidValue, at: "\(path).dockerfile_inline", line: inline.line,
                "service '\(name)' sets both 'dockerfile' and 'dockerfile_inline', which exclude each other; keep one")
        }
        return spec
    }

    /// Compose refuses a `platform` that `build.platforms` leaves out: the image built would not
    /// be the one the service asks to run.
    func checkBuildPlatforms(_ node: YAMLValue, platform: String?) throws(ModelError) {
        guard let platform, let platforms = node["build"]?["platforms"] else { return }
        let path = "\(prefix).build.platforms"
        let listed = try ComposeValues.stringList(platforms, path: path)
        guard listed.isEmpty || listed.contains(platform) else {
            throw ModelError(
                .invalidValue, at: path, line: platforms.line,
                "service '\(name)' runs platform '\(platform)', which build.platforms (\(listed.joined(separator: ", "))) does not include")
        }
    }

    func envFiles(_ value: YAMLValue, path: String) throws(ModelError) -> [String: String] {
        var files: [(path: String, required: Bool)] = []
        switch value {
        case .scalar: files = [(try ComposeValues.string(value, path: path), true)]
        case .sequence(let items, _):
            for (index, item) in items.enumerated() {
                if case .mapping = item {
                    guard let filePath = item["path"] else {
                        throw ModelError(.missing, at: "\(path)[\(index)]", line: item.line, "env_file entry needs 'path'")
                    }
                    let required = try item["required"].map { v throws(ModelError) in try ComposeValues.bool(v, path: "\(path)[\(index)].required") } ?? true
                    files.append((try ComposeValues.string(filePath, path: "\(path)[\(index)].path"), required))
                } else {
                    files.append((try ComposeValues.string(item, path: "\(path)[\(index)]"), true))
                }
            }
        case .mapping:
            throw ModelError(.invalidValue, at: path, line: value.line, "'env_file' must be a path or a list of paths")
        }
        var out: [String: String] = [:]
        for file in files {
            guard let readFile else {
                throw ModelError(
                    .unsupported, at: path, line: value.line,
                    "service '\(name)' reads env_file '\(file.path)', and this document was given without its directory; put the variables under 'environment'")
            }
            let text: String
            do {
                text = try readFile(file.path)
            } catch {
                if !file.required { continue }
                throw ModelError(.missing, at: path, line: value.line, "service '\(name)' reads env_file '\(file.path)', which cannot be read: \(error)")
            }
            for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = rawLine.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                let entry = trimmed.hasPrefix("export ") ? String(trimmed.dropFirst(7)) : trimmed
                guard let eq = entry.firstIndex(of: "=") else {
                    if let inherited = environment[entry] { out[entry] = inherited }
                    continue
                }
                var val = String(entry[entry.index(after: eq)...])
                if val.count >= 2, let first = val.first, first == "\"" || first == "'", val.last == first {
                    val = String(val.dropFirst().dropLast())
                }
                let key = String(entry[..<eq]).trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty else {
                    throw ModelError(.invalidValue, at: path, line: value.line, "env_file '\(file.path)' line \(number + 1) has no variable name")
                }
                out[key] = val
            }
        }
        return out
    }
}
