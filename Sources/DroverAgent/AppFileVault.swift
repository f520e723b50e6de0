import DroverModel
import Foundation

/// The values of the secrets and configs a device's apps mount: held in memory, fetched from
/// the server over the device's authenticated link when a container that mounts one is
/// created or started, and written only to a tmpfs, never to the state directory. After a
/// reboot the tmpfs is empty and the memory too, so the device asks again; while the server is
/// away, running containers keep the files they mount.
public actor AppFileVault {
    /// The tmpfs directory of this device.
    public let root: String
    private let fetch: @Sendable () async throws -> [API.DeviceFile]
    /// Values by ``key(app:kind:name:version:)``.
    private var values: [String: Data] = [:]
    /// When ``readiness(app:target:)`` last asked the server, and why a value was missing then.
    private var lastAsked: ContinuousClock.Instant?
    private var lastAnswer = ""

    /// A vault under `root`, fetching with `fetch`.
    public init(root: String, fetch: @escaping @Sendable () async throws -> [API.DeviceFile]) {
        self.root = root
        self.fetch = fetch
    }

    /// The default directory: `/run/drover/secrets` where `/run` is a tmpfs, else `/dev/shm/drover-secrets`.
    public static func defaultRoot(device: String) -> String {
        let base = isMemoryBacked("/run") ? "/run/drover/secrets" : "/dev/shm/drover-secrets"
        return "\(base)/\(device)"
    }

    /// Whether `path` lives in memory (tmpfs or ramfs): the file system of the longest mount
    /// point in `/proc/mounts` that holds it.
    static func isMemoryBacked(_ path: String) -> Bool {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.path
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            // Spaces in mount points are written as \040.
            let point = fields[1].replacingOccurrences(of: "\\040", with: " ")
            let holds = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if holds, point.count >= (best?.point.count ?? -1) { best = (point, String(fields[2])) }
        }
        return ["tmpfs", "ramfs"].contains(best?.type ?? "")
    }

    /// Writes the files `service` of `app` mounts, fetching the values not held; throws,
    /// naming them, when a value cannot be had.
    public func prepare(app: String, service: String, target: AppTarget) async throws(AgentError) {
        guard let spec = target.services[service] else { return }
        let wanted = AppFileKind.allCases.flatMap { kind in kind.mounts(of: spec).map { (kind, $0) } }
        guard !wanted.isEmpty else { return }
        guard Self.isMemoryBacked(root) else {
            throw AgentError(
                .stateDirectory,
                "service '\(service)' mounts secrets or configs, which this agent keeps only on a tmpfs, and \(root) is not one; set secretsDir in the agent's config to a tmpfs directory"
            )
        }
        var fetched = false
        for (kind, mount) in wanted {
            let version = target.files(kind)[mount.source]?.version ?? ""
            guard !version.isEmpty, version != "missing" else {
                throw AgentError(
                    .invalidTarget,
                    "service '\(service)' mounts \(kind.rawValue) '\(mount.source)', which the fleet does not have; create it with: drover \(kind.rawValue) create \(target.files(kind)[mount.source]?.storedName(mount.source) ?? mount.source) --fleet FLEET"
                )
            }
            let key = Self.key(app: app, kind: kind, name: mount.source, version: version)
            if values[key] == nil && !fetched {
                fetched = true
                do {
                    try await fetchAll()
                } catch {
                    throw AgentError(.engine, "cannot fetch the values of \(app)'s secrets and configs from the server: \(error)")
                }
            }
            guard let value = values[key] else {
                throw AgentError(
                    .invalidTarget, "the server gave no value for \(kind.rawValue) '\(mount.source)' of service '\(service)' (version \(version.prefix(8)))")
            }
            try write(value, to: AppFileLayout.path(root: root, app: app, kind: kind, mount: mount, version: version), mount: mount)
        }
    }

    /// The services of `target` whose values cannot be had now, and why. A value is had when it
    /// is held, or its file is still on the tmpfs (an agent restarted without a reboot), or the
    /// server gives it (asked once).
    public func readiness(app: String, target: AppTarget) async -> [String: String] {
        var missing: [(service: String, kind: AppFileKind, mount: AppFileMount, version: String)] = []
        var out: [String: String] = [:]
        for (service, spec) in target.services.sorted(by: { $0.key < $1.key }) {
            for kind in AppFileKind.allCases {
                for mount in kind.mounts(of: spec) {
                    let version = target.files(kind)[mount.source]?.version ?? ""
                    guard !version.isEmpty, version != "missing" else {
                        out[service] = out[service] ?? "\(kind.rawValue) '\(mount.source)' is not on the server"
                        continue
                    }
                    let key = Self.key(app: app, kind: kind, name: mount.source, version: version)
                    if values[key] != nil { continue }
                    let path = AppFileLayout.path(root: root, app: app, kind: kind, mount: mount, version: version)
                    if let kept = FileManager.default.contents(atPath: path) {
                        values[key] = kept
                        continue
                    }
                    missing.append((service, kind, mount, version))
                }
            }
        }
        guard !missing.isEmpty else { return out }
        var reason = "the server did not give it"
        // Planning looks again every quarter second; the server is asked at most every 5 s.
        if let last = lastAsked, ContinuousClock.now - last < .seconds(5) {
            reason = lastAnswer
        } else {
            lastAsked = ContinuousClock.now
            do {
                try await fetchAll()
            } catch {
                reason = "the server cannot be reached (\(error))"
            }
            lastAnswer = reason
        }
        for item in missing where values[Self.key(app: app, kind: item.kind, name: item.mount.source, version: item.version)] == nil {
            out[item.service] = out[item.service] ?? "\(item.kind.rawValue) '\(item.mount.source)': \(reason)"
        }
        return out
    }

    /// Removes the app's files that `target` no longer mounts (all of them for nil) from the
    /// tmpfs; the values stay in memory for a rollback.
    public func prune(app: String, target: AppTarget?) {
        var keep: Set<String> = []
        for spec in target?.services.values ?? [:].values {
            for kind in AppFileKind.allCases {
                for mount in kind.mounts(of: spec) {
                    let version = target?.files(kind)[mount.source]?.version ?? ""
                    keep.insert(AppFileLayout.path(root: root, app: app, kind: kind, mount: mount, version: version))
                }
            }
        }
        // Values stay in memory: a rollback to the last good release needs its values again,
        // and the server may no longer serve them (a rotated fleet value).
        let directory = "\(root)/\(app)"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !keep.contains("\(directory)/\(name)") {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// Asks the server for every value the device's target mounts and holds those it gives.
    private func fetchAll() async throws {
        for file in try await fetch() {
            guard let value = Data(base64Encoded: file.value), value.count <= API.Limits.fileValue else { continue }
            values[Self.key(app: file.app, kind: file.kind, name: file.name, version: file.version)] = value
        }
    }

    static func key(app: String, kind: AppFileKind, name: String, version: String) -> String { "\(app)/\(kind.rawValue)/\(name)/\(version)" }

    /// Writes a file whole, with its owner and mode, by a rename: a container never sees half of it.
    private func write(_ value: Data, to path: String, mount: AppFileMount) throws(AgentError) {
        let files = FileManager.default
        if let existing = files.contents(atPath: path), existing == value { return }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/.incoming-\(UUID().uuidString)"
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard files.createFile(atPath: temporary, contents: value, attributes: [.posixPermissions: 0o600]) else {
                throw AgentError(.stateDirectory, "cannot write \(temporary)")
            }
            if mount.uid != nil || mount.gid != nil {
                guard chown(temporary, UInt32(mount.uid ?? "0") ?? 0, UInt32(mount.gid ?? "0") ?? 0) == 0 else {
                    throw AgentError(.stateDirectory, "cannot give \(path) to uid \(mount.uid ?? "0") gid \(mount.gid ?? "0"): errno \(errno)")
                }
            }
            guard chmod(temporary, mode_t(mount.effectiveMode)) == 0, rename(temporary, path) == 0 else {
                throw AgentError(.stateDirectory, "cannot put \(path) in place: errno \(errno)")
            }
        } catch let error as AgentError {
            try? files.removeItem(atPath: temporary)
            throw error
        } catch {
            try? files.removeItem(atPath: temporary)
            throw AgentError(.stateDirectory, "cannot write the file of \(mount.source) in \(directory): \(error)")
        }
    }
}
