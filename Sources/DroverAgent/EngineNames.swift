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

    /// The engine name of a service's container with the given config hash.
    public func container(_ service: String, configHash: String) -> String {
        "\(app)_\(service)_\(device.shortID)_\(configHash.prefix(8))"
    }
}
