import SQLKit

/// Checks made inside a write transaction, against the rows as they are there: what the
/// control plane read before taking the writer may have changed meanwhile.
extension SQLStore {
    /// `wanted` if no device of the fleet has that name, else the first free `wanted-2`,
    /// `wanted-3`, …: a device name is a handle people type, so it stays unique in its fleet.
    /// Runs inside the enrolment's transaction, so two enrolments cannot both take one name.
    static func freeName(_ wanted: String, fleetID: String, uuid: String, db: any SQLDatabase) async throws -> String {
        let taken = Set(
            try await db.raw(
                "SELECT name FROM devices WHERE fleet_id = \(bind: fleetID) AND name LIKE \(bind: likePrefix(String(wanted.prefix(56)))) ESCAPE '\\'"
            )
            .all().map { try $0.string("name") })
        guard taken.contains(wanted) else { return wanted }
        for suffix in 2...taken.count + 1 {
            let tail = "-\(suffix)"
            let candidate = String(wanted.prefix(64 - tail.count)) + tail
            if !taken.contains(candidate) { return candidate }
        }
        return String(wanted.prefix(56)) + "-" + uuid.prefix(7)
    }

    /// Fails unless `fleet` still exists, read through `db` inside the caller's transaction.
    static func requireFleet(_ fleet: FleetRecord, db: any SQLDatabase) async throws {
        guard try await db.raw("SELECT id FROM fleets WHERE id = \(bind: fleet.id)").first() != nil else {
            throw ServerError(.notFound, "no fleet named '\(fleet.name)'")
        }
    }
}
