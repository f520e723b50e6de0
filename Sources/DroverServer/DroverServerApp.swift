import Foundation
import Hummingbird
import Logging
import SQLiteKit

/// Builds and runs the server: one process, SQLite in its data directory.
public enum DroverServerApp {
    /// Read connections: each serves one statement at a time, so a read always starts from the
    /// newest commit; a few let reads go on in parallel with each other and with the writer.
    static let readConnections = 4

    /// Opens (creating if needed) the data directory's SQLite store: WAL journal, full sync so
    /// an acknowledged write survives a crash, schema migrated. One serialised writer and a few
    /// read-only readers that see only committed data (see ``SQLStore``).
    public static func openStore(dataDirectory: String, logger: Logger) async throws -> SQLStore {
        try DataDirectory.secure(dataDirectory, logger: logger)
        let path = dataDirectory + "/drover.sqlite"
        var opened: [SQLiteConnection] = []
        func closeAll() async {
            for connection in opened { try? await connection.close() }
        }
        let store: SQLStore
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
            store = try SQLStore(
                readers: readers.map { $0.sql() }, writer: writer.sql(),
                onClose: {
                    for connection in connections.reversed() { try await connection.close() }
                })
        } catch {
            await closeAll()
            throw error
        }
        do {
            try await store.migrate()
            // SQLite makes the -wal and -shm files on first use, with the process's umask.
            try DataDirectory.secure(dataDirectory, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// The router with every `/v1` route.
    public static func buildRouter(plane: ControlPlane) -> Router<DroverContext> {
        let routes = APIRoutes(plane: plane)
        // The route table is read off a scratch router holding the same routes, so the 405
        // answer can never disagree with the routes that exist.
        let scratch = Router(context: DroverContext.self)
        routes.register(on: scratch)
        let table = RouteTable(scratch.routes.map { (path: "\($0.path)", method: $0.method.rawValue) })
        let router = Router(context: DroverContext.self)
        router.add(middleware: ErrorMiddleware(routes: table))
        router.add(middleware: AuthMiddleware(plane: plane))
        routes.register(on: router)
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
