import Foundation

/// One row of `GET /services`.
public struct SwarmService: Codable, Sendable {
    /// The service's ID.
    public var id: String
    /// The version to send back with ``DockerClient/updateService(id:version:spec:registryAuth:)``.
    public var version: SwarmVersion
    /// RFC 3339 creation time (see ``EngineTimestamp``).
    public var createdAt: String?
    /// RFC 3339 time of the last change.
    public var updatedAt: String?
    /// What the service should be, with the defaults dockerd filled in.
    public var spec: SwarmServiceSpec
    /// The spec before the last update, which a rollback returns to.
    public var previousSpec: SwarmServiceSpec?
    /// How the last update went; nil when the service was never updated.
    public var updateStatus: UpdateStatus?
    /// Task counts; sent when listed with `status=true`.
    public var serviceStatus: ServiceStatus?
    /// The ports as they were published.
    public var endpoint: Endpoint?

    /// `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused` or `rollback_completed`.
    public struct UpdateState: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Rolling out.
        public static let updating: Self = "updating"
        /// Stopped by the failure action `pause`.
        public static let paused: Self = "paused"
        /// Done.
        public static let completed: Self = "completed"
        /// Rolling back.
        public static let rollbackStarted: Self = "rollback_started"
        /// A rollback stopped on failures.
        public static let rollbackPaused: Self = "rollback_paused"
        /// Rolled back.
        public static let rollbackCompleted: Self = "rollback_completed"
    }

    /// How the last update went.
    public struct UpdateStatus: Codable, Sendable {
        /// Where it is.
        public var state: UpdateState?
        /// RFC 3339 start time.
        public var startedAt: String?
        /// RFC 3339 end time.
        public var completedAt: String?
        /// The swarm's words, e.g. `update paused due to failure or early termination of task …`.
        public var message: String?
        enum CodingKeys: String, CodingKey { case state = "State", startedAt = "StartedAt", completedAt = "CompletedAt", message = "Message" }
    }

    /// Task counts of a service.
    public struct ServiceStatus: Codable, Sendable, Equatable {
        /// Tasks running now.
        public var runningTasks: UInt64
        /// Tasks wanted (replicas, or eligible nodes for a global service).
        public var desiredTasks: UInt64
        /// Tasks of a job that completed.
        public var completedTasks: UInt64?
        enum CodingKeys: String, CodingKey { case runningTasks = "RunningTasks", desiredTasks = "DesiredTasks", completedTasks = "CompletedTasks" }
    }

    /// The ports as they were published.
    public struct Endpoint: Codable, Sendable {
        /// Published ports, with the ports the swarm picked filled in.
        public var ports: [SwarmServiceSpec.PortConfig]?
        enum CodingKeys: String, CodingKey { case ports = "Ports" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", createdAt = "CreatedAt", updatedAt = "UpdatedAt", spec = "Spec", previousSpec = "PreviousSpec"
        case updateStatus = "UpdateStatus", serviceStatus = "ServiceStatus", endpoint = "Endpoint"
    }
}

// MARK: - Tasks

/// One row of `GET /tasks`: one attempt at running one slot of a service.
public struct SwarmTask: Codable, Sendable {
    /// The task's ID.
    public var id: String
    /// The task object's version.
    public var version: SwarmVersion
    /// RFC 3339 creation time (see ``EngineTimestamp``).
    public var createdAt: String?
    /// RFC 3339 time of the last change.
    public var updatedAt: String?
    /// The service it belongs to.
    public var serviceID: String
    /// The node it was assigned; nil while pending.
    public var nodeID: String?
    /// The replica slot, 1…replicas; nil for a global service's tasks.
    public var slot: Int?
    /// The state the swarm wants it in (`running`, `shutdown`, …).
    public var desiredState: State
    /// Where it is.
    public var status: Status
    /// What it runs: the service's task template when the task was made.
    public var spec: SwarmServiceSpec.TaskTemplate

