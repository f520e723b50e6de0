import DroverModel
import Foundation
import SQLKit

/// Devices: enrolment, lookup, changes and tags.
extension SQLStore {
    public func enrol(_ enrolment: Enrolment) async throws(ServerError) -> DeviceRecord {
        try await transaction { db in
            guard let key = try await db.raw("SELECT * FROM provisioning_keys WHERE hash = \(bind: enrolment.keyHash)").first() else {
                throw ServerError(.unauthorized, "the provisioning key is not valid")
            }
            if try key.int("revoked") != 0 { throw ServerError(.unauthorized, "the provisioning key has been revoked") }
            if let expires = try key.optionalDouble("expires_at"), expires < Self.now {
                throw ServerError(.unauthorized, "the provisioning key expired")
            }
            let used = try key.int("used")
            if let limit = try key.optionalInt("device_limit"), used >= limit {
                throw ServerError(.forbidden, "the provisioning key has enrolled its limit of \(limit) device(s)")
            }
            let fleetID = try key.string("fleet_id")
            let name = try await Self.freeName(enrolment.name, fleetID: fleetID, uuid: enrolment.uuid, db: db)
            let now = Self.now
            try await db.raw("UPDATE provisioning_keys SET used = used + 1 WHERE id = \(bind: try key.string("id"))").run()
            try await db.raw(
                """
                INSERT INTO devices (uuid, fleet_id, name, key_hash, architecture, platform, created_at)
                VALUES (\(bind: enrolment.uuid), \(bind: fleetID), \(bind: name), \(bind: enrolment.apiKeyHash), \(bind: enrolment.architecture),
                  \(bind: enrolment.platform), \(bind: now))
                """
            ).run()
            return DeviceRecord(
                uuid: enrolment.uuid, fleetID: fleetID, name: name, architecture: enrolment.architecture, platform: enrolment.platform, createdAt: now)
        }
    }

    public func devices(org: String, fleetID: String?) async throws(ServerError) -> [DeviceRecord] {
        let query: SQLQueryString =
            fleetID.map { "SELECT d.* FROM devices d WHERE d.fleet_id = \(bind: $0) ORDER BY d.name" }
            ?? "SELECT d.* FROM devices d JOIN fleets f ON f.id = d.fleet_id WHERE f.org_id = \(bind: org) ORDER BY d.name"
        return try await records(query, Self.device(_:))
    }

    public func devicePage(fleetID: String, nameContains: String?, descending: Bool, limit: Int?, offset: Int) async throws(ServerError)
        -> (records: [DeviceRecord], total: Int)
    {
        // Names are ASCII, so LIKE's case-insensitive match is the listing's.
        let pattern = "%" + Self.likePrefix(nameContains ?? "")
        let matching: SQLQueryString = "FROM devices d WHERE d.fleet_id = \(bind: fleetID) AND d.name LIKE \(bind: pattern) ESCAPE '\\'"
        let total = try await records("SELECT COUNT(*) AS n " + matching, { try $0.int("n") }).first ?? 0
        let order: SQLQueryString = descending ? " ORDER BY d.name DESC, d.uuid" : " ORDER BY d.name, d.uuid"
        let page: SQLQueryString = " LIMIT \(bind: limit ?? -1) OFFSET \(bind: offset)"
        return (try await records("SELECT d.* " + matching + order + page, Self.device(_:)), total)
    }

    public func allDevices() async throws(ServerError) -> [DeviceRecord] {
        try await records("SELECT * FROM devices ORDER BY name", Self.device(_:))
    }

    public func setPlatform(_ platform: String, device uuid: String) async throws(ServerError) {
        try await transaction { db in
            try await db.raw("UPDATE devices SET platform = \(bind: platform) WHERE uuid = \(bind: uuid)").run()
        }
    }

    public func platforms(fleetID: String) async throws(ServerError) -> [String: Int] {
        let rows = try await records(
            "SELECT platform, COUNT(*) AS devices FROM devices WHERE fleet_id = \(bind: fleetID) AND platform IS NOT NULL GROUP BY platform"
        ) { row in (try row.string("platform"), try row.int("devices")) }
        return Dictionary(rows) { $0 + $1 }
    }

    public func devicePlacements() async throws(ServerError) -> [String: DevicePlacement] {
        let placements = try await records("SELECT uuid, fleet_id, pinned_release, platform FROM devices") { row in
            (
                uuid: try row.string("uuid"),
                placement: DevicePlacement(
                    fleetID: try row.string("fleet_id"), pinned: try row.optionalString("pinned_release"),
                    platform: try row.optionalString("platform").flatMap { try? Platform(parsing: $0) })
            )
        }
        var out: [String: DevicePlacement] = [:]
        for entry in placements { out[entry.uuid] = entry.placement }
        return out
    }

