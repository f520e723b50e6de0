import Foundation

/// Devices as people see and change them, and how they enrol.
extension API {
    /// `POST /v1/devices`: a device enrols with a provisioning key.
    public struct RegisterDevice: Codable, Sendable {
        /// The provisioning key.
        public var provisioningKey: String
        /// Name; defaults to one derived from the UUID.
        public var name: String?
        /// CPU architecture, e.g. `amd64`, `arm64`.
        public var architecture: String?
        /// The platform its engine runs, e.g. `linux/arm/v7`.
        public var platform: String?
        /// Creates a body.
        public init(provisioningKey: String, name: String?, architecture: String?, platform: String? = nil) {
            self.provisioningKey = provisioningKey
            self.name = name
            self.architecture = architecture
            self.platform = platform
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
        /// The platform its engine runs, `os/arch[/variant]`: the image it pulls.
        public var platform: String?
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
        /// Its newest metrics sample, without the per-container figures (`GET
        /// /v1/devices/{device}/metrics` has them); nil until one arrives.
        public var metrics: MetricSample?
        /// Its node in its fleet's cluster, with the node's newest events (`GET
        /// /v1/devices/{device}` of a device of a fleet in cluster mode only).
        public var clusterNode: DeviceClusterNode?
        /// Creates a device.
        public init(
            uuid: String, name: String, fleet: String, architecture: String?, platform: String? = nil, tags: [String: String], online: Bool,
            lastSeen: Date?,
            release: String?, targetRelease: String?, pinnedRelease: String?, status: DeviceStatus, statusDetail: String?,
            services: [String: ServiceState]?, rollout: Rollout? = nil
        ) {
            self.rollout = rollout
            self.uuid = uuid
            self.name = name
            self.fleet = fleet
            self.architecture = architecture
            self.platform = platform
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
}
