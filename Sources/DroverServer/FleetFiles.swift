import DroverModel
import Foundation

/// Secrets and configs: a fleet's own, managed by people, and those a release brings. Values
/// are sealed at rest, leave the server only toward a device whose target mounts them, and a
/// secret's value never comes back through the API.
struct FleetFiles: Sendable {
    let store: any DroverStore
    let targets: Targets
    let box: SecretBox

    /// A fleet's own values of one kind, by name: names, sizes and dates.
    func list(_ access: Access, fleet reference: String, kind: AppFileKind) async throws(ServerError) -> [API.FleetFile] {
        let fleet = try await access.fleet(in: store, reference)
        return try await store.appFiles(fleetID: fleet.id, release: "", kind: kind).map { Self.api($0, fleet: fleet.name) }
    }

    /// A fleet's config with its value (configs are not secret).
    func showConfig(_ access: Access, fleet reference: String, name: String) async throws(ServerError) -> API.FleetFile {
        let fleet = try await access.fleet(in: store, reference)
        guard let record = try await store.appFiles(fleetID: fleet.id, release: "", kind: .config).first(where: { $0.name == name }) else {
            throw ServerError(.notFound, "fleet '\(fleet.name)' has no config '\(name)'")
        }
        var shown = Self.api(record, fleet: fleet.name)
        shown.value = try box.open(data: record.sealed, context: record.sealingContext).base64EncodedString()
        return shown
    }

    /// Stores (or replaces) a fleet's value; the devices whose apps mount it recreate exactly
    /// the services that do.
    func set(_ access: Access, fleet reference: String, kind: AppFileKind, name: String, _ body: API.SetFleetFile) async throws(ServerError)
        -> API.FleetFile
    {
        let fleet = try await access.fleet(in: store, reference)
        try Self.checkName(name, kind: kind)
        let value = try Self.decode(body.value, what: "body: value")
        let now = WallClock.now
        let existing = try await store.appFiles(fleetID: fleet.id, release: "", kind: kind).first { $0.name == name }
        let record = try seal(value, fleetID: fleet.id, release: "", kind: kind, name: name, createdAt: existing?.createdAt ?? now, now: now)
        try await store.putAppFiles([record])
        try await targets.changed()
        return Self.api(record, fleet: fleet.name)
    }

    /// Removes a fleet's value. A release that names it as external then leaves the services
    /// that mount it waiting, and says so, until it is stored again.
    func remove(_ access: Access, fleet reference: String, kind: AppFileKind, name: String) async throws(ServerError) {
        let fleet = try await access.fleet(in: store, reference)
        guard try await store.removeAppFile(fleetID: fleet.id, release: "", kind: kind, name: name) else {
            throw ServerError(.notFound, "fleet '\(fleet.name)' has no \(kind.rawValue) '\(name)'")
        }
        try await targets.changed()
    }

    /// A new release's values: those the CLI read (base64 in `given`) and configs' inline
    /// content, sealed for the release; their versions are written into `app`. An external
    /// one must exist in the fleet already.
    func releaseValues(
        _ app: inout AppSpec, inline: [String: String], given: [AppFileKind: [String: String]], fleet: FleetRecord, release: String
    ) async throws(ServerError) -> [AppFileRecord] {
        var records: [AppFileRecord] = []
        let now = WallClock.now
        for kind in AppFileKind.allCases {
            var files = app.files(kind)
            let values = given[kind] ?? [:]
            for name in values.keys.sorted() where files[name] == nil || files[name]?.source == .external {
                throw ServerError(
                    .badRequest,
                    "body: \(kind.section).\(name) gives a value, but the document's \(kind.section) "
                        + (files[name] == nil ? "do not declare '\(name)'" : "say '\(name)' is external: the fleet's own value is used"))
            }
            let own = try await store.appFiles(fleetID: fleet.id, release: "", kind: kind)
            for (name, file) in files.sorted(by: { $0.key < $1.key }) {
                let value: Data
                switch file.source {
                case .external:
                    let stored = file.storedName(name)
                    guard own.contains(where: { $0.name == stored }) else {
                        throw ServerError(
                            .invalidCompose,
                            "\(kind.section).\(name) is external, but fleet '\(fleet.name)' has no \(kind.rawValue) '\(stored)'; "
                                + "create it first with: drover \(kind.rawValue) create \(stored) --fleet \(fleet.name) < FILE")
                    }
                    continue
                case .content:
                    value = Data((inline[name] ?? "").utf8)
                    guard value.count <= API.Limits.fileValue else {
                        throw ServerError(
                            .invalidCompose, "\(kind.section).\(name).content holds \(value.count) bytes; a value holds at most \(API.Limits.fileValue)")
                    }
                case .file, .environment:
                    guard let given = values[name] else {
                        let from = file.source == .file ? "file '\(file.from ?? "")'" : "environment variable \(file.from ?? "")"
                        throw ServerError(
                            .invalidCompose,
                            "\(kind.section).\(name) is read from \(from) where the release is made: use drover push (which reads it), "
                                + "or give its value, base64, in body: \(kind.section).\(name)")
                    }
                    value = try Self.decode(given, what: "body: \(kind.section).\(name)")
                }
                let record = try seal(value, fleetID: fleet.id, release: release, kind: kind, name: name, createdAt: now, now: now)
                files[name]?.version = record.version
                records.append(record)
            }
            if kind == .secret { app.secrets = files.isEmpty ? nil : files } else { app.configs = files.isEmpty ? nil : files }
        }
        return records
    }

