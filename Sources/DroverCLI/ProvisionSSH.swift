import Foundation
import Synchronization

/// How `drover device provision` calls the system's OpenSSH client. The system `ssh` rather
/// than an SSH library: it honours `~/.ssh/config`, ssh-agent, ProxyJump, certificates and
/// known_hosts exactly as the user's own ssh does, so a host that `ssh user@host` reaches is
/// one that provisioning reaches.
struct SSHOptions: Sendable, Equatable {
    /// `-i KEY`.
    var identity: String?
    /// `-o UserKnownHostsFile=FILE`.
    var knownHosts: String?
    /// `StrictHostKeyChecking=accept-new` instead of `yes`: a host not yet known is added, a
    /// changed key is still refused.
    var acceptNew = false
    /// Seconds to connect.
    var connectTimeout = 10

    /// The arguments of `ssh` that run `command` on `target`. Secrets never go here (the local
    /// command line, and the remote one, are visible to `ps`): they go through standard input.
    func arguments(for target: ProvisionTarget, command: String) -> [String] {
        var arguments = [
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=\(connectTimeout)",
            "-o", "StrictHostKeyChecking=\(acceptNew ? "accept-new" : "yes")",
            // A link that dies mid-step fails the step in under a minute instead of hanging.
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
            // No "Permanently added … to the list of known hosts" on stderr: errors only.
            "-o", "LogLevel=ERROR",
        ]
        if let knownHosts { arguments += ["-o", "UserKnownHostsFile=\(knownHosts)"] }
        if let identity { arguments += ["-i", identity] }
        if let port = target.port { arguments += ["-p", String(port)] }
        if let user = target.user { arguments += ["-l", user] }
        return arguments + ["--", target.host, command]
    }
}

/// What goes to a remote command's standard input.
enum RemoteInput: Sendable {
    /// Nothing (`/dev/null`).
    case none
    /// These bytes: a config with a secret, a unit file, a script.
    case data(Data)
    /// A local file, streamed: the agent binary.
    case file(String)
}

/// The outcome of one `ssh` run.
struct RemoteOutput: Sendable {
    /// ssh's exit status: the remote command's, or 255 when ssh itself failed.
    var status: Int32
    /// Standard output.
    var stdout: String
    /// Standard error.
    var stderr: String
    /// Whether the deadline ended it.
    var timedOut = false

    /// The last non-empty line of stderr, which is where ssh and remote commands say why.
    var lastErrorLine: String? {
        stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.last { !$0.isEmpty }
    }
}

/// Runs local programs (`ssh`, `sha256sum`) without blocking the concurrency pool: each run
/// has threads of its own for its pipes, and a deadline after which it is terminated.
enum LocalProcess {
    /// Runs `executable` (looked up in `PATH`) with `arguments`, feeding it `input`.
    static func run(_ executable: String, _ arguments: [String], input: RemoteInput = .none, timeout: Duration) async throws -> RemoteOutput {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try runBlocking(executable, arguments, input: input, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], input: RemoteInput, timeout: Duration) throws -> RemoteOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        var stdinPipe: Pipe?
        switch input {
        case .none:
            process.standardInput = FileHandle.nullDevice
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ProvisionFailure(.agent, "cannot read \(path)")
            }
            process.standardInput = handle
        case .data:
            let pipe = Pipe()
            stdinPipe = pipe
            process.standardInput = pipe
        }
        let timedOut = Mutex(false)
        try process.run()
        let group = DispatchGroup()
        let collected = Mutex((out: Data(), err: Data()))
        for (pipe, isOut) in [(stdout, true), (stderr, false)] {
            group.enter()
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.withLock { if isOut { $0.out = data } else { $0.err = data } }
                group.leave()
            }
        }
        if case .data(let data) = input, let stdinPipe {
            // A remote end that quits early closes the pipe: a write then fails, which the
            // exit status reports better than SIGPIPE would.
            signal(SIGPIPE, SIG_IGN)
            try? stdinPipe.fileHandleForWriting.write(contentsOf: data)
            try? stdinPipe.fileHandleForWriting.close()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = DispatchWorkItem {
            timedOut.withLock { $0 = true }
            process.terminate()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: deadline)
        process.waitUntilExit()
        deadline.cancel()
        group.wait()
        let (out, err) = collected.withLock { ($0.out, $0.err) }
        return RemoteOutput(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
            timedOut: timedOut.withLock { $0 })
    }
}

/// One host's shell over ssh: runs the provisioning steps' commands there, as root (through
/// `sudo -n` when the login is not root).
struct RemoteHost: Sendable {
    let target: ProvisionTarget
    let options: SSHOptions
    /// Whether commands go through `sudo -n` (known after the first probe).
    var sudo = false

    /// Runs `script` with `sh` on the host; a non-zero status fails `step` with the last line
    /// of stderr. Returns standard output.
    @discardableResult
    func run(_ step: ProvisionStep, _ script: String, input: RemoteInput = .none, timeout: Duration = .seconds(120)) async throws -> String {
        let output = try await LocalProcess.run("ssh", options.arguments(for: target, command: command(script)), input: input, timeout: timeout)
        if output.timedOut { throw ProvisionFailure(step, "no answer in \(timeout.components.seconds) s") }
        guard output.status == 0 else { throw ProvisionFailure(step, Self.reason(output, step: step)) }
        return output.stdout
    }

    /// The command line ssh sends: `sh -c 'SCRIPT'`, so the login shell (bash, zsh, fish…)
    /// does not matter. Scripts hold no secrets.
    func command(_ script: String) -> String {
        (sudo ? "sudo -n " : "") + "sh -c " + Self.quoted(script)
    }

    /// `text` in single quotes for a POSIX shell.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Why a run failed, in one line: ssh's own complaint (exit 255), with what to do about
    /// the common ones, or the command's last line of stderr.
    static func reason(_ output: RemoteOutput, step: ProvisionStep) -> String {
        let line = output.lastErrorLine ?? "exit status \(output.status)"
        guard output.status == 255 else { return line }
        if line.contains("Host key verification failed") || line.contains("No matching host key") || line.contains("REMOTE HOST IDENTIFICATION") {
            return "ssh: \(line) (put the host's key in known_hosts, or pass --accept-new for a host never seen before)"
        }
        if line.contains("Permission denied") { return "ssh: \(line) (is the key in the host's authorized_keys? --identity KEY)" }
        return line.hasPrefix("ssh:") ? line : "ssh: \(line)"
    }
}
