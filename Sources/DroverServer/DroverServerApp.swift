import Foundation
import Hummingbird
import Logging
import NIOPosix
import SQLiteKit

/// Builds and runs the server: one process, SQLite in its data directory.
public enum DroverServerApp {
    /// Opens (creating if needed) the data directory's SQLite store: WAL journal, full sync so
    /// an acknowledged write survives a crash, schema migrated.
    public static func openStore(dataDirectory: String, logger: Logger) async throws -> SQLStore {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: dataDirectory + "/drover.sqlite"), logger: logger)
        let database = connection.sql()
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
            try await database.raw(SQLQueryString(pragma)).run()
        }
        let store = SQLStore(database: database, onClose: { try await connection.close() })
        do {
            try await store.migrate()
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    /// The router with every `/v1` route.
    public static func buildRouter(plane: ControlPlane) -> Router<DroverContext> {
        let router = Router(context: DroverContext.self)
        APIRoutes(plane: plane).register(on: router)
        return router
    }

    /// The application listening on `host:port`.
    public static func buildApplication(plane: ControlPlane, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: buildRouter(plane: plane),
            // Thousands of devices reconnect at once after a server restart or a network blip;
            // a short accept queue drops their SYNs and they retry only after seconds.
            configuration: .init(address: .hostname(host, port: port), serverName: "drover", backlog: 4096),
            logger: logger)
    }

    /// Writes the admin token file (mode 0600) on first start.
    public static func writeAdminToken(_ token: String, dataDirectory: String) throws {
        let path = dataDirectory + "/admin-token"
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerError(.storage, "cannot write \(path)")
        }
    }
}
