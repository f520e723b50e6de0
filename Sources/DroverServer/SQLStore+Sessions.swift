import Foundation
import SQLKit

/// Terminal sessions.
extension SQLStore {
    public func startSession(_ session: SessionRow) async throws(ServerError) {
        let command = session.command.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try await run(
            """
            INSERT INTO sessions (id, device_uuid, user_label, service, command, started_at)
            VALUES (\(bind: session.id), \(bind: session.deviceUUID), \(bind: session.user), \(bind: session.service), \(bind: command),
              \(bind: session.startedAt))
            """)
    }

    public func endSession(id: String, at time: Double, exitCode: Int?, error: String?) async throws(ServerError) {
        try await run("UPDATE sessions SET ended_at = \(bind: time), exit_code = \(bind: exitCode), error = \(bind: error) WHERE id = \(bind: id)")
    }

    public func sessions(device uuid: String, limit: Int) async throws(ServerError) -> [SessionRow] {
        try await records("SELECT * FROM sessions WHERE device_uuid = \(bind: uuid) ORDER BY started_at DESC, id LIMIT \(bind: limit)") { row in
            SessionRow(
                id: try row.string("id"), deviceUUID: try row.string("device_uuid"), user: try row.string("user_label"),
                service: try row.optionalString("service"),
                command: try row.optionalString("command").flatMap { try JSONDecoder().decode([String].self, from: Data($0.utf8)) },
                startedAt: try row.double("started_at"), endedAt: try row.optionalDouble("ended_at"), exitCode: try row.optionalInt("exit_code"),
                error: try row.optionalString("error"))
        }
    }
}
