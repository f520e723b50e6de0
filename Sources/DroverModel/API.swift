import Foundation

/// The JSON bodies of Drover's HTTP API (`/v1`), shared by the server, the CLI and the agent.
public enum API {
    /// A fleet: a named group of devices running one app.
    public struct Fleet: Codable, Sendable, Equatable {
        /// Fleet id.
        public var id: String
        /// Unique name in the organisation; also the app's name on devices.
        public var name: String
        /// The release the fleet tracks; nil tracks the latest.
        public var trackedRelease: String?
        /// The release devices are offered (the tracked one, else the latest that is not failing).
        public var targetRelease: String?
        /// The share of devices that tried a release and rolled it back above which the release
        /// is marked failing (default 0.2).
        public var failingShare: Double?
        /// The fewest rolled-back devices that can mark a release failing (default 2).
        public var failingMinDevices: Int?
        /// Devices in the fleet.
        public var deviceCount: Int
        /// Creation time.
        public var createdAt: Date
        /// Creates a fleet.
        public init(id: String, name: String, trackedRelease: String?, targetRelease: String?, deviceCount: Int, createdAt: Date) {
            self.id = id
            self.name = name
            self.trackedRelease = trackedRelease
            self.targetRelease = targetRelease
            self.deviceCount = deviceCount
            self.createdAt = createdAt
        }
    }

    /// `POST /v1/fleets`.
    public struct CreateFleet: Codable, Sendable {
        /// Name.
        public var name: String
        /// Creates a body.
        public init(name: String) { self.name = name }
    }

    /// `PATCH /v1/fleets/{fleet}`.
    public struct UpdateFleet: Codable, Sendable {
        /// New name.
        public var name: String?
        /// Release to track; `"latest"` tracks the newest.
        public var trackRelease: String?
        /// Share of rolled-back devices that marks a release failing (0 < share ≤ 1).
        public var failingShare: Double?
        /// Fewest rolled-back devices that mark a release failing (≥ 1).
        public var failingMinDevices: Int?
        /// Creates a body.
        public init(name: String? = nil, trackRelease: String? = nil, failingShare: Double? = nil, failingMinDevices: Int? = nil) {
            self.name = name
            self.trackRelease = trackRelease
            self.failingShare = failingShare
            self.failingMinDevices = failingMinDevices
        }
    }

    /// A provisioning key: lets devices enrol into a fleet.
    public struct ProvisioningKey: Codable, Sendable, Equatable {
        /// Key id.
        public var id: String
        /// Fleet name.
        public var fleet: String
        /// The secret, shown only when the key is created.
        public var key: String?
        /// Expiry, if any.
        public var expiresAt: Date?
        /// Most devices it may enrol, if limited.
        public var deviceLimit: Int?
        /// Devices enrolled with it.
        public var devicesEnrolled: Int
        /// Revoked keys enrol nothing.
        public var revoked: Bool
        /// Creates a key.
        public init(id: String, fleet: String, key: String?, expiresAt: Date?, deviceLimit: Int?, devicesEnrolled: Int, revoked: Bool) {
            self.id = id
            self.fleet = fleet
            self.key = key
            self.expiresAt = expiresAt
            self.deviceLimit = deviceLimit
            self.devicesEnrolled = devicesEnrolled
            self.revoked = revoked
        }
    }

    /// `POST /v1/fleets/{fleet}/keys`.
    public struct CreateKey: Codable, Sendable {
        /// Seconds until expiry.
        public var expiresInSeconds: Int?
        /// Most devices it may enrol.
        public var deviceLimit: Int?
        /// Creates a body.
        public init(expiresInSeconds: Int? = nil, deviceLimit: Int? = nil) {
            self.expiresInSeconds = expiresInSeconds
            self.deviceLimit = deviceLimit
        }
    }

