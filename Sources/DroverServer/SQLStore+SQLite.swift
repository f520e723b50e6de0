import Logging
import SQLKit
import SQLiteKit

/// The SQLite side of the store: how its connections are opened.
extension SQLStore {
    /// Read connections: each serves one statement at a time, so a read always starts from the
    /// newest commit; a few let reads go on in parallel with each other and with the writer.
    static let readConnections = 4

    /// Opens the SQLite database at `path` (not yet migrated): WAL journal, full sync so an
    /// acknowledged write survives a crash, one writer and ``readConnections`` read-only readers.
    static func openSQLite(path: String, logger: Logger) async throws -> SQLStore {
        var opened: [SQLiteConnection] = []
        func closeAll() async {
            for connection in opened { try? await connection.close() }
        }
        do {
            let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            opened.append(writer)
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
                try await writer.sql().raw(SQLQueryString(pragma)).run()
            }
            var readers: [SQLiteConnection] = []
            for _ in 0..<readConnections {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                opened.append(reader)
                // SQLite itself refuses any write on a reader, so a write sent down the wrong
                // path fails loudly instead of racing the writer.
                for pragma in ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 5000"] {
                    try await reader.sql().raw(SQLQueryString(pragma)).run()
                }
                readers.append(reader)
            }
            let connections = opened
            return try SQLStore(
                readers: readers.map { $0.sql() }, writer: writer.sql(), logger: logger,
                onClose: {
                    for connection in connections.reversed() { try await connection.close() }
                })
        } catch {
            await closeAll()
            throw error
        }
    }
}
