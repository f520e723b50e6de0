import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

/// `drover device provision`: brings bare Linux hosts into a fleet over ssh, N at a time.
/// See the README's "Provisioning hosts over SSH".
struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Bring Linux hosts into a fleet over ssh: copy the agent, write its config, start it, wait until the device is online.",
        discussion: """
            Each host is reached with the system's ssh (so ~/.ssh/config, ssh-agent and known_hosts apply) as root, or as a \
            user with passwordless sudo. Hosts come from --ssh (repeatable) or a hosts file with one 'user@host[:port] \
            [name=NAME]' a line. A host that is already enrolled is left as it is (or its agent upgraded with --upgrade); \
            a host that fails says why and does not stop the others; the command fails if any host failed.
            """)

    @Option(name: .long, help: "The fleet the devices enrol into.") var fleet: String
    @Option(name: .long, help: ArgumentHelp("A host to provision (repeatable).", valueName: "user@host[:port]")) var ssh: [String] = []
    @Option(name: .long, help: ArgumentHelp("A file of hosts: 'user@host[:port] [name=NAME]' a line, # comments.", valueName: "file"))
    var hosts: String?
    @Option(name: .long, help: "ssh's identity file (-i).") var identity: String?
    @Option(name: .long, help: "A known_hosts file for ssh instead of the user's own.") var knownHosts: String?
    @Flag(help: "Trust a host key seen for the first time (StrictHostKeyChecking=accept-new); a changed key is still refused.")
    var acceptNew = false
    @Option(name: .long, help: "Hosts in progress at once, 1 to 256.") var parallel: Int = 16
    @Flag(help: "Install Debian's docker.io (apt-get) on a host that has no docker.") var installEngine = false
    @Flag(help: "On hosts already enrolled, replace the agent when it differs from the one copied, and restart it.") var upgrade = false
    @Option(name: .long, help: "The agent binary to copy (its architecture is read from it).") var agent: String?
    @Option(name: .long, help: "A directory of agents named drover-agent-amd64, drover-agent-arm64, drover-agent-arm.") var agentDir: String?
    @Option(name: .long, help: "The server URL as the devices reach it (default: the one this command uses).") var deviceServer: String?
    @Option(name: .long, help: "Seconds to wait for each device to come online.") var onlineTimeout: Int = 120
    @OptionGroup var connection: Connection
    @OptionGroup var output: OutputOption

    func validate() throws {
        guard ssh.isEmpty != (hosts == nil) else { throw ValidationError("name the hosts with --ssh user@host[:port] (repeatable), or with --hosts FILE") }
        guard (1...256).contains(parallel) else { throw ValidationError("--parallel must be from 1 to 256, not \(parallel)") }
        guard agent == nil || agentDir == nil else { throw ValidationError("give --agent PATH or --agent-dir DIR, not both") }
        guard (5...3600).contains(onlineTimeout) else { throw ValidationError("--online-timeout must be from 5 to 3600 seconds") }
        if let deviceServer, !(deviceServer.hasPrefix("http://") || deviceServer.hasPrefix("https://")) {
            throw ValidationError("--device-server must start with http:// or https://, not '\(deviceServer)'")
        }
        for file in [identity, knownHosts].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("cannot read \(file)")
        }
    }

    /// The hosts from --ssh or --hosts, checked: no host twice, no name twice.
    func targets() throws -> [ProvisionTarget] {
        if let hosts {
            let text: String
            do {
                text = try String(contentsOfFile: hosts, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read the hosts file \(hosts): \(error.localizedDescription)")
            }
            let targets = try ProvisionTarget.hostsFile(text, path: hosts)
            guard !targets.isEmpty else { throw ValidationError("\(hosts) names no hosts") }
            return targets
        }
        var seen = Set<String>()
        var names = Set<String>()
        return try ssh.map { text in
            let target: ProvisionTarget
            do {
                target = try ProvisionTarget.parse(text)
            } catch let error as ValidationError {
                throw ValidationError("--ssh \(error.message)")
            }
            guard seen.insert(target.label).inserted else { throw ValidationError("--ssh \(text) is given twice") }
            guard names.insert(target.name).inserted else {
                throw ValidationError("--ssh \(text): two hosts would be device '\(target.name)'; give names in a hosts file (name=NAME)")
            }
            return target
        }
    }

    func run() async throws {
        let targets = try targets()
        // A host that closes its end while its standard input is still being written must fail
        // that host's step, not end the whole command.
        signal(SIGPIPE, SIG_IGN)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let agents = try await AgentBinaries(agent: agent, directory: agentDir, executable: executable)
        let (server, token) = try connection.resolved()
        let waves = (targets.count + parallel - 1) / parallel
        let plan = ProvisionPlan(
            fleet: fleet, deviceServer: deviceServer ?? server,
            ssh: SSHOptions(identity: identity, knownHosts: knownHosts, acceptNew: acceptNew), installEngine: installEngine, upgrade: upgrade,
            agents: agents, onlineTimeout: .seconds(onlineTimeout))
        let progress = ProvisionProgress()
        let reports = try await DroverAPIClient.with(server: server, credential: token) { api in
            _ = try await api.fleet(fleet)
            // Long enough for every wave of hosts to enrol (an engine install is the slow part),
            // and for no more devices than there are hosts.
            let key = ProvisioningKeySource(
                api: api, fleet: fleet, hosts: targets.count, expiresInSeconds: 600 + waves * (installEngine ? 900 : 300) + onlineTimeout)
            let reports = await Self.provision(targets, parallel: parallel) { target in
                await HostProvisioner(target: target, plan: plan, api: api, key: key, progress: progress).provision()
            }
            do {
                try await key.revoke()
            } catch {
                progress.clear()
                FileHandle.standardError.write(Data("warning: cannot revoke this run's provisioning key: \(error)\n".utf8))
            }
            return reports
        }
        progress.clear()
        try output.print(reports) { ProvisionSummary.table($0) }
        if reports.contains(where: { $0.result == .failed }) { throw ExitCode(1) }
    }

    /// Runs `body` for every target, at most `parallel` at once, and answers the reports in the
    /// targets' order.
    static func provision(
        _ targets: [ProvisionTarget], parallel: Int, _ body: @escaping @Sendable (ProvisionTarget) async -> ProvisionReport
    ) async -> [ProvisionReport] {
        await withTaskGroup(of: (Int, ProvisionReport).self) { group in
            var pending = targets.indices.makeIterator()
            for _ in 0..<min(parallel, targets.count) {
                if let index = pending.next() { group.addTask { (index, await body(targets[index])) } }
            }
            var reports = [ProvisionReport?](repeating: nil, count: targets.count)
            for await (index, report) in group {
                reports[index] = report
                if let index = pending.next() { group.addTask { (index, await body(targets[index])) } }
            }
            return reports.compactMap { $0 }
        }
    }
}
