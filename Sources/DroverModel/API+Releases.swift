import Foundation

/// Releases and configuration variables.
extension API {
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
        /// Images by service: `repository@digest` where the release pinned them.
        public var images: [String: String]
        /// Each pinned service's image, with its digest per platform.
        public var pins: [String: ImagePin]?
        /// What the server could not check when it made the release, e.g. an image whose
        /// registry did not answer (its devices then pull the tag).
        public var warnings: [String]?
        /// Whether it is still offered.
        public var status: ReleaseStatus
        /// Why it is failing, when it is.
        public var statusDetail: String?
        /// How it fares on the devices that tried it.
        public var attempts: ReleaseAttempts?
        /// The compose document it was made from (one release's answer only, not listings).
        public var compose: String?
        /// For a fleet in cluster mode: the stack's services as a manager last saw them, with
        /// their replicas and where each task runs (`release show` only).
        public var cluster: ClusterServices?
        /// Creates a release.
        public init(
            id: String, fleet: String, createdAt: Date, services: [String], images: [String: String], status: ReleaseStatus, statusDetail: String?,
            attempts: ReleaseAttempts? = nil, pins: [String: ImagePin]? = nil, warnings: [String]? = nil
        ) {
            self.pins = pins
            self.warnings = warnings
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
        /// Images for services, by name, over what the document says: `drover push` names the
        /// images it built for services with `build:`.
        public var images: [String: String]?
        /// Create the release even when an image lacks a platform that devices of the fleet run
        /// (those devices then report the missing platform as their status).
        public var allowMissingPlatforms: Bool?
        /// Whether to pin images by digest (default true, when the server resolves images).
        public var resolve: Bool?
        /// Check and pin, and answer the release it would be, but create nothing.
        public var dryRun: Bool?
        /// Values of the document's secrets read from a file or the environment, base64, by
        /// name: the CLI reads them when it makes the release. Stored sealed; never shown again.
        public var secrets: [String: String]?
        /// Values of the document's configs read from a file or the environment, base64, by name.
        public var configs: [String: String]?
        /// Values for the document's `${NAME}` references, as the CLI found them in its
        /// environment and the `.env` beside the document (only names the document uses).
        public var variables: [String: String]?
        /// Files the document reads (`env_file`, `extends: {file:}`), by the name it gives them.
        public var files: [String: String]?
        /// Profiles to activate (`--profile`, or `COMPOSE_PROFILES`).
        public var profiles: [String]?
        /// Creates a body.
        public init(
            compose: String, images: [String: String]? = nil, allowMissingPlatforms: Bool? = nil, resolve: Bool? = nil, dryRun: Bool? = nil
        ) {
            self.dryRun = dryRun
            self.compose = compose
            self.images = images
            self.allowMissingPlatforms = allowMissingPlatforms
            self.resolve = resolve
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
}
