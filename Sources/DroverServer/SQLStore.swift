import DroverModel
import Foundation
import Logging
import SQLKit
import Synchronization

/// Drover's store over SQLKit: every table and query of the control plane, and the only place
/// that speaks SQL. It speaks plain SQL that SQLite and PostgreSQL both accept; where they
/// differ, the branch is on `dialect.name` in this file.
///
/// Reads and writes take different paths. Every write, a single statement or a transaction,
/// goes through one serialised writer: it holds the writer connection for its whole length,
/// so no other request's statement can land inside someone else's `BEGIN`…`COMMIT` (or be
/// rolled back with it). Reads go to a few other connections, each lent to one statement at a
/// time, so a read sees everything committed before it started and nothing uncommitted.
public final class SQLStore: DroverStore {
    /// Read-only connections: with SQLite's WAL each statement sees the last committed state.
    private let readers: ConnectionPool
    /// The one connection that writes.
    private let writer: ConnectionPool
    private let onClose: @Sendable () async throws -> Void
    /// For what the store notices but need not fail on.
    let logger: Logger
    /// Told how long each call took (`/metrics`). A class holds the closure: a bare closure in
    /// the mutex is re-wrapped in reabstraction thunks on every access, until the stack overflows.
    private let timing = Mutex<TimingObserver?>(nil)

    private final class TimingObserver: Sendable {
        let observe: @Sendable (StoreOperation, Duration) -> Void
        init(_ observe: @escaping @Sendable (StoreOperation, Duration) -> Void) { self.observe = observe }
    }

    /// Wraps reading connections and one writing connection to the same database; call
    /// ``migrate()`` before use and ``close()`` when done. No reader may be the writer.
    public init(
        readers: [any SQLDatabase], writer: any SQLDatabase, logger: Logger = Logger(label: "drover.store"),
        onClose: @escaping @Sendable () async throws -> Void = {}
    ) throws(ServerError) {
        // The writer's connection must never serve reads: they would see its open transactions.
        guard !readers.isEmpty else { throw ServerError(.storage, "the store needs at least one read connection besides the writer") }
        self.readers = ConnectionPool(readers)
        self.writer = ConnectionPool([writer])
        self.onClose = onClose
        self.logger = logger
    }

    /// Closes the underlying connections.
    public func close() async throws {
        try await onClose()
    }

    public func observeTiming(_ observer: @escaping @Sendable (StoreOperation, Duration) -> Void) {
        let box = TimingObserver(observer)
        timing.withLock { $0 = box }
    }

    // MARK: - Plumbing

    /// Runs `work`, telling the timing observer how long it took, failed or not.
    private func timed<T>(_ operation: StoreOperation, _ work: () async throws(ServerError) -> T) async throws(ServerError) -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            timing.withLock { $0 }?.observe(operation, elapsed)
        }
        return try await work()
    }

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
        // A person's change is written with its audit entry, in one transaction.
        if AuditDraft.current?.pending == true {
            try await transaction { try await $0.raw(sql).run() }
            return
        }
        try await timed(.write) { () async throws(ServerError) in
            do {
                try await writer.withConnection { try await $0.raw(sql).run() }
            } catch {
                throw Self.storageError(error)
            }
        }
    }

    /// Runs a query on the reading connection.
    func rows(_ sql: SQLQueryString) async throws(ServerError) -> [any SQLRow] {
        try Self.checkNotHoldingWriter()
        return try await timed(.read) { () async throws(ServerError) in
            do {
                return try await readers.withConnection { try await $0.raw(sql).all() }
            } catch {
                throw Self.storageError(error)
            }
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
        return try await timed(.transaction) { () async throws(ServerError) in try await unmeasuredTransaction(body) }
    }

    private func unmeasuredTransaction<T: Sendable>(_ body: @Sendable @escaping (any SQLDatabase) async throws -> T) async throws(ServerError) -> T {
        do {
            return try await writer.withConnection { writer in
                // On SQLite, IMMEDIATE takes the file's write lock up front, so another process on
                // the same file waits at BEGIN instead of failing at its first write.
                try await writer.raw(writer.dialect.name == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN").run()
                let draft = AuditDraft.current
                var audit: (AuditDraft, Int64)?
                do {
                    let result = try await Self.$holdingWriter.withValue(true) { try await body(writer) }
                    if let draft, let entry = draft.take() {
                        audit = (draft, 0)
                        audit = (draft, try await Self.insertAudit(entry, into: writer))
                    }
                    try await writer.raw("COMMIT").run()
                    if let (draft, id) = audit { draft.committed(id) }
                    return result
                } catch {
                    if let (draft, _) = audit { draft.rolledBack() }
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

    static var now: Double { WallClock.now }
}
