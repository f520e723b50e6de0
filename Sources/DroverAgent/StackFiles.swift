import Crypto
import DockerEngine
import DroverModel
import Foundation

/// A stack's secrets and configs as Swarm objects. Swarm keeps them immutable, so each value a
/// stack uses is its own object, named after the stack, the document's name and the value's
/// version: a new value is a new object, the services that mount it get a new spec (and so a
/// rolling update), and the old object goes once no service uses it. Pure: the leader's
/// round (``ClusterMember``) does the I/O.
enum StackFiles {
    /// The document's name of a value, on its object.
    static let nameLabel = "io.drover.name"
    /// The value's version, on its object.
    static let versionLabel = "io.drover.version"
    /// Swarm refuses longer object names.
    static let maxNameLength = 64

    /// One value the stack uses, at one version.
    struct Wanted: Hashable {
        /// Secret or config.
        var kind: AppFileKind
        /// The document's name.
        var name: String
        /// The version the target names.
        var version: String
        /// The Swarm object's name.
        var object: String
    }

    /// The Swarm kind of a Drover kind.
    static func swarmKind(_ kind: AppFileKind) -> SwarmFileKind { kind == .secret ? .secret : .config }

    /// The object's name: `NAMESPACE_NAME_VERSION` (16 hex digits of the version), as
    /// `docker stack deploy` names its objects plus the version. A name too long for Swarm
    /// keeps its start and ends in a hash of the whole, so two values never share one.
    static func objectName(namespace: String, name: String, version: String) -> String {
        let full = "\(namespace)_\(name)_\(version.prefix(16))"
        guard full.count > maxNameLength else { return full }
        let digest = SHA256.hash(data: Data(full.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        var start = String(full.prefix(maxNameLength - digest.count - 1))
        // Swarm wants a name to end in a letter or digit before the separator too.
        while let last = start.last, !(last.isASCII && (last.isLetter || last.isNumber)) { start.removeLast() }
        return "\(start)_\(digest)"
    }

    /// The version a target names for a value, when the value can be had: nil while the
    /// server has none (an external value the fleet does not hold yet).
    static func version(of file: AppFile?) -> String? {
        guard let version = file?.version, !version.isEmpty, version != "missing" else { return nil }
        return version
    }

    /// The values the stack's services mount, each at the version the target names; those
    /// without a version are left out (their services wait, see ``waiting(_:stack:)``).
    static func wanted(_ stack: ClusterTarget.Stack) -> Set<Wanted> {
        var out: Set<Wanted> = []
        for service in stack.services.values {
            for kind in AppFileKind.allCases {
                for mount in kind.mounts(of: service) {
                    guard let version = version(of: stack.app.files(kind)[mount.source]) else { continue }
                    out.insert(
                        Wanted(
                            kind: kind, name: mount.source, version: version,
                            object: objectName(namespace: stack.namespace, name: mount.source, version: version)))
                }
            }
        }
        return out
    }

    /// What a service waits for before it can be deployed: the values it mounts that have no
    /// version yet, in words; nil when it waits for nothing.
    static func waiting(_ service: ServiceSpec, stack: ClusterTarget.Stack) -> String? {
        var missing: [String] = []
        for kind in AppFileKind.allCases {
            for mount in kind.mounts(of: service) where version(of: stack.app.files(kind)[mount.source]) == nil {
                missing.append("\(kind.rawValue) '\(mount.source)'")
            }
        }
        guard !missing.isEmpty else { return nil }
        return "waits for \(missing.joined(separator: ", ")): the fleet has no value for it yet"
    }

    /// The labels of a value's object.
    static func labels(_ wanted: Wanted, namespace: String, cluster: String) -> [String: String] {
        [
            StackServices.namespaceLabel: namespace, ClusterTarget.clusterLabel: cluster, nameLabel: wanted.name,
            versionLabel: wanted.version,
        ]
    }

    /// The references of a service's container to its values' objects, IDs not yet filled in
    /// (an ID is the swarm's, so the spec hash does not depend on it; the name carries the
    /// version, so the hash changes exactly when a value it mounts does).
    static func references(_ service: ServiceSpec, stack: ClusterTarget.Stack) -> (
        secrets: [SwarmServiceSpec.SecretReference]?, configs: [SwarmServiceSpec.ConfigReference]?
    ) {
        func target(_ mount: AppFileMount, kind: AppFileKind) -> SwarmServiceSpec.FileTarget {
            // A secret under /run/secrets is named relative to it, as `docker stack deploy` does.
            let relative = kind == .secret && mount.target.hasPrefix("/run/secrets/") ? String(mount.target.dropFirst("/run/secrets/".count)) : nil
            return SwarmServiceSpec.FileTarget(name: relative ?? mount.target, uid: mount.uid ?? "0", gid: mount.gid ?? "0", mode: mount.effectiveMode)
        }
        func object(_ mount: AppFileMount, kind: AppFileKind) -> String {
            let version = version(of: stack.app.files(kind)[mount.source]) ?? ""
            return objectName(namespace: stack.namespace, name: mount.source, version: version)
        }
        let secrets = AppFileKind.secret.mounts(of: service).map {
            SwarmServiceSpec.SecretReference(file: target($0, kind: .secret), secretName: object($0, kind: .secret))
        }
        let configs = AppFileKind.config.mounts(of: service).map {
            SwarmServiceSpec.ConfigReference(file: target($0, kind: .config), configName: object($0, kind: .config))
        }
        return (secrets.isEmpty ? nil : secrets, configs.isEmpty ? nil : configs)
    }

    /// Fills in the swarm's IDs of the objects `spec` references (`ids`: kind → object name →
    /// ID); returns the names of those the swarm does not have (yet).
    static func resolve(_ spec: inout SwarmServiceSpec, ids: [AppFileKind: [String: String]]) -> [String] {
        var absent: [String] = []
        guard var container = spec.taskTemplate.containerSpec else { return absent }
        container.secrets = container.secrets?.map { reference in
            var reference = reference
            reference.secretID = ids[.secret]?[reference.secretName]
            if reference.secretID == nil { absent.append(reference.secretName) }
            return reference
        }
        container.configs = container.configs?.map { reference in
            var reference = reference
            reference.configID = ids[.config]?[reference.configName]
            if reference.configID == nil { absent.append(reference.configName) }
            return reference
        }
        spec.taskTemplate.containerSpec = container
        return absent
    }

    /// The objects Drover made for the cluster that can go: not wanted by the target, and
    /// referenced by no service's spec or previous spec (a rollback would need that one).
    static func removals(existing: [SwarmFileObject], wanted: Set<String>, referenced: Set<String>) -> [SwarmFileObject] {
        existing.filter { !wanted.contains($0.spec.name) && !referenced.contains($0.spec.name) }.sorted { $0.spec.name < $1.spec.name }
    }

    /// The names of the objects of `kind` a service's spec references.
    static func referenced(_ spec: SwarmServiceSpec?, kind: AppFileKind) -> [String] {
        guard let container = spec?.taskTemplate.containerSpec else { return [] }
        return kind == .secret ? (container.secrets ?? []).map(\.secretName) : (container.configs ?? []).map(\.configName)
    }
}
