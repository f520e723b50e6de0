import DroverModel
import SQLKit

/// Environment variables and log lines.
extension SQLStore {
    public func setEnv(_ variable: EnvRecord, fleet: FleetRecord, device: DeviceRecord?) async throws(ServerError) {
        try await transaction { db in
            // The scope is checked again where it is written: a fleet deleted, or a device
            // deleted or moved, meanwhile would leave a variable nobody sees.
            try await Self.requireFleet(fleet, db: db)
            if let device {
                let current = try await db.raw("SELECT fleet_id FROM devices WHERE uuid = \(bind: device.uuid)").first()?.string("fleet_id")
                guard current == fleet.id else { throw ServerError(.notFound, "no device named '\(device.name)' in fleet '\(fleet.name)'") }
            }
            try await db.raw(
                """
                INSERT INTO env_vars (fleet_id, device_uuid, service, name, value)
                VALUES (\(bind: variable.fleetID), \(bind: variable.deviceUUID), \(bind: variable.service), \(bind: variable.name), \(bind: variable.value))
                ON CONFLICT (fleet_id, device_uuid, service, name) DO UPDATE SET value = \(bind: variable.value)
                """
            ).run()
        }
    }

    public func envVars(fleetID: String) async throws(ServerError) -> [EnvRecord] {
        try await records("SELECT * FROM env_vars WHERE fleet_id = \(bind: fleetID) ORDER BY device_uuid, service, name", Self.env(_:))
    }

    public func allEnv() async throws(ServerError) -> [EnvRecord] {
        try await records("SELECT * FROM env_vars", Self.env(_:))
    }

    public func removeEnv(_ variable: EnvRecord) async throws(ServerError) -> Bool {
        try await transaction { db in
            let scope: SQLQueryString = """
                fleet_id = \(bind: variable.fleetID) AND device_uuid = \(bind: variable.deviceUUID) AND service = \(bind: variable.service)
                AND name = \(bind: variable.name)
                """
            guard try await db.raw("SELECT name FROM env_vars WHERE " + scope).first() != nil else { return false }
            try await db.raw("DELETE FROM env_vars WHERE " + scope).run()
            return true
        }
    }

    public func appendLogs(device uuid: String, _ lines: [API.LogEntry], keep: Int) async throws(ServerError) {
        try await transaction { db in
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
                ORDER BY seq DESC LIMIT 1 OFFSET \(bind: keep))
                """
            ).run()
        }
    }

    public func logs(device uuid: String, _ query: LogQuery) async throws(ServerError) -> [API.LogEntry] {
        var sql: SQLQueryString = "SELECT * FROM logs WHERE device_uuid = \(bind: uuid)"
        if let service = query.service { sql = sql + " AND service = \(bind: service)" }
        if let after = query.after { sql = sql + " AND seq > \(bind: after)" }
        if let since = query.since { sql = sql + " AND ts >= \(bind: since)" }
        let ordered: SQLQueryString = query.after != nil ? " ORDER BY seq ASC LIMIT \(bind: query.limit)" : " ORDER BY seq DESC LIMIT \(bind: query.limit)"
        let entries = try await records(sql + ordered) { row in
            let word = try row.string("stream")
            guard let stream = API.LogStream(rawValue: word) else {
                throw ServerError(.storage, "a log line has stream '\(word)' in the store, which is not one of \(API.LogStream.words)")
            }
            return API.LogEntry(
                timestamp: try row.string("ts"), service: try row.string("service"), stream: stream, message: try row.string("message"),
                sequence: Int64(try row.int("seq")))
        }
        return query.after != nil ? entries : entries.reversed()
    }
}
