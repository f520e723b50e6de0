import Crypto
import DroverModel
import Foundation
import Logging
import SQLKit

/// Drover's store over SQLKit: every table and query of the control plane. It speaks plain
/// SQL that SQLite and PostgreSQL both accept.
///
/// Reads and writes take different paths. Every write, a single statement or a transaction,
/// goes through one serialised writer: it holds the writer connection for its whole length,
/// so no other request's statement can land inside someone else's `BEGIN`…`COMMIT` (or be
/// rolled back with it). Reads go to a few other connections, each lent to one statement at a
/// time, so a read sees everything committed before it started and nothing uncommitted.
public final class SQLStore: Sendable {
    /// Read-only connections: with SQLite's WAL each statement sees the last committed state.
    private let readers: ConnectionPool
    /// The one connection that writes.
    private let writer: ConnectionPool
    private let onClose: @Sendable () async throws -> Void

    /// Wraps reading connections and one writing connection to the same database; call
    /// ``migrate()`` before use and ``close()`` when done. No reader may be the writer.
    public init(readers: [any SQLDatabase], writer: any SQLDatabase, onClose: @escaping @Sendable () async throws -> Void = {}) throws(ServerError) {
        // The writer's connection must never serve reads: they would see its open transactions.
        guard !readers.isEmpty else { throw ServerError(.storage, "the store needs at least one read connection besides the writer") }
        self.readers = ConnectionPool(readers)
        self.writer = ConnectionPool([writer])
        self.onClose = onClose
    }

    /// Closes the underlying connections.
    public func close() async throws {
        try await onClose()
    }

    /// One schema step: a statement, or work that SQL alone cannot do safely on both stores.
    enum Migration: Sendable {
        /// A statement.
        case sql(String)
        /// Work done through the migration's transaction.
        case step(@Sendable (any SQLDatabase) async throws -> Void)
    }

