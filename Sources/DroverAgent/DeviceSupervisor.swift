import DockerEngine
import DroverClient
import DroverModel
import Foundation
import Logging

/// The device agent's daemon (`drover-agent run`): enrols once, fetches its target from the
/// server (long-poll with `If-None-Match`), converges the engine on it, reports what runs,
/// and ships container logs. With the server away it keeps running — and re-converging — the
/// last target it saved, also across its own restarts, and catches up when the link returns.
public actor DeviceSupervisor {
    let config: AgentConfig
    let logger: Logger
    let state: StateDirectory
    private var lastReport: API.StateReport?
    private var followers: [String: Task<Void, Never>] = [:]
    private var cursors: [String: String] = [:]
    private var drained: Set<String> = []
    /// True while an app is inside its health window or held by a lock: the agent then looks
    /// again every couple of seconds instead of waiting a whole poll interval.
    private var attentive = false
    /// Services seen failing at the last health check, per app and release.
    private var suspects: [String: (release: String, services: Set<String>)] = [:]
    /// The rollout being converged, for the phase reports sent meanwhile.
    private var inFlightRollout: API.Rollout?

    /// Creates a supervisor.
    public init(config: AgentConfig, logger: Logger) {
        self.config = config
        self.logger = logger
        self.state = StateDirectory(path: config.stateDir)
    }

    /// Runs until the task is cancelled.
    public func run() async throws {
        let engine = try await connectEngine()
        defer { Task { try? await engine.shutdown() } }
        let credentials = try await enrol()
        var logger = self.logger
        logger[metadataKey: "device"] = "\(credentials.uuid)"
        let api = DroverAPIClient(server: config.server, credential: credentials.apiKey)
        defer { Task { try? await api.shutdown() } }
        let device = DeviceIdentity(id: credentials.uuid)
        var options = Reconciler.Options()
        options.runtimeRoot = URL(fileURLWithPath: config.stateDir).standardizedFileURL.path + "/apps"
        let reconciler = Reconciler(engine: engine, device: device, logger: logger, options: options)
        let spool = LogSpool(file: config.stateDir + "/log-spool.jsonl", capBytes: config.logBufferBytes ?? 50_000_000)
        cursors = (try? state.read("log-cursors.json")).flatMap { $0 }.flatMap { try? JSONDecoder().decode([String: String].self, from: $0) } ?? [:]
        deliveredCursors = cursors

        // Where each container's log was read up to: what reached the server, or waits in the spool.
        for (container, newest) in await spool.newestPerContainer() where newest > cursors[container, default: ""] {
            cursors[container] = newest
        }
        let shipper = Task.detached {
            await Self.shipLogs(api: api, spool: spool, logger: logger, delivered: { lines in await self.delivered(lines) })
        }
        defer { shipper.cancel() }
        try await loop(api: api, reconciler: reconciler, engine: engine, spool: spool, logger: logger)
    }

    /// Fetch, converge, report, until cancelled.
    private func loop(api: DroverAPIClient, reconciler: Reconciler, engine: DockerClient, spool: LogSpool, logger: Logger) async throws {
        var intake = loadTarget()
        let poll = config.effectivePollInterval
        var failures = 0
        var firstRequest = true
        // Run what was last asked for before waiting on the server: after a power cut the
        // device's apps come back even if the server is away or has nothing new to say.
        if intake.target != nil { _ = await converge(target: intake.target, reconciler: reconciler, engine: engine, spool: spool) }
        var online = false
        var lastAsked: ContinuousClock.Instant?
        while !Task.isCancelled {
            // 1. Ask for the target; the server holds the request until it changes. While a
            // release is inside its health window (or held by a lock) the agent looks at its
            // containers every 2 s and asks the server without waiting, at most every 10 s,
            // so a fleet-wide rollout does not turn into a request per device every 2 s.
            let now = ContinuousClock.now
            let ask = !attentive || lastAsked.map { now - $0 >= .seconds(min(poll, 10)) } ?? true
            do {
                guard ask else { throw CancellationError() }
                lastAsked = now
                online = false
                var headers: [(String, String)] = []
                if let etag = intake.etag { headers.append(("If-None-Match", etag)) }
                // The first request does not wait: what the saved target brought up is reported at once.
                // The server holds a request at most a minute (and refuses to be asked for longer).
                let wait = firstRequest || attentive ? 0 : min(poll, API.Limits.longPollSeconds)
                firstRequest = false
                let answer = try await api.send(.GET, "/v1/device/state?wait=\(Int(wait))", headers: headers, timeout: .seconds(Int64(wait) + 15))
                online = true
                failures = 0
                if answer.status == 200 {
                    // A target that does not validate is refused here, before anything is saved
                    // or run; the previous target keeps running and the report says why.
                    if let fresh = intake.receive(answer.body, etag: answer.etag) {
                        try state.write("target.json", fresh.canonicalJSON())
                        if let tag = answer.etag { try state.write("target.etag", Data(tag.utf8)) }
                        logger.info("new target", metadata: ["apps": "\(fresh.apps.mapValues(\.release))"])
                    } else {
                        logger.warning("target refused", metadata: ["reason": "\(intake.refusal ?? "")"])
                    }
                }
            } catch let error as ClientError where error.status == 401 {
                // The device was deleted: its key no longer works. Stop its apps.
                logger.info("the server no longer knows this device; removing its apps", metadata: ["error": "\(error)"])
                intake.forget()
                try? state.write("target.json", TargetState(apps: [:]).canonicalJSON())
                failures += 1
            } catch is CancellationError {
                // Not asked this round.
            } catch {
                failures += 1
                logger.info("server unreachable; running the last target", metadata: ["error": "\(error)"])
            }
            // 2. Converge on the target (also offline: this heals drift and restarts).
            var report = await converge(target: intake.target, reconciler: reconciler, engine: engine, spool: spool, api: online ? api : nil)
            if let refusal = intake.refusal {
                report.status = .failed
                report.statusDetail = [refusal, report.statusDetail].compactMap { $0 }.joined(separator: "; ")
            }
            // 3. Report what runs, only the fields that changed.
            if online { await send(report, api: api, spool: spool) }
            if !online || failures > 0 {
                let backoff = min(poll, pow(2, Double(min(failures, 6)))) * Double.random(in: 0.5...1.0)
                try? await Task.sleep(for: .seconds(attentive ? min(backoff, 2) : backoff))
            } else if attentive {
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// The target saved by the last run, checked again: a damaged file, or one written by an
    /// agent that accepted what this one refuses, is reported and never run.
    private func loadTarget() -> TargetIntake {
        let saved: Result<Data?, AgentError>
        do {
            saved = .success(try state.read("target.json"))
        } catch {
            saved = .failure(error)
        }
        let etag = (try? state.read("target.etag")).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
        let intake = TargetIntake(saved: saved, etag: etag)
        if let refusal = intake.refusal { logger.warning("saved target refused", metadata: ["reason": "\(refusal)"]) }
        return intake
    }

    private func connectEngine() async throws -> DockerClient {
        let endpoint: EngineEndpoint =
            if let engine = config.engine { try EngineEndpoint(parsing: engine) } else {
                try EngineEndpoint.fromEnvironment(ProcessInfo.processInfo.environment)
            }
        var attempt = 0
        while true {
            do {
                return try await DockerClient.connect(to: endpoint, logger: logger)
            } catch {
                attempt += 1
                logger.info("engine not reachable yet", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: .seconds(min(30, Double(attempt))))
            }
        }
    }

    /// The device's credentials: read from the state directory, or obtained once by enrolling
    /// with the provisioning key and written atomically.
    private func enrol() async throws -> DeviceCredentials {
        if let data = try state.read("identity.json"), let credentials = try? JSONDecoder().decode(DeviceCredentials.self, from: data) {
            return credentials
        }
        guard let key = config.provisioningKey, !key.isEmpty else {
            throw AgentError(.invalidTarget, "this device is not enrolled and the config has no provisioningKey")
        }
        let api = DroverAPIClient(server: config.server, credential: nil)
        defer { Task { try? await api.shutdown() } }
        var attempt = 0
        while true {
            do {
                let registered = try await api.call(
                    API.RegisteredDevice.self, .POST, "/v1/devices",
                    body: API.RegisterDevice(provisioningKey: key, name: config.deviceName, architecture: Self.architecture))
                let credentials = DeviceCredentials(uuid: registered.uuid, apiKey: registered.apiKey, server: config.server, fleet: registered.fleet)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try state.write("identity.json", try encoder.encode(credentials))
                logger.info("enrolled", metadata: ["device": "\(registered.uuid)", "fleet": "\(registered.fleet)"])
                return credentials
            } catch let error as ClientError where error.code != "unreachable" {
                throw AgentError(.invalidTarget, "enrolment refused: \(error.message)")
            } catch {
                attempt += 1
                logger.info("server not reachable for enrolment yet", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(min(30, Double(attempt))))
            }
        }
    }

    static var architecture: String {
        #if arch(arm64)
            "arm64"
        #elseif arch(arm)
            "arm"
        #else
            "amd64"
        #endif
    }

    /// Converges every app of the target, removes apps that left it, and says what runs.
    private func converge(
        target: TargetState?, reconciler: Reconciler, engine: DockerClient, spool: LogSpool, api: DroverAPIClient? = nil
    ) async -> API.StateReport {
        guard let target else { return API.StateReport(status: .idle) }
        var report = API.StateReport(status: .running)
        var failures: [String] = []
        var pendingUpdates: [String] = []
        // While an update runs, the server hears its phase: downloading, then installing.
        let (phases, phaseSink) = AsyncStream<API.DeviceStatus>.makeStream()
        let phaseReporter = Task {
            var last: API.DeviceStatus?
            for await phase in phases where phase != last {
                last = phase
                guard let api else { continue }
                let previous = lastReport
                let rollout = self.inFlightRollout ?? previous?.rollout
                await send(API.StateReport(release: previous?.release, status: phase, services: previous?.services, rollout: rollout), api: api, spool: spool)
            }
        }
        defer { phaseReporter.cancel() }
        attentive = false
        for (app, appTarget) in target.apps.sorted(by: { $0.key < $1.key }) {
            let outcome = await convergeApp(app, appTarget, reconciler: reconciler, engine: engine, phases: phaseSink)
            if let release = outcome.release { report.release = release }
            if let rollout = outcome.rollout { report.rollout = rollout }
            if let problem = outcome.problem { failures.append(problem) }
            if let pending = outcome.pending { pendingUpdates.append(pending) }
        }
        let running = (try? await reconciler.status(app: nil)) ?? []
        for app in Set(running.map(\.app)) where target.apps[app] == nil {
            do {
                _ = try await reconciler.converge(app: app, target: nil)
            } catch {
                failures.append("removing \(app): \(error)")
            }
        }
        phaseSink.finish()
        await phaseReporter.value
        let statuses = (try? await reconciler.status(app: nil)) ?? []
        var services: [String: API.ServiceState] = [:]
        for status in statuses {
            services[status.service] = API.ServiceState(
                release: status.release, status: status.state, containerID: status.containerID,
                health: status.health)
        }
        report.services = services
        if !failures.isEmpty {
            report.status = .failed
            report.statusDetail = failures.joined(separator: "; ")
        } else if !pendingUpdates.isEmpty {
            report.status = .pending
            report.statusDetail = pendingUpdates.joined(separator: "; ")
        }
        await followLogs(statuses: statuses, engine: engine, spool: spool)
        return report
    }

    struct AppOutcome {
        /// The release that runs, when known.
        var release: String?
        /// A failure to report.
        var problem: String?
        /// An update held back by a lock.
        var pending: String?
        /// The update's progress, for the server's release statistics.
        var rollout: API.Rollout?
    }

    /// Converges one app, watching a new release's health for its window and rolling back to
    /// the last release that was healthy here when it fails.
    private func convergeApp(
        _ app: String, _ appTarget: AppTarget, reconciler base: Reconciler, engine: DockerClient, phases: AsyncStream<API.DeviceStatus>.Continuation
    ) async -> AppOutcome {
        var history = loadHistory(app)
        var outcome = AppOutcome()
        // A new release, or `drover device retry`, lifts a rollback.
        if let failed = history.failed, failed.release != appTarget.release || (appTarget.retries ?? 0) > failed.retries {
            history.failed = nil
            saveHistory(app, history)
        }
        var effective = appTarget
        if let failed = history.failed {
            effective = history.good ?? appTarget
            outcome.problem = Self.rollbackMessage(failed)
            outcome.rollout = API.Rollout(release: failed.release, outcome: .rolledBack, reason: failed.reason)
        } else if effective.release != history.good?.release, history.watching?.release != effective.release {
            // A release superseded inside its window, with no problem seen, is the one to return to.
            if let previous = history.watching, previous.convergedAt != nil, let target = previous.target { history.good = target }
            history.watching = AppHistory.Watch(release: effective.release, convergedAt: nil, window: effective.healthWindow, target: effective)
            saveHistory(app, history)
        }
        if history.failed == nil, let watch = history.watching, watch.release == effective.release {
            outcome.rollout = API.Rollout(release: watch.release, outcome: .started)
        }
        inFlightRollout = outcome.rollout
        defer { inFlightRollout = nil }
        let forced = (appTarget.forcedUpdates ?? 0) > (history.forcedUpdates ?? 0)
        let reconciler = base
        do {
            try await purgeIfAsked(app: app, target: effective, reconciler: reconciler)
            let result = try await reconciler.converge(app: app, target: effective, planning: ReleasePlanner.Options(force: forced)) { event in
                guard case .stepStarted(let step) = event else { return }
                switch step {
                case .pullImage: phases.yield(.downloading)
                case .createContainer, .startContainer, .removeContainer, .deleteContainer, .handOver: phases.yield(.installing)
                default: break
                }
            }
            if forced {
                history.forcedUpdates = appTarget.forcedUpdates
                saveHistory(app, history)
            }
            if !result.deferred.isEmpty {
                attentive = true
                outcome.pending = result.deferred.joined(separator: "; ")
                outcome.release = history.good?.release
                return outcome
            }
            outcome.release = effective.release
        } catch {
            logger.info("convergence failed", metadata: ["app": "\(app)", "error": "\(error)"])
            if history.failed == nil, history.watching?.release == effective.release, let error = error as? AgentError, error.code == .dependencyFailed {
                attentive = true
                if confirmed(app, release: effective.release, problems: ["#dependency": error.message]) != nil {
                    return await rollBack(app, appTarget, history: history, reason: error.message, reconciler: reconciler)
                }
            }
            outcome.problem = "\(app): \(error)"
            return outcome
        }
        guard history.failed == nil else { return outcome }
        guard var watch = history.watching, watch.release == effective.release else {
            // Healthy and settled: later changes of the same release (variables, restarts) are the good state now.
            if history.good != effective {
                history.good = effective
                saveHistory(app, history)
            }
            return outcome
        }
        attentive = true
        let now = Date()
        if watch.convergedAt == nil {
            watch.convergedAt = now
            history.watching = watch
            saveHistory(app, history)
        }
        let problems: [String: String]
        do {
            problems = try await HealthJudge(engine: engine, device: base.device).problems(app: app, target: effective)
        } catch {
            logger.info("cannot read health; will look again", metadata: ["error": "\(error)"])
            return outcome
        }
        if let reason = confirmed(app, release: effective.release, problems: problems) {
            return await rollBack(app, appTarget, history: history, reason: reason, reconciler: reconciler)
        }
        if now.timeIntervalSince(watch.convergedAt ?? now) >= watch.window {
            history.good = effective
            history.watching = nil
            saveHistory(app, history)
            logger.info("release passed its health window", metadata: ["app": "\(app)", "release": "\(effective.release)"])
            outcome.rollout = API.Rollout(release: effective.release, outcome: .healthy)
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

    /// Returns the app to its last healthy release and remembers not to try this one again.
    private func rollBack(_ app: String, _ appTarget: AppTarget, history: AppHistory, reason: String, reconciler: Reconciler) async -> AppOutcome {
        var history = history
        let failed = AppHistory.Failure(
            release: appTarget.release, reason: reason, retries: appTarget.retries ?? 0, rolledBackTo: history.good?.release)
        history.failed = failed
        history.watching = nil
        saveHistory(app, history)
        logger.warning("rolling back", metadata: ["app": "\(app)", "release": "\(appTarget.release)", "reason": "\(reason)"])
        var outcome = AppOutcome(
            release: history.good?.release, problem: Self.rollbackMessage(failed),
            rollout: API.Rollout(release: appTarget.release, outcome: .rolledBack, reason: reason))
        if let good = history.good {
            do {
                _ = try await reconciler.converge(app: app, target: good)
            } catch {
                outcome.problem = (outcome.problem ?? "") + "; returning to \(good.release) failed: \(error)"
            }
        }
        return outcome
    }

    static func rollbackMessage(_ failed: AppHistory.Failure) -> String {
        if let back = failed.rolledBackTo {
            return "release \(failed.release) rolled back to \(back): \(failed.reason)"
        }
        return "release \(failed.release) failed: \(failed.reason) (no earlier healthy release to return to)"
    }

    /// The app's history: read from the state directory once, then kept here (every round of a
    /// health window asks for it).
    private func loadHistory(_ app: String) -> AppHistory {
        if let known = histories[app] { return known }
        let stored =
            (try? state.read("history-\(app).json")).flatMap { $0 }.flatMap { try? JSONDecoder().decode(AppHistory.self, from: $0) } ?? AppHistory()
        histories[app] = stored
        return stored
    }

    /// Writes the history through to disk (atomically) when it changed.
    private func saveHistory(_ app: String, _ history: AppHistory) {
        guard histories[app] != history else { return }
        do {
            try state.write("history-\(app).json", Canonical.encode(history))
            histories[app] = history
        } catch {
            logger.warning("cannot save update history", metadata: ["app": "\(app)", "error": "\(error)"])
        }
    }

    private var histories: [String: AppHistory] = [:]

    /// Removes the app and its volumes once for each raise of the target's purge counter; the
    /// count done is kept in the state directory so a purge is not repeated after a restart.
    private func purgeIfAsked(app: String, target: AppTarget, reconciler: Reconciler) async throws {
        guard let asked = target.purges, asked > 0 else { return }
        var done = (try? state.read("purges.json")).flatMap { $0 }.flatMap { try? JSONDecoder().decode([String: Int].self, from: $0) } ?? [:]
        guard done[app, default: 0] < asked else { return }
        _ = try await reconciler.converge(app: app, target: nil, planning: ReleasePlanner.Options(removeVolumes: true))
        done[app] = asked
        try state.write("purges.json", try JSONEncoder().encode(done))
        logger.info("purged app data", metadata: ["app": "\(app)"])
    }

    /// Sends the fields of `report` that differ from the last report the server accepted.
    private func send(_ report: API.StateReport, api: DroverAPIClient, spool: LogSpool) async {
        var report = report
        report.architecture = Self.architecture
        let dropped = await spool.resetDropped()
        if dropped > 0 { report.droppedLogLines = dropped }
        let delta = report.delta(since: lastReport)
        guard !delta.isEmpty else { return }
        do {
            _ = try await api.send(.PATCH, "/v1/device/state", body: delta.clipped())
            lastReport = report
        } catch  where error.status == 400 || error.status == 413 {
            // Sending this delta again would be refused again; the next round sends the whole
            // report afresh instead, so no field it carried is lost for good.
            logger.warning("the server refused a state report", metadata: ["error": "\(error)"])
            lastReport = nil
        } catch {
            logger.info("state report failed; it will be sent again", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Logs

    private func followLogs(statuses: [ServiceStatus], engine: DockerClient, spool: LogSpool) async {
        // Running containers are followed; stopped ones (a one-shot job) are read to the end once.
        let containers = Dictionary(statuses.map { ($0.containerID, ($0.service, $0.state == .running)) }, uniquingKeysWith: { a, _ in a })
        for (id, task) in followers where containers[id] == nil {
            task.cancel()
            followers[id] = nil
        }
        drained = drained.filter { containers[$0]?.1 == false }
        cursors = cursors.filter { containers[$0.key] != nil || followers[$0.key] != nil }
        for (id, (service, running)) in containers where followers[id] == nil && !drained.contains(id) {
            let since = cursors[id].flatMap(Self.unixSeconds)
            if !running { drained.insert(id) }
            followers[id] = Task {
                do {
                    for try await line in try await engine.containerLogs(id, follow: running, timestamps: true, since: since.map { Int64($0) }) {
                        let timestamp = Self.normalized(line.timestamp ?? "")
                        if let cursor = self.cursor(id), timestamp <= cursor { continue }
                        await spool.append(
                            SpooledLine(
                                container: id,
                                entry: API.LogEntry(
                                    timestamp: timestamp, service: service, stream: line.stream == .stderr ? .stderr : .stdout, message: line.text)))
                        self.advance(id, to: timestamp)
                    }
                } catch {
                    // The container stopped or the engine restarted; the next round starts a new follower.
                }
                self.followerEnded(id)
            }
        }
    }

    private func cursor(_ id: String) -> String? { cursors[id] }

    private func advance(_ id: String, to timestamp: String) {
        cursors[id] = timestamp
    }

    private func followerEnded(_ id: String) {
        followers[id] = nil
    }

    /// Persists how far each container's log has reached the server. Lines read but still in
    /// the spool are found again in the spool file after a restart, so nothing is lost or sent twice.
    private func delivered(_ lines: [SpooledLine]) {
        for line in lines where line.entry.timestamp > deliveredCursors[line.container, default: ""] {
            deliveredCursors[line.container] = line.entry.timestamp
        }
        deliveredCursors = deliveredCursors.filter { cursors[$0.key] != nil }
        if let data = try? JSONEncoder().encode(deliveredCursors) { try? state.write("log-cursors.json", data) }
    }

    private var deliveredCursors: [String: String] = [:]

    /// The engine writes RFC 3339 with trailing zeros of the fraction trimmed (`…:29.4292Z`);
    /// padded to nine digits, timestamps compare correctly as text.
    static func normalized(_ timestamp: String) -> String {
        guard timestamp.hasSuffix("Z"), let dot = timestamp.firstIndex(of: ".") else { return timestamp }
        let fraction = timestamp[timestamp.index(after: dot)..<timestamp.index(before: timestamp.endIndex)]
        guard fraction.count < 9 else { return timestamp }
        return String(timestamp[...dot]) + fraction + String(repeating: "0", count: 9 - fraction.count) + "Z"
    }

    static func unixSeconds(_ rfc3339: String) -> Double? {
        // Only whole seconds are needed: lines at or before the cursor are skipped by text.
        let formatter = ISO8601DateFormatter()
        let trimmed = rfc3339.split(separator: ".").first.map { String($0) + "Z" } ?? rfc3339
        return formatter.date(from: trimmed)?.timeIntervalSince1970
    }

    private static func shipLogs(api: DroverAPIClient, spool: LogSpool, logger: Logger, delivered: @Sendable ([SpooledLine]) async -> Void) async {
        while !Task.isCancelled {
            let batch = await spool.peek(limit: API.Limits.logBatchLines)
            if batch.isEmpty {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            do {
                _ = try await api.send(.POST, "/v1/device/logs", body: API.LogBatch(lines: batch.map { $0.entry.clipped() }), gzip: true)
                await spool.remove(count: batch.count)
                await delivered(batch)
            } catch  where error.status == 400 || error.status == 413 {
                // A batch the server refuses would be sent forever and hold back every later line.
                logger.warning("the server refused a log batch; dropping it", metadata: ["lines": "\(batch.count)", "error": "\(error)"])
                await spool.remove(count: batch.count)
                await delivered(batch)
            } catch {
                await spool.spill()
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
