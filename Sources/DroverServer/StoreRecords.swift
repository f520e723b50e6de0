import DroverModel
import Foundation

/// A fleet as stored.
public struct FleetRecord: Sendable, Equatable {
    /// Its id.
    public var id: String
    /// The organisation it belongs to.
    public var orgID: String
    /// Its name, unique in the organisation.
    public var name: String
    /// The release it is held at, or nil to offer the newest release that is not failing.
    public var trackedRelease: String?
    /// When it was created (seconds since 1970).
    public var createdAt: Double
    /// Share of rolled-back devices above which a release is marked failing.
    public var failingShare: Double
    /// Fewest rolled-back devices that mark a release failing.
    public var failingMin: Int
    /// Marked production: developers open no terminals or tunnels on its devices.
    public var production = false

    /// Creates a record.
    public init(
        id: String, orgID: String, name: String, trackedRelease: String? = nil, createdAt: Double, failingShare: Double = 0.2, failingMin: Int = 2
    ) {
        self.id = id
        self.orgID = orgID
        self.name = name
        self.trackedRelease = trackedRelease
        self.createdAt = createdAt
        self.failingShare = failingShare
        self.failingMin = failingMin
    }
}

/// What a fleet update changes; a nil field is left as it is.
public struct FleetChange: Sendable {
    /// The new name.
    public var name: String?
    /// The release to hold the fleet at: `.some(nil)` goes back to the newest release.
    public var trackedRelease: String??
    /// The new failing share.
    public var failingShare: Double?
    /// The new failing minimum.
    public var failingMin: Int?
    /// Marks the fleet production, or not.
    public var production: Bool?

    /// Creates a change.
    public init(name: String? = nil, trackedRelease: String?? = nil, failingShare: Double? = nil, failingMin: Int? = nil) {
        self.name = name
        self.trackedRelease = trackedRelease
        self.failingShare = failingShare
        self.failingMin = failingMin
    }
}

/// A provisioning key as stored (its secret never is, only a hash).
public struct KeyRecord: Sendable, Equatable {
    /// Its id.
    public var id: String
    /// The fleet it enrols into.
    public var fleetID: String
    /// When it stops working (seconds since 1970).
    public var expiresAt: Double?
    /// Most devices it may enrol.
    public var deviceLimit: Int?
    /// Devices it has enrolled.
    public var used: Int
    /// Whether it was revoked.
    public var revoked: Bool

    /// Creates a record.
    public init(id: String, fleetID: String, expiresAt: Double?, deviceLimit: Int?, used: Int, revoked: Bool) {
        self.id = id
        self.fleetID = fleetID
        self.expiresAt = expiresAt
        self.deviceLimit = deviceLimit
        self.used = used
        self.revoked = revoked
    }
}

/// A device as stored.
public struct DeviceRecord: Sendable, Equatable {
    /// Its UUID.
    public var uuid: String
    /// The fleet it belongs to.
    public var fleetID: String
    /// Its name, unique in the fleet.
    public var name: String
    /// CPU architecture it enrolled with.
    public var architecture: String?
    /// The platform its engine runs (`os/arch[/variant]`), as it last told: which of an
    /// image's manifests it is given.
    public var platform: String?
    /// The release it is pinned to.
    public var pinnedRelease: String?
    /// When it was last heard from (seconds since 1970).
    public var lastSeen: Double?
    /// Its last state report, merged from its deltas.
    public var report: API.StateReport?
    /// When it enrolled.
    public var createdAt: Double

    /// Creates a record.
    public init(
        uuid: String, fleetID: String, name: String, architecture: String? = nil, platform: String? = nil, pinnedRelease: String? = nil,
        lastSeen: Double? = nil, report: API.StateReport? = nil, createdAt: Double
    ) {
        self.platform = platform
        self.uuid = uuid
        self.fleetID = fleetID
        self.name = name
        self.architecture = architecture
        self.pinnedRelease = pinnedRelease
        self.lastSeen = lastSeen
        self.report = report
        self.createdAt = createdAt
    }
}

/// Where a device stands for its target: its fleet, its pin and the platform it runs.
public struct DevicePlacement: Sendable, Equatable {
    /// The fleet it belongs to.
    public var fleetID: String
    /// The release it is pinned to.
    public var pinned: String?
    /// The platform its engine runs; nil until it says.
    public var platform: Platform?

    /// Creates a placement.
    public init(fleetID: String, pinned: String?, platform: Platform? = nil) {
        self.fleetID = fleetID
        self.pinned = pinned
        self.platform = platform
    }

