import Foundation

/// Top-level `secrets` and `configs`, and the services' mounts of them.
extension ComposeParser {
    /// Reads both sections into `app` and checks that every service mounts only what is declared.
    /// A Swarm stack reads them the same way: its leader makes them Swarm secrets and configs.
    /// Returns the inline `content` of each config that has one (interpolated): the server
    /// stores it like any other value, so the app itself holds no values.
    func parseFiles(_ top: YAMLValue, into app: inout AppSpec) throws(ModelError) -> [String: String] {
        var contents: [String: String] = [:]
        // A secret and a config cannot share a target in one service either.
        var targets: [String: [String: String]] = [:]
        for kind in AppFileKind.allCases {
            let declared = try parseFileSection(top[kind.section], kind: kind, contents: &contents)
            if kind == .secret { app.secrets = declared.isEmpty ? nil : declared } else { app.configs = declared.isEmpty ? nil : declared }
            for (service, spec) in app.services.sorted(by: { $0.key < $1.key }) {
                for (index, mount) in kind.mounts(of: spec).enumerated() {
                    let path = "services.\(service).\(kind.section)[\(index)]"
                    guard declared[mount.source] != nil else {
                        let known = declared.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                        throw ModelError(
                            .undeclared, at: path, line: top["services"]?[service]?[kind.section]?.line,
                            "service '\(service)' uses \(kind.rawValue) '\(mount.source)', which is not declared under top-level \(kind.section)"
                                + (known.isEmpty ? " (none is declared)" : " (declared: \(known))"))
                    }
                    if let earlier = targets[service, default: [:]].updateValue("\(kind.section)[\(index)]", forKey: mount.target) {
                        throw ModelError(
                            .invalidValue, at: path, line: top["services"]?[service]?[kind.section]?.line,
                            "service '\(service)' mounts two files at \(mount.target) (also \(earlier))")
                    }
                }
            }
        }
        return contents
    }

    private func parseFileSection(_ node: YAMLValue?, kind: AppFileKind, contents: inout [String: String]) throws(ModelError) -> [String: AppFile] {
        guard let node, !node.isNull else { return [:] }
        guard case .mapping(let pairs, _) = node else {
            throw ModelError(.invalidValue, at: kind.section, line: node.line, "top-level '\(kind.section)' must be a mapping of \(kind.rawValue) names")
        }
        var out: [String: AppFile] = [:]
        for (name, value) in pairs {
            let path = "\(kind.section).\(name)"
            try Self.validateResourceName(name, kind: kind.rawValue, at: path, line: value.line)
            guard case .mapping(let keys, _) = value else {
                throw ModelError(
                    .invalidValue, at: path, line: value.line,
                    "\(kind.rawValue) '\(name)' must be a mapping with one of 'file', 'environment'\(kind == .config ? ", 'content'" : "") or 'external'")
            }
            var sources: [(AppFile, String)] = []
            var givenName: String?
            for (key, item) in keys where !key.hasPrefix("x-") {
                let itemPath = "\(path).\(key)"
                switch key {
                case "file": sources.append((AppFile(source: .file, from: try ComposeValues.string(item, path: itemPath)), key))
                case "environment":
                    let variable = try ComposeValues.string(item, path: itemPath)
                    guard !variable.isEmpty, !variable.contains("=") else {
                        throw ModelError(.invalidValue, at: itemPath, line: item.line, "'\(variable)' is not an environment variable name")
                    }
                    sources.append((AppFile(source: .environment, from: variable), key))
                case "content" where kind == .config:
                    contents[name] = try ComposeValues.string(item, path: itemPath)
                    sources.append((AppFile(source: .content), key))
                case "external":
                    if case .mapping = item {
                        let other = try item["name"].map { value throws(ModelError) in try ComposeValues.string(value, path: "\(itemPath).name") }
                        sources.append((AppFile(source: .external, from: other), key))
                    } else if try ComposeValues.bool(item, path: itemPath) {
                        sources.append((AppFile(source: .external), key))
                    }
                case "name": givenName = try ComposeValues.string(item, path: itemPath)
                case "labels": _ = try ComposeValues.keyValues(item, path: itemPath, what: "label")
                case "driver", "driver_opts", "template_driver":
                    throw ModelError(
                        .unsupported, at: itemPath, line: item.line,
                        "\(kind.rawValue) '\(name)' sets '\(key)', a Swarm secret-store setting; Drover's server keeps the value itself, so leave it out")
                default:
                    throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown \(kind.rawValue) key '\(key)'")
                }
            }
            guard sources.count == 1, var file = sources.first?.0 else {
                let found = sources.map { "'\($0.1)'" }.joined(separator: " and ")
                throw ModelError(
                    .invalidValue, at: path, line: value.line,
                    "\(kind.rawValue) '\(name)' needs exactly one of 'file', 'environment'\(kind == .config ? ", 'content'" : "") or 'external: true'"
                        + (found.isEmpty ? "" : ", and has \(found)"))
            }
            if file.source == .external, let givenName {
                if let other = file.from, other != givenName {
                    throw ModelError(
                        .invalidValue, at: path, line: value.line,
                        "\(kind.rawValue) '\(name)' has name '\(givenName)' and external.name '\(other)'; they conflict, so set only 'name'")
                }
                file.from = givenName
            }
            if file.source == .external, let other = file.from {
                try Self.validateResourceName(other, kind: kind.rawValue, at: "\(path).name", line: value.line)
            }
            out[name] = file
        }
        return out
    }
}

