import DroverModel
import Foundation
import Synchronization

/// An engine's refusal that no retry within seconds can change: the device lacks what the
/// service asks for (a device driver such as the NVIDIA container toolkit, or an OCI runtime).
/// Someone has to install it, so the agent says so plainly and asks again only now and then.
public enum DeviceRefusal: Sendable, Equatable {
    /// `could not select device driver "nvidia" with capabilities: [[gpu]]`.
    case missingDeviceDriver(driver: String, capabilities: String)
    /// `Unknown runtime specified nvidia`.
    case unknownRuntime(String)

    /// Reads the engine's message, or nil when it is some other error.
    public init?(engineMessage message: String) {
        if let range = message.range(of: "could not select device driver \"") {
            let rest = message[range.upperBound...]
            let driver = String(rest.prefix(while: { $0 != "\"" }))
            var capabilities = ""
            if let open = rest.range(of: "capabilities: ")?.upperBound {
                // `[[gpu]]` (one set) reads `[gpu]`; several sets keep their brackets.
                let tail = rest[open...]
                let sets = tail.range(of: "]]").map { String(tail[..<$0.upperBound]) } ?? String(tail.prefix(while: { $0 != " " }))
                let single = sets.hasPrefix("[[") && sets.hasSuffix("]]") && !sets.contains("] [")
                capabilities = single ? String(sets.dropFirst().dropLast()) : sets
            }
            self = .missingDeviceDriver(driver: driver, capabilities: capabilities)
        } else if let range = message.range(of: "Unknown runtime specified ") ?? message.range(of: "unknown or invalid runtime name: ") {
            self = .unknownRuntime(String(message[range.upperBound...].prefix(while: { !$0.isWhitespace && $0 != ")" && $0 != ":" })))
        } else {
            return nil
        }
    }

    /// What is missing, in words a user can act on.
    public var explanation: String {
        switch self {
        case .missingDeviceDriver(let driver, let capabilities):
            let named = driver.isEmpty ? "device driver" : "device driver '\(driver)'"
            let hint = driver.isEmpty || driver == "nvidia" ? " (is the NVIDIA container toolkit installed?)" : ""
            return "the engine has no \(named) for capabilities \(capabilities)\(hint)"
        case .unknownRuntime(let runtime):
            return "the engine has no runtime '\(runtime)' (install it and list it under \"runtimes\" in the engine's daemon.json)"
        }
    }
}

/// Services held back because the device refused them (see ``DeviceRefusal``): each is tried
/// again after a pause that doubles with every refusal, from a minute up to an hour, instead of
/// every round. A changed service (another config hash) is tried at once. Shared by every copy
/// of a ``Reconciler``, so the pause outlives one convergence.
public final class ServiceHolds: Sendable {
    /// One held service.
    public struct Hold: Sendable, Equatable {
        /// The config hash that was refused.
        public var configHash: String
        /// Why.
        public var refusal: DeviceRefusal
        /// Refusals in a row.
        public var count: Int
        /// When to try again.
        public var until: ContinuousClock.Instant

        /// The service's status line.
        public var message: String { "failed: \(refusal.explanation)" }
    }

    private let holds = Mutex<[String: Hold]>([:])
    /// The first pause, in seconds.
    let firstPause: Double
    /// The longest pause, in seconds.
    let longestPause: Double

    /// Creates an empty memory.
    public init(firstPause: Double = 60, longestPause: Double = 3600) {
        self.firstPause = firstPause
        self.longestPause = longestPause
    }

    private static func key(_ app: String, _ service: String) -> String { "\(app)/\(service)" }

    /// Records a refusal of `service` at `configHash`; returns the pause before the next try.
    @discardableResult
    func refuse(app: String, service: String, configHash: String, refusal: DeviceRefusal, now: ContinuousClock.Instant = .now) -> Double {
        holds.withLock { holds in
            let previous = holds[Self.key(app, service)].flatMap { $0.configHash == configHash ? $0.count : nil } ?? 0
            let pause = min(longestPause, firstPause * pow(2, Double(min(previous, 16))))
            holds[Self.key(app, service)] = Hold(configHash: configHash, refusal: refusal, count: previous + 1, until: now + .seconds(clamping: pause))
            return pause
        }
    }

    /// The hold on `service` at `configHash`, whether or not its pause is over.
    public func hold(app: String, service: String, configHash: String) -> Hold? {
        holds.withLock { $0[Self.key(app, service)].flatMap { $0.configHash == configHash ? $0 : nil } }
    }

    /// Forgets `service` (it started, or it left the target).
    func release(app: String, service: String) {
        _ = holds.withLock { $0.removeValue(forKey: Self.key(app, service)) }
    }
}
