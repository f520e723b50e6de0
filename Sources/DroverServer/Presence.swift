import Logging

/// When devices were last heard from. The store needs a device's last-seen time only to tell
/// online from offline (a 75 s grace), so it is written at most every 20 s per device, by
/// the last-seen writer (``RecurringWork``) in one transaction for all devices; this server's newer times count at once.
actor Presence {
    /// A device heard from again within this many seconds is not written again.
    static let writeEverySeconds: Double = 20

    private let store: any DroverStore
    private let logger: Logger
    private var stored: [String: Double] = [:]
    private var pending: [String: Double] = [:]

    /// Presence over `store`.
    init(store: any DroverStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Notes that a device was heard from.
    func touch(_ uuid: String) {
        let now = WallClock.now
        if let last = stored[uuid], now - last < Self.writeEverySeconds { return }
        stored[uuid] = now
        pending[uuid] = now
    }

    /// Notes that a state report, which writes the time itself, is on its way to the store.
    func reported(_ uuid: String) {
        pending[uuid] = nil
        stored[uuid] = WallClock.now
    }

    /// The newest time this server heard from the device, if it did.
    func lastSeen(_ uuid: String) -> Double? {
        [pending[uuid], stored[uuid]].compactMap { $0 }.max()
    }

    /// Writes the pending times; what fails is kept for the next try.
    func flush() async {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll()
        do {
            try await store.recordLastSeen(batch)
        } catch {
            logger.info("writing last-seen times failed; will retry", metadata: ["error": "\(error)"])
            pending.merge(batch) { newer, _ in newer }
        }
    }
}
