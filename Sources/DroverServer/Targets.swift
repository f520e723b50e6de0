import DroverModel
import Foundation
import Logging

/// Devices' targets, computed once per store generation and cached with their ETags, and the
/// devices' long-polls waiting for them to change. A change is also told at once to the
/// devices connected over their channel (`changeNotice`).
actor Targets {
    private let store: any DroverStore
    private let secrets: SecretBox
    private let logger: Logger
    private let changeNotice: @Sendable (Targets) -> Void
    private var knownGeneration: Int64?
    private var snapshot: TargetSnapshot?
    private var snapshotLoading: (generation: Int64, task: Task<Result<TargetSnapshot, ServerError>, Never>)?
    private var cache: [String: (generation: Int64, target: ServedTarget)] = [:]
    private var shared: [String: (generation: Int64, target: ServedTarget)] = [:]
    private var pinnedReleases: [String: ReleaseRecord] = [:]
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var timedOut: Set<UUID> = []
    /// Set once the server is stopping: long-polls are answered at once instead of held.
    private var shuttingDown = false

    /// Targets over `store`; `changeNotice` is called with them on every new generation.
    init(store: any DroverStore, secrets: SecretBox = .ephemeral(), logger: Logger, changeNotice: @escaping @Sendable (Targets) -> Void = { _ in }) {
        self.store = store
        self.secrets = secrets
        self.logger = logger
        self.changeNotice = changeNotice
    }

    /// The store generation as this server last saw it: its own changes at once, another
    /// server's once the generation watcher (``RecurringWork``) has read it, every second.
    func generation() async throws(ServerError) -> Int64 {
        if let knownGeneration { return knownGeneration }
        let current = try await store.generation()
        knownGeneration = current
        return current
    }

    /// Starts a new generation after a change that can alter targets, and wakes the long-polls.
    func changed() async throws(ServerError) {
        try await store.bumpGeneration()
        knownGeneration = try await store.generation()
        wakeWaiters()
        changeNotice(self)
    }

    /// Notices another server's changes.
    func refreshGeneration() async {
        do {
            let current = try await store.generation()
            guard current != knownGeneration else { return }
            let first = knownGeneration == nil
            knownGeneration = current
            wakeWaiters()
            if !first { changeNotice(self) }
        } catch {
            logger.info("reading the store generation failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Drops a deleted device's cached target.
    func forget(device uuid: String) {
        cache[uuid] = nil
    }

    /// The device's target, computed once per store generation and cached with its ETag.
    func target(device uuid: String) async throws(ServerError) -> ServedTarget {
        let generation = try await generation()
        if let cached = cache[uuid], cached.generation == generation { return cached.target }
        var snapshot = try await snapshot(generation: generation)
        // Enrolment does not move the generation (10,000 enrolments would wake every waiting
        // device 10,000 times), so a device enrolled after this generation's snapshot was read
        // is added to it here.
        if snapshot.devices[uuid] == nil {
            let record: DeviceRecord?
            do {
                record = try await store.device(uuid: uuid)
            } catch  where error.code == .notFound {
                record = nil
            }
            if let record {
                let placement = DevicePlacement(record)
                snapshot.devices[uuid] = placement
                if self.snapshot?.generation == generation { self.snapshot?.devices[uuid] = placement }
            }
        }
        let builder = TargetBuilder(snapshot: snapshot)
        guard let placement = snapshot.devices[uuid], snapshot.fleets[placement.fleetID] != nil else {
            throw ServerError(.notFound, "no device with UUID '\(uuid)'")
        }
        let shares = builder.sharesFleetTarget(uuid)
        // Devices of one fleet share a target per platform: each gets its own platform's images.
        let sharedKey = placement.fleetID + " " + (placement.platform?.description ?? "")
        if shares, let cached = shared[sharedKey], cached.generation == generation {
            cache[uuid] = (generation, cached.target)
            return cached.target
        }
        var pinned: ReleaseRecord?
        if let pin = placement.pinned {
            if pinnedReleases[pin] == nil { pinnedReleases[pin] = try await store.release(id: pin) }
            pinned = pinnedReleases[pin]
        }
        guard let target = builder.target(of: uuid, pinned: pinned) else { throw ServerError(.notFound, "no device with UUID '\(uuid)'") }
        cache[uuid] = (generation, target)
        if shares { shared[sharedKey] = (generation, target) }
        return target
    }

    /// The fleet a device is in and the release it is to run, from the current snapshot (nil
    /// fleet when the snapshot predates it).
    func placement(of record: DeviceRecord) async throws(ServerError) -> (fleet: FleetRecord?, release: String?) {
        let snapshot = try await snapshot(generation: try await generation())
        let fleet = snapshot.fleets[record.fleetID]
        let release = record.pinnedRelease ?? (snapshot.keepFailing[record.uuid] ?? snapshot.offered[record.fleetID])?.id
        return (fleet, release)
    }

    /// The snapshot for `generation`. Many devices ask at once when a release lands; they all
    /// wait on one read instead of each reading the store.
    private func snapshot(generation: Int64) async throws(ServerError) -> TargetSnapshot {
        if let snapshot, snapshot.generation == generation { return snapshot }
        if let loading = snapshotLoading, loading.generation == generation {
            return try await loading.task.value.get()
        }
        let store = self.store
        let secrets = self.secrets
        let logger = self.logger
        let task = Task { () async -> Result<TargetSnapshot, ServerError> in
            do throws(ServerError) {
                return .success(try await TargetSnapshot.read(from: store, generation: generation, secrets: secrets, logger: logger))
            } catch {
                return .failure(error)
            }
        }
        snapshotLoading = (generation, task)
        defer { if snapshotLoading?.generation == generation { snapshotLoading = nil } }
        let loaded = try await task.value.get()
        // Another request may have stored a newer generation's snapshot while this one was
        // read; an older one must not replace it, or every later request reads the store again.
        if (snapshot?.generation ?? .min) <= loaded.generation { snapshot = loaded }
        return loaded
    }

    // MARK: Long-polls

    /// Waits until the store generation moves past `generation`, `seconds` pass, or the server
    /// stops (long-poll).
    func waitForChange(after generation: Int64, seconds: Double) async throws(ServerError) {
        guard seconds.isFinite, seconds > 0, !shuttingDown else { return }
        let seconds = min(seconds, API.Limits.longPollSeconds)
        if try await self.generation() != generation { return }
        guard !shuttingDown else { return }
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park(id, after: generation) }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                await self.unpark(id)
            }
            // Whichever ends first (a change, or the time) ends the other.
            _ = await group.next()
            group.cancelAll()
        }
        // A sleeper cut short after a change may have left its mark.
        timedOut.remove(id)
    }

    /// Holds the request until woken. The generation is checked again here, where the waiter
    /// is registered in the same actor turn: a change that landed after `waitForChange` looked
    /// (while this child task was starting) has already woken the waiters it found, and a
    /// waiter registered after it would sleep through it until its timeout.
    private func park(_ id: UUID, after generation: Int64) async {
        if timedOut.remove(id) != nil || shuttingDown || knownGeneration != generation { return }
        await withCheckedContinuation { waiters[id] = $0 }
    }

    private func unpark(_ id: UUID) {
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.resume()
        } else {
            timedOut.insert(id)
        }
    }

    /// How many device requests are being held for a target change.
    var heldLongPolls: Int { waiters.count }

    /// Answers every held long-poll now and holds no more, so a stopping server is not kept
    /// up for a minute by devices waiting for their target; they come back with jitter.
    func releaseLongPolls() {
        shuttingDown = true
        wakeWaiters()
    }

    private func wakeWaiters() {
        for (_, waiter) in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
