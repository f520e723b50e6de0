import SQLKit

/// Fleets and provisioning keys.
extension SQLStore {
    public func fleets(org: String) async throws(ServerError) -> [FleetRecord] {
        try await records("SELECT * FROM fleets WHERE org_id = \(bind: org) ORDER BY name", Self.fleet(_:))
    }

    public func allFleets() async throws(ServerError) -> [FleetRecord] {
        try await records("SELECT * FROM fleets", Self.fleet(_:))
    }

    public func fleet(org: String, named reference: String) async throws(ServerError) -> FleetRecord {
        let found = try await rows("SELECT * FROM fleets WHERE org_id = \(bind: org) AND (name = \(bind: reference) OR id = \(bind: reference))")
        guard let row = found.first else { throw ServerError(.notFound, "no fleet named '\(reference)'") }
        return try decode(row, Self.fleet(_:))
    }

    public func fleet(id: String) async throws(ServerError) -> FleetRecord {
        guard let row = try await rows("SELECT * FROM fleets WHERE id = \(bind: id)").first else {
            throw ServerError(.notFound, "no fleet with id '\(id)'")
        }
        return try decode(row, Self.fleet(_:))
    }

    public func createFleet(org: String, name: String) async throws(ServerError) -> FleetRecord {
        let id = Self.newID()
        do {
            try await run(
                "INSERT INTO fleets (id, org_id, name, created_at) VALUES (\(bind: id), \(bind: org), \(bind: name), \(bind: Self.now))")
        } catch  where error.code == .conflict {
            throw ServerError(.conflict, "a fleet named '\(name)' already exists")
        }
        return try await fleet(id: id)
    }

    public func updateFleet(id: String, _ change: FleetChange) async throws(ServerError) {
        try await transaction { db in
            if let name = change.name {
                try await db.raw("UPDATE fleets SET name = \(bind: name) WHERE id = \(bind: id)").run()
            }
            if let tracked = change.trackedRelease {
                try await db.raw("UPDATE fleets SET tracked_release = \(bind: tracked) WHERE id = \(bind: id)").run()
            }
            if let share = change.failingShare {
                try await db.raw("UPDATE fleets SET failing_share = \(bind: share) WHERE id = \(bind: id)").run()
            }
            if let minimum = change.failingMin {
                try await db.raw("UPDATE fleets SET failing_min = \(bind: minimum) WHERE id = \(bind: id)").run()
            }
            if let production = change.production {
                try await db.raw("UPDATE fleets SET production = \(bind: production ? 1 : 0) WHERE id = \(bind: id)").run()
            }
        }
    }

    public func deleteFleet(_ fleet: FleetRecord) async throws(ServerError) {
        try await transaction { db in
            // Checked again inside the transaction: a device may have enrolled meanwhile.
            let devices = try await db.raw("SELECT COUNT(*) AS n FROM devices WHERE fleet_id = \(bind: fleet.id)").first()?.int("n") ?? 0
            guard devices == 0 else { throw ServerError(.conflict, "fleet '\(fleet.name)' still has \(devices) device(s); move or delete them first") }
            try await db.raw("DELETE FROM release_attempts WHERE release_id IN (SELECT id FROM releases WHERE fleet_id = \(bind: fleet.id))").run()
            try await Self.deleteClusters(fleetID: fleet.id, db: db)
            for table in ["releases", "provisioning_keys", "env_vars", "registry_logins", "app_files"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE fleet_id = \(bind: fleet.id)").run()
            }
            try await Self.deleteWebhooks(fleetID: fleet.id, db: db)
            try await db.raw("DELETE FROM fleets WHERE id = \(bind: fleet.id)").run()
        }
    }

    public func deviceCount(fleetID: String) async throws(ServerError) -> Int {
        try await count("SELECT COUNT(*) AS n FROM devices WHERE fleet_id = \(bind: fleetID)")
    }

    public func addKey(fleet: FleetRecord, hash: String, expiresAt: Double?, deviceLimit: Int?) async throws(ServerError) -> String {
        let id = Self.newID()
        try await transaction { db in
            try await Self.requireFleet(fleet, db: db)
            try await db.raw(
                """
                INSERT INTO provisioning_keys (id, fleet_id, hash, expires_at, device_limit, created_at)
                VALUES (\(bind: id), \(bind: fleet.id), \(bind: hash), \(bind: expiresAt), \(bind: deviceLimit), \(bind: Self.now))
                """
            ).run()
        }
        return id
    }

    public func keys(fleetID: String) async throws(ServerError) -> [KeyRecord] {
        try await records("SELECT * FROM provisioning_keys WHERE fleet_id = \(bind: fleetID) ORDER BY created_at", Self.key(_:))
    }

    public func revokeKey(id: String, fleetID: String) async throws(ServerError) -> Bool {
        try await transaction { db in
            guard try await db.raw("SELECT id FROM provisioning_keys WHERE id = \(bind: id) AND fleet_id = \(bind: fleetID)").first() != nil else {
                return false
            }
            try await db.raw("UPDATE provisioning_keys SET revoked = 1 WHERE id = \(bind: id)").run()
            return true
        }
    }

    public func keyExists(hash: String) async throws(ServerError) -> Bool {
        try await !rows("SELECT id FROM provisioning_keys WHERE hash = \(bind: hash)").isEmpty
    }
}
