import DroverModel
import Foundation

extension RolloutLifecycle {
    /// Each app's lifecycle is kept in `history-APP.json` in the state directory.
    public static let filePrefix = "history-"

    /// `history-APP.json` as agents have always written it: the last good target, the release
    /// under watch, the release refused. The file format stays the same so an upgraded agent
    /// resumes a window or a refusal where the previous version left it; only the lifecycle
    /// in memory is one enum.
    struct HistoryFile: Codable, Equatable {
        var good: AppTarget?
        var watching: Watch?
        var failed: Failure?
        /// The forced-update counter carried out, written by versions before the
        /// ``CommandLedger``; read once, to fill it.
        var forcedUpdates: Int?

        struct Watch: Codable, Equatable {
            var release: String
            /// Nil while converging.
            var convergedAt: Date?
            var window: Double
            var target: AppTarget?
        }

        struct Failure: Codable, Equatable {
            var release: String
            var reason: String
            /// The retry counter when it failed, written by versions before the
            /// ``CommandLedger``; read once, to fill it.
            var retries: Int?
            var rolledBackTo: String?
        }
    }

    /// The lifecycle a history file describes. A file that holds a refusal and a watch at once
    /// (no agent wrote one, but the old format allowed it) is a refusal: the refused release
    /// must not run again on its own.
    init(history: HistoryFile) {
        let state: State
        if let failed = history.failed {
            state = .rolledBack(Refusal(release: failed.release, reason: failed.reason, returnedTo: failed.rolledBackTo))
        } else if let watch = history.watching {
            let candidate = Candidate(release: watch.release, window: watch.window, target: watch.target)
            state = watch.convergedAt.map { .watching(candidate, since: $0) } ?? .converging(candidate)
        } else {
            state = .idle
        }
        self.init(state: state, good: history.good)
    }

    /// The history file that describes this lifecycle.
    var history: HistoryFile {
        var file = HistoryFile(good: good)
        switch state {
        case .idle:
            break
        case .converging(let candidate):
            file.watching = HistoryFile.Watch(release: candidate.release, convergedAt: nil, window: candidate.window, target: candidate.target)
        case .watching(let candidate, let since):
            file.watching = HistoryFile.Watch(release: candidate.release, convergedAt: since, window: candidate.window, target: candidate.target)
        case .rolledBack(let refusal):
            file.failed = HistoryFile.Failure(release: refusal.release, reason: refusal.reason, rolledBackTo: refusal.returnedTo)
        }
        return file
    }

    /// Reads the lifecycle from its file's bytes; a damaged file throws, naming what is wrong.
    public static func decode(from data: Data) throws(AgentError) -> RolloutLifecycle {
        do {
            return RolloutLifecycle(history: try JSONDecoder().decode(HistoryFile.self, from: data))
        } catch {
            throw AgentError(.stateDirectory, "the update history cannot be read", cause: error)
        }
    }

    /// The file's bytes.
    public func encoded() -> Data {
        Canonical.encode(history)
    }
}
