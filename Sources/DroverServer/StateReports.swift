import DroverModel
import Logging

/// Devices' state reports, written with group commit: reports that arrive while one batch is
/// being written go to the store together in the next transaction, and each is answered only
/// once its transaction is durable. The first report to find the writer idle writes its batch
/// in its own request; when it is done, the oldest waiting report takes over the next batch.
/// No report is left pending without a request waiting for it, so a stopping server (whose
/// HTTP side finishes its requests first) has written every report it acknowledged.
actor StateReports {
    private enum Turn {
        case written(Result<Void, ServerError>)
        case lead
    }

    private struct Entry {
        var uuid: String
        var report: API.StateReport
        var answer: CheckedContinuation<Turn, Never>?
    }

    private let store: any DroverStore
    private let presence: Presence
    private let releases: Releases
    private let targets: Targets
    private let events: WebhookEvents
    private let logger: Logger
    private var queue: [Entry] = []
    private var writing = false

    /// Reports over `store`; rollbacks and completions are judged by `releases`, and told to
    /// webhooks through `events`.
    init(store: any DroverStore, presence: Presence, releases: Releases, targets: Targets, events: WebhookEvents, logger: Logger) {
        self.targets = targets
        self.store = store
        self.presence = presence
        self.releases = releases
        self.events = events
        self.logger = logger
    }

    /// Merges a state report into the device's last one.
    func report(device uuid: String, _ report: API.StateReport) async throws(ServerError) {
        if let dropped = report.droppedLogLines, dropped > 0 {
            logger.info("device dropped log lines while offline", metadata: ["device": "\(uuid)", "dropped": "\(dropped)"])
        }
        try ControlPlane.validate(report)
        if let rollout = report.rollout {
            // Only a release of the device's own fleet (one it can have been offered) counts:
            // a device must not be able to judge another fleet's release.
            let fleetID = try await store.device(uuid: uuid).fleetID
            let release: ReleaseRecord?
            do {
                release = try await store.release(id: rollout.release)
            } catch  where error.code == .notFound || error.code == .conflict {
                release = nil
            }
            // A storage failure is not the device's fault: it gets a 5xx and sends the report again.
            guard let release, release.id == rollout.release, release.fleetID == fleetID else {
                throw ServerError(.badRequest, "body: rollout.release '\(rollout.release)' is not a release of this device's fleet")
            }
        }
        if let text = report.platform, let platform = try? Platform(parsing: text) {
            try await recordPlatform(platform, device: uuid)
        }
        await presence.reported(uuid)
        if writing {
            let turn = await withCheckedContinuation { queue.append(Entry(uuid: uuid, report: report, answer: $0)) }
            if case .written(let result) = turn { return try result.get() }
        } else {
            writing = true
            queue.append(Entry(uuid: uuid, report: report, answer: nil))
        }
        // This request leads: it writes everything queued, its own report included.
        let batch = queue
        queue.removeAll()
        let outcome = await write(batch)
        for entry in batch { entry.answer?.resume(returning: .written(outcome)) }
        if queue.isEmpty {
            writing = false
        } else {
            let next = queue[0].answer
            queue[0].answer = nil
            next?.resume(returning: .lead)
        }
        try outcome.get()
    }

    /// Keeps the platform a device's engine runs, when it is new: the device's target names its
    /// platform's images, so a change is a new target. An agent says it in its first report
    /// after each start, and rarely has news.
    private func recordPlatform(_ platform: Platform, device uuid: String) async throws(ServerError) {
        guard try await store.device(uuid: uuid).platform != platform.description else { return }
        try await store.setPlatform(platform.description, device: uuid)
        logger.info("device platform", metadata: ["device": "\(uuid)", "platform": "\(platform)"])
        try await targets.changed()
    }

    private func write(_ batch: [Entry]) async -> Result<Void, ServerError> {
        let rollbacks = await newRollbacks(in: batch)
        let outcome: Result<Void, ServerError>
        do {
            try await store.mergeReports(batch.map { ($0.uuid, $0.report) }, at: WallClock.now)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        if case .success = outcome {
            for (uuid, rollout) in rollbacks {
                do {
                    try await events.deviceRolledBack(device: uuid, rollout)
                } catch {
                    logger.warning("queueing device.rolled_back failed", metadata: ["device": "\(uuid)", "error": "\(error)"])
                }
            }
        }
        // A rollback may make its release failing (the devices hear back once that is decided);
        // a device past a release's health window may complete it.
        let judges: [(API.RolloutOutcome, (String) async throws(ServerError) -> Void)] = [
            (.rolledBack, releases.judge), (.healthy, releases.judgeCompletion),
        ]
        for (reported, judge) in judges {
            for release in Set(batch.compactMap(\.report.rollout).filter { $0.outcome == reported }.map(\.release)).sorted() {
                do {
                    try await judge(release)
                } catch {
                    logger.warning(
                        "judging a release failed", metadata: ["release": "\(release)", "outcome": "\(reported.rawValue)", "error": "\(error)"])
                }
            }
        }
        return outcome
    }

    /// The batch's rollbacks that the store does not hold yet: an agent sends its whole report,
    /// its rollout with it, again after a restart, and webhooks hear of a rollback once.
    private func newRollbacks(in batch: [Entry]) async -> [(uuid: String, rollout: API.Rollout)] {
        var fresh: [(uuid: String, rollout: API.Rollout)] = []
        for entry in batch {
            guard let rollout = entry.report.rollout, rollout.outcome == .rolledBack,
                !fresh.contains(where: { $0.uuid == entry.uuid && $0.rollout.release == rollout.release })
            else { continue }
            do {
                if try await store.attemptOutcome(device: entry.uuid, release: rollout.release) != .rolledBack { fresh.append((entry.uuid, rollout)) }
            } catch {
                logger.warning("reading a device's rollout failed", metadata: ["device": "\(entry.uuid)", "error": "\(error)"])
            }
        }
        return fresh
    }
}
