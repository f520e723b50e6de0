import DroverModel
import Foundation
import SQLKit

extension SQLStore {
    public func addCluster(_ cluster: ClusterRecord) async throws(ServerError) {
        let managers = String(decoding: Canonical.encode(cluster.managers), as: UTF8.self)
        try await transaction { db in
            let taken =
                try await db.raw(
                    "SELECT COUNT(*) AS n FROM clusters WHERE fleet_id = \(bind: cluster.fleetID) OR (org_id = \(bind: cluster.orgID) AND name = \(bind: cluster.name))"
                ).first()?.int("n") ?? 0
            guard taken == 0 else { throw ServerError(.conflict, "a cluster named '\(cluster.name)' or one of its fleet already exists") }
            try await db.raw(
                """
                INSERT INTO clusters (id, org_id, fleet_id, name, managers, manager_count, heartbeat, created_at)
                VALUES (\(bind: cluster.id), \(bind: cluster.orgID), \(bind: cluster.fleetID), \(bind: cluster.name), \(bind: managers),
                  \(bind: cluster.managerCount), \(bind: cluster.heartbeat), \(bind: cluster.createdAt))
                """
            ).run()
        }
    }

    public func clusters(org: String?) async throws(ServerError) -> [ClusterRecord] {
        let sql: SQLQueryString =
            if let org { "SELECT * FROM clusters WHERE org_id = \(bind: org) ORDER BY name" } else { "SELECT * FROM clusters ORDER BY name" }
        return try await records(sql, Self.cluster)
    }

    public func cluster(id: String) async throws(ServerError) -> ClusterRecord {
        guard let cluster = try await records("SELECT * FROM clusters WHERE id = \(bind: id)", Self.cluster).first else {
            throw ServerError(.notFound, "no cluster '\(id)'")
        }
        return cluster
    }

    public func cluster(fleetID: String) async throws(ServerError) -> ClusterRecord? {
        try await records("SELECT * FROM clusters WHERE fleet_id = \(bind: fleetID)", Self.cluster).first
    }

    public func setClusterTokens(id: String, sealed: String) async throws(ServerError) -> Bool {
        try await transaction { db in
            let open = try await db.raw("SELECT COUNT(*) AS n FROM clusters WHERE id = \(bind: id) AND sealed_tokens IS NULL").first()?.int("n") ?? 0
            guard open > 0 else { return false }
            try await db.raw("UPDATE clusters SET sealed_tokens = \(bind: sealed) WHERE id = \(bind: id)").run()
            return true
        }
    }

    public func observeCluster(
        id: String, _ observation: API.ClusterObservation, at time: Double,
        news: @escaping @Sendable (_ previous: API.ClusterObservation?, _ recent: [API.ClusterEvent]) -> [API.ClusterEvent]
    ) async throws(ServerError) -> [API.ClusterEvent] {
        let json = String(decoding: Canonical.encode(observation), as: UTF8.self)
        return try await transaction { db in
            // Managers report at once: each observation is compared with the one before it,
            // read in the same transaction (the row locked where the store has row locks).
            let lock = db.dialect.name == "sqlite" ? "" : " FOR UPDATE"
            let row = try await db.raw("SELECT observation FROM clusters WHERE id = \(bind: id)\(unsafeRaw: lock)").first()
            guard let row else { throw ServerError(.notFound, "no cluster '\(id)'") }
            let previous = try row.decode(column: "observation", as: String?.self).map {
                try JSONDecoder().decode(API.ClusterObservation.self, from: Data($0.utf8))
            }
            let recent = try await db.raw("SELECT * FROM cluster_events WHERE cluster_id = \(bind: id) ORDER BY at DESC LIMIT 50").all().map(Self.clusterEvent)
            let events = news(previous, recent)
            try await db.raw("UPDATE clusters SET observation = \(bind: json), observed_at = \(bind: time) WHERE id = \(bind: id)").run()
            if !events.isEmpty {
                // A flapping node must not grow the table for ever: 30 days of events are kept.
                try await db.raw("DELETE FROM cluster_events WHERE cluster_id = \(bind: id) AND at < \(bind: time - 30 * 86_400)").run()
            }
            for event in events {
                try await db.raw(
                    """
                    INSERT INTO cluster_events (cluster_id, at, kind, node_id, device_uuid, detail)
                    VALUES (\(bind: id), \(bind: event.at), \(bind: event.kind), \(bind: event.nodeID), \(bind: event.device), \(bind: event.detail))
                    """
                ).run()
            }
            return events
        }
    }