    /// `POST /v1/devices`: a device enrols with a provisioning key.
    public struct RegisterDevice: Codable, Sendable {
        /// The provisioning key.
        public var provisioningKey: String
        /// Name; defaults to one derived from the UUID.
        public var name: String?
        /// CPU architecture, e.g. `amd64`, `arm64`.
        public var architecture: String?
        /// Creates a body.
        public init(provisioningKey: String, name: String?, architecture: String?) {
            self.provisioningKey = provisioningKey
            self.name = name
            self.architecture = architecture
        }
    }

    /// The answer to an enrolment: the device's identity and its API key.
    public struct RegisteredDevice: Codable, Sendable, Equatable {
        /// Device UUID.
        public var uuid: String
        /// Name.
        public var name: String
        /// Fleet name (= app name).
        public var fleet: String
        /// The device's API key; keep it secret.
        public var apiKey: String
        /// Creates an answer.
        public init(uuid: String, name: String, fleet: String, apiKey: String) {
            self.uuid = uuid
            self.name = name
            self.fleet = fleet
            self.apiKey = apiKey
        }
    }

    /// A device as people see it.
    public struct Device: Codable, Sendable, Equatable {
        /// UUID.
        public var uuid: String
        /// Name.
        public var name: String
        /// Fleet name.
        public var fleet: String
        /// Architecture.
        public var architecture: String?
        /// key=value tags.
        public var tags: [String: String]
        /// Whether it was heard from within the grace period.
        public var online: Bool
        /// When it was last heard from.
        public var lastSeen: Date?
        /// The release it runs (reported).
        public var release: String?
        /// The release it should run.
        public var targetRelease: String?
        /// Pinned release, if pinned.
        public var pinnedRelease: String?
        /// What it does, from its last report.
        public var status: DeviceStatus
        /// Why, when failed, rolled back or pending.
        public var statusDetail: String?
        /// Per-service state from the last report.
        public var services: [String: ServiceState]?
        /// Its latest update: the release, and whether it started, passed its health window or
        /// was rolled back (and why). After a rollback, `release` is the one it runs and
        /// `rollout.release` the one it refused.
        public var rollout: Rollout?
        /// Creates a device.
        public init(
            uuid: String, name: String, fleet: String, architecture: String?, tags: [String: String], online: Bool, lastSeen: Date?,
            release: String?, targetRelease: String?, pinnedRelease: String?, status: DeviceStatus, statusDetail: String?,
            services: [String: ServiceState]?, rollout: Rollout? = nil
        ) {
            self.rollout = rollout
            self.uuid = uuid
            self.name = name
            self.fleet = fleet
            self.architecture = architecture
            self.tags = tags
            self.online = online
            self.lastSeen = lastSeen
            self.release = release
            self.targetRelease = targetRelease
            self.pinnedRelease = pinnedRelease
            self.status = status
            self.statusDetail = statusDetail
            self.services = services
        }
    }

    /// `PATCH /v1/devices/{device}`: rename, move, pin or track.
    public struct UpdateDevice: Codable, Sendable {
        /// New name.
        public var name: String?
        /// Fleet to move to.
        public var fleet: String?
        /// Release to pin to; `""` unpins (tracks the fleet).
        public var pinRelease: String?
        /// Creates a body.
        public init(name: String? = nil, fleet: String? = nil, pinRelease: String? = nil) {
            self.name = name
            self.fleet = fleet
            self.pinRelease = pinRelease
        }
    }

    /// A release of a fleet's app.
    public struct Release: Codable, Sendable, Equatable {
        /// Release id.
        public var id: String
        /// Fleet name.
        public var fleet: String
        /// Creation time.
        public var createdAt: Date
        /// Service names.
        public var services: [String]
        /// Images by service.
        public var images: [String: String]
        /// Whether it is still offered.
        public var status: ReleaseStatus
        /// Why it is failing, when it is.
        public var statusDetail: String?
        /// How it fares on the devices that tried it.
        public var attempts: ReleaseAttempts?
        /// Creates a release.
        public init(
            id: String, fleet: String, createdAt: Date, services: [String], images: [String: String], status: ReleaseStatus, statusDetail: String?,
            attempts: ReleaseAttempts? = nil
        ) {
            self.attempts = attempts
            self.id = id
            self.fleet = fleet
            self.createdAt = createdAt
            self.services = services
            self.images = images
            self.status = status
            self.statusDetail = statusDetail
        }
    }

