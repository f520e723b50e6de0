import Synchronization

/// The device's config as the agent last received it with its target (the `DROVER_*`
/// variables of its fleet and its own), readable from any task.
final class DeviceSettings: Sendable {
    private let settings = Mutex<[String: String]>([:])

    /// The config now.
    var value: [String: String] { settings.withLock { $0 } }

    /// Takes a new config (none: no variables).
    func set(_ config: [String: String]?) {
        settings.withLock { $0 = config ?? [:] }
    }
}