    /// A task state: `new`, `allocated`, `pending`, `assigned`, `accepted`, `preparing`, `ready`,
    /// `starting`, `running`, `complete`, `shutdown`, `failed`, `rejected`, `remove`, `orphaned`.
    public struct State: EngineWord {
        /// The word.
        public var rawValue: String
        /// Wraps a word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Created, not yet allocated.
        public static let new: Self = "new"
        /// Waiting for a node (see the status's `err` for why).
        public static let pending: Self = "pending"
        /// Given to a node.
        public static let assigned: Self = "assigned"
        /// Pulling the image and creating the container.
        public static let preparing: Self = "preparing"
        /// Starting.
        public static let starting: Self = "starting"
        /// Running.
        public static let running: Self = "running"
        /// Exited zero.
        public static let complete: Self = "complete"
        /// Stopped by the swarm.
        public static let shutdown: Self = "shutdown"
        /// Exited non-zero or could not start.
        public static let failed: Self = "failed"
        /// The node refused it.
        public static let rejected: Self = "rejected"
        /// Marked for removal.
        public static let remove: Self = "remove"
        /// Its node has been gone too long.
        public static let orphaned: Self = "orphaned"
    }

    /// Where a task is.
    public struct Status: Codable, Sendable {
        /// RFC 3339 time of the last change (see ``EngineTimestamp``).
        public var timestamp: String?
        /// The state.
        public var state: State
        /// What the swarm is doing, e.g. `started`, `pending task scheduling`.
        public var message: String?
        /// Why it failed or waits, e.g. `no suitable node (…)`.
        public var err: String?
        /// The container, once there is one.
        public var containerStatus: ContainerStatus?
        enum CodingKeys: String, CodingKey {
            case timestamp = "Timestamp", state = "State", message = "Message", err = "Err", containerStatus = "ContainerStatus"
        }
    }

    /// A task's container.
    public struct ContainerStatus: Codable, Sendable {
        /// The container's ID on its node.
        public var containerID: String?
        /// Its process ID on its node.
        public var pid: Int?
        /// Its exit code, once it exited.
        public var exitCode: Int?
        enum CodingKeys: String, CodingKey { case containerID = "ContainerID", pid = "PID", exitCode = "ExitCode" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", version = "Version", createdAt = "CreatedAt", updatedAt = "UpdatedAt", serviceID = "ServiceID", nodeID = "NodeID"
        case slot = "Slot", desiredState = "DesiredState", status = "Status", spec = "Spec"
    }
}

// MARK: - Timestamps

/// The engine's timestamps: RFC 3339 with up to nine digits of fractional seconds, and Go's
/// zero time (`0001-01-01T00:00:00Z`) for "never".
public enum EngineTimestamp {
    /// Parses a timestamp; nil for the zero time or an empty string. Fails, naming the text,
    /// on anything else that is not RFC 3339.
    public static func date(from text: String) throws(DockerError) -> Date? {
        if text.isEmpty || text.hasPrefix("0001-01-01T00:00:00") { return nil }
        // Foundation's parsers take at most milliseconds, so the fraction is read apart.
        var whole = Substring(text)
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digitsEnd = text[dot...].dropFirst().firstIndex { !$0.isASCII || !$0.isNumber } ?? text.endIndex
            let digits = text[text.index(after: dot)..<digitsEnd]
            guard !digits.isEmpty, digits.count <= 9, let value = Double("0." + digits) else {
                throw DockerError(.badResponse, "engine timestamp \"\(text)\" has a malformed fraction of a second")
            }
            fraction = value
            whole = text[..<dot] + text[digitsEnd...]
        }
        do {
            return try Date(String(whole), strategy: .iso8601).addingTimeInterval(fraction)
        } catch {
            throw DockerError(.badResponse, "engine timestamp \"\(text)\" is not RFC 3339", cause: error)
        }
    }
}
