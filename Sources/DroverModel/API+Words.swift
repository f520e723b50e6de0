/// A closed set of words of the protocol (a status, an action, an outcome). It is encoded as
/// its raw value, so the JSON stays what it was when these were strings, and a word outside
/// the set is refused on decoding with the words that would fit.
public protocol ProtocolWord: RawRepresentable, Codable, Sendable, Hashable, CaseIterable where RawValue == String {}

extension ProtocolWord {
    /// Decodes the raw value, naming the accepted words when it is not one of them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(raw)' is not one of \(Self.words)")
        }
        self = value
    }

    /// Encodes the raw value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The accepted words, for messages: `a, b or c`.
    public static var words: String {
        let all = allCases.map(\.rawValue)
        guard let last = all.last, all.count > 1 else { return all.first ?? "" }
        return all.dropLast().joined(separator: ", ") + " or " + last
    }
}

extension API {
    /// What a device is doing, as it reports it (and, for `provisioned` and `update pending`,
    /// as the server derives it).
    public enum DeviceStatus: String, ProtocolWord {
        /// Enrolled, and has not reported yet (server-derived).
        case provisioned
        /// Has no app to run.
        case idle
        /// An update is pulling images.
        case downloading
        /// An update is creating, starting or removing containers.
        case installing
        /// Runs its target release.
        case running
        /// An update waits for a service's update lock (`drover device update --force` overrides).
        case pending
        /// Runs an older release than its target and has not started the update yet (server-derived).
        case updatePending = "update pending"
        /// Refused a release that was unhealthy and runs the last good one again.
        case rolledBack = "rolled-back"
        /// Runs nothing good: a step failed, the target was refused, or no good release was left.
        case failed
    }

    /// What people can ask of a device.
    public enum DeviceActionKind: String, ProtocolWord {
        /// Recreate the app's (or one service's) containers.
        case restart
        /// Stop one service; its container is kept.
        case stop
        /// Start a stopped service again.
        case start
        /// Remove the app and its volumes, then install it afresh.
        case purge
        /// Apply the target once even while a service holds the update lock.
        case update
        /// Try a rolled-back release again.
        case retry

        /// Whether the action names one service (stop and start always do).
        public var needsService: Bool { self == .stop || self == .start }
    }

    /// One device's progress with one release.
    public enum RolloutOutcome: String, ProtocolWord {
        /// Installing, or inside its health window.
        case started
        /// Passed its health window.
        case healthy
        /// Rolled back to the last good release.
        case rolledBack = "rolled-back"
    }

    /// Whether a release is still offered to devices that have not started it.
    public enum ReleaseStatus: String, ProtocolWord {
        /// Offered.
        case ready
        /// Too many devices rolled it back; offered only to devices already running it.
        case failing
    }

    /// The stream a log line came from.
    public enum LogStream: String, ProtocolWord {
        /// Standard output.
        case stdout
        /// Standard error.
        case stderr
    }
}

extension API {
    /// A container's state, in the engine's words.
    public enum ContainerState: String, ProtocolWord {
        /// Created, never started.
        case created
        /// Running.
        case running
        /// Paused.
        case paused
        /// Restarting after an exit, by its restart policy.
        case restarting
        /// Being removed.
        case removing
        /// Exited.
        case exited
        /// Could not be removed or started; the engine gave up on it.
        case dead

        /// Reads the engine's word; a word this version does not know counts as `dead`, the
        /// state in which the engine can no longer use the container.
        public init(engine word: String) { self = Self(rawValue: word) ?? .dead }

        /// Whether the container is up (running, or about to run again).
        public var isUp: Bool { self == .running || self == .restarting || self == .paused }
    }

    /// A container's health, when its image or service has a health check.
    public enum ContainerHealth: String, ProtocolWord {
        /// Inside its start period, or not yet checked.
        case starting
        /// The last checks passed.
        case healthy
        /// The checks failed its retries in a row.
        case unhealthy

        /// Reads the engine's word; `none` and an empty word mean no check.
        public init?(engine word: String?) {
            guard let word, let value = Self(rawValue: word) else { return nil }
            self = value
        }
    }
}
