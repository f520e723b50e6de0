import DockerEngine
import DroverModel
import Foundation
import Logging

/// Something the executor did or met, for progress output and reports.
public enum ReconcileEvent: Sendable {
    /// A step began.
    case stepStarted(Step)
    /// A step finished, with how long it took.
    case stepFinished(Step, seconds: Double)
    /// A step failed; `retryIn` is nil when it will not be tried again.
    case stepFailed(Step, message: String, attempt: Int, retryIn: Double?)
    /// Nothing can be done until these conditions change.
    case waiting([String])
}

/// The outcome of a convergence.
public struct ConvergeReport: Sendable, Equatable {
    /// Plan–apply rounds taken.
    public var rounds: Int
    /// Steps applied successfully.
    public var stepsApplied: Int
    /// Steps that failed at least once (and later succeeded).
    public var stepsRetried: Int
    /// Steps an update lock holds back; empty when the app fully converged.
    public var deferred: [String] = []
}

/// The executor: reads the engine, asks the planner for the next steps, applies them in
/// parallel (a plan holds only steps that do not depend on each other), and repeats until a
/// plan is empty. A failing step is retried with backoff while the other services carry on.
public struct Reconciler: Sendable {
    /// Tuning for retries and waits.
    public struct Options: Sendable {
        /// Attempts per step before convergence gives up on it.
        public var maxAttempts: Int = 4
        /// First retry delay; it doubles on each failure.
        public var retryDelay: Double = 0.5
        /// How long to wait for a dependency (health, completion) before giving up.
        public var waitTimeout: Double = 300
        /// How often to look again while waiting.
        public var pollInterval: Double = 0.25
        /// The host directory under which each app gets its runtime directory (update locks,
        /// hand-over signals), mounted into its containers; nil mounts none.
        public var runtimeRoot: String?
        /// Seconds a service the device refused (no such device driver or runtime) waits before
        /// it is tried again; the pause doubles with each refusal, up to an hour.
        public var refusalPause: Double = 60
        /// What to hand the engine as `X-Registry-Auth` to pull an image (the server's token
        /// for its registry, or a fleet's login); nil, or an answer of nil, pulls anonymously.
        public var registryAuth: (@Sendable (String) async -> String?)?
        /// Where the values of secrets and configs come from and are kept; nil runs no
        /// service that mounts one.
        public var files: AppFileVault?
        /// Creates default options.
        public init() {}
    }

    /// The engine.
    public let engine: DockerClient
    /// The device.
    public let device: DeviceIdentity
    /// Logger with `device` metadata.
    public let logger: Logger
    /// Options.
    public let options: Options
    /// Services the device refused, held back across convergences.
    public let holds: ServiceHolds

    /// Creates an executor.
    public init(engine: DockerClient, device: DeviceIdentity, logger: Logger, options: Options = Options()) {
        self.engine = engine
        self.device = device
        var logger = logger
        logger[metadataKey: "device"] = "\(device.id)"
        self.logger = logger
        self.options = options
        holds = ServiceHolds(firstPause: options.refusalPause, longestPause: max(options.refusalPause, 3600))
    }

