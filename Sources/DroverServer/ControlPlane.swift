import Crypto
import DroverModel
import Foundation
import Logging
import SQLKit

/// The control plane's logic: fleets, keys, devices, releases, env, tags, targets, state and
/// logs. HTTP handlers decode a request and call this; it knows nothing of HTTP.
public actor ControlPlane {
    /// A device counts as online if heard from within this many seconds. Agents long-poll
    /// for their target with a 30 s wait, so a live device is heard from at least that often.
    public static let onlineGraceSeconds: Double = 75
    /// Log lines kept per device; older ones are dropped.
    public static let logRetentionPerDevice = 10_000

    let store: SQLStore
    let logger: Logger
    private var targetCache: [String: (generation: Int64, target: CachedTarget)] = [:]
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    /// A computed target, its JSON and its ETag.
    public struct CachedTarget: Sendable {
        /// The JSON body.
        public var body: Data
        /// The quoted ETag.
        public var etag: String
    }

    /// Creates the control plane over a migrated store.
    public init(store: SQLStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    // MARK: - Bootstrap

    /// Creates the default organisation and, on a store without tokens, an admin token
    /// (returned once; nil when tokens exist).
    public func bootstrap() async throws(ServerError) -> String? {
        let org = try await store.ensureOrg("default")
        guard try await store.tokenCount() == 0 else { return nil }
        return try await store.createToken(org: org, role: "admin", label: "first admin")
    }

    /// The default organisation's id (the one the admin token belongs to).
    public func defaultOrg() async throws(ServerError) -> String {
        try await store.ensureOrg("default")
    }

    /// Mints another admin token for the default organisation.
    public func createToken(label: String) async throws(ServerError) -> String {
        let org = try await store.ensureOrg("default")
        return try await store.createToken(org: org, role: "admin", label: label)
    }

    /// Resolves a bearer credential.
    public func identity(credential: String) async throws(ServerError) -> Identity? {
        // Every device request carries its key: remembering answers for a few seconds keeps
        // the store out of the hot path. A deleted device is forgotten here at once, and on
        // other servers within the cache's lifetime.
        let now = SQLStore.now
        if let cached = identityCache[credential], cached.expires > now { return cached.identity }
        let identity = try await store.identity(credential: credential)
        if let identity {
            if identityCache.count > 100_000 { identityCache.removeAll() }
            identityCache[credential] = (identity, now + Self.identityCacheSeconds)
        }
        return identity
    }

    /// How long a resolved credential is trusted without asking the store again.
    static let identityCacheSeconds: Double = 10
    private var identityCache: [String: (identity: Identity, expires: Double)] = [:]

    // MARK: - Fleets

    /// Lists the organisation's fleets.
    public func listFleets(org: String) async throws(ServerError) -> [API.Fleet] {
        var out: [API.Fleet] = []
        for record in try await store.fleets(org: org) { out.append(try await apiFleet(record)) }
        return out
    }

    /// One fleet.
    public func fleet(org: String, _ name: String) async throws(ServerError) -> API.Fleet {
        try await apiFleet(try await store.fleet(org: org, named: name))
    }

    /// Creates a fleet.
    public func createFleet(org: String, name: String) async throws(ServerError) -> API.Fleet {
        try Self.validateName(name, what: "fleet name")
        let record = try await store.createFleet(org: org, name: name)
        // Targets are computed from one snapshot of fleets per generation: without a new
        // generation, a device enrolled into this fleet would find no fleet and get 404.
        try await changed()
        return try await apiFleet(record)
    }

    /// Renames a fleet and/or changes the release it tracks.
    public func updateFleet(org: String, _ name: String, _ update: API.UpdateFleet) async throws(ServerError) -> API.Fleet {
        let fleet = try await store.fleet(org: org, named: name)
        if let newName = update.name {
            try Self.validateName(newName, what: "fleet name")
            try await store.run("UPDATE fleets SET name = \(bind: newName) WHERE id = \(bind: fleet.id)")
        }
        if let track = update.trackRelease {
            let tracked: String? = track == "latest" || track.isEmpty ? nil : try await store.release(id: track).id
            if let tracked, try await store.release(id: tracked).fleetID != fleet.id {
                throw ServerError(.badRequest, "release \(tracked) belongs to another fleet")
            }
            try await store.run("UPDATE fleets SET tracked_release = \(bind: tracked) WHERE id = \(bind: fleet.id)")
        }
        if let share = update.failingShare {
            guard share > 0 && share <= 1 else {
                throw ServerError(.badRequest, "failingShare must be above 0 and at most 1 (a share of devices, e.g. 0.2), got \(share)")
            }
            try await store.run("UPDATE fleets SET failing_share = \(bind: share) WHERE id = \(bind: fleet.id)")
        }
        if let minimum = update.failingMinDevices {
            guard minimum >= 1 else { throw ServerError(.badRequest, "failingMinDevices must be at least 1, got \(minimum)") }
            try await store.run("UPDATE fleets SET failing_min = \(bind: minimum) WHERE id = \(bind: fleet.id)")
        }
        try await changed()
        return try await apiFleet(try await store.fleet(id: fleet.id))
    }

    /// Deletes a fleet that has no devices.
    public func deleteFleet(org: String, _ name: String) async throws(ServerError) {
        let fleet = try await store.fleet(org: org, named: name)
        let count = try await store.deviceCount(fleetID: fleet.id)
        guard count == 0 else {
            throw ServerError(.conflict, "fleet '\(fleet.name)' still has \(count) device(s); move or delete them first")
        }
        try await store.transaction { db in
            // Checked again inside the transaction: a device may have enrolled meanwhile.
            let devices = try await db.raw("SELECT COUNT(*) AS n FROM devices WHERE fleet_id = \(bind: fleet.id)").first()?.int("n") ?? 0
            guard devices == 0 else { throw ServerError(.conflict, "fleet '\(fleet.name)' still has \(devices) device(s); move or delete them first") }
            try await db.raw("DELETE FROM release_attempts WHERE release_id IN (SELECT id FROM releases WHERE fleet_id = \(bind: fleet.id))").run()
            for table in ["releases", "provisioning_keys", "env_vars"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE fleet_id = \(bind: fleet.id)").run()
            }
            try await db.raw("DELETE FROM fleets WHERE id = \(bind: fleet.id)").run()
        }
        try await changed()
    }

    private func apiFleet(_ record: FleetRecord) async throws(ServerError) -> API.Fleet {
        let target = try await fleetRelease(record)
        var fleet = API.Fleet(
            id: record.id, name: record.name, trackedRelease: record.trackedRelease, targetRelease: target?.id,
            deviceCount: try await store.deviceCount(fleetID: record.id), createdAt: Date(timeIntervalSince1970: record.createdAt))
        fleet.failingShare = record.failingShare
        fleet.failingMinDevices = record.failingMin
        return fleet
    }

    /// The release a fleet offers: the tracked one, else the newest that is not failing.
    private func fleetRelease(_ fleet: FleetRecord) async throws(ServerError) -> ReleaseRecord? {
        if let tracked = fleet.trackedRelease { return try await store.release(id: tracked) }
        let rows = try await store.rows(
            "SELECT * FROM releases WHERE fleet_id = \(bind: fleet.id) AND status <> 'failing' ORDER BY created_at DESC LIMIT 1")
        return try rows.first.map { row throws(ServerError) in try store.decode(row, ReleaseRecord.init) }
    }

    // MARK: - Provisioning keys

    /// Creates a provisioning key; the secret is in the answer only.
    public func createKey(org: String, fleet name: String, _ body: API.CreateKey) async throws(ServerError) -> API.ProvisioningKey {
        let fleet = try await store.fleet(org: org, named: name)
        if let limit = body.deviceLimit, limit < 1 { throw ServerError(.badRequest, "deviceLimit must be at least 1") }
        // A far-off expiry has no four-digit year, so its ISO 8601 answer would be invalid; ten years is plenty.
        if let seconds = body.expiresInSeconds, !(1...315_360_000).contains(seconds) {
            throw ServerError(.badRequest, "expiresInSeconds must be 1 to 315360000 (10 years), got \(seconds)")
        }
        let secret = SQLStore.secret(prefix: "drvk_")
        let id = SQLStore.newID()
        let expires = body.expiresInSeconds.map { SQLStore.now + Double($0) }
        try await store.transaction { db in
            try await SQLStore.requireFleet(fleet, db: db)
            try await db.raw(
                """
                INSERT INTO provisioning_keys (id, fleet_id, hash, expires_at, device_limit, created_at)
                VALUES (\(bind: id), \(bind: fleet.id), \(bind: SQLStore.hash(secret)), \(bind: expires), \(bind: body.deviceLimit), \(bind: SQLStore.now))
                """
            ).run()
        }
        return API.ProvisioningKey(
            id: id, fleet: fleet.name, key: secret, expiresAt: expires.map { Date(timeIntervalSince1970: $0) }, deviceLimit: body.deviceLimit,
            devicesEnrolled: 0, revoked: false)
    }

    /// Lists a fleet's keys (without secrets).
    public func listKeys(org: String, fleet name: String) async throws(ServerError) -> [API.ProvisioningKey] {
        let fleet = try await store.fleet(org: org, named: name)
        return try await store.rows("SELECT * FROM provisioning_keys WHERE fleet_id = \(bind: fleet.id) ORDER BY created_at").map { row in
            API.ProvisioningKey(
                id: (try? row.string("id")) ?? "", fleet: fleet.name, key: nil,
                expiresAt: (try? row.optionalDouble("expires_at")).flatMap { $0 }.map { Date(timeIntervalSince1970: $0) },
                deviceLimit: (try? row.optionalInt("device_limit")) ?? nil, devicesEnrolled: (try? row.int("used")) ?? 0,
                revoked: ((try? row.int("revoked")) ?? 0) != 0)
        }
    }

    /// Revokes a key.
    public func revokeKey(org: String, fleet name: String, id: String) async throws(ServerError) {
        let fleet = try await store.fleet(org: org, named: name)
        let found = try await store.rows("SELECT id FROM provisioning_keys WHERE id = \(bind: id) AND fleet_id = \(bind: fleet.id)")
        guard !found.isEmpty else { throw ServerError(.notFound, "fleet '\(fleet.name)' has no key '\(id)'") }
        try await store.run("UPDATE provisioning_keys SET revoked = 1 WHERE id = \(bind: id)")
    }

    // MARK: - Devices

    /// Enrols a device with a provisioning key: a new UUID and API key.
    public func register(_ body: API.RegisterDevice) async throws(ServerError) -> API.RegisteredDevice {
        try Self.validateText(body.provisioningKey, what: "body: provisioningKey", limit: API.Limits.secret)
        let keyHash = SQLStore.hash(body.provisioningKey)
        if let name = body.name { try Self.validateName(name, what: "device name") }
        if let architecture = body.architecture { try Self.validateText(architecture, what: "body: architecture", limit: API.Limits.label) }
        // A wrong key is answered from a reader: anyone can send one, and it must not queue
        // for the writer ahead of everybody's writes. The transaction checks the key again.
        guard try await !store.rows("SELECT id FROM provisioning_keys WHERE hash = \(bind: keyHash)").isEmpty else {
            throw ServerError(.unauthorized, "the provisioning key is not valid")
        }
        let store = self.store
        let (uuid, name, fleetID, apiKey) = try await store.transaction { db async throws -> (String, String, String, String) in
            guard let key = try await db.raw("SELECT * FROM provisioning_keys WHERE hash = \(bind: keyHash)").first() else {
                throw ServerError(.unauthorized, "the provisioning key is not valid")
            }
            if try key.int("revoked") != 0 { throw ServerError(.unauthorized, "the provisioning key has been revoked") }
            if let expires = try key.optionalDouble("expires_at"), expires < SQLStore.now {
                throw ServerError(.unauthorized, "the provisioning key expired")
            }
            let used = try key.int("used")
            if let limit = try key.optionalInt("device_limit"), used >= limit {
                throw ServerError(.forbidden, "the provisioning key has enrolled its limit of \(limit) device(s)")
            }
            let fleetID = try key.string("fleet_id")
            let uuid = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let name = try await SQLStore.freeName(body.name ?? "device-\(uuid.prefix(7))", fleetID: fleetID, uuid: uuid, db: db)
            let apiKey = SQLStore.secret(prefix: "drvd_")
            try await db.raw("UPDATE provisioning_keys SET used = used + 1 WHERE id = \(bind: try key.string("id"))").run()
            try await db.raw(
                """
                INSERT INTO devices (uuid, fleet_id, name, key_hash, architecture, created_at)
                VALUES (\(bind: uuid), \(bind: fleetID), \(bind: name), \(bind: SQLStore.hash(apiKey)), \(bind: body.architecture), \(bind: SQLStore.now))
                """
            ).run()
            return (uuid, name, fleetID, apiKey)
        }
        let fleet = try await store.fleet(id: fleetID)
        logger.info("device enrolled", metadata: ["device": "\(uuid)", "fleet": "\(fleet.name)"])
        return API.RegisteredDevice(uuid: uuid, name: name, fleet: fleet.name, apiKey: apiKey)
    }

    /// Filters for listing devices.
    public struct DeviceFilter: Sendable {
        /// Fleet name.
        public var fleet: String?
        /// `key=value` tags that must all match.
        public var tags: [String: String] = [:]
        /// Online state.
        public var online: Bool?
        /// Reported status.
        public var status: API.DeviceStatus?
        /// Creates a filter.
        public init(fleet: String? = nil, tags: [String: String] = [:], online: Bool? = nil, status: API.DeviceStatus? = nil) {
            self.fleet = fleet
            self.tags = tags
            self.online = online
            self.status = status
        }
    }

    /// Lists devices matching a filter.
    public func listDevices(org: String, _ filter: DeviceFilter) async throws(ServerError) -> [API.Device] {
        var fleetID: String?
        if let name = filter.fleet { fleetID = try await store.fleet(org: org, named: name).id }
        let records = try await store.devices(org: org, fleetID: fleetID)
        let tags = try await store.tags(deviceUUIDs: records.map(\.uuid))
        var out: [API.Device] = []
        for record in records {
            let deviceTags = tags[record.uuid] ?? [:]
            guard filter.tags.allSatisfy({ deviceTags[$0.key] == $0.value }) else { continue }
            let device = try await apiDevice(record, tags: deviceTags)
            if let online = filter.online, device.online != online { continue }
            if let status = filter.status, device.status != status { continue }
            out.append(device)
        }
        return out
    }

    /// One device by name or UUID.
    public func device(org: String, _ reference: String) async throws(ServerError) -> API.Device {
        let record = try await store.device(org: org, named: reference)
        return try await apiDevice(record, tags: try await store.tags(deviceUUIDs: [record.uuid])[record.uuid] ?? [:])
    }

    /// Renames, moves, pins or unpins a device.
    public func updateDevice(org: String, _ reference: String, _ update: API.UpdateDevice) async throws(ServerError) -> API.Device {
        let record = try await store.device(org: org, named: reference)
        if let name = update.name { try Self.validateName(name, what: "device name") }
        let fleet: FleetRecord?
        if let name = update.fleet { fleet = try await store.fleet(org: org, named: name) } else { fleet = nil }
        var pinID: String?
        if let wanted = update.pinRelease, !wanted.isEmpty { pinID = try await store.release(id: wanted).id }
        let pin = pinID
        do {
            // Only the fields sent are written, each checked against the rows as they are inside
            // the transaction: a rename and a move sent at once both stay, and a device cannot be
            // moved into a fleet deleted meanwhile.
            try await store.transaction { db in
                guard let row = try await db.raw("SELECT fleet_id FROM devices WHERE uuid = \(bind: record.uuid)").first() else {
                    throw ServerError(.notFound, "no device named '\(reference)'")
                }
                let currentFleet = try row.string("fleet_id")
                if let name = update.name {
                    try await db.raw("UPDATE devices SET name = \(bind: name) WHERE uuid = \(bind: record.uuid)").run()
                }
                if let fleet, fleet.id != currentFleet {
                    try await SQLStore.requireFleet(fleet, db: db)
                    // Device-scoped variables and a pin belong to the old fleet's app.
                    try await db.raw("DELETE FROM env_vars WHERE device_uuid = \(bind: record.uuid)").run()
                    try await db.raw("UPDATE devices SET fleet_id = \(bind: fleet.id), pinned_release = NULL WHERE uuid = \(bind: record.uuid)").run()
                }
                if update.pinRelease != nil {
                    if let pin {
                        let owner = try await db.raw("SELECT fleet_id FROM releases WHERE id = \(bind: pin)").first()?.string("fleet_id")
                        guard owner == (fleet?.id ?? currentFleet) else {
                            throw ServerError(.badRequest, "release \(pin) belongs to another fleet")
                        }
                    }
                    try await db.raw("UPDATE devices SET pinned_release = \(bind: pin) WHERE uuid = \(bind: record.uuid)").run()
                }
            }
        } catch  where error.code == .conflict {
            let fleetName = try await store.fleet(id: fleet?.id ?? record.fleetID).name
            throw ServerError(.conflict, "fleet '\(fleetName)' already has a device named '\(update.name ?? record.name)'")
        }
        try await changed()
        return try await device(org: org, record.uuid)
    }

    /// Deletes a device; its key stops working at once.
    public func deleteDevice(org: String, _ reference: String) async throws(ServerError) {
        let record = try await store.device(org: org, named: reference)
        try await store.transaction { db in
            for table in ["tags", "logs", "env_vars", "restarts", "stopped_services"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE device_uuid = \(bind: record.uuid)").run()
            }
            try await db.raw("DELETE FROM devices WHERE uuid = \(bind: record.uuid)").run()
        }
        targetCache[record.uuid] = nil
        identityCache = identityCache.filter {
            guard case .device(let uuid, _) = $0.value.identity else { return true }
            return uuid != record.uuid
        }
        try await changed()
    }

    /// Runs a device action: `restart` (recreate the app's or one service's containers),
    /// `stop` / `start` a service, or `purge` (remove the app and its volumes, then reinstall).
    public func act(org: String, _ reference: String, _ action: API.DeviceAction) async throws(ServerError) {
        let record = try await store.device(org: org, named: reference)
        if let service = action.service {
            // A service is named as in compose; this also keeps a caller from naming one of
            // the internal counters ("#purge") through an ordinary restart.
            try Self.validateName(service, what: "service")
        }
        switch action.action {
        case .restart:
            try await raise(record.uuid, counter: action.service ?? "*")
        case .stop, .start:
            guard let service = action.service, !service.isEmpty else {
                throw ServerError(.badRequest, "\(action.action.rawValue) needs a service")
            }
            if action.action == .stop {
                try await store.run(
                    """
                    INSERT INTO stopped_services (device_uuid, service) VALUES (\(bind: record.uuid), \(bind: service))
                    ON CONFLICT (device_uuid, service) DO NOTHING
                    """)
            } else {
                try await store.run("DELETE FROM stopped_services WHERE device_uuid = \(bind: record.uuid) AND service = \(bind: service)")
                // Starting recreates the container, so it starts fresh through the update path.
                try await raise(record.uuid, counter: service)
            }
        case .purge:
            try await raise(record.uuid, counter: Self.purgeCounter)
        case .update:
            try await raise(record.uuid, counter: Self.forceCounter)
        case .retry:
            try await raise(record.uuid, counter: Self.retryCounter)
        }
        try await changed()
    }

    static let purgeCounter = "#purge"
    static let forceCounter = "#force"
    static let retryCounter = "#retry"

    private func raise(_ uuid: String, counter: String) async throws(ServerError) {
        try await store.run(
            """
            INSERT INTO restarts (device_uuid, service, count) VALUES (\(bind: uuid), \(bind: counter), 1)
            ON CONFLICT (device_uuid, service) DO UPDATE SET count = restarts.count + 1
            """)
    }

    /// Sets or removes tags.
    public func setTags(org: String, _ reference: String, set: [String: String], remove: [String]) async throws(ServerError) -> [String: String] {
        let record = try await store.device(org: org, named: reference)
        guard set.count + remove.count <= API.Limits.tagsPerChange else {
            throw ServerError(.badRequest, "body: set and remove name \(set.count + remove.count) tags; at most \(API.Limits.tagsPerChange) at once")
        }
        for (key, value) in set {
            try Self.validateName(key, what: "tag key")
            try Self.validateText(value, what: "tag '\(key)' value", limit: API.Limits.tagValue)
        }
        for key in remove { try Self.validateName(key, what: "tag key") }
        try await store.transaction { db in
            for (key, value) in set {
                try await db.raw(
                    """
                    INSERT INTO tags (device_uuid, key, value) VALUES (\(bind: record.uuid), \(bind: key), \(bind: value))
                    ON CONFLICT (device_uuid, key) DO UPDATE SET value = \(bind: value)
                    """
                ).run()
            }
            for key in remove {
                try await db.raw("DELETE FROM tags WHERE device_uuid = \(bind: record.uuid) AND key = \(bind: key)").run()
            }
        }
        return try await store.tags(deviceUUIDs: [record.uuid])[record.uuid] ?? [:]
    }

    /// A device as people see it. Its fleet and the release that fleet offers come from the
    /// same per-generation snapshot as targets, so listing N devices costs no query per device.
    private func apiDevice(_ record: DeviceRecord, tags: [String: String]) async throws(ServerError) -> API.Device {
        let inputs = try await loadInputs(generation: try await generation())
        let fleet: FleetRecord
        if let known = inputs.fleets[record.fleetID] {
            fleet = known
        } else {
            fleet = try await store.fleet(id: record.fleetID)
        }
        let target = record.pinnedRelease ?? (inputs.keepFailing[record.uuid] ?? inputs.offered[fleet.id])?.id
        // Last-seen times reach the store once a second; this server's newest ones count at once.
        let lastSeen = [record.lastSeen, pendingLastSeen[record.uuid], lastSeenStored[record.uuid]].compactMap { $0 }.max()
        let online = lastSeen.map { SQLStore.now - $0 < Self.onlineGraceSeconds } ?? false
        let report = record.report
        var status = report?.status ?? .provisioned
        if let target, report?.release != target, status == .running { status = .updatePending }
        return API.Device(
            uuid: record.uuid, name: record.name, fleet: fleet.name, architecture: record.architecture ?? report?.architecture, tags: tags,
            online: online, lastSeen: lastSeen.map { Date(timeIntervalSince1970: $0) }, release: report?.release, targetRelease: target,
            pinnedRelease: record.pinnedRelease, status: status, statusDetail: report?.statusDetail, services: report?.services,
            rollout: report?.rollout)
    }

    // MARK: - Releases

    /// Creates a release from a compose document, validated by the agent's own parser.
    public func createRelease(org: String, fleet name: String, compose: String) async throws(ServerError) -> API.Release {
        let fleet = try await store.fleet(org: org, named: name)
        try Self.validateText(compose, what: "body: compose", limit: API.Limits.compose)
        let document: ComposeDocument
        do {
            document = try ComposeParser().parse(compose)
        } catch {
            throw ServerError(.invalidCompose, error.description)
        }
        let target = AppTarget(release: "", app: document.app)
        do {
            try target.validate(name: fleet.name)
        } catch {
            throw ServerError(.invalidCompose, error.description)
        }
        let appJSON = String(decoding: Canonical.encode(document.app), as: UTF8.self)
        let digest = SHA256.hash(data: Data((fleet.id + appJSON + String(SQLStore.now)).utf8)).map { String(format: "%02x", $0) }.joined()
        let id = String(digest.prefix(12))
        try await store.transaction { db in
            try await SQLStore.requireFleet(fleet, db: db)
            try await db.raw(
                """
                INSERT INTO releases (id, fleet_id, compose, app, status, created_at)
                VALUES (\(bind: id), \(bind: fleet.id), \(bind: compose), \(bind: appJSON), 'ready', \(bind: SQLStore.now))
                """
            ).run()
        }
        try await changed()
        return try await store.release(id: id).api(fleet: fleet.name)
    }

    /// A fleet's releases, newest first.
    public func listReleases(org: String, fleet name: String) async throws(ServerError) -> [API.Release] {
        let fleet = try await store.fleet(org: org, named: name)
        return try await store.releases(fleetID: fleet.id).map { $0.api(fleet: fleet.name) }
    }

    /// One release, checked to belong to the organisation.
    public func release(org: String, _ id: String) async throws(ServerError) -> API.Release {
        let release = try await store.release(id: id)
        let fleet = try await store.fleet(id: release.fleetID)
        guard fleet.orgID == org else { throw ServerError(.notFound, "no release '\(id)'") }
        var api = release.api(fleet: fleet.name)
        api.attempts = try await attempts(release: release.id)
        return api
    }

    // MARK: - Env

    /// Sets a variable at fleet, fleet-service, device or device-service scope.
    public func setEnv(org: String, _ body: API.SetEnv) async throws(ServerError) -> API.EnvVar {
        guard !body.name.isEmpty, body.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !(body.name.first?.isNumber ?? true) else {
            throw ServerError(.badRequest, "variable name '\(body.name)' must be letters, digits and '_', not starting with a digit")
        }
        try Self.validateText(body.name, what: "name", limit: API.Limits.label)
        try Self.validateText(body.value, what: "value of \(body.name)", limit: API.Limits.envValue)
        if let service = body.service { try Self.validateText(service, what: "service", limit: API.Limits.label) }
        let (fleet, device) = try await scope(org: org, fleet: body.fleet, device: body.device)
        let service = body.service ?? ""
        try await store.transaction { db in
            // The scope is checked again where it is written: a fleet deleted, or a device
            // deleted or moved, meanwhile would leave a variable nobody sees.
            try await SQLStore.requireFleet(fleet, db: db)
            if let device {
                let current = try await db.raw("SELECT fleet_id FROM devices WHERE uuid = \(bind: device.uuid)").first()?.string("fleet_id")
                guard current == fleet.id else { throw ServerError(.notFound, "no device named '\(device.name)' in fleet '\(fleet.name)'") }
            }
            try await db.raw(
                """
                INSERT INTO env_vars (fleet_id, device_uuid, service, name, value)
                VALUES (\(bind: fleet.id), \(bind: device?.uuid ?? ""), \(bind: service), \(bind: body.name), \(bind: body.value))
                ON CONFLICT (fleet_id, device_uuid, service, name) DO UPDATE SET value = \(bind: body.value)
                """
            ).run()
        }
        try await changed()
        return API.EnvVar(fleet: fleet.name, device: device?.uuid, service: body.service, name: body.name, value: body.value)
    }

    /// Lists variables of a fleet (all scopes) or of one device (its own and its fleet's).
    public func listEnv(org: String, fleet: String?, device: String?) async throws(ServerError) -> [API.EnvVar] {
        let (fleetRecord, deviceRecord) = try await scope(org: org, fleet: fleet, device: device)
        return try await store.envVars(fleetID: fleetRecord.id).filter { deviceRecord == nil || $0.deviceUUID.isEmpty || $0.deviceUUID == deviceRecord?.uuid }
            .map {
                API.EnvVar(
                    fleet: fleetRecord.name, device: $0.deviceUUID.isEmpty ? nil : $0.deviceUUID, service: $0.service.isEmpty ? nil : $0.service,
                    name: $0.name, value: $0.value)
            }
    }

    /// Removes a variable at exactly the given scope.
    public func removeEnv(org: String, fleet: String?, device: String?, service: String?, name: String) async throws(ServerError) {
        let (fleetRecord, deviceRecord) = try await scope(org: org, fleet: fleet, device: device)
        let existing = try await store.rows(
            """
            SELECT name FROM env_vars WHERE fleet_id = \(bind: fleetRecord.id) AND device_uuid = \(bind: deviceRecord?.uuid ?? "")
            AND service = \(bind: service ?? "") AND name = \(bind: name)
            """)
        guard !existing.isEmpty else { throw ServerError(.notFound, "no variable \(name) at that scope") }
        try await store.run(
            """
            DELETE FROM env_vars WHERE fleet_id = \(bind: fleetRecord.id) AND device_uuid = \(bind: deviceRecord?.uuid ?? "")
            AND service = \(bind: service ?? "") AND name = \(bind: name)
            """)
        try await changed()
    }

    private func scope(org: String, fleet: String?, device: String?) async throws(ServerError) -> (FleetRecord, DeviceRecord?) {
        if let device {
            let record = try await store.device(org: org, named: device)
            return (try await store.fleet(id: record.fleetID), record)
        }
        guard let fleet else { throw ServerError(.badRequest, "name a fleet or a device") }
        return (try await store.fleet(org: org, named: fleet), nil)
    }

    // MARK: - Target and state

    /// Everything targets are computed from, read once per store generation in five queries
    /// however many devices ask, so a release reaching 10,000 waiting devices costs the store
    /// the same as one.
    struct TargetInputs: Sendable {
        var generation: Int64
        var devices: [String: (fleetID: String, pinned: String?)]
        var fleets: [String: FleetRecord]
        var offered: [String: ReleaseRecord]
        var env: [String: [EnvRecord]]
        var restarts: [String: [String: Int]]
        var stopped: [String: [String]]
        /// Devices that started a release which has since been marked failing, and did not roll
        /// it back: they keep it, while devices that have not started it are offered the last good one.
        var keepFailing: [String: ReleaseRecord] = [:]
    }

    private var inputs: TargetInputs?
    private var sharedTargets: [String: (generation: Int64, target: CachedTarget)] = [:]
    private var pinnedReleases: [String: ReleaseRecord] = [:]
    private var knownGeneration: Int64?
    private var watcher: Task<Void, Never>?
    private var pendingLastSeen: [String: Double] = [:]

    /// The store generation as this server last saw it: its own changes at once, another
    /// server's within a second (the watcher reads one row a second).
    public func generation() async throws(ServerError) -> Int64 {
        if let knownGeneration { return knownGeneration }
        let current = try await store.generation()
        knownGeneration = current
        startWatcher()
        return current
    }

    private func startWatcher() {
        guard watcher == nil else { return }
        watcher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let self else { return }
                await self.tick()
            }
        }
    }

    /// Once a second: notice other servers' changes, and write last-seen times in one transaction.
    private func tick() async {
        if let current = try? await store.generation(), current != knownGeneration {
            knownGeneration = current
            wakeWaiters()
        }
        guard !pendingLastSeen.isEmpty else { return }
        let batch = pendingLastSeen
        pendingLastSeen.removeAll()
        let store = self.store
        do {
            try await store.transaction { db in
                for (uuid, seen) in batch {
                    try await db.raw("UPDATE devices SET last_seen = \(bind: seen) WHERE uuid = \(bind: uuid)").run()
                }
            }
        } catch {
            logger.info("writing last-seen times failed; will retry", metadata: ["error": "\(error)"])
            pendingLastSeen.merge(batch) { newer, _ in newer }
        }
    }

    /// The inputs for `generation`. Many devices ask at once when a release lands; they all
    /// wait on one load instead of each reading the store.
    private func loadInputs(generation: Int64) async throws(ServerError) -> TargetInputs {
        if let inputs, inputs.generation == generation { return inputs }
        if let loading = inputsLoading, loading.generation == generation {
            return try await loading.task.value.get()
        }
        let task = Task { () async -> Result<TargetInputs, ServerError> in
            do {
                return .success(try await self.readInputs(generation: generation))
            } catch let error as ServerError {
                return .failure(error)
            } catch {
                return .failure(ServerError(.storage, "reading target inputs failed", cause: error))
            }
        }
        inputsLoading = (generation, task)
        defer { if inputsLoading?.generation == generation { inputsLoading = nil } }
        let loaded = try await task.value.get()
        inputs = loaded
        return loaded
    }

    private var inputsLoading: (generation: Int64, task: Task<Result<TargetInputs, ServerError>, Never>)?

    private func readInputs(generation: Int64) async throws(ServerError) -> TargetInputs {
        var devices: [String: (fleetID: String, pinned: String?)] = [:]
        for row in try await store.rows("SELECT uuid, fleet_id, pinned_release FROM devices") {
            guard let uuid = try? row.string("uuid"), let fleet = try? row.string("fleet_id") else { continue }
            devices[uuid] = (fleet, (try? row.optionalString("pinned_release")) ?? nil)
        }
        let fleets = Dictionary(
            uniqueKeysWithValues: try await store.decodeAll(store.rows("SELECT * FROM fleets"), FleetRecord.init).map { ($0.id, $0) })
        var offered: [String: ReleaseRecord] = [:]
        for fleet in fleets.values {
            if let release = try await fleetRelease(fleet) { offered[fleet.id] = release }
        }
        var env: [String: [EnvRecord]] = [:]
        for record in try await store.decodeAll(store.rows("SELECT * FROM env_vars"), EnvRecord.init) {
            env[record.fleetID, default: []].append(record)
        }
        var restarts: [String: [String: Int]] = [:]
        for row in try await store.rows("SELECT device_uuid, service, count FROM restarts") {
            guard let uuid = try? row.string("device_uuid"), let service = try? row.string("service"), let count = try? row.int("count") else { continue }
            restarts[uuid, default: [:]][service] = count
        }
        var stopped: [String: [String]] = [:]
        for row in try await store.rows("SELECT device_uuid, service FROM stopped_services ORDER BY service") {
            guard let uuid = try? row.string("device_uuid"), let service = try? row.string("service") else { continue }
            stopped[uuid, default: []].append(service)
        }
        var inputs = TargetInputs(
            generation: generation, devices: devices, fleets: fleets, offered: offered, env: env, restarts: restarts, stopped: stopped)
        let failing = try await store.decodeAll(store.rows("SELECT * FROM releases WHERE status = 'failing'"), ReleaseRecord.init)
        if !failing.isEmpty {
            let byID = Dictionary(uniqueKeysWithValues: failing.map { ($0.id, $0) })
            for row in try await store.rows(
                "SELECT a.release_id, a.device_uuid FROM release_attempts a JOIN releases r ON r.id = a.release_id WHERE r.status = 'failing' AND a.outcome <> 'rolled-back'"
            ) {
                guard let uuid = try? row.string("device_uuid"), let id = try? row.string("release_id"), let release = byID[id],
                    let device = devices[uuid], device.fleetID == release.fleetID, fleets[release.fleetID]?.trackedRelease == nil,
                    release.createdAt > offered[release.fleetID]?.createdAt ?? 0
                else { continue }
                if release.createdAt > inputs.keepFailing[uuid]?.createdAt ?? 0 { inputs.keepFailing[uuid] = release }
            }
        }
        return inputs
    }

    /// The device's target, computed once per store generation and cached with its ETag.
    public func target(device uuid: String) async throws(ServerError) -> CachedTarget {
        let generation = try await generation()
        if let cached = targetCache[uuid], cached.generation == generation { return cached.target }
        var inputs = try await loadInputs(generation: generation)
        // Enrolment does not move the generation (10,000 enrolments would wake every waiting
        // device 10,000 times), so a device enrolled after this generation's inputs were read
        // is added to them here.
        if inputs.devices[uuid] == nil, let record = try? await store.device(uuid: uuid) {
            inputs.devices[uuid] = (record.fleetID, record.pinnedRelease)
            if self.inputs?.generation == generation { self.inputs?.devices[uuid] = (record.fleetID, record.pinnedRelease) }
        }
        guard let device = inputs.devices[uuid], let fleet = inputs.fleets[device.fleetID] else {
            throw ServerError(.notFound, "no device with UUID '\(uuid)'")
        }
        // Most devices of a fleet have nothing of their own (no pin, variable, restart or stop):
        // they share one computed target, so a release costs one computation per fleet.
        let ownEnv = (inputs.env[fleet.id] ?? []).contains { $0.deviceUUID == uuid }
        let shared =
            device.pinned == nil && !ownEnv && inputs.restarts[uuid] == nil && inputs.stopped[uuid] == nil && inputs.keepFailing[uuid] == nil
        if shared, let cached = sharedTargets[fleet.id], cached.generation == generation {
            targetCache[uuid] = (generation, cached.target)
            return cached.target
        }
        var release = inputs.keepFailing[uuid] ?? inputs.offered[fleet.id]
        if let pinned = device.pinned {
            if pinnedReleases[pinned] == nil { pinnedReleases[pinned] = try await store.release(id: pinned) }
            release = pinnedReleases[pinned]
        }
        var apps: [String: AppTarget] = [:]
        if let release {
            var app = release.app
            let env = (inputs.env[fleet.id] ?? []).filter { $0.deviceUUID.isEmpty || $0.deviceUUID == uuid }
            // Precedence: device-service > device > fleet-service > fleet.
            func rank(_ record: EnvRecord) -> Int { (record.deviceUUID.isEmpty ? 0 : 2) + (record.service.isEmpty ? 0 : 1) }
            let ordered = env.sorted { rank($0) < rank($1) }
            for name in app.services.keys where !ordered.isEmpty {
                var environment = app.services[name]?.environment ?? [:]
                for record in ordered where record.service.isEmpty || record.service == name {
                    environment[record.name] = record.value
                }
                app.services[name]?.environment = environment.isEmpty ? nil : environment
            }
            var appTarget = AppTarget(release: release.id, app: app)
            var counters = inputs.restarts[uuid] ?? [:]
            appTarget.purges = counters.removeValue(forKey: Self.purgeCounter)
            appTarget.forcedUpdates = counters.removeValue(forKey: Self.forceCounter)
            appTarget.retries = counters.removeValue(forKey: Self.retryCounter)
            appTarget.restarts = counters.isEmpty ? nil : counters
            appTarget.stopped = inputs.stopped[uuid]
            apps[fleet.name] = appTarget
        }
        let body = TargetState(apps: apps).canonicalJSON()
        let etag = "\"" + SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        let cached = CachedTarget(body: body, etag: etag)
        targetCache[uuid] = (generation, cached)
        if shared { sharedTargets[fleet.id] = (generation, cached) }
        return cached
    }

    /// The device's side of `GET /v1/device/state` in one call (one hop onto this actor, not
    /// five): note the device as seen, and when it already has the current target and asked to
    /// wait, hold until the target changes or the wait ends. Jitter spreads the timeouts of
    /// devices that started waiting together (after a release).
    public func deviceTarget(device uuid: String, knownETag: String?, wait: Double?) async throws(ServerError) -> CachedTarget {
        try await touch(device: uuid)
        let generation = try await generation()
        let target = try await target(device: uuid)
        guard let wait, knownETag == target.etag else { return target }
        // The route refuses anything else, but a wait that is not a finite number of seconds in
        // range must never reach `Duration` here: it traps.
        guard wait.isFinite, wait > 0 else { return target }
        try await waitForChange(after: generation, seconds: min(wait, API.Limits.longPollSeconds) * Double.random(in: 0.7...1.0))
        return try await self.target(device: uuid)
    }

    /// Waits until the store generation moves past `generation` or `seconds` pass (long-poll).
    public func waitForChange(after generation: Int64, seconds: Double) async throws(ServerError) {
        guard seconds.isFinite, seconds > 0, !shuttingDown else { return }
        let seconds = min(seconds, API.Limits.longPollSeconds)
        if try await self.generation() != generation { return }
        guard !shuttingDown else { return }
        let id = UUID()
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            await self?.unpark(id)
        }
        await withCheckedContinuation { waiters[id] = $0 }
        timeout.cancel()
    }

    private func unpark(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }

    /// How many device requests are being held for a target change.
    public var heldLongPolls: Int { waiters.count }

    /// Set once the server is stopping: long-polls are answered at once instead of held.
    private var shuttingDown = false

    /// Answers every held long-poll now and holds no more, so a stopping server is not kept
    /// up for a minute by devices waiting for their target; they come back with jitter.
    public func releaseLongPolls() {
        shuttingDown = true
        wakeWaiters()
    }

    private func wakeWaiters() {
        for (_, waiter) in waiters { waiter.resume() }
        waiters.removeAll()
    }

    private func changed() async throws(ServerError) {
        try await store.bumpGeneration()
        knownGeneration = try await store.generation()
        startWatcher()
        wakeWaiters()
    }

    /// Records that a device was heard from. The store needs a device's last-seen time only to
    /// tell online from offline (a 75 s grace), so it is written at most every 20 s per
    /// device, in one transaction a second for all devices.
    public func touch(device uuid: String) async throws(ServerError) {
        let now = SQLStore.now
        if let stored = lastSeenStored[uuid], now - stored < 20 { return }
        lastSeenStored[uuid] = now
        pendingLastSeen[uuid] = now
        startWatcher()
    }

    private var lastSeenStored: [String: Double] = [:]

    /// Merges a state report into the device's last one.
    public func report(device uuid: String, _ report: API.StateReport) async throws(ServerError) {
        if let dropped = report.droppedLogLines, dropped > 0 {
            logger.info("device dropped log lines while offline", metadata: ["device": "\(uuid)", "dropped": "\(dropped)"])
        }
        try Self.validate(report)
        if let rollout = report.rollout {
            // Only a release of the device's own fleet (one it can have been offered) counts:
            // a device must not be able to judge another fleet's release.
            let fleetID = try await store.device(uuid: uuid).fleetID
            let release: ReleaseRecord?
            do {
                release = try await store.release(id: rollout.release)
            } catch  where error.code == .notFound || error.code == .conflict {
                release = nil
            }
            // A storage failure is not the device's fault: it gets a 5xx and sends the report again.
            guard let release, release.id == rollout.release, release.fleetID == fleetID else {
                throw ServerError(.badRequest, "body: rollout.release '\(rollout.release)' is not a release of this device's fleet")
            }
        }
        pendingLastSeen[uuid] = nil
        lastSeenStored[uuid] = SQLStore.now
        // Group commit: reports that arrive while one is being written go to the store together
        // in the next transaction; each is answered only once its transaction is durable.
        let result: Result<Void, ServerError> = await withCheckedContinuation { continuation in
            pendingReports.append((uuid, report, continuation))
            if !flushingReports {
                flushingReports = true
                Task { await self.flushReports() }
            }
        }
        try result.get()
    }

    private var pendingReports: [(uuid: String, report: API.StateReport, done: CheckedContinuation<Result<Void, ServerError>, Never>)] = []
    private var flushingReports = false

    private func flushReports() async {
        while !pendingReports.isEmpty {
            let batch = pendingReports
            pendingReports.removeAll()
            let deltas = batch.map { ($0.uuid, $0.report) }
            let store = self.store
            let now = SQLStore.now
            var outcome: Result<Void, ServerError> = .success(())
            do {
                let logger = self.logger
                try await store.transaction { db in
                    var merged: [String: API.StateReport] = [:]
                    for (uuid, delta) in deltas {
                        if merged[uuid] == nil {
                            let row = try await db.raw("SELECT report FROM devices WHERE uuid = \(bind: uuid)").first()
                            var stored = API.StateReport()
                            if let json = try row?.optionalString("report") {
                                do {
                                    stored = try JSONDecoder().decode(API.StateReport.self, from: Data(json.utf8))
                                } catch {
                                    // One device's unreadable report must not fail the batch for every
                                    // device in it; the device's next report replaces it.
                                    logger.warning(
                                        "a stored state report could not be read; starting afresh", metadata: ["device": "\(uuid)", "error": "\(error)"])
                                }
                            }
                            merged[uuid] = stored
                        }
                        merged[uuid] = (merged[uuid] ?? API.StateReport()).merging(delta)
                    }
                    for (uuid, report) in merged {
                        let json = String(decoding: Canonical.encode(report), as: UTF8.self)
                        try await db.raw("UPDATE devices SET report = \(bind: json), last_seen = \(bind: now) WHERE uuid = \(bind: uuid)").run()
                    }
                    for (uuid, delta) in deltas {
                        guard let rollout = delta.rollout else { continue }
                        try await db.raw(
                            """
                            INSERT INTO release_attempts (release_id, device_uuid, outcome, reason, updated_at)
                            SELECT \(bind: rollout.release), \(bind: uuid), \(bind: rollout.outcome.rawValue), \(bind: rollout.reason), \(bind: now)
                            WHERE EXISTS (SELECT 1 FROM devices WHERE uuid = \(bind: uuid))
                            ON CONFLICT (release_id, device_uuid) DO UPDATE SET outcome = \(bind: rollout.outcome.rawValue), reason = \(bind: rollout.reason),
                              updated_at = \(bind: now)
                            """
                        ).run()
                    }
                }
            } catch {
                outcome = .failure(error)
            }
            // A rollback may make its release failing; the devices hear back once that is decided.
            let rolledBack = Set(deltas.compactMap { $0.1.rollout }.filter { $0.outcome == .rolledBack }.map(\.release))
            for release in rolledBack.sorted() {
                do {
                    try await judgeRelease(release)
                } catch {
                    logger.warning("judging a release failed", metadata: ["release": "\(release)", "error": "\(error)"])
                }
            }
            for entry in batch { entry.done.resume(returning: outcome) }
        }
        flushingReports = false
    }

    /// Marks a release failing once more than the fleet's share (default 20%) of the devices
    /// that tried it rolled it back, and at least its minimum number of devices (default 2).
    /// Devices that have not started it are then offered the newest release that is not failing.
    private func judgeRelease(_ id: String) async throws(ServerError) {
        guard let release = try? await store.release(id: id) else { return }
        if release.status == .failing {
            // A device that had started it and now rolled it back is offered the good release.
            try await changed()
            return
        }
        let fleet = try await store.fleet(id: release.fleetID)
        let attempts = try await self.attempts(release: release.id)
        let share = Double(attempts.rolledBack) / Double(max(attempts.started, 1))
        guard attempts.rolledBack >= fleet.failingMin, share > fleet.failingShare else { return }
        let reasons = try await store.rows(
            """
            SELECT d.name, a.reason FROM release_attempts a JOIN devices d ON d.uuid = a.device_uuid
            WHERE a.release_id = \(bind: release.id) AND a.outcome = 'rolled-back' ORDER BY a.updated_at LIMIT 3
            """
        ).compactMap { row -> String? in
            guard let name = try? row.string("name") else { return nil }
            return "\(name): \((try? row.optionalString("reason")) ?? nil ?? "no reason given")"
        }
        let detail =
            "\(attempts.rolledBack) of \(attempts.started) devices that tried it rolled it back (\(Int((share * 100).rounded()))% > \(Int((fleet.failingShare * 100).rounded()))%); "
            + "no longer offered to devices that have not started it. " + reasons.joined(separator: "; ")
        try await store.run("UPDATE releases SET status = 'failing', status_detail = \(bind: detail) WHERE id = \(bind: release.id)")
        logger.notice("release marked failing", metadata: ["release": "\(release.id)", "detail": "\(detail)"])
        try await changed()
    }

    /// How a release fares: devices that started it, passed its window, rolled it back.
    func attempts(release id: String) async throws(ServerError) -> API.ReleaseAttempts {
        var counts = API.ReleaseAttempts(started: 0, healthy: 0, rolledBack: 0)
        for row in try await store.rows("SELECT outcome, COUNT(*) AS n FROM release_attempts WHERE release_id = \(bind: id) GROUP BY outcome") {
            guard let outcome = try? row.string("outcome"), let count = try? row.int("n") else { continue }
            counts.started += count
            if outcome == API.RolloutOutcome.healthy.rawValue { counts.healthy += count }
            if outcome == API.RolloutOutcome.rolledBack.rawValue { counts.rolledBack += count }
        }
        return counts
    }

    // MARK: - Logs

    /// Stores a batch of a device's log lines, keeping at most the retention cap.
    public func appendLogs(device uuid: String, _ lines: [API.LogEntry]) async throws(ServerError) {
        guard !lines.isEmpty else { return }
        guard lines.count <= API.Limits.logBatchLines else {
            throw ServerError(.badRequest, "body: lines holds \(lines.count) lines; a batch holds at most \(API.Limits.logBatchLines)")
        }
        for (index, line) in lines.enumerated() {
            try Self.validateText(line.timestamp, what: "body: lines[\(index)].timestamp", limit: API.Limits.label)
            try Self.validateText(line.service, what: "body: lines[\(index)].service", limit: API.Limits.label)
            try Self.validateText(line.message, what: "body: lines[\(index)].message", limit: API.Limits.logMessage)
        }
        let store = self.store
        try await store.transaction { db in
            for line in lines {
                try await db.raw(
                    """
                    INSERT INTO logs (device_uuid, ts, service, stream, message)
                    VALUES (\(bind: uuid), \(bind: line.timestamp), \(bind: line.service), \(bind: line.stream.rawValue), \(bind: line.message))
                    """
                ).run()
            }
            try await db.raw(
                """
                DELETE FROM logs WHERE device_uuid = \(bind: uuid) AND seq <= (SELECT seq FROM logs WHERE device_uuid = \(bind: uuid)
                ORDER BY seq DESC LIMIT 1 OFFSET \(bind: Self.logRetentionPerDevice))
                """
            ).run()
        }
    }

    /// A device's log lines: after a sequence number, or the last `limit`, optionally one service's.
    public func logs(org: String, device reference: String, service: String?, after: Int64?, since: String?, limit: Int) async throws(ServerError)
        -> [API.LogEntry]
    {
        let device = try await store.device(org: org, named: reference)
        var query: SQLQueryString = "SELECT * FROM logs WHERE device_uuid = \(bind: device.uuid)"
        if let service { query = query + " AND service = \(bind: service)" }
        if let after { query = query + " AND seq > \(bind: after)" }
        if let since { query = query + " AND ts >= \(bind: since)" }
        let ordered: SQLQueryString = after != nil ? " ORDER BY seq ASC LIMIT \(bind: limit)" : " ORDER BY seq DESC LIMIT \(bind: limit)"
        let rows = try await store.rows(query + ordered)
        let entries = rows.compactMap { row -> API.LogEntry? in
            guard let ts = try? row.string("ts"), let service = try? row.string("service"), let stream = try? API.LogStream(rawValue: row.string("stream")),
                let message = try? row.string("message"), let seq = try? row.int("seq")
            else { return nil }
            return API.LogEntry(timestamp: ts, service: service, stream: stream, message: message, sequence: Int64(seq))
        }
        return after != nil ? entries : entries.reversed()
    }
}
