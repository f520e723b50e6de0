import Foundation

/// Mounts: the short `SOURCE:TARGET:MODE` syntax and the long mapping syntax.
extension ServiceDecoder {
    func resolveHostPath(_ source: String) -> String {
        if source.hasPrefix("~/"), let home = environment["HOME"] { return home + source.dropFirst(1) }
        guard !source.hasPrefix("/"), let baseDirectory else { return source }
        var relative = Substring(source)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        if relative == "." { return baseDirectory }
        return (baseDirectory.hasSuffix("/") ? baseDirectory : baseDirectory + "/") + relative
    }

    /// Keys each option block of a long-syntax mount may hold: the first set Drover applies, the
    /// second compose knows but Drover does not apply yet. Any other key is refused, as compose's
    /// schema refuses it.
    static let mountOptionKeys: [String: (applied: Set<String>, ignored: Set<String>)] = [
        "bind": (["create_host_path"], ["propagation", "selinux", "recursive"]),
        "volume": (["nocopy"], ["labels"]),
        "tmpfs": (["size"], ["mode"]),
    ]

    mutating func checkMountOptions(_ block: YAMLValue, block key: String, path: String) throws(ModelError) {
        guard case .mapping(let pairs, _) = block else {
            throw ModelError(.invalidValue, at: path, line: block.line, "mount option '\(key)' must be a mapping")
        }
        let known = Self.mountOptionKeys[key] ?? ([], [])
        for (option, value) in pairs where !option.hasPrefix("x-") && !known.applied.contains(option) {
            if option == "subpath" {
                // Mounting the whole volume instead of a part of it would expose the wrong files.
                throw ModelError(
                    .unsupported, at: "\(path).subpath", line: value.line, "service '\(name)' mounts a volume subpath, which Drover does not support yet")
            }
            guard known.ignored.contains(option) else {
                let allowed = (known.applied.union(known.ignored)).sorted().joined(separator: ", ")
                throw ModelError(.unknownKey, at: "\(path).\(option)", line: value.line, "unknown \(key) mount option '\(option)' (known: \(allowed))")
            }
            warnings.append("service '\(name)': \(path).\(option) is not applied by Drover yet")
        }
    }

    mutating func volumes(_ value: YAMLValue, path: String) throws(ModelError) -> [VolumeMount] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'volumes' must be a list")
        }
        var out: [VolumeMount] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            switch item {
            case .scalar:
                out.append(try shortVolume(try ComposeValues.string(item, path: itemPath), path: itemPath, line: item.line))
            case .mapping(let pairs, let line):
                var kind: VolumeMount.Kind?
                var source: String?
                var target: String?
                var readOnly: Bool?
                var noCopy: Bool?
                var size: Int64?
                var create: Bool?
                var blocks: [(key: String, line: Int?)] = []
                for (key, field) in pairs {
                    let fieldPath = "\(itemPath).\(key)"
                    switch key {
                    case "type":
                        let text = try ComposeValues.string(field, path: fieldPath)
                        guard let parsed = VolumeMount.Kind(rawValue: text) else {
                            throw ModelError(.unsupported, at: fieldPath, line: field.line, "mount type '\(text)' is not supported; use volume, bind or tmpfs")
                        }
                        kind = parsed
                    case "source": source = try ComposeValues.string(field, path: fieldPath)
                    case "target": target = try ComposeValues.string(field, path: fieldPath)
                    case "read_only": readOnly = try ComposeValues.bool(field, path: fieldPath)
                    case "volume", "tmpfs", "bind":
                        try checkMountOptions(field, block: key, path: fieldPath)
                        blocks.append((key, field.line))
                        if let nc = field["nocopy"], key == "volume" { noCopy = try ComposeValues.bool(nc, path: "\(fieldPath).nocopy") }
                        if let s = field["size"], key == "tmpfs" {
                            size = try ComposeValues.byteSize(try ComposeValues.string(s, path: "\(fieldPath).size"), path: "\(fieldPath).size", line: s.line)
                        }
                        if let c = field["create_host_path"], key == "bind" {
                            create = try ComposeValues.bool(c, path: "\(fieldPath).create_host_path")
                        }
                    case "consistency": continue
                    default:
                        if key.hasPrefix("x-") { continue }
                        throw ModelError(.unknownKey, at: fieldPath, line: field.line, "unknown mount key '\(key)'")
                    }
                }
                guard let kind else { throw ModelError(.missing, at: itemPath, line: line, "a mount in long syntax needs 'type'") }
                guard let target, target.hasPrefix("/") else {
                    throw ModelError(.missing, at: itemPath, line: line, "a mount needs 'target', an absolute path in the container")
                }
                for block in blocks where block.key != kind.rawValue {
                    // Compose warns and drops these too: the options of another mount type do nothing.
                    warnings.append("service '\(name)': \(itemPath) is a \(kind.rawValue) mount, so its '\(block.key)' options are ignored")
                }
                if kind == .tmpfs, source != nil {
                    throw ModelError(
                        .invalidValue, at: "\(itemPath).source", line: pairs.first(where: { $0.key == "source" })?.value.line ?? line,
                        "a tmpfs mount has no source (the engine refuses one); remove 'source' or use type bind or volume")
                }
                if kind == .bind {
                    guard let given = source else { throw ModelError(.missing, at: itemPath, line: line, "a bind mount needs 'source'") }
                    source = resolveHostPath(given)
                }
                var mount = VolumeMount(type: kind, source: kind == .tmpfs ? nil : source, target: target, readOnly: readOnly == true ? true : nil)
                mount.noCopy = noCopy == true ? true : nil
                mount.tmpfsSize = kind == .tmpfs ? size : nil
                mount.createHostPath = kind == .bind ? (create ?? true) : nil
                out.append(mount)
            case .sequence(_, let line):
                throw ModelError(.invalidValue, at: itemPath, line: line, "a volumes entry must be a string or a mapping")
            }
        }
        return out
    }

    func shortVolume(_ text: String, path: String, line: Int?) throws(ModelError) -> VolumeMount {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)' is malformed; write [SOURCE:]TARGET[:MODE]")
        }
        if parts.count == 1 {
            guard text.hasPrefix("/") else {
                throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)' needs an absolute container path")
            }
            return VolumeMount(type: .volume, source: nil, target: text)
        }
        let source = parts[0]
        let target = parts[1]
        guard target.hasPrefix("/") else {
            throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)': the container path '\(target)' must be absolute")
        }
        var readOnly = false
        var noCopy = false
        if parts.count == 3 {
            for option in parts[2].split(separator: ",") {
                switch option {
                case "ro": readOnly = true
                case "rw", "z", "Z", "cached", "delegated", "consistent", "rprivate", "private", "rshared", "shared", "rslave", "slave": continue
                case "nocopy": noCopy = true
                default:
                    throw ModelError(.invalidValue, at: path, line: line, "volume '\(text)' has unknown mode '\(option)' (use ro or rw)")
                }
            }
        }
        let isPath = source.hasPrefix("/") || source.hasPrefix(".") || source.hasPrefix("~")
        var mount = VolumeMount(
            type: isPath ? .bind : .volume, source: isPath ? resolveHostPath(source) : source, target: target, readOnly: readOnly ? true : nil)
        if noCopy { mount.noCopy = true }
        if isPath { mount.createHostPath = true }
        return mount
    }
}
