import DroverClient
import DroverModel
import Foundation
import Logging

/// The agent's link to the server: it asks for the target (long-poll with the last ETag),
/// takes it in through ``TargetIntake`` and saves it, sends state reports as deltas of the
/// last one the server accepted, and backs off while the server is away. With the server
/// away the target saved by the last run stays the one to run.
///
/// Which path brings a new target: while the ``DeviceChannel`` is open, the channel itself
/// (the server sends the new target, or for one too large for a frame says that it changed
/// and the link asks with a plain request); every ``channelSafetySeconds`` it asks anyway.
/// While the channel is down, the long-poll.
actor ServerLink {
    let api: DroverAPIClient
    let state: StateDirectory
    let logger: Logger
    /// Seconds a request may be held, and the ceiling of the backoff.
    let poll: Double
    /// Log lines dropped since the last report, taken from the spool when a report is sent.
    let dropped: @Sendable () async -> Int
    /// The channel on which the server says that the target changed, when it is open.
    let channel: DeviceChannel?
    /// The platform the engine runs, told in every report (sent once, as a delta).
    let platform: String?
    /// What the agent runs: the last target that passed validation.
    private(set) var intake: TargetIntake
    /// The last report the server accepted; the next one sends only what differs.
    private var accepted: API.StateReport?
    private var failures = 0
    private var firstRequest = true
    private var lastAsked: ContinuousClock.Instant?
    /// Whether the last request reached the server.
    private(set) var online = false

    /// Seconds between asks for the target while the channel is open and says nothing: a
    /// notice lost to a bug must not strand a device for long.
    static let channelSafetySeconds: Double = 3600

    init(
        api: DroverAPIClient, state: StateDirectory, poll: Double, logger: Logger, channel: DeviceChannel? = nil, platform: String? = nil,
        dropped: @escaping @Sendable () async -> Int
    ) {
        self.platform = platform
        self.api = api
        self.state = state
        self.poll = poll
        self.logger = logger
        self.channel = channel
        self.dropped = dropped
        intake = Self.savedTarget(state, logger: logger)
    }

    /// The target to converge on; nil before any arrived.
    var target: TargetState? { intake.target }

    /// Asks the server for the target, unless `attentive` (an app inside its health window
    /// or held by a lock) and it was asked less than 10 s ago and the channel said nothing:
    /// the agent then looks at its containers every 2 s, and a fleet-wide rollout must not
    /// become a request per device every 2 s. Returns whether the server answered.
    @discardableResult
    func refresh(attentive: Bool) async -> Bool {
        let now = ContinuousClock.now
        // A target the server sent over the channel is taken as a GET's answer would be.
        if let pushed = await channel?.takeTarget(), !firstRequest {
            _ = await channel?.takeSignal()
            lastAsked = now
            if pushed.etag != intake.etag {
                do {
                    try take(Data(pushed.body), etag: pushed.etag)
                } catch {
                    logger.warning("cannot save the target", metadata: ["error": "\(error)"])
                }
            }
            return online
        }
        let told = await channel?.takeSignal() ?? false
        // With the channel open, changes come over it: ask only when told (or the channel
        // opened), and once every `channelSafetySeconds`.
        let channelled = await channel?.connected ?? false
        if channelled, !told, !firstRequest, let lastAsked, now - lastAsked < .seconds(Self.channelSafetySeconds) { return online }
        if attentive, !told, let lastAsked, now - lastAsked < .seconds(min(poll, 10)) { return online }
        lastAsked = now
        online = false
        // The first request does not wait: what the saved target brought up is reported at
        // once. Nor does one made because the channel said so. The server holds a request at
        // most a minute (and refuses to be asked for longer).
        let wait = firstRequest || attentive || channelled ? 0 : min(poll, API.Limits.longPollSeconds)
        firstRequest = false
        do {
            let answer = try await api.target(knownETag: intake.etag, wait: Int(wait))
            online = true
            failures = 0
            guard case .changed(let body, let etag) = answer else { return true }
            try take(body, etag: etag)
        } catch let error as ClientError where error.isUnauthorized {
            // The device was deleted: its key no longer works. Stop its apps.
            logger.info("the server no longer knows this device; removing its apps", metadata: ["error": "\(error)"])
            intake.forget()
            do {
                try state.write("target.json", TargetState(apps: [:]).canonicalJSON())
            } catch {
                logger.warning("cannot save the empty target", metadata: ["error": "\(error)"])
            }
            failures += 1
        } catch {
            failures += 1
            logger.info("server unreachable; running the last target", metadata: ["error": "\(error)"])
        }
        return online
    }

    /// Takes in a new target. One that does not validate is refused here, before anything is
    /// saved or run; the previous target keeps running and the report says why.
    private func take(_ body: Data, etag: String?) throws {
        if let fresh = intake.receive(body, etag: etag) {
            try state.write("target.json", fresh.canonicalJSON())
            if let etag { try state.write("target.etag", Data(etag.utf8)) }
            logger.info("new target", metadata: ["apps": "\(fresh.apps.mapValues(\.release))"])
        } else {
            logger.warning("target refused", metadata: ["reason": "\(intake.refusal ?? "")"])
        }
    }

    /// Adds why the newest target was refused to `report`: the device runs its previous one.
    func annotated(_ report: API.StateReport) -> API.StateReport {
        guard let refusal = intake.refusal else { return report }
        var report = report
        report.status = .failed
        report.statusDetail = [refusal, report.statusDetail].compactMap { $0 }.joined(separator: "; ")
        return report
    }

    /// Sends the fields of `report` that differ from the last report the server accepted.
    func send(_ report: API.StateReport) async {
        var report = report
        report.architecture = DeviceSupervisor.architecture
        report.platform = platform
        let dropped = await dropped()
        if dropped > 0 { report.droppedLogLines = dropped }
        let delta = report.delta(since: accepted)
        guard !delta.isEmpty else { return }
        do {
            try await api.report(delta.clipped())
            accepted = report
        } catch  where error.isRefusal {
            // Sending this delta again would be refused again; the next round sends the whole
            // report afresh instead, so no field it carried is lost for good.
            logger.warning("the server refused a state report", metadata: ["error": "\(error)"])
            accepted = nil
        } catch {
            logger.info("state report failed; it will be sent again", metadata: ["error": "\(error)"])
        }
    }

    /// Tells the server the phase of an update under way (downloading, installing), with what
    /// it last heard of the release and services.
    func sendPhase(_ phase: API.DeviceStatus, rollout: API.Rollout?) async {
        guard online else { return }
        let previous = accepted
        await send(API.StateReport(release: previous?.release, status: phase, services: previous?.services, rollout: rollout ?? previous?.rollout))
    }

    /// Waits before the next round: a backoff while the server is away, 2 s while attentive,
    /// until the channel says the target changed while it is open, and nothing otherwise (the
    /// next request is a long-poll).
    func pause(attentive: Bool) async {
        let seconds: Double
        if !online || failures > 0 {
            let backoff = min(poll, pow(2, Double(min(failures, 6)))) * Double.random(in: 0.5...1.0)
            seconds = attentive ? min(backoff, 2) : backoff
        } else if let channel, await channel.connected {
            // Until the server says the target changed or the channel closes, or while
            // attentive, the next look at the containers is due.
            let seconds = attentive ? 2 : Self.channelSafetySeconds
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await channel.nextChange() }
                group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
                await group.next()
                group.cancelAll()
            }
            return
        } else if attentive {
            seconds = 2
        } else {
            return
        }
        do {
            try await Task.sleep(for: .seconds(seconds))
        } catch {
            // Cancelled: the supervisor's loop ends.
        }
    }

    /// The target saved by the last run, checked again: a damaged file, or one written by an
    /// agent that accepted what this one refuses, is reported and never run.
    static func savedTarget(_ state: StateDirectory, logger: Logger) -> TargetIntake {
        let saved: Result<Data?, AgentError>
        do {
            saved = .success(try state.read("target.json"))
        } catch {
            saved = .failure(error)
        }
        var etag: String?
        do {
            etag = try state.read("target.etag").map { String(decoding: $0, as: UTF8.self) }
        } catch {
            logger.info("cannot read the saved ETag; the target is asked for afresh", metadata: ["error": "\(error)"])
        }
        let intake = TargetIntake(saved: saved, etag: etag)
        if let refusal = intake.refusal { logger.warning("saved target refused", metadata: ["reason": "\(refusal)"]) }
        return intake
    }

    /// The device's credentials: read from the state directory, or obtained once by enrolling
    /// with the provisioning key and written atomically. Waits for a server that is away.
    static func enrol(config: AgentConfig, state: StateDirectory, platform: Platform, logger: Logger) async throws -> DeviceCredentials {
        if let data = try state.read("identity.json") {
            do {
                return try JSONDecoder().decode(DeviceCredentials.self, from: data)
            } catch {
                logger.warning("the stored identity cannot be read; enrolling again", metadata: ["error": "\(error)"])
            }
        }
        guard let key = config.provisioningKey, !key.isEmpty else {
            throw AgentError(.invalidTarget, "this device is not enrolled and the config has no provisioningKey")
        }
        let api = DroverAPIClient(server: config.server, credential: nil)
        defer { Task { try? await api.shutdown() } }
        var attempt = 0
        while true {
            do {
                let registered = try await api.enrol(
                    API.RegisterDevice(
                        provisioningKey: key, name: config.deviceName, architecture: DeviceSupervisor.architecture, platform: platform.description))
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
}
