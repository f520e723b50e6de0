import DroverModel

/// A service's containers sorted into its replicas, and the rule that replaces them one at a
/// time: a replica's old container goes only while no other replica is between its old
/// container and a new one that runs (and, with a health check, is healthy). A service of one
/// replica is one slot, and the rule never holds it back.
struct ReplicaSet {
    /// One replica: the container that matches the target, if any, and the others with its
    /// index, which must go.
    struct Slot {
        /// The replica's index, from 1.
        var index: Int
        /// The container that satisfies the target.
        var keep: ObservedContainer?
        /// Containers of this replica that do not (old configuration, old image, duplicates).
        var stale: [ObservedContainer]
    }

    /// Where one replica stands in an update.
    enum Progress: Equatable {
        /// Runs the target (healthy, with a check), or ran it to completion; nothing old is left.
        case ready
        /// Runs its old container; nothing new yet.
        case untouched
        /// Anything between: old going, new created, starting, not yet healthy, or missing.
        case replacing
    }

    /// Replicas 1...count, in order.
    var slots: [Slot]
    /// Containers past the count (the service was scaled down): the highest indexes.
    var surplus: [ObservedContainer]

    /// Sorts `containers` (all of one service) into `count` replicas; `matches` says which
    /// container satisfies the target.
    init(containers: [ObservedContainer], count: Int, matches: (ObservedContainer) -> Bool) {
        // Within a replica, a running container first, then the newest.
        let ordered = containers.sorted { ($0.isUp ? 1 : 0, $0.created) > ($1.isUp ? 1 : 0, $1.created) }
        let wanted = 1...max(count, 1)
        slots = (count > 0 ? Array(wanted) : []).map { index in
            let own = ordered.filter { $0.replica == index }
            let keep = own.first(where: matches)
            return Slot(index: index, keep: keep, stale: own.filter { $0.id != keep?.id })
        }
        surplus = ordered.filter { count == 0 || !wanted.contains($0.replica) }.sorted { ($0.replica, $0.name) > ($1.replica, $1.name) }
    }

    /// Whether every replica still has a container: nothing of the service has gone yet.
    var allPresent: Bool { slots.allSatisfy { $0.keep != nil || !$0.stale.isEmpty } }

    /// Where `slot` stands; `healthChecked` when the service's health check counts.
    static func progress(_ slot: Slot, healthChecked: Bool) -> Progress {
        guard let keep = slot.keep else { return slot.stale.contains(where: \.isUp) ? .untouched : .replacing }
        guard slot.stale.isEmpty else { return .replacing }
        if keep.state == .exited && keep.exitCode == 0 { return .ready }
        return keep.state == .running && (!healthChecked || keep.health == .healthy) ? .ready : .replacing
    }

    /// What the rolling rule allows this round.
    struct Turn {
        /// Indexes of replicas that may be worked on (every replica that is not untouched, and
        /// the first untouched one when no other is being replaced).
        var allowed: Set<Int>
        /// What the untouched replicas wait for, in words; nil when none waits.
        var waiting: String?
        /// A replaced replica that failed while others still wait their turn, in words: the
        /// update stops there.
        var failed: String?
    }

    /// Which replicas may be worked on now. `keptRunning`: the engine restarts the service's
    /// containers when they exit, so an exit is not a failure here.
    func turn(service: String, healthChecked: Bool, keptRunning: Bool) -> Turn {
        let progress = slots.map { ($0, Self.progress($0, healthChecked: healthChecked)) }
        let untouched = progress.filter { $0.1 == .untouched }.map(\.0.index)
        let busy = progress.filter { $0.1 == .replacing }.map(\.0)
        var turn = Turn(allowed: Set(progress.filter { $0.1 != .untouched }.map(\.0.index)))
        guard let next = untouched.first else { return turn }
        guard let replacing = busy.first else {
            turn.allowed.insert(next)
            return turn
        }
        let label = slots.count > 1 ? "\(service) replica \(replacing.index)" : service
        let others = untouched.map(String.init).joined(separator: ", ")
        if let keep = replacing.keep, keep.health == .unhealthy {
            turn.failed = "\(label) is unhealthy on the new configuration; replica(s) \(others) keep the old one"
        } else if let keep = replacing.keep, keep.state == .exited, let code = keep.exitCode, code != 0, !keptRunning {
            turn.failed = "\(label) exited with code \(code) on the new configuration; replica(s) \(others) keep the old one"
        } else {
            var now = "being replaced"
            if let keep = replacing.keep {
                now = keep.state != .running ? keep.state.rawValue : replacing.stale.isEmpty ? (keep.health ?? .starting).rawValue : "beside its old container"
            }
            turn.waiting = "\(service) replica(s) \(others) wait for replica \(replacing.index) to run the new configuration (now \(now))"
        }
        return turn
    }
}
