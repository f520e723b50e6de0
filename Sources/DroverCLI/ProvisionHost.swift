import ArgumentParser
import DroverClient
import DroverModel
import Foundation

/// The steps of bringing up one host, in order; a failure names the step it happened in.
enum ProvisionStep: String, Sendable, Codable, CaseIterable {
    case connect, engine, agent, config, service, online

    /// What the live display says while the step runs.
    var doing: String {
        switch self {
        case .connect: "checking the host"
        case .engine: "installing docker.io"
        case .agent: "copying the agent"
        case .config: "writing the config"
        case .service: "starting the agent"
        case .online: "waiting for the device to come online"
        }
    }
}

/// How a host ended.
enum ProvisionOutcome: String, Sendable, Codable {
    /// Enrolled now: agent copied, config written, service started, device online.
    case provisioned
    /// Already enrolled, its agent running and its device known: left as it was.
    case unchanged
    /// Already enrolled; its agent binary was replaced (`--upgrade`) and restarted.
    case upgraded
    /// Already enrolled, but its agent was not running: started again.
    case started
    /// Something failed; the reason says which step and why.
    case failed
}

/// Why a host failed: the step, and the remote command's (or ssh's) last words.
struct ProvisionFailure: Error, Sendable, CustomStringConvertible {
    var step: ProvisionStep
    var message: String
    init(_ step: ProvisionStep, _ message: String) {
        self.step = step
        self.message = message
    }
    var description: String { "\(step.rawValue): \(message)" }
}

/// One host's line in the summary (and in `-o json`).
struct ProvisionReport: Sendable, Codable, Equatable {
    var host: String
    var arch: String?
    var device: String
    var uuid: String?
    var result: ProvisionOutcome
    var seconds: Double
    /// The failing step, when failed.
    var step: ProvisionStep?
    /// Why it failed, when failed.
    var reason: String?
}

/// What every host's provisioning shares: the choices of the command, the API, the agent
/// binaries and the one provisioning key of the run.
struct ProvisionPlan: Sendable {
    var fleet: String
    /// The server URL as the devices reach it.
    var deviceServer: String
    var ssh: SSHOptions
    var installEngine: Bool
    var upgrade: Bool
    var agents: AgentBinaries
    var onlineTimeout: Duration = .seconds(120)
}

/// Brings up one host: probe, engine, agent, config, service, online. Never throws: a failure
/// becomes the host's report, and the other hosts go on.
struct HostProvisioner: Sendable {
    let target: ProvisionTarget
    let plan: ProvisionPlan
    let api: DroverAPIClient
    let key: ProvisioningKeySource
    let progress: ProvisionProgress

    func provision() async -> ProvisionReport {
        let start = ContinuousClock.now
        var report = ProvisionReport(host: target.label, arch: nil, device: target.name, uuid: nil, result: .failed, seconds: 0)
        do {
            report.result = try await steps(&report)
        } catch let failure as ProvisionFailure {
            report.result = .failed
            report.step = failure.step
            report.reason = failure.message
        } catch {
            report.result = .failed
            report.reason = "\(error)"
        }
        let elapsed = ContinuousClock.now - start
        report.seconds = Double(elapsed.components.seconds) + (Double(elapsed.components.attoseconds) / 1e17).rounded() / 10
        progress.finished(report)
        return report
    }

    private func steps(_ report: inout ProvisionReport) async throws -> ProvisionOutcome {
        var host = RemoteHost(target: target, options: plan.ssh)
        progress.step(target, .connect)
        var facts = HostFacts(probe: try await host.run(.connect, ProvisionScripts.probe(upgrade: plan.upgrade), timeout: .seconds(60)))
        guard facts.os == "Linux" else {
            throw ProvisionFailure(.connect, "the host runs \(facts.os.isEmpty ? "an unknown system" : facts.os), not Linux")
        }
        guard let arch = ProvisionArch.fromUname(facts.machine) else {
            throw ProvisionFailure(.connect, "no drover-agent for architecture \(facts.machine) (there are amd64, arm64 and arm)")
        }
        report.arch = arch
        if !facts.root {
            host.sudo = true
            _ = try await host.run(.connect, "true").isEmpty
            facts = HostFacts(probe: try await host.run(.connect, ProvisionScripts.probe(upgrade: plan.upgrade), timeout: .seconds(60)))
        }

        if let uuid = facts.uuid, !uuid.isEmpty {
            report.uuid = uuid
            return try await enrolled(host: host, facts: facts, uuid: uuid, arch: arch, report: &report)
        }

        if !facts.docker || !facts.engineAnswers {
            guard plan.installEngine, !facts.docker else {
                if facts.docker { throw ProvisionFailure(.engine, "docker is installed but its engine does not answer at /var/run/docker.sock") }
                throw ProvisionFailure(.engine, "docker is not installed; pass --install-engine to install Debian's docker.io")
            }
            guard facts.aptGet else { throw ProvisionFailure(.engine, "docker is not installed and there is no apt-get to install docker.io with") }
            progress.step(target, .engine)
            try await host.run(.engine, ProvisionScripts.installEngine, timeout: .seconds(900))
        }
        try await copyAgent(host: host, arch: arch, installed: facts.agentSHA256)

        progress.step(target, .config)
        let secret = try await key.key()
        try await host.run(
            .config, ProvisionScripts.writeConfig,
            input: .data(try ProvisionScripts.config(server: plan.deviceServer, provisioningKey: secret, deviceName: target.name)))

        progress.step(target, .service)
        if facts.systemd {
            try await host.run(.service, ProvisionScripts.installUnit, input: .data(Data(ProvisionScripts.systemdUnit.utf8)))
        } else {
            try await host.run(.service, ProvisionScripts.installSupervisor, input: .data(Data(ProvisionScripts.supervisor.utf8)))
        }
        report.uuid = try await waitOnline(host: host, systemd: facts.systemd)
        return .provisioned
    }