    static let migrations: [Migration] = [
        .sql(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, org_id TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL,
              created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS fleets (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, tracked_release TEXT,
              created_at DOUBLE PRECISION NOT NULL, UNIQUE (org_id, name))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS provisioning_keys (id TEXT PRIMARY KEY, fleet_id TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
              expires_at DOUBLE PRECISION, device_limit INTEGER, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0,
              created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS devices (uuid TEXT PRIMARY KEY, fleet_id TEXT NOT NULL, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
              architecture TEXT, pinned_release TEXT, last_seen DOUBLE PRECISION, report TEXT, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS devices_fleet ON devices (fleet_id)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS releases (id TEXT PRIMARY KEY, fleet_id TEXT NOT NULL, compose TEXT NOT NULL, app TEXT NOT NULL,
              status TEXT NOT NULL, status_detail TEXT, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS releases_fleet ON releases (fleet_id, created_at)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS env_vars (fleet_id TEXT NOT NULL, device_uuid TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL,
              value TEXT NOT NULL, PRIMARY KEY (fleet_id, device_uuid, service, name))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS tags (device_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (device_uuid, key))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, device_uuid TEXT NOT NULL, ts TEXT NOT NULL,
              service TEXT NOT NULL, stream TEXT NOT NULL, message TEXT NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS logs_device ON logs (device_uuid, seq)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS restarts (device_uuid TEXT NOT NULL, service TEXT NOT NULL, count INTEGER NOT NULL,
              PRIMARY KEY (device_uuid, service))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS stopped_services (device_uuid TEXT NOT NULL, service TEXT NOT NULL, PRIMARY KEY (device_uuid, service))
            """),
        .sql("ALTER TABLE fleets ADD COLUMN failing_share DOUBLE PRECISION"),
        .sql("ALTER TABLE fleets ADD COLUMN failing_min INTEGER"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS release_attempts (release_id TEXT NOT NULL, device_uuid TEXT NOT NULL, outcome TEXT NOT NULL,
              reason TEXT, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (release_id, device_uuid))
            """),
        // Device names became unique per fleet: older duplicates get the first free variant.
        .step(renameDuplicateDeviceNames),
        .sql("CREATE UNIQUE INDEX IF NOT EXISTS devices_fleet_name ON devices (fleet_id, name)"),
    ]

    /// Applies the schema migrations not yet applied, in order, recording the version, all in
    /// one transaction: a crash mid-way leaves the schema as it was.
    public func migrate() async throws(ServerError) {
        try await transaction { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)").run()
            let stored = try await db.raw("SELECT value FROM meta WHERE key = 'schema_version'").first()?.string("value")
            let current = Int(stored ?? "0") ?? 0
            for (index, migration) in Self.migrations.enumerated() where index >= current {
                switch migration {
                case .sql(let statement): try await db.raw(SQLQueryString(statement)).run()
                case .step(let work): try await work(db)
                }
            }
            let version = String(Self.migrations.count)
            try await db.raw(
                "INSERT INTO meta (key, value) VALUES ('schema_version', \(bind: version)) ON CONFLICT (key) DO UPDATE SET value = \(bind: version)"
            ).run()
        }
    }

    /// Gives every device whose name another device of its fleet had first the first free
    /// variant of it (`pi-2`, …), as enrolment does now, so the unique index can be made.
    static func renameDuplicateDeviceNames(_ db: any SQLDatabase) async throws {
        let rows = try await db.raw("SELECT uuid, fleet_id, name FROM devices ORDER BY created_at, uuid").all()
        var seen: Set<[String]> = []
        for row in rows {
            let (uuid, fleet, name) = (try row.string("uuid"), try row.string("fleet_id"), try row.string("name"))
            guard !seen.insert([fleet, name]).inserted else { continue }
            let free = try await freeName(name, fleetID: fleet, uuid: uuid, db: db)
            try await db.raw("UPDATE devices SET name = \(bind: free) WHERE uuid = \(bind: uuid)").run()
            seen.insert([fleet, free])
        }
    }

    // MARK: - Plumbing

    /// Set while a task holds the writer, so a write that would wait for itself fails at once.
    @TaskLocal private static var holdingWriter = false

    private static func checkNotHoldingWriter() throws(ServerError) {
        // The lock is not re-entrant: a store write from inside a transaction body would wait
        // for its own transaction forever, and a store read would not see the body's writes.
        // The body must use the database it was given.
        guard !holdingWriter else { throw ServerError(.storage, "a statement inside a transaction must use the transaction's database") }
    }

    /// Runs one writing statement through the serialised writer.
    func run(_ sql: SQLQueryString) async throws(ServerError) {
        try Self.checkNotHoldingWriter()
        do {
            try await writer.withConnection { try await $0.raw(sql).run() }
        } catch {
            throw Self.storageError(error)
        }
    }

    /// Runs a query on the reading connection.
    func rows(_ sql: SQLQueryString) async throws(ServerError) -> [any SQLRow] {
        try Self.checkNotHoldingWriter()
        do {
            return try await readers.withConnection { try await $0.raw(sql).all() }
        } catch {
            throw Self.storageError(error)
        }
    }

    static func storageError(_ error: any Error) -> ServerError {
        if let error = error as? ServerError { return error }
        let text = "\(error)"
        if text.contains("UNIQUE") || text.contains("unique") || text.contains("duplicate key") {
            return ServerError(.conflict, "that name is already taken")
        }
        return ServerError(.storage, "the store failed: \(text)")
    }

    /// Runs `body` as one transaction on the serialised writer. `body` must use the database
    /// it is given for every statement, reads included, so it sees its own writes; nothing
    /// else writes until it has committed or rolled back.
    func transaction<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) async throws -> T) async throws(ServerError) -> T {
        try Self.checkNotHoldingWriter()
        do {
            return try await writer.withConnection { writer in
                // On SQLite, IMMEDIATE takes the file's write lock up front, so another process on
                // the same file waits at BEGIN instead of failing at its first write.
                try await writer.raw(writer.dialect.name == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN").run()
                do {
                    let result = try await Self.$holdingWriter.withValue(true) { try await body(writer) }
                    try await writer.raw("COMMIT").run()
                    return result
                } catch {
                    do {
                        try await writer.raw("ROLLBACK").run()
                    } catch {
                        // A failed COMMIT may already have ended the transaction; nothing is left to undo.
                    }
                    throw error
                }
            }
        } catch {
            throw Self.storageError(error)
        }
    }

    func meta(_ key: String) async throws(ServerError) -> String? {
        try await rows("SELECT value FROM meta WHERE key = \(bind: key)").first.flatMap { try? $0.decode(column: "value", as: String.self) }
    }

    func setMeta(_ key: String, _ value: String) async throws(ServerError) {
        try await run(
            "INSERT INTO meta (key, value) VALUES (\(bind: key), \(bind: value)) ON CONFLICT (key) DO UPDATE SET value = \(bind: value)")
    }

    /// The store generation: bumped by every change that can alter a device's target, so
    /// cached targets are known to be fresh by reading one row.
    func generation() async throws(ServerError) -> Int64 {
        Int64(try await meta("generation") ?? "0") ?? 0
    }

    func bumpGeneration() async throws(ServerError) {
        try await run(
            "INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)"
        )
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func secret(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// A LIKE pattern matching strings that start with `prefix` taken literally: its `%`, `_`
    /// and `\` are escaped, for use with `ESCAPE '\'`.
    static func likePrefix(_ prefix: String) -> String {
        var pattern = ""
        for character in prefix {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    static var now: Double { Date().timeIntervalSince1970 }
}

extension SQLRow {
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func double(_ column: String) throws -> Double { try decode(column: column, as: Double.self) }
    func optionalDouble(_ column: String) throws -> Double? { try decode(column: column, as: Double?.self) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try decode(column: column, as: Int?.self) }
}
