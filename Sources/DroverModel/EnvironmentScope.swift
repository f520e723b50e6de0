/// Where an environment variable is set. A variable set at a narrower scope wins over the same
/// name set at a broader one: fleet < fleet+service < device < device+service.
public enum EnvironmentScope: Int, Sendable, Comparable, CaseIterable, Codable {
    /// Every service of every device in the fleet.
    case fleet
    /// One service on every device in the fleet.
    case fleetService
    /// Every service on one device.
    case device
    /// One service on one device.
    case deviceService

    /// The scope of a variable set for a device (or the whole fleet) and a service (or all).
    public init(device: Bool, service: Bool) {
        switch (device, service) {
        case (false, false): self = .fleet
        case (false, true): self = .fleetService
        case (true, false): self = .device
        case (true, true): self = .deviceService
        }
    }

    /// Orders scopes from broadest to narrowest.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Per variable, the value `service` sees and the scope it comes from, out of the variables
    /// set for its device and fleet. A variable set for another service does not apply.
    public static func resolve(_ variables: [ScopedVariable], service: String) -> [String: ResolvedVariable] {
        var resolved: [String: ResolvedVariable] = [:]
        for variable in variables where variable.service == nil || variable.service == service {
            if let known = resolved[variable.name], known.scope > variable.scope { continue }
            resolved[variable.name] = ResolvedVariable(value: variable.value, scope: variable.scope)
        }
        return resolved
    }
}

/// One variable as it is set at one scope.
public struct ScopedVariable: Sendable, Equatable {
    /// Where it is set.
    public var scope: EnvironmentScope
    /// The service it is set for, at a service scope.
    public var service: String?
    /// The variable's name.
    public var name: String
    /// Its value at this scope.
    public var value: String

    /// A variable set for a device or the whole fleet, and for one service or all.
    public init(device: Bool, service: String?, name: String, value: String) {
        self.scope = EnvironmentScope(device: device, service: service != nil)
        self.service = service
        self.name = name
        self.value = value
    }
}

/// The value a service sees for a variable, and the scope that won.
public struct ResolvedVariable: Sendable, Equatable {
    /// The winning value.
    public var value: String
    /// Where the winning value is set.
    public var scope: EnvironmentScope

    /// Creates a resolved variable.
    public init(value: String, scope: EnvironmentScope) {
        self.value = value
        self.scope = scope
    }
}
