import DockerEngine
import DroverModel
import Foundation
import Logging

/// Converges the apps of the device's target, one app at a time, through each app's
/// ``RolloutLifecycle``: a new release is installed, watched for its health window, and
/// rolled back to the last release that was healthy here when a problem is confirmed. Carries
/// out the one-shot commands of the target (purge, forced update, retry) once each, as the
/// ``CommandLedger`` records them.
actor AppConvergence {
    let reconciler: Reconciler
    let state: StateDirectory
    let logger: Logger
    private var lifecycles: [String: RolloutLifecycle] = [:]
    private var ledger: CommandLedger
    /// Services seen failing at the last health check, per app and release.
    private var suspects: [String: (release: String, services: Set<String>)] = [:]
    /// True while an app is inside its health window or held by a lock: the agent then looks
    /// again every couple of seconds instead of waiting a whole poll interval.
    private(set) var attentive = false

    init(reconciler: Reconciler, state: StateDirectory, logger: Logger) {
        self.reconciler = reconciler
        self.state = state
        self.logger = logger
        ledger = CommandLedger.load(from: state, logger: logger)
    }

    /// What one round did with the whole target.
    struct Round: Sendable {
        /// The report for the server, without the phase or link details.
        var report: API.StateReport
        /// What runs, for the log followers.
        var statuses: [ServiceStatus]
    }

    /// Converges every app of `target`, removes apps that left it, and says what runs.
    /// `phase` hears downloading and installing as an update goes, with the rollout under way.
    func converge(_ target: TargetState?, phase: @escaping @Sendable (API.DeviceStatus, API.Rollout?) -> Void) async -> Round {
        guard let target else { return Round(report: API.StateReport(status: .idle), statuses: []) }
        var report = API.StateReport(status: .running)
        var failed: [String] = []
        var rolledBack: [String] = []
        var pending: [String] = []
        attentive = false
        for (app, appTarget) in target.apps.sorted(by: { $0.key < $1.key }) {
            let outcome = await converge(app, appTarget, phase: phase)
            if let release = outcome.release { report.release = release }
            if let rollout = outcome.rollout { report.rollout = rollout }
            if let problem = outcome.problem { failed.append(problem) }
            if let refusal = outcome.rolledBack { rolledBack.append(refusal) }
            if let held = outcome.pending { pending.append(held) }
        }
        let running = (try? await reconciler.status(app: nil)) ?? []
        for app in Set(running.map(\.app)) where target.apps[app] == nil {
            do {
                _ = try await reconciler.converge(app: app, target: nil)
            } catch {
                failed.append("removing \(app): \(error)")
            }
        }
        let statuses = (try? await reconciler.status(app: nil)) ?? []
        var desired: [String: Int] = [:]
        for app in target.apps.values { for (service, spec) in app.services { desired[service] = spec.replicaCount } }
        var services = ServiceStatus.report(statuses, desired: desired)
        // A service the device refused before it had a container (an unknown runtime) is
        // reported too, as dead: the engine could not make it.
        for (app, appTarget) in target.apps {
            for service in appTarget.services.keys where services[service] == nil {
                guard let hold = reconciler.holds.hold(app: app, service: service, configHash: appTarget.configHash(of: service)) else { continue }
                services[service] = API.ServiceState(release: appTarget.release, status: .dead, containerID: nil, health: nil, failure: hold.message)
            }
        }
        report.services = services
        // The worst news first: nothing good runs, then a refused release, then a held update.
        for (status, details) in [(API.DeviceStatus.failed, failed), (.rolledBack, rolledBack), (.pending, pending)] where !details.isEmpty {
            report.status = status
            report.statusDetail = (details + (status == .failed ? rolledBack : [])).joined(separator: "; ")
            break
        }
        return Round(report: report, statuses: statuses)
    }

    /// One app's part of a round.
    struct Outcome {
        /// The release that runs, when known.
        var release: String?
        /// Why the app runs nothing good.
        var problem: String?
        /// A refused release, while the app runs the last good one.
        var rolledBack: String?
        /// An update held back by a lock.
        var pending: String?
        /// The update's progress, for the server's release statistics.
        var rollout: API.Rollout?
    }

    /// Converges one app on what its lifecycle says to run, and takes the lifecycle one
    /// step further with what the engine shows.
    private func converge(
        _ app: String, _ target: AppTarget, phase: @escaping @Sendable (API.DeviceStatus, API.Rollout?) -> Void
    ) async -> Outcome {
        var lifecycle = self.lifecycle(of: app)
        var outcome = Outcome()
        var actions: [RolloutLifecycle.Action]
        if case .rolledBack(let refusal) = lifecycle.state, refusal.release == target.release, ledger.isDue(.retry, app: app, in: target) {
            actions = handle(.retryAsked(target), app, &lifecycle)
            record(.retry, app: app, target)
        } else {
            actions = handle(.targetArrived(target), app, &lifecycle)
        }
        var effective = target
        for case .converge(let chosen) in actions { effective = chosen }
        outcome.rollout = lifecycle.rollout
        let rollout = outcome.rollout
        let forced = ledger.isDue(.forcedUpdate, app: app, in: target)
        do throws(AgentError) {
            try await purgeIfAsked(app, target)
            let result = try await reconciler.converge(app: app, target: effective, planning: ReleasePlanner.Options(force: forced)) { event in
                guard case .stepStarted(let step) = event else { return }
                switch step {
                case .pullImage: phase(.downloading, rollout)
                case .createContainer, .startContainer, .removeContainer, .deleteContainer, .handOver: phase(.installing, rollout)
                default: break
                }
            }
            if forced { record(.forcedUpdate, app: app, target) }
            if !result.deferred.isEmpty {
                attentive = true
                outcome.pending = result.deferred.joined(separator: "; ")
                outcome.release = lifecycle.good?.release
                return outcome
            }
            outcome.release = effective.release
        } catch {
            logger.info("convergence failed", metadata: ["app": "\(app)", "error": "\(error)"])
            if let candidate = lifecycle.candidate, candidate.release == effective.release, error.code == .dependencyFailed {
                attentive = true
                if let reason = confirmed(app, release: effective.release, problems: ["#dependency": error.message]) {
                    return await rollBack(app, target, reason: reason, &lifecycle)
                }
            }
            outcome.problem = "\(app): \(error)"
            if case .rolledBack(let refusal) = lifecycle.state { outcome.problem = Self.refusalMessage(refusal) + "; \(app): \(error)" }
            return outcome
        }
        if case .rolledBack(let refusal) = lifecycle.state {
            describe(refusal, running: effective.release, in: &outcome)
            return outcome
        }
        _ = handle(.converged(effective, at: Date()), app, &lifecycle)
        guard case .watching = lifecycle.state else { return outcome }
        attentive = true
        let problems: [String: String]
        do {
            problems = try await HealthJudge(engine: reconciler.engine, device: reconciler.device).problems(app: app, target: effective)
        } catch {
            logger.info("cannot read health; will look again", metadata: ["error": "\(error)"])
            return outcome
        }
        if let reason = confirmed(app, release: effective.release, problems: problems) {
            return await rollBack(app, target, reason: reason, &lifecycle)
        }
        for case .report(let report) in handle(.checkedHealthy(at: Date()), app, &lifecycle) {
            logger.info("release passed its health window", metadata: ["app": "\(app)", "release": "\(effective.release)"])
            outcome.rollout = report
        }
        return outcome
    }

    /// A problem counts once it is seen in two checks in a row (2 s apart): an engine that is
    /// shutting down or just came back shows stopped and unhealthy containers for a moment,
    /// which must not roll a good release back. Returns the reason when one is confirmed.
    private func confirmed(_ app: String, release: String, problems: [String: String]) -> String? {
        let previous = suspects[app]?.release == release ? suspects[app]?.services ?? [] : []
        suspects[app] = (release, Set(problems.keys))
        let lasting = problems.filter { previous.contains($0.key) }
        guard !lasting.isEmpty else { return nil }
        suspects[app] = nil
        return lasting.sorted { $0.key < $1.key }.map(\.value).joined(separator: "; ")
    }

    /// Refuses the release under way and returns the app to its last healthy release.
    private func rollBack(_ app: String, _ target: AppTarget, reason: String, _ lifecycle: inout RolloutLifecycle) async -> Outcome {
        logger.warning("rolling back", metadata: ["app": "\(app)", "release": "\(target.release)", "reason": "\(reason)"])
        // The retry that brought this attempt (or none) is spent: only a higher counter tries again.
        record(.retry, app: app, target)
        var outcome = Outcome(release: target.release)
        for action in handle(.problemConfirmed(reason: reason), app, &lifecycle) {
            switch action {
            case .rollBack(let good):
                do {
                    _ = try await reconciler.converge(app: app, target: good)
                    outcome.release = good.release
                } catch {
                    outcome.problem = "returning to \(good.release) failed: \(error)"
                }
            case .report(let rollout):
                outcome.rollout = rollout
            case .converge, .persist:
                break
            }
        }
        guard case .rolledBack(let refusal) = lifecycle.state else { return outcome }
        if let problem = outcome.problem {
            outcome.problem = Self.refusalMessage(refusal) + "; " + problem
        } else {
            describe(refusal, running: outcome.release ?? target.release, in: &outcome)
        }
        return outcome
    }

    /// What the server hears of a refused release: it was rolled back while the last good one
    /// runs, or it failed when there was nothing good to return to.
    private func describe(_ refusal: RolloutLifecycle.Refusal, running release: String, in outcome: inout Outcome) {
        if let good = refusal.returnedTo, good == release {
            outcome.rolledBack = "runs \(good), the last good release; refused \(refusal.release): \(refusal.reason)"
        } else {
            outcome.problem = Self.refusalMessage(refusal)
        }
    }

    static func refusalMessage(_ refusal: RolloutLifecycle.Refusal) -> String {
        if let good = refusal.returnedTo {
            return "release \(refusal.release) rolled back to \(good): \(refusal.reason)"
        }
        return "release \(refusal.release) failed: \(refusal.reason) (no earlier healthy release to return to)"
    }

    /// Removes the app and its volumes once for each raise of the target's purge counter.
    private func purgeIfAsked(_ app: String, _ target: AppTarget) async throws(AgentError) {
        guard ledger.isDue(.purge, app: app, in: target) else { return }
        _ = try await reconciler.converge(app: app, target: nil, planning: ReleasePlanner.Options(removeVolumes: true))
        record(.purge, app: app, target)
        logger.info("purged app data", metadata: ["app": "\(app)"])
    }

    /// Records a command carried out, through to disk.
    private func record(_ command: CommandLedger.Command, app: String, _ target: AppTarget) {
        guard ledger.record(command, app: app, upTo: command.asked(in: target)) else { return }
        do {
            try state.write(CommandLedger.file, Canonical.encode(ledger))
        } catch {
            logger.warning("cannot save the command ledger", metadata: ["app": "\(app)", "error": "\(error)"])
        }
    }

    /// Takes an event into the app's lifecycle, writing it through to disk when it changed.
    private func handle(_ event: RolloutLifecycle.Event, _ app: String, _ lifecycle: inout RolloutLifecycle) -> [RolloutLifecycle.Action] {
        let actions: [RolloutLifecycle.Action]
        do {
            actions = try lifecycle.handle(event)
        } catch {
            // The rounds above only send events their state takes; this is a defect, logged.
            logger.error("rollout lifecycle refused an event", metadata: ["app": "\(app)", "error": "\(error)"])
            return []
        }
        lifecycles[app] = lifecycle
        if actions.contains(.persist) {
            do {
                try state.write(RolloutLifecycle.filePrefix + app + ".json", lifecycle.encoded())
            } catch {
                logger.warning("cannot save update history", metadata: ["app": "\(app)", "error": "\(error)"])
            }
        }
        return actions
    }

    /// The app's lifecycle: read from the state directory once, then kept here (every round
    /// of a health window asks for it).
    private func lifecycle(of app: String) -> RolloutLifecycle {
        if let known = lifecycles[app] { return known }
        var stored = RolloutLifecycle()
        do {
            if let data = try state.read(RolloutLifecycle.filePrefix + app + ".json") { stored = try RolloutLifecycle.decode(from: data) }
        } catch {
            logger.warning("update history unreadable; starting afresh", metadata: ["app": "\(app)", "error": "\(error)"])
        }
        lifecycles[app] = stored
        return stored
    }
}
