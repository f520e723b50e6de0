import DroverModel
import Foundation
import Logging

/// The one-shot commands a target carries as counters (`purges`, `forcedUpdates`,
/// `retries` of ``AppTarget``): each raise of a counter asks for the command once. The ledger
/// records, per app, the counter values already carried out, so a command is neither
/// repeated after a restart nor forgotten. It lives in `commands.json` in the state
/// directory, replaced atomically on every change.
public struct CommandLedger: Sendable, Equatable {
    /// A command the target carries as a counter.
    public enum Command: String, Sendable, CaseIterable, Codable {
        /// Remove the app and its volumes, then install it afresh (`drover device purge`).
        case purge = "purges"
        /// Apply the update once even while a service holds the update lock.
        case forcedUpdate = "forcedUpdates"
        /// Try a rolled-back release again.
        case retry = "retries"

        /// The counter in `target` that asks for this command.
        public func asked(in target: AppTarget) -> Int {
            switch self {
            case .purge: target.purges ?? 0
            case .forcedUpdate: target.forcedUpdates ?? 0
            case .retry: target.retries ?? 0
            }
        }
    }

    /// The file in the state directory.
    public static let file = "commands.json"

    /// App to command (by its counter's name) to the counter value carried out.
    private var done: [String: [String: Int]]

    /// An empty ledger: nothing carried out yet.
    public init() {
        done = [:]
    }

    /// The counter value of `command` already carried out for `app`.
    public func carriedOut(_ command: Command, app: String) -> Int {
        done[app]?[command.rawValue] ?? 0
    }

    /// Whether `target` asks for `command` again, beyond what was carried out.
    public func isDue(_ command: Command, app: String, in target: AppTarget) -> Bool {
        command.asked(in: target) > carriedOut(command, app: app)
    }

    /// Records that `command` was carried out up to `count`; a lower count changes nothing.
    /// Returns whether the ledger changed.
    @discardableResult
    public mutating func record(_ command: Command, app: String, upTo count: Int) -> Bool {
        guard count > carriedOut(command, app: app) else { return false }
        done[app, default: [:]][command.rawValue] = count
        return true
    }
}

extension CommandLedger: Codable {
    /// Decodes `{"APP": {"purges": 1, "forcedUpdates": 2, "retries": 0}}`.
    public init(from decoder: any Decoder) throws {
        done = try decoder.singleValueContainer().decode([String: [String: Int]].self)
    }

    /// Encodes as ``init(from:)`` reads.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(done)
    }
}

extension CommandLedger {
    /// Reads the ledger from `state`. An agent upgraded from a version without a ledger
    /// finds what that version recorded instead (`purges.json`, and `forcedUpdates` and the
    /// failed release's `retries` in each `history-APP.json`); the ledger made from them is
    /// written at once, so the old files are read this one time.
    public static func load(from state: StateDirectory, logger: Logger) -> CommandLedger {
        do {
            if let data = try state.read(file) {
                return try JSONDecoder().decode(CommandLedger.self, from: data)
            }
        } catch {
            // Starting empty would repeat every purge: the old records are the better guess.
            logger.warning("cannot read the command ledger; rebuilding it from older records", metadata: ["error": "\(error)"])
        }
        let ledger = migrated(from: state, logger: logger)
        do {
            try state.write(file, Canonical.encode(ledger))
        } catch {
            logger.warning("cannot save the command ledger", metadata: ["error": "\(error)"])
        }
        return ledger
    }

    /// The ledger the records of a version without one add up to.
    static func migrated(from state: StateDirectory, logger: Logger) -> CommandLedger {
        var ledger = CommandLedger()
        do {
            if let data = try state.read("purges.json") {
                for (app, count) in try JSONDecoder().decode([String: Int].self, from: data) {
                    ledger.record(.purge, app: app, upTo: count)
                }
            }
        } catch {
            logger.warning("cannot read purges.json; purges asked before may run again", metadata: ["error": "\(error)"])
        }
        for name in state.names(prefix: RolloutLifecycle.filePrefix, suffix: ".json") {
            let app = String(name.dropFirst(RolloutLifecycle.filePrefix.count).dropLast(".json".count))
            do {
                guard let data = try state.read(name) else { continue }
                let history = try JSONDecoder().decode(RolloutLifecycle.HistoryFile.self, from: data)
                ledger.record(.forcedUpdate, app: app, upTo: history.forcedUpdates ?? 0)
                ledger.record(.retry, app: app, upTo: history.failed?.retries ?? 0)
            } catch {
                logger.warning("cannot read \(name) for its command counters", metadata: ["error": "\(error)"])
            }
        }
        return ledger
    }
}
