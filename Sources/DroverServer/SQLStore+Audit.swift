import DroverModel
import SQLKit

/// The audit log: append-only through the API, pruned by age.
extension SQLStore {
    public func appendAudit(_ entry: AuditRecord) async throws(ServerError) {
        try await transaction { _ = try await Self.insertAudit(entry, into: $0) }
    }

    public func settleAudit(id: Int64, result: String, status: Int) async throws(ServerError) {
        try await run("UPDATE audit SET result = \(bind: result), status = \(bind: status) WHERE id = \(bind: id)")
    }

    public func audit(org: String, _ query: AuditQuery) async throws(ServerError) -> [AuditRecord] {
        var sql = SQLQueryString("SELECT * FROM audit WHERE org_id = \(bind: org)")
        if let actor = query.actor { sql.appendInterpolation(unsafeRaw: " AND actor = "); sql.appendInterpolation(bind: actor) }
        if let fleet = query.fleetID { sql.appendInterpolation(unsafeRaw: " AND fleet_id = "); sql.appendInterpolation(bind: fleet) }
        if let action = query.action { sql.appendInterpolation(unsafeRaw: " AND action = "); sql.appendInterpolation(bind: action) }
        if !query.targets.isEmpty {
            sql.appendInterpolation(unsafeRaw: " AND (")
            for (index, target) in query.targets.enumerated() {
                sql.appendInterpolation(unsafeRaw: index == 0 ? "target = " : " OR target = ")
                sql.appendInterpolation(bind: target)
                sql.appendInterpolation(unsafeRaw: " OR target LIKE ")
                sql.appendInterpolation(bind: Self.likePrefix(target + "/"))
                sql.appendInterpolation(unsafeRaw: " ESCAPE '\\'")
            }
            sql.appendInterpolation(unsafeRaw: ")")
        }
        if let since = query.since { sql.appendInterpolation(unsafeRaw: " AND at >= "); sql.appendInterpolation(bind: since) }
        if let before = query.before { sql.appendInterpolation(unsafeRaw: " AND id < "); sql.appendInterpolation(bind: before) }
        sql.appendInterpolation(unsafeRaw: " ORDER BY id DESC LIMIT \(max(1, min(query.limit, 10_000)))")
        return try await records(sql, Self.auditEntry(_:))
    }

    public func pruneAudit(before: Double) async throws(ServerError) {
        try await run("DELETE FROM audit WHERE at < \(bind: before)")
    }

    /// Writes an entry through a transaction's database; returns its id.
    static func insertAudit(_ entry: AuditRecord, into db: any SQLDatabase) async throws -> Int64 {
        let row = try await db.raw(
            """
            INSERT INTO audit (at, org_id, actor, token, address, action, target, fleet_id, request_id, result, status)
            VALUES (\(bind: entry.at), \(bind: entry.orgID), \(bind: entry.actor), \(bind: entry.token), \(bind: entry.address),
              \(bind: entry.action), \(bind: entry.target), \(bind: entry.fleetID), \(bind: entry.requestID), \(bind: entry.result),
              \(bind: entry.status)) RETURNING id
            """
        ).first()
        return try row?.decode(column: "id", as: Int64.self) ?? 0
    }

    static func auditEntry(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(
            id: try row.decode(column: "id", as: Int64.self), at: try row.double("at"), orgID: try row.string("org_id"),
            actor: try row.string("actor"), token: try row.optionalString("token"), address: try row.optionalString("address"),
            action: try row.string("action"), target: try row.string("target"), fleetID: try row.optionalString("fleet_id"),
            requestID: try row.optionalString("request_id"), result: try row.string("result"), status: try row.int("status"))
    }
}