    /// Converges `app` on `target` (nil removes the app). `planning` shapes this one
    /// convergence (a forced update, a removal with volumes); the next call plans afresh.
    /// Returns when a plan is empty; throws when a step keeps failing, something no step can
    /// fix blocks it, or a wait times out.
    public func converge(
        app: String, target: AppTarget?, planning: ReleasePlanner.Options = ReleasePlanner.Options(),
        events: @escaping @Sendable (ReconcileEvent) -> Void = { _ in }
    ) async throws(AgentError) -> ConvergeReport {
        if let target {
            do {
                try target.validate(name: app)
            } catch {
                throw AgentError(.invalidTarget, error.description)
            }
        }
        let planner = ReleasePlanner(device: device, app: app, options: planning)
        var failures: [String: (attempts: Int, notBefore: ContinuousClock.Instant, message: String)] = [:]
        var pulled: Set<String> = []
        var report = ConvergeReport(rounds: 0, stepsApplied: 0, stepsRetried: 0)
        var waitingSince: ContinuousClock.Instant?
        var lastWaiting: [String] = []
        // A hand-over may legitimately wait for its whole timeout.
        let waitTimeout = Duration.seconds(
            clamping: max(options.waitTimeout, (target?.services.values.map(\.updatePolicy.handoverTimeout).max() ?? 0) + 30))
        while true {
            try Task.checkCancellationAsAgentError()
            report.rounds += 1
            let snapshot = try await observe(app: app, target: target, pulled: pulled)
            let plan = planner.plan(current: snapshot, target: target)
            if plan.isConverged {
                // Files of values no container of the app mounts any more leave the tmpfs.
                await options.files?.prune(app: app, target: target)
                return report
            }
            let now = ContinuousClock.now
            let held = plan.steps.filter { heldBack($0, app: app, target: target, now: now) != nil }
            let exhausted = plan.steps.filter { (failures[$0.key]?.attempts ?? 0) >= options.maxAttempts || held.contains($0) }
            let runnable = plan.steps.filter { step in
                if held.contains(step) { return false }
                guard let failure = failures[step.key] else { return true }
                return failure.attempts < options.maxAttempts && failure.notBefore <= now
            }
            if runnable.isEmpty {
                let pending = plan.steps.filter { (failures[$0.key]?.attempts ?? 0) < options.maxAttempts && !held.contains($0) }
                if pending.isEmpty && plan.waiting.isEmpty {
                    if !plan.blocked.isEmpty {
                        throw AgentError(.invalidTarget, plan.blocked.joined(separator: "; "))
                    }
                    if !plan.failedDependencies.isEmpty {
                        throw AgentError(.dependencyFailed, plan.failedDependencies.joined(separator: "; "))
                    }
                    if exhausted.isEmpty && !plan.deferred.isEmpty {
                        report.deferred = plan.deferred
                        return report
                    }
                    throw AgentError(.stepFailed, giveUp(exhausted, failures: failures.mapValues(\.message), app: app, target: target, now: now))
                }
                if pending.isEmpty && !plan.waiting.isEmpty {
                    if plan.waiting != lastWaiting {
                        events(.waiting(plan.waiting))
                        lastWaiting = plan.waiting
                    }
                    let since = waitingSince ?? now
                    waitingSince = since
                    if now - since > waitTimeout {
                        throw AgentError(.timedOut, "gave up waiting after \(waitTimeout.components.seconds)s: " + plan.waiting.joined(separator: "; "))
                    }
                }
                let nextRetry = pending.compactMap { failures[$0.key]?.notBefore }.min()
                let poll = Duration.seconds(clamping: max(options.pollInterval, 0.05))
                let pause = nextRetry.map { max(.zero, $0 - now) } ?? poll
                try await sleep(min(pause, poll))
                continue
            }
            waitingSince = nil
            lastWaiting = []
            let peers = Dictionary(
                snapshot.containers.filter(\.isUp).map { ($0.service, $0.id) }, uniquingKeysWith: { first, _ in first })
            let results = await withTaskGroup(of: (Step, Result<Double, AgentError>).self) { group in
                for step in runnable {
                    group.addTask {
                        events(.stepStarted(step))
                        let start = ContinuousClock.now
                        do {
                            try await self.apply(step, app: app, target: target, peers: peers)
                            let elapsed = ContinuousClock.now - start
                            return (step, .success(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
                        } catch let error as AgentError {
                            return (step, .failure(error))
                        } catch let error as DockerError {
                            return (step, .failure(AgentError(.engine, error.description)))
                        } catch {
                            return (step, .failure(AgentError(.engine, "\(error)")))
                        }
                    }
                }
                var collected: [(Step, Result<Double, AgentError>)] = []
                for await result in group { collected.append(result) }
                return collected
            }
            for (step, result) in results {
                switch result {
                case .success(let seconds):
                    if failures.removeValue(forKey: step.key) != nil { report.stepsRetried += 1 }
                    if let service = step.service, step.startsService { holds.release(app: app, service: service) }
                    if case .pullImage(let reference, _) = step { pulled.insert(reference) }
                    report.stepsApplied += 1
                    events(.stepFinished(step, seconds: seconds))
                case .failure(let error):
                    if let service = step.service, let target, let refusal = DeviceRefusal(engineMessage: error.description) {
                        // No retry in seconds installs a driver: one try, then a long pause.
                        let pause = holds.refuse(app: app, service: service, configHash: target.configHash(of: service), refusal: refusal)
                        failures[step.key] = (options.maxAttempts, ContinuousClock.now, "service '\(service)' failed: \(refusal.explanation)")
                        logger.warning("the device refuses a service", metadata: ["service": "\(service)", "error": "\(error)"])
                        events(.stepFailed(step, message: refusal.explanation, attempt: 1, retryIn: pause))
                        continue
                    }
                    let attempts = (failures[step.key]?.attempts ?? 0) + 1
                    let delay = options.retryDelay * pow(2, Double(attempts - 1))
                    let retry = attempts < options.maxAttempts ? delay : nil
                    failures[step.key] = (attempts, ContinuousClock.now + .seconds(clamping: delay), error.description)
                    logger.info("step failed", metadata: ["step": "\(step)", "attempt": "\(attempts)", "error": "\(error)"])
                    events(.stepFailed(step, message: error.description, attempt: attempts, retryIn: retry))
                }
            }
        }
    }

}

extension Reconciler {
    /// The hold on the service `step` would create or start, while its pause lasts.
    func heldBack(_ step: Step, app: String, target: AppTarget?, now: ContinuousClock.Instant) -> ServiceHolds.Hold? {
        guard ["create", "start", "hand-over"].contains(step.kind), let service = step.service, let target else { return nil }
        guard let hold = holds.hold(app: app, service: service, configHash: target.configHash(of: service)), hold.until > now else { return nil }
        return hold
    }

    /// Why convergence gives up: each step that kept failing, and each service the device refuses.
    func giveUp(_ steps: [Step], failures: [String: String], app: String, target: AppTarget?, now: ContinuousClock.Instant) -> String {
        var reasons: [String] = []
        for step in steps {
            if let hold = heldBack(step, app: app, target: target, now: now), let service = step.service {
                let seconds = Int((hold.until - now).components.seconds)
                let reason = "service '\(service)' \(hold.message); next try in \(seconds)s"
                if !reasons.contains(reason) { reasons.append(reason) }
            } else {
                reasons.append("gave up after \(options.maxAttempts) attempts: \(step): \(failures[step.key] ?? "failed")")
            }
        }
        return reasons.joined(separator: "; ")
    }

    private func sleep(_ duration: Duration) async throws(AgentError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw AgentError(.timedOut, "cancelled")
        }
    }

    /// Reads the engine's state for the app. Images with `pull_policy: always` count as
    /// missing until this convergence pulled them.
    func observe(app: String, target: AppTarget?, pulled: Set<String>) async throws(AgentError) -> EngineSnapshot {
        let names = EngineNames(device: device, app: app)
        let references = Set(target?.services.values.compactMap(\.image) ?? [])
        let externalNetworks = Set((target?.networks ?? [:]).filter { $0.value.external == true }.map { names.network($0.key, $0.value) })
        let externalVolumes = Set((target?.volumes ?? [:]).filter { $0.value.external == true }.map { names.volume($0.key, $0.value) })
        do {
            var snapshot = try await engine.snapshot(
                device: device, app: app, imageReferences: references, externalNetworks: externalNetworks, externalVolumes: externalVolumes)
            for service in target?.services.values ?? [:].values where service.pullPolicy == "always" {
                if let image = service.image, !pulled.contains(image) { snapshot.images[image] = nil }
            }
            snapshot.now = Int64(Date().timeIntervalSince1970)
            if let target { snapshot.unavailable = await unavailableFiles(app: app, target: target) }
            if let directory = runtimeDirectory(app: app) {
                let files = FileManager.default
                snapshot.locks = ((try? files.contentsOfDirectory(atPath: directory + "/locks")) ?? [])
                    .filter { $0.hasSuffix(".lock") }.map { String($0.dropLast(".lock".count)) }.sorted()
                snapshot.handoverSignals = Set((try? files.contentsOfDirectory(atPath: directory + "/handover")) ?? [])
            }
            return snapshot
        } catch {
            throw AgentError(.engine, "cannot read the engine's state", cause: error)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static func checkCancellationAsAgentError() throws(AgentError) {
        if Task.isCancelled { throw AgentError(.timedOut, "cancelled") }
    }
}

extension Duration {
    /// `seconds` as a duration, whatever the number: NaN and negatives are zero, and anything
    /// beyond a thousand years is a thousand years (`.seconds(_:)` traps on values it cannot hold).
    static func seconds(clamping seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        return .seconds(min(seconds, 31_557_600_000))
    }
}
