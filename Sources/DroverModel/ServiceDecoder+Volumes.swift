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

    func volumes(_ value: YAMLValue, path: String) throws(ModelError) -> [VolumeMount] {
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
                    case "volume":
                        if let nc = field["nocopy"] { noCopy = try ComposeValues.bool(nc, path: "\(fieldPath).nocopy") }
                    case "tmpfs":
                        if let s = field["size"] {
                            size = try ComposeValues.byteSize(try ComposeValues.string(s, path: "\(fieldPath).size"), path: "\(fieldPath).size", line: s.line)
                        }
                    case "bind":
                        if let c = field["create_host_path"] { create = try ComposeValues.bool(c, path: "\(fieldPath).create_host_path") }
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
                if kind == .bind {
                    guard let given = source else { throw ModelError(.missing, at: itemPath, line: line, "a bind mount needs 'source'") }
                    source = resolveHostPath(given)
                }
                var mount = VolumeMount(type: kind, source: kind == .tmpfs ? nil : source, target: target, readOnly: readOnly == true ? true : nil)
                mount.noCopy = noCopy == true ? true : nil
                mount.tmpfsSize = size
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
