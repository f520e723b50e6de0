import DroverModel
import Foundation
import SQLKit

/// Who is calling: a person's token in an organisation, or a device.
public enum Identity: Sendable, Equatable {
    /// A user (API token) of an organisation.
    case user(org: String, role: String)
    /// A device, by UUID.
    case device(uuid: String, fleetID: String)
}

struct FleetRecord: Sendable {
    var id: String
    var orgID: String
    var name: String
    var trackedRelease: String?
    var createdAt: Double
    /// Share of rolled-back devices above which a release is marked failing.
    var failingShare: Double
    /// Fewest rolled-back devices that mark a release failing.
    var failingMin: Int

    init(row: any SQLRow) throws {
        id = try row.string("id")
        orgID = try row.string("org_id")
        name = try row.string("name")
        trackedRelease = try row.optionalString("tracked_release")
        createdAt = try row.double("created_at")
        failingShare = try row.optionalDouble("failing_share") ?? 0.2
        failingMin = try row.optionalInt("failing_min") ?? 2
    }
}

struct DeviceRecord: Sendable {
    var uuid: String
    var fleetID: String
    var name: String
    var architecture: String?
    var pinnedRelease: String?
    var lastSeen: Double?
    var report: API.StateReport?
    var createdAt: Double

    init(row: any SQLRow) throws {
        uuid = try row.string("uuid")
        fleetID = try row.string("fleet_id")
        name = try row.string("name")
        architecture = try row.optionalString("architecture")
        pinnedRelease = try row.optionalString("pinned_release")
        lastSeen = try row.optionalDouble("last_seen")
        report = try row.optionalString("report").flatMap { try JSONDecoder().decode(API.StateReport.self, from: Data($0.utf8)) }
        createdAt = try row.double("created_at")
    }
}

struct ReleaseRecord: Sendable {
    var id: String
    var fleetID: String
    var app: AppSpec
    var status: API.ReleaseStatus
    var statusDetail: String?
    var createdAt: Double

    init(row: any SQLRow) throws {
        id = try row.string("id")
        fleetID = try row.string("fleet_id")
        app = try JSONDecoder().decode(AppSpec.self, from: Data(try row.string("app").utf8))
        let word = try row.string("status")
        guard let status = API.ReleaseStatus(rawValue: word) else {
            throw ServerError(.storage, "release \(id) has status '\(word)' in the store, which is not one of \(API.ReleaseStatus.words)")
        }
        self.status = status
        statusDetail = try row.optionalString("status_detail")
        createdAt = try row.double("created_at")
    }

    func api(fleet: String) -> API.Release {
        API.Release(
            id: id, fleet: fleet, createdAt: Date(timeIntervalSince1970: createdAt), services: app.services.keys.sorted(),
            images: app.services.compactMapValues(\.image), status: status, statusDetail: statusDetail)
    }
}

struct EnvRecord: Sendable {
    var fleetID: String
    var deviceUUID: String
    var service: String
    var name: String
    var value: String

    init(row: any SQLRow) throws {
        fleetID = try row.string("fleet_id")
        deviceUUID = try row.string("device_uuid")
        service = try row.string("service")
        name = try row.string("name")
        value = try row.string("value")
    }
}

extension SQLStore {
    // MARK: Organisations and tokens

    /// The organisation named `name`, created if missing.
    func ensureOrg(_ name: String) async throws(ServerError) -> String {
        if let row = try await rows("SELECT id FROM orgs WHERE name = \(bind: name)").first, let id = try? row.string("id") { return id }
        let id = Self.newID()
        try await run("INSERT INTO orgs (id, name, created_at) VALUES (\(bind: id), \(bind: name), \(bind: Self.now))")
        return id
    }

    /// Mints an API token; only its hash is stored.
    func createToken(org: String, role: String, label: String) async throws(ServerError) -> String {
        let token = Self.secret(prefix: "drv_")
        try await run(
            "INSERT INTO tokens (hash, org_id, role, label, created_at) VALUES (\(bind: Self.hash(token)), \(bind: org), \(bind: role), \(bind: label), \(bind: Self.now))"
        )
        return token
    }

    func tokenCount() async throws(ServerError) -> Int {
        try await rows("SELECT COUNT(*) AS n FROM tokens").first.map { (try? $0.int("n")) ?? 0 } ?? 0
    }

    /// Who a bearer credential belongs to: a user token or a device key.
    func identity(credential: String) async throws(ServerError) -> Identity? {
        let hash = Self.hash(credential)
        if let row = try await rows("SELECT org_id, role FROM tokens WHERE hash = \(bind: hash)").first {
            return .user(org: (try? row.string("org_id")) ?? "", role: (try? row.string("role")) ?? "")
        }
        if let row = try await rows("SELECT uuid, fleet_id FROM devices WHERE key_hash = \(bind: hash)").first {
            return .device(uuid: (try? row.string("uuid")) ?? "", fleetID: (try? row.string("fleet_id")) ?? "")
        }
        return nil
    }

    // MARK: Fleets

    func fleets(org: String) async throws(ServerError) -> [FleetRecord] {
        try await decodeAll(rows("SELECT * FROM fleets WHERE org_id = \(bind: org) ORDER BY name"), FleetRecord.init)
    }

    func fleet(org: String, named reference: String) async throws(ServerError) -> FleetRecord {
        let found = try await rows("SELECT * FROM fleets WHERE org_id = \(bind: org) AND (name = \(bind: reference) OR id = \(bind: reference))")
        guard let row = found.first else { throw ServerError(.notFound, "no fleet named '\(reference)'") }
        return try decode(row, FleetRecord.init)
    }