extension ServiceDecoder {
    /// A service's `secrets` or `configs`: names (short form) or mappings with source, target,
    /// uid, gid and mode (long form). A relative secret target is under `/run/secrets`.
    func fileMounts(_ value: YAMLValue, kind: AppFileKind, path: String) throws(ModelError) -> [AppFileMount] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'\(kind.section)' must be a list of \(kind.rawValue) names or mappings")
        }
        var out: [AppFileMount] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            var mount: AppFileMount
            if case .mapping(let pairs, _) = item {
                guard let source = item["source"] else {
                    throw ModelError(.missing, at: itemPath, line: item.line, "a \(kind.rawValue) mount needs 'source', the top-level name")
                }
                mount = AppFileMount(source: try ComposeValues.string(source, path: "\(itemPath).source"), target: "")
                for (key, field) in pairs where key != "source" && !key.hasPrefix("x-") {
                    let fieldPath = "\(itemPath).\(key)"
                    switch key {
                    case "target": mount.target = try ComposeValues.string(field, path: fieldPath)
                    case "uid": mount.uid = try ComposeValues.string(field, path: fieldPath)
                    case "gid": mount.gid = try ComposeValues.string(field, path: fieldPath)
                    case "mode": mount.mode = try Self.fileMode(field, path: fieldPath)
                    default:
                        throw ModelError(
                            .unknownKey, at: fieldPath, line: field.line, "unknown \(kind.rawValue) mount key '\(key)' (source, target, uid, gid, mode)")
                    }
                }
            } else {
                mount = AppFileMount(source: try ComposeValues.string(item, path: itemPath), target: "")
            }
            if mount.target.isEmpty {
                mount.target = kind.defaultTarget(mount.source)
            } else if !mount.target.hasPrefix("/") {
                guard kind == .secret else {
                    throw ModelError(.invalidValue, at: "\(itemPath).target", line: item.line, "config target '\(mount.target)' must be an absolute path")
                }
                mount.target = "/run/secrets/" + mount.target
            }
            do {
                try mount.validate(kind: kind, at: itemPath)
            } catch {
                throw ModelError(error.code, at: error.path, line: item.line, error.message)
            }
            out.append(mount)
        }
        return out
    }

    /// A mode as compose writes it: octal with a leading `0` or `0o` (0440), else decimal.
    static func fileMode(_ value: YAMLValue, path: String) throws(ModelError) -> UInt32 {
        let text = try ComposeValues.string(value, path: path)
        let octal = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text.hasPrefix("0") && text.count > 1 ? String(text.dropFirst()) : nil
        let parsed: UInt32? = if let octal { UInt32(octal, radix: 8) } else { UInt32(text) }
        guard let mode = parsed, mode <= 0o777 else {
            throw ModelError(.invalidValue, at: path, line: value.line, "mode '\(text)' must be a permission such as 0440 (octal) of at most 0777")
        }
        return mode
    }
}
