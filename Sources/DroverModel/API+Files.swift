import Foundation

extension API {
    /// A fleet's secret or config as the API shows it: never a secret's value.
    public struct FleetFile: Codable, Sendable, Equatable {
        /// The fleet's name.
        public var fleet: String
        /// Secret or config.
        public var kind: AppFileKind
        /// The name releases refer to it by (`external: true`).
        public var name: String
        /// The value's size in bytes.
        public var size: Int
        /// When it was first stored.
        public var createdAt: Date
        /// When its value last changed.
        public var updatedAt: Date
        /// A config's value, base64 (`GET …/configs/{name}` only); a secret's never.
        public var value: String?

        /// Creates one.
        public init(fleet: String, kind: AppFileKind, name: String, size: Int, createdAt: Date, updatedAt: Date, value: String? = nil) {
            self.fleet = fleet
            self.kind = kind
            self.name = name
            self.size = size
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.value = value
        }
    }

    /// `PUT /v1/fleets/{fleet}/secrets/{name}` (or `configs`): the value, base64.
    public struct SetFleetFile: Codable, Sendable {
        /// The value, base64-encoded (any bytes).
        public var value: String
        /// Creates a body.
        public init(value: String) { self.value = value }
    }

    /// One value a device's apps mount, as the device fetches it over its authenticated link.
    public struct DeviceFile: Codable, Sendable, Equatable {
        /// The app (fleet) that mounts it.
        public var app: String
        /// Secret or config.
        public var kind: AppFileKind
        /// The app's name for it.
        public var name: String
        /// The version the device's target names.
        public var version: String
        /// The value, base64.
        public var value: String
        /// Creates one.
        public init(app: String, kind: AppFileKind, name: String, version: String, value: String) {
            self.app = app
            self.kind = kind
            self.name = name
            self.version = version
            self.value = value
        }
    }

    /// `GET /v1/device/files`: the values of the secrets and configs the device's target mounts, and no others.
    public struct DeviceFiles: Codable, Sendable, Equatable {
        /// The values.
        public var files: [DeviceFile]
        /// Creates an answer.
        public init(files: [DeviceFile]) { self.files = files }
    }
}

extension API.Limits {
    /// One secret's or config's value (bytes), as a Swarm secret's.
    public static let fileValue = 500 << 10
}