    func fleet(id: String) async throws(ServerError) -> FleetRecord {
        guard let row = try await rows("SELECT * FROM fleets WHERE id = \(bind: id)").first else {
            throw ServerError(.notFound, "no fleet with id '\(id)'")
        }
        return try decode(row, FleetRecord.init)
    }

    func createFleet(org: String, name: String) async throws(ServerError) -> FleetRecord {
        let id = Self.newID()
        do {
            try await run(
                "INSERT INTO fleets (id, org_id, name, created_at) VALUES (\(bind: id), \(bind: org), \(bind: name), \(bind: Self.now))")
        } catch  where error.code == .conflict {
            throw ServerError(.conflict, "a fleet named '\(name)' already exists")
        }
        return try await fleet(id: id)
    }

    func deviceCount(fleetID: String) async throws(ServerError) -> Int {
        try await rows("SELECT COUNT(*) AS n FROM devices WHERE fleet_id = \(bind: fleetID)").first.map { (try? $0.int("n")) ?? 0 } ?? 0
    }

    // MARK: Devices

    func devices(org: String, fleetID: String?) async throws(ServerError) -> [DeviceRecord] {
        let query: SQLQueryString =
            fleetID.map { "SELECT d.* FROM devices d WHERE d.fleet_id = \(bind: $0) ORDER BY d.name" }
            ?? "SELECT d.* FROM devices d JOIN fleets f ON f.id = d.fleet_id WHERE f.org_id = \(bind: org) ORDER BY d.name"
        return try await decodeAll(rows(query), DeviceRecord.init)
    }

    func device(uuid: String) async throws(ServerError) -> DeviceRecord {
        guard let row = try await rows("SELECT * FROM devices WHERE uuid = \(bind: uuid)").first else {
            throw ServerError(.notFound, "no device with UUID '\(uuid)'")
        }
        return try decode(row, DeviceRecord.init)
    }

    /// A device of the organisation by name or UUID (or a unique UUID prefix of 7+ characters).
    func device(org: String, named reference: String) async throws(ServerError) -> DeviceRecord {
        // A reference shorter than 7 characters is no UUID prefix: it matches names and UUIDs exactly.
        let prefix = reference.count >= 7 ? Self.likePrefix(reference) : "\u{1}"
        let found = try await rows(
            """
            SELECT d.* FROM devices d JOIN fleets f ON f.id = d.fleet_id WHERE f.org_id = \(bind: org)
            AND (d.name = \(bind: reference) OR d.uuid = \(bind: reference) OR d.uuid LIKE \(bind: prefix) ESCAPE '\\')
            """)
        guard !found.isEmpty else { throw ServerError(.notFound, "no device named '\(reference)'") }
        guard found.count == 1 else { throw ServerError(.conflict, "'\(reference)' names \(found.count) devices; use the UUID") }
        return try decode(found[0], DeviceRecord.init)
    }

    /// Tags of the given devices: one indexed query for a single device, one scan for many.
    func tags(deviceUUIDs: [String]) async throws(ServerError) -> [String: [String: String]] {
        let query: SQLQueryString =
            deviceUUIDs.count == 1
            ? "SELECT device_uuid, key, value FROM tags WHERE device_uuid = \(bind: deviceUUIDs[0])" : "SELECT device_uuid, key, value FROM tags"
        let wanted = Set(deviceUUIDs)
        var out: [String: [String: String]] = [:]
        for row in try await rows(query) {
            guard let uuid = try? row.string("device_uuid"), wanted.contains(uuid), let key = try? row.string("key"),
                let value = try? row.string("value")
            else { continue }
            out[uuid, default: [:]][key] = value
        }
        return out
    }

    // MARK: Releases

    func releases(fleetID: String) async throws(ServerError) -> [ReleaseRecord] {
        try await decodeAll(rows("SELECT * FROM releases WHERE fleet_id = \(bind: fleetID) ORDER BY created_at DESC"), ReleaseRecord.init)
    }

    func release(id: String) async throws(ServerError) -> ReleaseRecord {
        let prefix = id.count >= 6 ? Self.likePrefix(id) : "\u{1}"
        let found = try await rows("SELECT * FROM releases WHERE id = \(bind: id) OR id LIKE \(bind: prefix) ESCAPE '\\'")
        guard found.count == 1 else {
            throw ServerError(found.isEmpty ? .notFound : .conflict, found.isEmpty ? "no release '\(id)'" : "'\(id)' names several releases")
        }
        return try decode(found[0], ReleaseRecord.init)
    }

    // MARK: Env

    func envVars(fleetID: String) async throws(ServerError) -> [EnvRecord] {
        try await decodeAll(rows("SELECT * FROM env_vars WHERE fleet_id = \(bind: fleetID) ORDER BY device_uuid, service, name"), EnvRecord.init)
    }

    // MARK: Decoding

    func decode<T>(_ row: any SQLRow, _ make: (any SQLRow) throws -> T) throws(ServerError) -> T {
        do {
            return try make(row)
        } catch {
            throw ServerError(.storage, "a stored row could not be read", cause: error)
        }
    }

    func decodeAll<T>(_ rows: [any SQLRow], _ make: (any SQLRow) throws -> T) throws(ServerError) -> [T] {
        var out: [T] = []
        for row in rows { out.append(try decode(row, make)) }
        return out
    }
}