    /// A stored device's placement.
    init(_ record: DeviceRecord) {
        self.init(fleetID: record.fleetID, pinned: record.pinnedRelease, platform: record.platform.flatMap { try? Platform(parsing: $0) })
    }
}

/// What a device needs to enrol: a provisioning key and the hash of the API key it will use.
public struct Enrolment: Sendable {
    /// Hash of the provisioning key presented.
    public var keyHash: String
    /// The new device's UUID.
    public var uuid: String
    /// The name asked for; the first free variant of it is taken.
    public var name: String
    /// CPU architecture.
    public var architecture: String?
    /// The platform its engine runs.
    public var platform: String?
    /// Hash of the device's new API key.
    public var apiKeyHash: String

    /// Creates an enrolment.
    public init(keyHash: String, uuid: String, name: String, architecture: String?, platform: String? = nil, apiKeyHash: String) {
        self.platform = platform
        self.keyHash = keyHash
        self.uuid = uuid
        self.name = name
        self.architecture = architecture
        self.apiKeyHash = apiKeyHash
    }
}

/// What a device update changes, each checked against the rows inside the store's transaction.
public struct DeviceChange: Sendable {
    /// The new name.
    public var name: String?
    /// The fleet to move it to (its device-scoped variables and pin are dropped).
    public var fleet: FleetRecord?
    /// The release to pin it to: `.some(nil)` unpins.
    public var pinnedRelease: String??

    /// Creates a change.
    public init(name: String? = nil, fleet: FleetRecord? = nil, pinnedRelease: String?? = nil) {
        self.name = name
        self.fleet = fleet
        self.pinnedRelease = pinnedRelease
    }
}

/// A one-shot command for a device. Each raises a counter in its target, so the agent acts
/// once per raise and a repeated target fetch does not repeat it.
public enum DeviceCommand: Sendable, Equatable {
    /// Recreate one service's containers, or every service's (nil).
    case restart(service: String?)
    /// Remove the app and its volumes, then reinstall.
    case purge
    /// Apply the target once even while a service holds the update lock.
    case forceUpdate
    /// Try again a release the device rolled back.
    case retry
}

/// A device's command counters.
public struct DeviceCommands: Sendable, Equatable {
    /// Restarts of the whole app.
    public var appRestarts = 0
    /// Restarts per service.
    public var serviceRestarts: [String: Int] = [:]
    /// Purges.
    public var purges = 0
    /// Forced updates.
    public var forcedUpdates = 0
    /// Retries.
    public var retries = 0

    /// Counters as given, zero where not.
    public init(appRestarts: Int = 0, serviceRestarts: [String: Int] = [:], purges: Int = 0, forcedUpdates: Int = 0, retries: Int = 0) {
        self.appRestarts = appRestarts
        self.serviceRestarts = serviceRestarts
        self.purges = purges
        self.forcedUpdates = forcedUpdates
        self.retries = retries
    }
}

/// A release as stored.
public struct ReleaseRecord: Sendable, Equatable {
    /// Its id.
    public var id: String
    /// The fleet it belongs to.
    public var fleetID: String
    /// The app its compose document describes.
    public var app: AppSpec
    /// Whether it is offered.
    public var status: API.ReleaseStatus
    /// Why it is failing.
    public var statusDetail: String?
    /// When it was created.
    public var createdAt: Double
    /// Each pinned service's image and its digest per platform.
    public var pins: [String: API.ImagePin]
    /// What could not be checked when it was made.
    public var warnings: [String]
    /// Read as a Swarm stack (for a fleet in cluster mode), not for single devices.
    public var stack: Bool

    /// Creates a record.
    public init(
        id: String, fleetID: String, app: AppSpec, status: API.ReleaseStatus = .ready, statusDetail: String? = nil, createdAt: Double,
        pins: [String: API.ImagePin] = [:], warnings: [String] = [], stack: Bool = false
    ) {
        self.stack = stack
        self.pins = pins
        self.warnings = warnings
        self.id = id
        self.fleetID = fleetID
        self.app = app
        self.status = status
        self.statusDetail = statusDetail
        self.createdAt = createdAt
    }

    /// The release as the API shows it.
    func api(fleet: String) -> API.Release {
        API.Release(
            id: id, fleet: fleet, createdAt: Date(timeIntervalSince1970: createdAt), services: app.services.keys.sorted(),
            images: app.services.compactMapValues(\.image).merging(pins.mapValues(\.reference)) { _, pinned in pinned }, status: status,
            statusDetail: statusDetail, pins: pins.isEmpty ? nil : pins, warnings: warnings.isEmpty ? nil : warnings)
    }
}