    /// A host that enrolled before: left as it is when its agent runs and the server knows
    /// its device; its agent replaced with `--upgrade`, or started when it is not running.
    private func enrolled(host: RemoteHost, facts: HostFacts, uuid: String, arch: String, report: inout ProvisionReport) async throws -> ProvisionOutcome {
        let device: API.Device
        do throws(ClientError) {
            device = try await api.device(uuid)
        } catch  where error.status == 404 {
            throw ProvisionFailure(
                .connect,
                "the host enrolled as device \(uuid), which the server does not know (deleted, or another server's); "
                    + "remove \(ProvisionPaths.identity) on the host to enrol it again")
        } catch {
            throw ProvisionFailure(.connect, "cannot look up device \(uuid): \(error.message)")
        }
        guard device.fleet == plan.fleet else {
            throw ProvisionFailure(
                .connect, "the host is device \(device.name) of fleet \(device.fleet); move it with 'drover device move \(device.name) --to \(plan.fleet)'")
        }
        report.device = device.name
        var outcome = ProvisionOutcome.unchanged
        if plan.upgrade, try plan.agents.sha256(arch: arch) != facts.agentSHA256 {
            try await copyAgent(host: host, arch: arch, installed: facts.agentSHA256)
            outcome = .upgraded
        }
        if outcome == .upgraded && facts.running {
            progress.step(target, .service)
            try await host.run(.service, ProvisionScripts.restart(systemd: facts.systemd), timeout: .seconds(90))
        } else if !facts.running {
            progress.step(target, .service)
            try await host.run(.service, ProvisionScripts.start(systemd: facts.systemd))
            if outcome == .unchanged { outcome = .started }
        } else {
            return .unchanged
        }
        _ = try await waitOnline(host: host, systemd: facts.systemd)
        return outcome
    }

    private func copyAgent(host: RemoteHost, arch: String, installed: String?) async throws {
        let binary = try plan.agents.path(arch: arch)
        let sha256 = try plan.agents.sha256(arch: arch)
        guard sha256 != installed else { return }
        progress.step(target, .agent, detail: plan.agents.size(arch: arch))
        let copied = try await host.run(.agent, ProvisionScripts.installAgent, input: .file(binary), timeout: .seconds(600))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let size = plan.agents.bytes(arch: arch)
        guard copied == String(size) else { throw ProvisionFailure(.agent, "the host received \(copied) bytes of the agent, not \(size)") }
    }

