import Foundation

/// What a device sends: its state and its logs.
extension API {
    /// One service's state on a device.
    public struct ServiceState: Codable, Sendable, Equatable {
        /// Release the container was created for.
        public var release: String?
        /// The container's state.
        public var status: ContainerState
        /// Container ID.
        public var containerID: String?
        /// Health, when the service has a check (the worst of its replicas').
        public var health: ContainerHealth?
        /// How many containers the service should run; absent for one (and from agents before
        /// replicas), so such a report reads as it always did.
        public var replicas: Int?
        /// How many of them are up; present with `replicas`.
        public var running: Int?
        /// Why the service does not run as asked, when the device refuses it, e.g. `failed: the
        /// engine has no device driver 'nvidia' for capabilities [gpu] (…)`.
        public var failure: String?
        /// Creates a state.
        public init(release: String?, status: ContainerState, containerID: String?, health: ContainerHealth?, failure: String? = nil) {
            self.release = release
            self.status = status
            self.containerID = containerID
            self.health = health
            self.failure = failure
        }
    }

    /// `PATCH /v1/device/state`: what the device runs. Fields left out are unchanged.
    public struct StateReport: Codable, Sendable, Equatable {
        /// Release the device runs (of its one app), when converged.
        public var release: String?
        /// What the device does.
        public var status: DeviceStatus?
        /// Why, for `failed` or a pending update.
        public var statusDetail: String?
        /// Services by name.
        public var services: [String: ServiceState]?
        /// Architecture.
        public var architecture: String?
        /// The platform the device's engine runs, `os/arch[/variant]`, e.g. `linux/arm/v7`.
        public var platform: String?
        /// Log lines dropped while offline because the buffer was full.
        public var droppedLogLines: Int?
        /// How the device's latest update went: started, healthy, or rolled back (and why).
        public var rollout: Rollout?
        /// Creates a report.
        public init(
            release: String? = nil, status: DeviceStatus? = nil, statusDetail: String? = nil, services: [String: ServiceState]? = nil,
            architecture: String? = nil, platform: String? = nil, droppedLogLines: Int? = nil, rollout: Rollout? = nil
        ) {
            self.platform = platform
            self.rollout = rollout
            self.release = release
            self.status = status
            self.statusDetail = statusDetail
            self.services = services
            self.architecture = architecture
            self.droppedLogLines = droppedLogLines
        }
    }

    /// One device's progress with one release, as the agent reports it.
    public struct Rollout: Codable, Sendable, Equatable {
        /// The release.
        public var release: String
        /// How it went.
        public var outcome: RolloutOutcome
        /// Why it was rolled back.
        public var reason: String?
        /// Creates a rollout report.
        public init(release: String, outcome: RolloutOutcome, reason: String? = nil) {
            self.release = release
            self.outcome = outcome
            self.reason = reason
        }
    }

    /// One log line of a device.
    public struct LogEntry: Codable, Sendable, Equatable {
        /// When the container wrote it (RFC 3339 from the engine).
        public var timestamp: String
        /// Service.
        public var service: String
        /// Where the container wrote it.
        public var stream: LogStream
        /// The text.
        public var message: String
        /// Server-assigned sequence number, for paging and following.
        public var sequence: Int64?
        /// Creates a line.
        public init(timestamp: String, service: String, stream: LogStream, message: String, sequence: Int64? = nil) {
            self.timestamp = timestamp
            self.service = service
            self.stream = stream
            self.message = message
            self.sequence = sequence
        }
    }

    /// `POST /v1/device/logs`.
    public struct LogBatch: Codable, Sendable {
        /// Lines, oldest first.
        public var lines: [LogEntry]
        /// Creates a batch.
        public init(lines: [LogEntry]) { self.lines = lines }
    }
}