/// A device that tried a release, and how it went.
public struct ReleaseAttempt: Sendable, Equatable {
    /// The release.
    public var releaseID: String
    /// The device's UUID.
    public var deviceUUID: String
    /// The device's name.
    public var deviceName: String
    /// How it went.
    public var outcome: API.RolloutOutcome
    /// Why, when it was rolled back.
    public var reason: String?

    /// Creates an attempt.
    public init(releaseID: String, deviceUUID: String, deviceName: String, outcome: API.RolloutOutcome, reason: String?) {
        self.releaseID = releaseID
        self.deviceUUID = deviceUUID
        self.deviceName = deviceName
        self.outcome = outcome
        self.reason = reason
    }
}

/// An environment variable as stored: the empty device or service means "all".
public struct EnvRecord: Sendable, Equatable {
    /// The fleet.
    public var fleetID: String
    /// The device's UUID, or empty for the whole fleet.
    public var deviceUUID: String
    /// The service, or empty for every service.
    public var service: String
    /// The name.
    public var name: String
    /// The value.
    public var value: String

    /// Creates a record.
    public init(fleetID: String, deviceUUID: String = "", service: String = "", name: String, value: String) {
        self.fleetID = fleetID
        self.deviceUUID = deviceUUID
        self.service = service
        self.name = name
        self.value = value
    }

    /// The variable with its scope, for precedence.
    var scoped: ScopedVariable {
        ScopedVariable(device: !deviceUUID.isEmpty, service: service.isEmpty ? nil : service, name: name, value: value)
    }
}

/// Which of a device's log lines to read.
public struct LogQuery: Sendable {
    /// One service's lines only.
    public var service: String?
    /// Lines after this sequence number, oldest first; without it the newest, returned oldest first.
    public var after: Int64?
    /// Lines with a timestamp at or after this one.
    public var since: String?
    /// Most lines.
    public var limit: Int

    /// Creates a query.
    public init(service: String? = nil, after: Int64? = nil, since: String? = nil, limit: Int) {
        self.service = service
        self.after = after
        self.since = since
        self.limit = limit
    }
}

/// Wall-clock time as the store records it.
enum WallClock {
    /// Seconds since 1970.
    static var now: Double { Date().timeIntervalSince1970 }
}

/// A terminal session as stored.
public struct SessionRow: Sendable, Equatable {
    public var id: String
    public var deviceUUID: String
    /// The label of the token that opened it.
    public var user: String
    public var service: String?
    public var command: [String]?
    public var startedAt: Double
    public var endedAt: Double?
    public var exitCode: Int?
    public var error: String?
}

/// A fleet's login to a private registry, as stored: the password sealed.
public struct RegistryLoginRecord: Sendable, Equatable {
    /// The fleet.
    public var fleetID: String
    /// The registry's host, e.g. `ghcr.io`.
    public var registry: String
    /// The user name.
    public var username: String
    /// The password, sealed by ``SecretBox`` for ``sealingContext``.
    public var sealedPassword: String
    /// When it was stored.
    public var createdAt: Double

    /// Creates a record.
    public init(fleetID: String, registry: String, username: String, sealedPassword: String, createdAt: Double) {
        self.fleetID = fleetID
        self.registry = registry
        self.username = username
        self.sealedPassword = sealedPassword
        self.createdAt = createdAt
    }

    /// What the password is sealed for: this fleet and registry only.
    static func sealingContext(fleetID: String, registry: String) -> String { "registry-login \(fleetID) \(registry)" }
}

/// A secret's or config's value, sealed.
public struct AppFileRecord: Sendable, Equatable {
    /// The fleet.
    public var fleetID: String
    /// The release that brought it, or "" for the fleet's own.
    public var release: String
    /// Secret or config.
    public var kind: AppFileKind
    /// Its name.
    public var name: String
    /// The value, sealed by ``SecretBox`` for ``sealingContext`` ("" in ``DroverStore/fleetFileVersions()``).
    public var sealed: String
    /// The value's keyed fingerprint (``SecretBox/fingerprint(_:purpose:)``).
    public var version: String
    /// The value's size in bytes.
    public var size: Int
    /// When it was first stored.
    public var createdAt: Double
    /// When its value last changed.
    public var updatedAt: Double

    /// Creates a record.
    public init(
        fleetID: String, release: String, kind: AppFileKind, name: String, sealed: String, version: String, size: Int, createdAt: Double, updatedAt: Double
    ) {
        self.fleetID = fleetID
        self.release = release
        self.kind = kind
        self.name = name
        self.sealed = sealed
        self.version = version
        self.size = size
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// What the sealed value is bound to: a copy moved to another row does not open.
    public var sealingContext: String { "app-file \(fleetID) \(release) \(kind.rawValue) \(name)" }
}
