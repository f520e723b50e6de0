import SQLKit

/// Lends database connections, each to one user at a time, in the order they were asked for.
///
/// One connection lent exclusively is how SQLite is used safely: statements that overlap on
/// one connection share its transaction state (a `BEGIN` of one request would take in the
/// writes of another) and its read snapshot (a read started after a commit could still see
/// the state before it, while another statement keeps the connection's read open). A pool of
/// one is the serialised writer; a pool of several serves reads in parallel.
actor ConnectionPool {
    private var idle: [any SQLDatabase]
    private var waiters: [CheckedContinuation<any SQLDatabase, Never>] = []

    /// A pool lending `connections`; it must not be empty.
    init(_ connections: [any SQLDatabase]) {
        idle = connections
    }

    /// Runs `body` with a connection that nobody else uses until it returns.
    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = await acquire()
        defer { release(connection) }
        return try await body(connection)
    }

    private func acquire() async -> any SQLDatabase {
        if let connection = idle.popLast() { return connection }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func release(_ connection: any SQLDatabase) {
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }
}