    public func device(uuid: String) async throws(ServerError) -> DeviceRecord {
        guard let row = try await rows("SELECT * FROM devices WHERE uuid = \(bind: uuid)").first else {
            throw ServerError(.notFound, "no device with UUID '\(uuid)'")
        }
        return try decode(row, Self.device(_:))
    }

    public func device(org: String, named reference: String) async throws(ServerError) -> DeviceRecord {
        // A reference shorter than 7 characters is no UUID prefix: it matches names and UUIDs exactly.
        let prefix = reference.count >= 7 ? Self.likePrefix(reference) : "\u{1}"
        let found = try await rows(
            """
            SELECT d.* FROM devices d JOIN fleets f ON f.id = d.fleet_id WHERE f.org_id = \(bind: org)
            AND (d.name = \(bind: reference) OR d.uuid = \(bind: reference) OR d.uuid LIKE \(bind: prefix) ESCAPE '\\')
            """)
        guard !found.isEmpty else { throw ServerError(.notFound, "no device named '\(reference)'") }
        guard found.count == 1 else { throw ServerError(.conflict, "'\(reference)' names \(found.count) devices; use the UUID") }
        return try decode(found[0], Self.device(_:))
    }

    public func updateDevice(uuid: String, reference: String, _ change: DeviceChange) async throws(ServerError) {
        // Only the fields sent are written, each checked against the rows as they are inside
        // the transaction: a rename and a move sent at once both stay, and a device cannot be
        // moved into a fleet deleted meanwhile.
        try await transaction { db in
            guard let row = try await db.raw("SELECT fleet_id FROM devices WHERE uuid = \(bind: uuid)").first() else {
                throw ServerError(.notFound, "no device named '\(reference)'")
            }
            let currentFleet = try row.string("fleet_id")
            if let name = change.name {
                try await db.raw("UPDATE devices SET name = \(bind: name) WHERE uuid = \(bind: uuid)").run()
            }
            if let fleet = change.fleet, fleet.id != currentFleet {
                try await Self.requireFleet(fleet, db: db)
                // Device-scoped variables and a pin belong to the old fleet's app.
                try await db.raw("DELETE FROM env_vars WHERE device_uuid = \(bind: uuid)").run()
                try await db.raw("UPDATE devices SET fleet_id = \(bind: fleet.id), pinned_release = NULL WHERE uuid = \(bind: uuid)").run()
            }
            if let pin = change.pinnedRelease {
                if let pin {
                    let owner = try await db.raw("SELECT fleet_id FROM releases WHERE id = \(bind: pin)").first()?.string("fleet_id")
                    guard owner == (change.fleet?.id ?? currentFleet) else {
                        throw ServerError(.badRequest, "release \(pin) belongs to another fleet")
                    }
                }
                try await db.raw("UPDATE devices SET pinned_release = \(bind: pin) WHERE uuid = \(bind: uuid)").run()
            }
        }
    }

    public func deleteDevice(uuid: String) async throws(ServerError) {
        try await transaction { db in
            for table in ["tags", "logs", "env_vars", "service_restarts", "device_commands", "stopped_services", "metric_minutes", "metric_latest"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE device_uuid = \(bind: uuid)").run()
            }
            try await db.raw("DELETE FROM devices WHERE uuid = \(bind: uuid)").run()
        }
    }

    public func tags(deviceUUIDs: [String]) async throws(ServerError) -> [String: [String: String]] {
        // One indexed query for a single device, one scan for many.
        let query: SQLQueryString =
            deviceUUIDs.count == 1
            ? "SELECT device_uuid, key, value FROM tags WHERE device_uuid = \(bind: deviceUUIDs[0])" : "SELECT device_uuid, key, value FROM tags"
        let wanted = Set(deviceUUIDs)
        var out: [String: [String: String]] = [:]
        for tag in try await records(query, { (uuid: try $0.string("device_uuid"), key: try $0.string("key"), value: try $0.string("value")) })
        where wanted.contains(tag.uuid) {
            out[tag.uuid, default: [:]][tag.key] = tag.value
        }
        return out
    }

    public func changeTags(uuid: String, set: [String: String], remove: [String]) async throws(ServerError) {
        try await transaction { db in
            for (key, value) in set {
                try await db.raw(
                    """
                    INSERT INTO tags (device_uuid, key, value) VALUES (\(bind: uuid), \(bind: key), \(bind: value))
                    ON CONFLICT (device_uuid, key) DO UPDATE SET value = \(bind: value)
                    """
                ).run()
            }
            for key in remove {
                try await db.raw("DELETE FROM tags WHERE device_uuid = \(bind: uuid) AND key = \(bind: key)").run()
            }
        }
    }
}