    /// The values the device's current target mounts, at the versions it names, and no others:
    /// a device of another fleet, or one whose release does not mount a value, gets none. A
    /// manager of a cluster gets those its stack mounts (the swarm's leader makes them Swarm
    /// secrets and configs, and leadership may move to any manager); a worker gets none.
    func forDevice(uuid: String, fleetID: String) async throws(ServerError) -> API.DeviceFiles {
        let served = try await targets.target(device: uuid)
        let target: TargetState
        do {
            target = try TargetState.decode(from: served.body)
        } catch {
            throw ServerError(.internalFailure, "the device's own target does not decode: \(error)")
        }
        var apps = target.apps.sorted(by: { $0.key < $1.key }).map { (app: $0.key, target: $0.value) }
        if let cluster = target.cluster, cluster.role == .manager, let stack = cluster.stack { apps.append((stack.namespace, stack.app)) }
        // A device that rolled back runs the last good release, not its target's: it gets that
        // release's own values too (a release of its fleet that it reports running).
        if let (appName, current) = apps.first, target.cluster == nil {
            let report = try await store.device(uuid: uuid).report
            let running = Set([report?.release].compactMap { $0 } + (report?.services ?? [:]).values.compactMap(\.release))
            for release in running.sorted() where release != current.release {
                guard let record = try? await store.release(id: release), record.fleetID == fleetID, !record.stack else { continue }
                var versions: [String: String] = [:]
                for kind in AppFileKind.allCases {
                    for file in try await store.appFiles(fleetID: fleetID, release: "", kind: kind) { versions["\(kind.rawValue)/\(file.name)"] = file.version }
                }
                var spec = record.app
                TargetBuilder.fillExternalVersions(&spec, fleetFiles: versions)
                apps.append((appName, AppTarget(release: release, app: spec)))
            }
        }
        var out: [API.DeviceFile] = []
        for (app, appTarget) in apps {
            for kind in AppFileKind.allCases {
                let used = Set(appTarget.services.values.flatMap { kind.mounts(of: $0).map(\.source) })
                guard !used.isEmpty else { continue }
                let own = try await store.appFiles(fleetID: fleetID, release: "", kind: kind)
                let brought = try await store.appFiles(fleetID: fleetID, release: appTarget.release, kind: kind)
                for name in used.sorted() {
                    guard let file = appTarget.files(kind)[name] else { continue }
                    let stored = file.storedName(name)
                    let record = (file.source == .external ? own : brought).first { $0.name == stored }
                    guard let record, record.version == file.version else { continue }
                    let value = try box.open(data: record.sealed, context: record.sealingContext)
                    out.append(API.DeviceFile(app: app, kind: kind, name: name, version: record.version, value: value.base64EncodedString()))
                }
            }
        }
        return API.DeviceFiles(files: out)
    }

    private func seal(
        _ value: Data, fleetID: String, release: String, kind: AppFileKind, name: String, createdAt: Double, now: Double
    ) throws(ServerError) -> AppFileRecord {
        var record = AppFileRecord(
            fleetID: fleetID, release: release, kind: kind, name: name, sealed: "",
            version: box.fingerprint(value, purpose: "\(kind.rawValue) \(fleetID) \(name)"),
            size: value.count, createdAt: createdAt, updatedAt: now)
        record.sealed = try box.seal(data: value, context: record.sealingContext)
        return record
    }

    static func api(_ record: AppFileRecord, fleet: String) -> API.FleetFile {
        API.FleetFile(
            fleet: fleet, kind: record.kind, name: record.name, size: record.size, createdAt: Date(timeIntervalSince1970: record.createdAt),
            updatedAt: Date(timeIntervalSince1970: record.updatedAt))
    }

    static func checkName(_ name: String, kind: AppFileKind) throws(ServerError) {
        do {
            try ComposeParser.validateResourceName(name, kind: kind.rawValue, at: "name", line: nil)
        } catch {
            throw ServerError(.badRequest, error.message)
        }
        guard name.utf8.count <= API.Limits.label else { throw ServerError(.badRequest, "\(kind.rawValue) name is longer than \(API.Limits.label) bytes") }
    }

    static func decode(_ base64: String, what: String) throws(ServerError) -> Data {
        guard base64.utf8.count <= (API.Limits.fileValue / 3 + 1) * 4 + 4, let value = Data(base64Encoded: base64) else {
            throw ServerError(.badRequest, "\(what) must be base64 of at most \(API.Limits.fileValue) bytes")
        }
        guard value.count <= API.Limits.fileValue else {
            throw ServerError(.badRequest, "\(what) holds \(value.count) bytes; a value holds at most \(API.Limits.fileValue)")
        }
        return value
    }
}
