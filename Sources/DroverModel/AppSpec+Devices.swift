/// Devices a service asks of a device driver (a GPU through the NVIDIA container toolkit, say),
/// as compose's `deploy.resources.reservations.devices` and `gpus` and the engine's
/// `HostConfig.DeviceRequests` have them.
public struct DeviceRequest: Codable, Sendable, Equatable {
    /// The driver, e.g. `nvidia`; nil lets the engine pick one that has the capabilities.
    public var driver: String?
    /// How many devices; -1 for all of them. Nil when `deviceIDs` names them.
    public var count: Int?
    /// The devices by ID (e.g. GPU UUIDs or indexes).
    public var deviceIDs: [String]?
    /// Capabilities the driver must offer: one set of them, e.g. `[["gpu"]]`, any set matching.
    public var capabilities: [[String]]
    /// Driver options.
    public var options: [String: String]?

    /// Creates a request.
    public init(driver: String? = nil, count: Int? = nil, deviceIDs: [String]? = nil, capabilities: [[String]], options: [String: String]? = nil) {
        self.driver = driver
        self.count = count
        self.deviceIDs = deviceIDs
        self.capabilities = capabilities
        self.options = options
    }

    /// `count` for all devices.
    public static let all = -1

    /// Checks what compose checks: a count of -1 or more, not both a count and device IDs.
    func validate(at path: String, line: Int?) throws(ModelError) {
        if let count, count < Self.all {
            throw ModelError(.invalidValue, at: "\(path).count", line: line, "device count \(count) must be a number of devices or 'all'")
        }
        if count != nil, deviceIDs != nil {
            throw ModelError(
                .invalidValue, at: path, line: line, "a device request sets both 'count' and 'device_ids'; compose refuses both, so set only one")
        }
        if capabilities.isEmpty || capabilities.contains(where: \.isEmpty) {
            throw ModelError(.missing, at: "\(path).capabilities", line: line, "a device request needs 'capabilities', e.g. [gpu]")
        }
    }
}

/// Device cgroup rules as the engine takes them: `TYPE MAJOR:MINOR PERMISSIONS`.
enum DeviceCgroupRule {
    /// Checks one rule: type `a`, `b` or `c`, major and minor a number or `*`, permissions
    /// made of `r`, `w` and `m`.
    static func check(_ rule: String, at path: String, line: Int?) throws(ModelError) {
        let parts = rule.split(separator: " ", omittingEmptySubsequences: true)
        func number(_ text: Substring) -> Bool { text == "*" || (!text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }) }
        let numbers = parts.count == 3 ? parts[1].split(separator: ":", omittingEmptySubsequences: false) : []
        guard parts.count == 3, ["a", "b", "c"].contains(parts[0]), numbers.count == 2, number(numbers[0]), number(numbers[1]),
            !parts[2].isEmpty, parts[2].allSatisfy({ "rwm".contains($0) }), Set(parts[2]).count == parts[2].count
        else {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "device cgroup rule '\(rule)' must be 'TYPE MAJOR:MINOR PERMISSIONS': type a, b or c, numbers or '*', permissions of r, w and m (e.g. 'c 189:* rmw')"
            )
        }
    }
}
