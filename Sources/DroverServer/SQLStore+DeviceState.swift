import DroverModel
import Foundation
import SQLKit

/// What changes about a device while it runs: commands, stopped services, last-seen times and
/// state reports.
extension SQLStore {
    public func record(_ command: DeviceCommand, uuid: String) async throws(ServerError) {
        let column: String
        switch command {
        case .restart(let service?):
            try await run(
                """
                INSERT INTO service_restarts (device_uuid, service, count) VALUES (\(bind: uuid), \(bind: service), 1)
                ON CONFLICT (device_uuid, service) DO UPDATE SET count = service_restarts.count + 1
                """)
            return
        case .restart(nil): column = "restarts"
        case .purge: column = "purges"
        case .forceUpdate: column = "forced_updates"
        case .retry: column = "retries"
        }
        try await run(
            """
            INSERT INTO device_commands (device_uuid, \(unsafeRaw: column)) VALUES (\(bind: uuid), 1)
            ON CONFLICT (device_uuid) DO UPDATE SET \(unsafeRaw: column) = device_commands.\(unsafeRaw: column) + 1
            """)
    }

    public func commands() async throws(ServerError) -> [String: DeviceCommands] {
        var out: [String: DeviceCommands] = [:]
        let counters = try await rows("SELECT device_uuid, restarts, purges, forced_updates, retries FROM device_commands")
        for row in counters {
            let (uuid, commands) = try decode(row) { row in
                var commands = DeviceCommands()
                commands.appRestarts = try row.int("restarts")
                commands.purges = try row.int("purges")
                commands.forcedUpdates = try row.int("forced_updates")
                commands.retries = try row.int("retries")
                return (try row.string("device_uuid"), commands)
            }
            out[uuid] = commands
        }
        let restarts = try await records("SELECT device_uuid, service, count FROM service_restarts") {
            (uuid: try $0.string("device_uuid"), service: try $0.string("service"), count: try $0.int("count"))
        }
        for restart in restarts {
            out[restart.uuid, default: DeviceCommands()].serviceRestarts[restart.service] = restart.count
        }
        return out
    }

    public func setStopped(_ stopped: Bool, service: String, uuid: String) async throws(ServerError) {
        if stopped {
            try await run(
                """
                INSERT INTO stopped_services (device_uuid, service) VALUES (\(bind: uuid), \(bind: service))
                ON CONFLICT (device_uuid, service) DO NOTHING
                """)
            return
        }
        try await transaction { db in
            try await db.raw("DELETE FROM stopped_services WHERE device_uuid = \(bind: uuid) AND service = \(bind: service)").run()
            // Starting recreates the container, so it starts fresh through the update path.
            try await db.raw(
                """
                INSERT INTO service_restarts (device_uuid, service, count) VALUES (\(bind: uuid), \(bind: service), 1)
                ON CONFLICT (device_uuid, service) DO UPDATE SET count = service_restarts.count + 1
                """
            ).run()
        }
    }

    public func stoppedServices() async throws(ServerError) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for stop in try await records(
            "SELECT device_uuid, service FROM stopped_services ORDER BY service",
            {
                (uuid: try $0.string("device_uuid"), service: try $0.string("service"))
            })
        {
            out[stop.uuid, default: []].append(stop.service)
        }
        return out
    }

    public func recordLastSeen(_ times: [String: Double]) async throws(ServerError) {
        guard !times.isEmpty else { return }
        try await transaction { db in
            for (uuid, seen) in times {
                try await db.raw("UPDATE devices SET last_seen = \(bind: seen) WHERE uuid = \(bind: uuid)").run()
            }
        }
    }

    public func mergeReports(_ reports: [(uuid: String, report: API.StateReport)], at now: Double) async throws(ServerError) {
        let logger = self.logger
        try await transaction { db in
            var merged: [String: API.StateReport] = [:]
            for (uuid, delta) in reports {
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
            for (uuid, delta) in reports {
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
    }
}
