import Foundation

/// The two kinds of value a swarm keeps for its services' tasks, and mounts into them as files.
/// Both are immutable once created: a new value is a new object.
public enum SwarmFileKind: String, Sendable, CaseIterable {
    /// `/secrets`: never given back by the engine, mounted on a tmpfs under `/run/secrets`.
    case secret
    /// `/configs`: readable through the API, mounted where the reference says.
    case config

    /// The API path of the collection.
    var path: String { "/\(rawValue)s" }
}

/// A swarm secret or config as `GET /secrets` and `GET /configs` list it.
public struct SwarmFileObject: Codable, Sendable, Equatable {
    /// The object's ID, which service specs reference.
    public var id: String
    /// Its version.
    public var version: SwarmVersion?
    /// Its name and labels (a secret's value is never listed).
    public var spec: SwarmFileSpec

    /// Creates a listing entry.
    public init(id: String, version: SwarmVersion? = nil, spec: SwarmFileSpec) {
        self.id = id
        self.version = version
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case id = "ID", version = "Version", spec = "Spec" }
}

/// What `POST /secrets/create` and `POST /configs/create` take. Its description leaves the
/// value out, so a spec that reaches a log or an error message carries none.
public struct SwarmFileSpec: Codable, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The name services reference it by; unique among the swarm's objects of its kind.
    public var name: String
    /// Labels.
    public var labels: [String: String]?
    /// The value, base64, as the API carries it; nil in listings of secrets.
    public var data: String?

    /// Creates a spec.
    public init(name: String, labels: [String: String]? = nil, data: String? = nil) {
        self.name = name
        self.labels = labels
        self.data = data
    }

    /// The name and labels, never the value.
    public var description: String { "\(name) \(labels ?? [:])" }
    /// The name and labels, never the value.
    public var debugDescription: String { description }

    enum CodingKeys: String, CodingKey { case name = "Name", labels = "Labels", data = "Data" }
}

extension SwarmServiceSpec {
    /// Where a secret or config appears in a task's container: a file, its owner and mode.
    public struct FileTarget: Codable, Sendable, Equatable {
        /// A secret's path relative to `/run/secrets` or absolute; a config's absolute path.
        public var name: String
        /// The owner, a number as text.
        public var uid: String
        /// The group, a number as text.
        public var gid: String
        /// Permission bits.
        public var mode: UInt32

        /// Creates a file target.
        public init(name: String, uid: String = "0", gid: String = "0", mode: UInt32 = 0o444) {
            self.name = name
            self.uid = uid
            self.gid = gid
            self.mode = mode
        }

        enum CodingKeys: String, CodingKey { case name = "Name", uid = "UID", gid = "GID", mode = "Mode" }
    }

    /// A task's use of a swarm secret.
    public struct SecretReference: Codable, Sendable, Equatable {
        /// Where it appears.
        public var file: FileTarget
        /// The secret's ID; the engine needs it, and it is filled in once the secret exists.
        public var secretID: String?
        /// The secret's name.
        public var secretName: String

        /// Creates a reference.
        public init(file: FileTarget, secretID: String? = nil, secretName: String) {
            self.file = file
            self.secretID = secretID
            self.secretName = secretName
        }

        enum CodingKeys: String, CodingKey { case file = "File", secretID = "SecretID", secretName = "SecretName" }
    }

    /// A task's use of a swarm config.
    public struct ConfigReference: Codable, Sendable, Equatable {
        /// Where it appears.
        public var file: FileTarget
        /// The config's ID; the engine needs it, and it is filled in once the config exists.
        public var configID: String?
        /// The config's name.
        public var configName: String

        /// Creates a reference.
        public init(file: FileTarget, configID: String? = nil, configName: String) {
            self.file = file
            self.configID = configID
            self.configName = configName
        }

        enum CodingKeys: String, CodingKey { case file = "File", configID = "ConfigID", configName = "ConfigName" }
    }
}