    /// `POST /v1/fleets/{fleet}/releases`.
    public struct CreateRelease: Codable, Sendable {
        /// The compose document, as text.
        public var compose: String
        /// Creates a body.
        public init(compose: String) { self.compose = compose }
    }

    /// One environment or config variable.
    public struct EnvVar: Codable, Sendable, Equatable {
        /// Fleet name.
        public var fleet: String
        /// Device UUID for device scope.
        public var device: String?
        /// Service for service scope.
        public var service: String?
        /// Name.
        public var name: String
        /// Value.
        public var value: String
        /// Creates a variable.
        public init(fleet: String, device: String?, service: String?, name: String, value: String) {
            self.fleet = fleet
            self.device = device
            self.service = service
            self.name = name
            self.value = value
        }
    }

    /// `PUT /v1/env`.
    public struct SetEnv: Codable, Sendable {
        /// Fleet name or id.
        public var fleet: String?
        /// Device name or UUID (device scope).
        public var device: String?
        /// Service (service scope).
        public var service: String?
        /// Name.
        public var name: String
        /// Value.
        public var value: String
        /// Creates a body.
        public init(fleet: String?, device: String?, service: String?, name: String, value: String) {
            self.fleet = fleet
            self.device = device
            self.service = service
            self.name = name
            self.value = value
        }
    }

    /// One service's state on a device.
    public struct ServiceState: Codable, Sendable, Equatable {
        /// Release the container was created for.
        public var release: String?
        /// The container's state.
        public var status: ContainerState
        /// Container ID.
        public var containerID: String?
        /// Health, when the service has a check.
        public var health: ContainerHealth?
        /// Creates a state.
        public init(release: String?, status: ContainerState, containerID: String?, health: ContainerHealth?) {
            self.release = release
            self.status = status
            self.containerID = containerID
            self.health = health
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
        /// Log lines dropped while offline because the buffer was full.
        public var droppedLogLines: Int?
        /// How the device's latest update went: started, healthy, or rolled back (and why).
        public var rollout: Rollout?
        /// Creates a report.
        public init(
            release: String? = nil, status: DeviceStatus? = nil, statusDetail: String? = nil, services: [String: ServiceState]? = nil,
            architecture: String? = nil, droppedLogLines: Int? = nil, rollout: Rollout? = nil
        ) {
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

    /// How a release fares across the devices that tried it.
    public struct ReleaseAttempts: Codable, Sendable, Equatable {
        /// Devices that started it.
        public var started: Int
        /// Devices on which it passed its health window.
        public var healthy: Int
        /// Devices that rolled it back.
        public var rolledBack: Int
        /// Creates counts.
        public init(started: Int, healthy: Int, rolledBack: Int) {
            self.started = started
            self.healthy = healthy
            self.rolledBack = rolledBack
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

    /// A device action: restart the app or one service, stop or start a service, purge volumes,
    /// force an update past update locks (`update`), or try a rolled-back release again (`retry`).
    public struct DeviceAction: Codable, Sendable, Equatable {
        /// What to do.
        public var action: DeviceActionKind
        /// Service, or nil for the whole app.
        public var service: String?
        /// Creates an action.
        public init(action: DeviceActionKind, service: String?) {
            self.action = action
            self.service = service
        }
    }

    /// The error body of every failed request.
    public struct ErrorBody: Codable, Sendable, Equatable {
        /// The error.
        public var error: Detail
        /// Code and message.
        public struct Detail: Codable, Sendable, Equatable {
            /// Machine-readable code, e.g. `not_found`, `invalid_compose`.
            public var code: String
            /// Human message.
            public var message: String
        }
        /// Creates a body.
        public init(code: String, message: String) { self.error = Detail(code: code, message: message) }
    }
}
