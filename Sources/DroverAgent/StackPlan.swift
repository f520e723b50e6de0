/// What the swarm's leader does to each service of its cluster's stack, decided without I/O
/// from what the swarm runs, what the target asks, and what the leader remembers of the
/// service (``StackPlan/Memory``): the cluster's counterpart of ``ReleasePlanner``.
enum StackPlan {
    /// One service's next write.
    enum Action: Equatable {
        /// It is not in the swarm yet.
        case create
        /// Its spec changed: a rolling update, with fresh pull credentials.
        case update
        /// Only the release it belongs to changed: its labels alone, which restarts no task.
        case relabel
        /// Nothing changed, but the swarm's pull credentials for it are due to be renewed.
        case renewCredentials
        /// The swarm rolled this very spec back: it stays so until the target changes.
        case keepRolledBack
        /// Nothing to do.
        case none
    }

    /// The service as the swarm has it.
    struct Current: Equatable {
        /// Its spec hash label.
        var hash: String?
        /// Its release label.
        var release: String?
        /// Whether Swarm's update state is one of the rollback states.
        var rolledBack: Bool
    }

    /// What the leader remembers of one service between rounds (in memory: a restarted agent
    /// starts afresh, and the server has marked a rolled-back release failing by then).
    struct Memory: Equatable {
        /// The spec hash last seen in the swarm or written to it.
        var applied: String?
        /// The release a Swarm-side rollback went back from, while it stays rolled back.
        var rolledBackFrom: String?
        /// Why the swarm started to roll back (its message says so only while it starts).
        var rollbackReason: String?
        /// Why the last write failed, until one succeeds.
        var deployError: String?
    }

    /// The next action for a service whose wanted spec hashes to `hash`, of `release`.
    /// `credentialsDue` says the swarm's pull credentials are older than their renewal period.
    static func action(hash: String, release: String, current: Current?, memory: Memory, credentialsDue: Bool) -> Action {
        guard let current else { return .create }
        if current.hash == hash {
            if current.release != release { return .relabel }
            return credentialsDue && !current.rolledBack ? .renewCredentials : .none
        }
        // An automatic rollback leaves no previous spec to compare with: it is this spec that
        // was rolled back when this spec was seen applied.
        if memory.applied == hash, current.rolledBack { return .keepRolledBack }
        return .update
    }

    /// The services of the swarm that are the stack's (by their compose name) but not in the
    /// release, or of another namespace: removed.
    static func removals(existing: [String: String?], release services: Set<String>, namespace: String) -> [String] {
        existing.filter { name, own in !services.contains(name) || own != namespace }.map(\.key).sorted()
    }
}
