import DroverModel

/// How the agent names engine objects. Names carry the device's short id so that several
/// devices (agents) can share one engine, and containers carry their config hash so that an
/// old and a new container of a service can exist side by side during an update.
public struct EngineNames: Sendable {
    /// The device.
    public var device: DeviceIdentity
    /// The app.
    public var app: String

    /// Creates a namer.
    public init(device: DeviceIdentity, app: String) {
        self.device = device
        self.app = app
    }

    /// The engine name of a network of the app.
    public func network(_ name: String, _ spec: NetworkSpec?) -> String {
        spec?.name ?? "\(app)_\(name)_\(device.shortID)"
    }

    /// The engine name of a named volume of the app.
    public func volume(_ name: String, _ spec: VolumeSpec?) -> String {
        spec?.name ?? "\(app)_\(name)_\(device.shortID)"
    }

    /// The engine name of replica `replica` (from 1) of a service that runs `replicas`
    /// containers, with the given config hash. A service of one container keeps the name it
    /// had before replicas (so an agent upgrade recreates nothing); with more, the index
    /// follows the device, as `docker compose` numbers its containers.
    public func container(_ service: String, configHash: String, replica: Int = 1, of replicas: Int = 1) -> String {
        guard replica != 1 || replicas > 1 else { return "\(app)_\(service)_\(device.shortID)_\(configHash.prefix(8))" }
        return "\(app)_\(service)_\(device.shortID)_\(replica)_\(configHash.prefix(8))"
    }

    /// Where every container of an app sees its runtime directory (a bind mount of the
    /// agent's `{state dir}/apps/{app}`): `locks/` holds update locks, `handover/` hand-over signals.
    public static let runtimeMount = "/run/drover"

    /// The lock file a service creates to hold back updates (`DROVER_LOCK_PATH` in its environment).
    public static func lockFile(service: String) -> String { "\(runtimeMount)/locks/\(service).lock" }

    /// The file name a hand-over's new container creates in `handover/` to say it has taken over
    /// (`DROVER_HANDOVER_COMPLETE_PATH` in its environment).
    public static func handoverSignal(service: String, configHash: String) -> String { "\(service)-\(configHash.prefix(12))" }
}
