import Foundation

/// The JSON bodies of Drover's HTTP API (`/v1`), shared by the server, the CLI and the agent.
public enum API {
    /// How a fleet's devices stand: the offline ones, the online ones by what they do, and
    /// how many run the release the fleet offers.
    public struct FleetSummary: Codable, Sendable, Equatable {
        /// Online, and running their release (or idle, with none to run).
        public var running: Int
        /// Online, and enrolled without a report yet, or on the way to a release.
        public var updating: Int
        /// Online, and failed or rolled back.
        public var failed: Int
        /// Not heard from within the online grace.
        public var offline: Int
        /// Devices that run the release the fleet offers.
        public var onTarget: Int

        /// Creates a summary.
        public init(running: Int = 0, updating: Int = 0, failed: Int = 0, offline: Int = 0, onTarget: Int = 0) {
            self.running = running
            self.updating = updating
            self.failed = failed
            self.offline = offline
            self.onTarget = onTarget
        }

        /// Counts one device.
        public mutating func count(_ device: Device, target: String?) {
            if !device.online {
                offline += 1
            } else {
                switch device.status {
                case .running, .idle: running += 1
                case .provisioned, .downloading, .installing, .pending, .updatePending: updating += 1
                case .failed, .rolledBack: failed += 1
                }
            }
            if let target, device.release == target { onTarget += 1 }
        }
    }

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
        /// Marked production: developers open no terminals or tunnels on its devices.
        public var production: Bool?
        /// Devices in the fleet.
        public var deviceCount: Int
        /// Creation time.
        public var createdAt: Date
        /// How its devices stand, at a glance.
        public var summary: FleetSummary?
        /// How many of its devices run each platform (one fleet's answer only, not listings).
        public var platforms: [String: Int]?
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
        /// Marks the fleet production (developers open no terminals or tunnels there), or not.
        public var production: Bool?
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