    /// Waits for the agent to enrol (its identity appears) and for the server to count the
    /// device online; a timeout quotes the agent's log.
    private func waitOnline(host: RemoteHost, systemd: Bool) async throws -> String {
        progress.step(target, .online)
        let deadline = ContinuousClock.now + plan.onlineTimeout
        func timedOut(_ what: String) async -> ProvisionFailure {
            let tail = (try? await host.run(.online, ProvisionScripts.logTail(systemd: systemd), timeout: .seconds(30))) ?? ""
            let lines = tail.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            return ProvisionFailure(.online, what + (lines.isEmpty ? "" : "; the agent's log ends: " + lines.joined(separator: " | ")))
        }
        let uuid: String
        do {
            uuid =
                try await host
                .run(.online, ProvisionScripts.waitForIdentity(seconds: Int(plan.onlineTimeout.components.seconds)), timeout: plan.onlineTimeout + .seconds(30))
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let failure as ProvisionFailure {
            throw await timedOut(failure.message)
        }
        guard !uuid.isEmpty else { throw await timedOut("the agent's identity holds no uuid") }
        var last = "the server has not heard from it"
        while ContinuousClock.now < deadline {
            do throws(ClientError) {
                if try await api.device(uuid).online { return uuid }
                last = "the server counts device \(uuid) offline"
            } catch {
                last = "device \(uuid): \(error.message)"
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw await timedOut("not online after \(plan.onlineTimeout.components.seconds) s (\(last))")
    }
}

/// The run's one provisioning key, made on first use (a run where every host is enrolled
/// makes none), limited to the run's hosts and short-lived, and revoked when the run ends:
/// an enrolled agent no longer needs it.
actor ProvisioningKeySource {
    private let api: DroverAPIClient
    private let fleet: String
    private let request: API.CreateKey
    private var made: Task<API.ProvisioningKey, any Error>?

    init(api: DroverAPIClient, fleet: String, hosts: Int, expiresInSeconds: Int) {
        self.api = api
        self.fleet = fleet
        request = API.CreateKey(expiresInSeconds: expiresInSeconds, deviceLimit: hosts)
    }

    /// The key's secret.
    func key() async throws -> String {
        let task =
            made
            ?? Task { [api, fleet, request] in
                try await api.createKey(fleet: fleet, request)
            }
        made = task
        do {
            guard let secret = try await task.value.key else { throw ProvisionFailure(.config, "the server made a key without a secret") }
            return secret
        } catch let failure as ProvisionFailure {
            made = nil
            throw failure
        } catch let error as ClientError {
            // A failure is not kept: the next host asks again, so one hiccup fails one host.
            made = nil
            throw ProvisionFailure(.config, "cannot make a provisioning key for fleet \(fleet): \(error.message)")
        }
    }

    /// Revokes the key, if one was made.
    func revoke() async throws {
        guard let made, let key = try? await made.value else { return }
        try await api.revokeKey(fleet: fleet, id: key.id)
    }
}

/// The agent binaries to copy: one per architecture, each with its sha256 (computed once).
final class AgentBinaries: Sendable {
    private let paths: [String: String]
    private let sums: [String: String]
    private let sizes: [String: Int64]
    private let source: String

    /// `--agent PATH` (its architecture read from its ELF header), `--agent-dir DIR`
    /// (`drover-agent-ARCH` files), or else the `drover-agent` beside this `drover`.
    init(agent: String?, directory: String?, executable: String) async throws {
        var paths: [String: String] = [:]
        if let agent {
            let arch = try Self.arch(of: agent)
            paths[arch] = agent
            source = agent
        } else if let directory {
            for arch in ["amd64", "arm64", "arm"] {
                let path = (directory as NSString).appendingPathComponent("drover-agent-\(arch)")
                if FileManager.default.isReadableFile(atPath: path) { paths[arch] = path }
            }
            guard !paths.isEmpty else { throw ValidationError("--agent-dir \(directory) holds no drover-agent-amd64, drover-agent-arm64 or drover-agent-arm") }
            source = directory
        } else {
            let beside = ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent("drover-agent")
            guard FileManager.default.isReadableFile(atPath: beside) else {
                throw ValidationError("no drover-agent beside \(executable): name one with --agent PATH or --agent-dir DIR")
            }
            paths[try Self.arch(of: beside)] = beside
            source = beside
        }
        var sums: [String: String] = [:]
        var sizes: [String: Int64] = [:]
        for (arch, path) in paths {
            let output = try await LocalProcess.run("sha256sum", [path], timeout: .seconds(120))
            guard output.status == 0, let sum = output.stdout.split(separator: " ").first, sum.count == 64 else {
                throw ValidationError("cannot take the sha256 of \(path): \(output.lastErrorLine ?? "sha256sum failed")")
            }
            sums[arch] = String(sum)
            sizes[arch] = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        }
        self.paths = paths
        self.sums = sums
        self.sizes = sizes
    }

    private static func arch(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read the agent \(path)") }
        defer { try? handle.close() }
        guard let arch = ProvisionArch.ofELF((try? handle.read(upToCount: 20)) ?? Data()) else {
            throw ValidationError("\(path) is not a Linux executable for amd64, arm64 or arm")
        }
        return arch
    }

    func path(arch: String) throws -> String {
        guard let path = paths[arch] else {
            throw ProvisionFailure(.agent, "no drover-agent for \(arch) (have \(paths.keys.sorted().joined(separator: ", ")) from \(source)); use --agent-dir")
        }
        return path
    }

    func sha256(arch: String) throws -> String {
        _ = try path(arch: arch)
        return sums[arch] ?? ""
    }

    func size(arch: String) -> String {
        PushCommand.size(bytes(arch: arch))
    }

    func bytes(arch: String) -> Int64 {
        sizes[arch] ?? 0
    }
}
