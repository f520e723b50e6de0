import Synchronization

/// The audit entry of the person's request being served. The store writes it in the same
/// transaction as the first change the request makes (see ``SQLStore/transaction(_:)``), so a
/// change is never without its entry nor an entry without its change; the route then settles
/// its result, or writes it alone when the request changed nothing or failed.
final class AuditDraft: Sendable {
    /// The draft of the request this task serves.
    @TaskLocal static var current: AuditDraft?

    private struct State {
        var entry: AuditRecord
        /// The stored entry's id, once its transaction committed.
        var written: Int64?
        /// A transaction holds it now.
        var taken = false
    }
    private let state: Mutex<State>

    init(_ entry: AuditRecord) {
        state = Mutex(State(entry: entry))
    }

    /// The entry for a transaction to write, once: nil when it is written or being written.
    func take() -> AuditRecord? {
        state.withLock { state in
            guard state.written == nil, !state.taken else { return nil }
            state.taken = true
            return state.entry
        }
    }

    /// The transaction that took the entry committed it as `id`.
    func committed(_ id: Int64) {
        state.withLock {
            $0.written = id
            $0.taken = false
        }
    }

    /// The transaction that took the entry rolled back: the next may write it.
    func rolledBack() {
        state.withLock { $0.taken = false }
    }

    /// Whether an entry still waits for a change to go with.
    var pending: Bool {
        state.withLock { $0.written == nil && !$0.taken }
    }

    /// The fleet the request acts in, as access to it was checked.
    func setFleet(_ id: String) {
        state.withLock { $0.entry.fleetID = id }
    }

    /// The entry, and its id if it was written.
    var snapshot: (entry: AuditRecord, written: Int64?) {
        state.withLock { ($0.entry, $0.written) }
    }
}