    public func deleteCluster(id: String) async throws(ServerError) {
        try await transaction { db in
            for table in ["cluster_members", "cluster_events"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE cluster_id = \(bind: id)").run()
            }
            try await db.raw("DELETE FROM clusters WHERE id = \(bind: id)").run()
        }
    }

    static func deleteClusters(fleetID: String, db: any SQLDatabase) async throws {
        for table in ["cluster_members", "cluster_events"] {
            try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE cluster_id IN (SELECT id FROM clusters WHERE fleet_id = \(bind: fleetID))").run()
        }
        try await db.raw("DELETE FROM clusters WHERE fleet_id = \(bind: fleetID)").run()
    }

    public func clusterMembers(clusterID: String?) async throws(ServerError) -> [String: [ClusterMemberRecord]] {
        let sql: SQLQueryString =
            if let clusterID { "SELECT * FROM cluster_members WHERE cluster_id = \(bind: clusterID)" } else { "SELECT * FROM cluster_members" }
        let rows = try await records(sql) { row in
            var member = ClusterMemberRecord(
                deviceUUID: try row.string("device_uuid"), nodeID: try row.optionalString("node_id"), state: try row.string("state"),
                manager: try row.int("manager") != 0, updatedAt: try row.double("updated_at"))
            member.address = try row.optionalString("address")
            member.error = try row.optionalString("error")
            member.ipvs = try row.optionalInt("ipvs").map { $0 != 0 }
            member.engineVersion = try row.optionalString("engine_version")
            return (try row.string("cluster_id"), member)
        }
        return Dictionary(grouping: rows, by: \.0).mapValues { $0.map(\.1) }
    }

    public func setClusterMember(clusterID: String, _ member: ClusterMemberRecord) async throws(ServerError) {
        try await transaction { db in
            try await db.raw(
                """
                INSERT INTO cluster_members (cluster_id, device_uuid, node_id, state, manager, address, error, ipvs, engine_version, updated_at)
                VALUES (\(bind: clusterID), \(bind: member.deviceUUID), \(bind: member.nodeID), \(bind: member.state), \(bind: member.manager ? 1 : 0),
                  \(bind: member.address), \(bind: member.error), \(bind: member.ipvs.map { $0 ? 1 : 0 }), \(bind: member.engineVersion),
                  \(bind: member.updatedAt))
                ON CONFLICT (cluster_id, device_uuid) DO UPDATE SET node_id = excluded.node_id, state = excluded.state, manager = excluded.manager,
                  address = excluded.address, error = excluded.error, ipvs = excluded.ipvs, engine_version = excluded.engine_version,
                  updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    public func clusterEvents(clusterID: String, limit: Int) async throws(ServerError) -> [API.ClusterEvent] {
        try await records(
            "SELECT * FROM cluster_events WHERE cluster_id = \(bind: clusterID) ORDER BY at DESC LIMIT \(unsafeRaw: String(max(1, min(limit, 10_000))))",
            Self.clusterEvent)
    }

    static func clusterEvent(_ row: any SQLRow) throws -> API.ClusterEvent {
        API.ClusterEvent(
            kind: try row.string("kind"), nodeID: try row.optionalString("node_id"), device: try row.optionalString("device_uuid"),
            at: try row.double("at"), detail: try row.string("detail"))
    }

    static func cluster(_ row: any SQLRow) throws -> ClusterRecord {
        var record = ClusterRecord(
            id: try row.string("id"), orgID: try row.string("org_id"), fleetID: try row.string("fleet_id"), name: try row.string("name"),
            managers: try JSONDecoder().decode([String].self, from: Data(try row.string("managers").utf8)),
            managerCount: try row.int("manager_count"), heartbeat: try row.double("heartbeat"), createdAt: try row.double("created_at"))
        record.sealedTokens = try row.optionalString("sealed_tokens")
        if let observation = try row.optionalString("observation") {
            record.observation = try JSONDecoder().decode(API.ClusterObservation.self, from: Data(observation.utf8))
        }
        record.observedAt = try row.optionalDouble("observed_at")
        return record
    }
}
