import Foundation

/// Secrets and configs: values an app's services see as files. The app holds only where each
/// value comes from and, once the server stored it, its version; the value itself lives on the
/// server (sealed) and reaches a device over its authenticated link, never in a target.
public enum AppFileKind: String, Codable, Sendable, CaseIterable {
    /// A secret: never shown again once stored, kept on the device in memory and on a tmpfs.
    case secret
    /// A config: not secret, so the API may show it; delivered the same way.
    case config

    /// The compose key that declares them: `secrets` or `configs`.
    public var section: String { "\(rawValue)s" }
    /// Where a service sees one by default, given its name.
    public func defaultTarget(_ name: String) -> String { self == .secret ? "/run/secrets/\(name)" : "/\(name)" }
}

/// A top-level secret or config of an app: where its value comes from.
public struct AppFile: Codable, Sendable, Equatable {
    /// Where the value comes from.
    public enum Source: String, Codable, Sendable {
        /// A file next to the compose file; the CLI reads it when it makes the release.
        case file
        /// A variable of the CLI's environment, read when it makes the release.
        case environment
        /// Given inline in the compose file (configs only).
        case content
        /// A value of the fleet that already exists on the server.
        case external
    }

    /// Where the value comes from.
    public var source: Source
    /// The file's path, the variable's name, or the fleet value's name; nil for `content`.
    public var from: String?
    /// The value's version as the server stored it: a keyed fingerprint, so it changes exactly
    /// when the value does and tells nothing about it. Nil until the server has the value.
    public var version: String?

    /// Creates a definition.
    public init(source: Source, from: String? = nil, version: String? = nil) {
        self.source = source
        self.from = from
        self.version = version
    }

    /// The name the value has on the server: the fleet value's name for `external`, else its own.
    public func storedName(_ name: String) -> String { source == .external ? (from ?? name) : name }
}

/// A secret or config mounted into a service's containers, read-only.
public struct AppFileMount: Codable, Sendable, Equatable, Hashable {
    /// The top-level name.
    public var source: String
    /// The absolute path in the container.
    public var target: String
    /// The file's owner, a number; nil for root.
    public var uid: String?
    /// The file's group, a number; nil for root.
    public var gid: String?
    /// Permission bits; nil for 0444.
    public var mode: UInt32?

    /// Creates a mount.
    public init(source: String, target: String, uid: String? = nil, gid: String? = nil, mode: UInt32? = nil) {
        self.source = source
        self.target = target
        self.uid = uid
        self.gid = gid
        self.mode = mode
    }

    /// Permission bits as given, 0444 when not.
    public var effectiveMode: UInt32 { mode ?? 0o444 }

    /// Checks what a target may carry: an absolute, plain path, numeric ids and a mode of at most 0777.
    public func validate(kind: AppFileKind, at path: String) throws(ModelError) {
        guard target.hasPrefix("/"), !target.split(separator: "/").contains(".."), !target.contains("\0"), target.utf8.count <= 4096 else {
            throw ModelError(.invalidValue, at: "\(path).target", "\(kind.rawValue) target '\(target)' must be an absolute path without '..'")
        }
        for (name, id) in [("uid", uid), ("gid", gid)] {
            guard let id else { continue }
            guard let number = UInt32(id), number < UInt32.max else {
                throw ModelError(.invalidValue, at: "\(path).\(name)", "\(name) '\(id)' must be a number from 0 to 4294967294")
            }
        }
        if let mode, mode > 0o777 {
            throw ModelError(.invalidValue, at: "\(path).mode", "mode \(String(mode, radix: 8)) must be an octal permission of at most 0777")
        }
    }
}

/// Where a device keeps the files of its apps' secrets and configs (a tmpfs) and how each is
/// named: by kind, name, version and the owner and mode it is mounted with, so an old and a new
/// container can each see their own during an update.
public enum AppFileLayout {
    /// The host path of `mount`'s file under `root` for `app`.
    public static func path(root: String, app: String, kind: AppFileKind, mount: AppFileMount, version: String) -> String {
        let owner = "\(mount.uid ?? "0").\(mount.gid ?? "0").\(String(mount.effectiveMode, radix: 8))"
        return "\(root)/\(app)/\(kind.rawValue)-\(mount.source)-\(version.prefix(16))-\(owner)"
    }
}

extension AppFileKind {
    /// The mounts of this kind a service has.
    public func mounts(of spec: ServiceSpec) -> [AppFileMount] { (self == .secret ? spec.secrets : spec.configs) ?? [] }
}

extension AppTarget {
    /// The definitions of this kind the target has.
    public func files(_ kind: AppFileKind) -> [String: AppFile] { (kind == .secret ? secrets : configs) ?? [:] }
}

extension AppSpec {
    /// The definitions of this kind the app has.
    public func files(_ kind: AppFileKind) -> [String: AppFile] { (kind == .secret ? secrets : configs) ?? [:] }
}
