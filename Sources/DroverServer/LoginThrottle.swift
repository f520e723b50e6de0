import Synchronization

/// Counts failed logins per user name and per address, and refuses further tries of either
/// once it had ``limit`` failures within ``windowSeconds``: guessing passwords gets slow, for
/// one account from many addresses and for many accounts from one address.
final class LoginThrottle: Sendable {
    static let limit = 5
    static let windowSeconds: Double = 300

    private let failures = Mutex<[String: [Double]]>([:])

    /// Seconds until `name` from `address` may try again; nil: now.
    func wait(name: String, address: String?, now: Double) -> Double? {
        failures.withLock { failures in
            let keys = Self.keys(name: name, address: address)
            let waits = keys.compactMap { key -> Double? in
                let recent = (failures[key] ?? []).filter { now - $0 < Self.windowSeconds }
                guard recent.count >= Self.limit, let oldest = recent.min() else { return nil }
                return oldest + Self.windowSeconds - now
            }
            return waits.max()
        }
    }

    /// Counts a failed try.
    func failed(name: String, address: String?, now: Double) {
        failures.withLock { failures in
            if failures.count > 100_000 { failures = failures.filter { $0.value.contains { now - $0 < Self.windowSeconds } } }
            for key in Self.keys(name: name, address: address) {
                failures[key, default: []] = (failures[key, default: []] + [now]).filter { now - $0 < Self.windowSeconds }.suffix(Self.limit)
            }
        }
    }

    /// A login succeeded: the name's count starts again (the address's stays).
    func succeeded(name: String) {
        failures.withLock { _ = $0.removeValue(forKey: "user:" + name.lowercased()) }
    }

    private static func keys(name: String, address: String?) -> [String] {
        ["user:" + name.lowercased()] + (address.map { ["address:" + $0] } ?? [])
    }
}
