import Foundation
import Logging
import ServiceLifecycle

/// CNCF Distribution (Debian's `docker-registry`) as a child of the server, on loopback, with
/// its storage in the data directory and token authentication by this server. It is started
/// with the server, restarted when it dies (with a growing pause), and stopped with SIGTERM
/// when the server stops. Garbage collection stops it for the sweep, as Distribution asks.
public actor EmbeddedRegistry: Service {
    /// Where it runs and whom it trusts.
    public struct Configuration: Sendable {
        /// The registry program: `docker-registry` (Debian) or `registry` (upstream).
        public var program: String
        /// Its directory in the data directory: configuration, storage, log.
        public var directory: String
        /// `host:port` it listens on.
        public var listen: String
        /// The token service's URL (this server's `/v1/registry/token`).
        public var realm: String
        /// The tokens' audience.
        public var service: String
        /// The tokens' issuer.
        public var issuer: String
        /// The certificate of the tokens' signing key.
        public var certificatePath: String

        /// A configuration.
        public init(program: String, directory: String, listen: String, realm: String, service: String, issuer: String, certificatePath: String) {
            self.program = program
            self.directory = directory
            self.listen = listen
            self.realm = realm
            self.service = service
            self.issuer = issuer
            self.certificatePath = certificatePath
        }
    }

    private let configuration: Configuration
    private let logger: Logger
    private var process: Process?
    private var exited: [CheckedContinuation<Int32, Never>] = []
    private var paused = false
    private var stopping = false

    /// A registry that `run()` starts.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The configuration file's path.
    var configPath: String { configuration.directory + "/config.yml" }
    /// Where the running child's pid is kept.
    var pidPath: String { configuration.directory + "/registry.pid" }

    /// Stops a registry that an earlier server of this data directory left running (it was
    /// killed, and its child was not): it would hold the port. Only a `serve` of this very
    /// configuration file is stopped.
    private func stopLeftover() async {
        guard let text = FileManager.default.contents(atPath: pidPath).map({ String(decoding: $0, as: UTF8.self) }),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
            let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
            String(decoding: command, as: UTF8.self).split(separator: "\u{0}").contains(where: { $0 == configPath })
        else { return }
        logger.info("stopping the registry an earlier server left running", metadata: ["pid": "\(pid)"])
        kill(pid, SIGTERM)
        for _ in 0..<50 {
            guard kill(pid, 0) == 0 else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
    }

    /// The program's full path, looked up on `PATH` (and Debian's and upstream's names).
    static func locate(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/sbin", "/usr/bin"] {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Writes the configuration: filesystem storage with deletes allowed (for `registry gc`),
    /// token authentication by this server, and no listener beyond `listen`.
    func writeConfiguration() throws {
        let files = FileManager.default
        try files.createDirectory(atPath: configuration.directory + "/storage", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let secretPath = configuration.directory + "/http-secret"
        if !files.fileExists(atPath: secretPath) {
            _ = files.createFile(atPath: secretPath, contents: Data(Secrets.mint(prefix: "").utf8), attributes: [.posixPermissions: 0o600])
        }
        let secret = String(decoding: files.contents(atPath: secretPath) ?? Data(), as: UTF8.self)
        let text = """
            # Written by drover server at each start; edits are lost.
            version: 0.1
            log:
              level: warn
              fields:
                service: registry
            storage:
              filesystem:
                rootdirectory: \(Self.quoted(configuration.directory + "/storage"))
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: true
                  age: 24h
                  interval: 1h
                  dryrun: false
            http:
              addr: \(Self.quoted(configuration.listen))
              secret: \(Self.quoted(secret))
              headers:
                X-Content-Type-Options: [nosniff]
            auth:
              token:
                realm: \(Self.quoted(configuration.realm))
                service: \(Self.quoted(configuration.service))
                issuer: \(Self.quoted(configuration.issuer))
                rootcertbundle: \(Self.quoted(configuration.certificatePath))

            """
        guard files.createFile(atPath: configPath, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerError(.storage, "cannot write \(configPath)")
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Runs the registry until the server stops, starting it again when it dies.
    public func run() async throws {
        try writeConfiguration()
        await stopLeftover()
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if paused {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(100)) }
                continue
            }
            let started = ContinuousClock.now
            let status: Int32
            do {
                // A graceful stop (SIGTERM to the server) and a cancelled service group both
                // stop the child: nothing outlives the server.
                status = try await withTaskCancellationHandler {
                    try await withGracefulShutdownHandler {
                        try await runOnce()
                    } onGracefulShutdown: {
                        Task { await self.stop() }
                    }
                } onCancel: {
                    Task { await self.stop() }
                }
            } catch {
                logger.error("cannot start the registry", metadata: ["program": "\(configuration.program)", "error": "\(error)"])
                status = -1
            }
            if stopping || Task.isShuttingDownGracefully || Task.isCancelled { return }
            if paused { continue }
            failures = ContinuousClock.now - started > .seconds(60) ? 1 : failures + 1
            let pause = min(30.0, Double(1 << min(failures, 5)) / 2)
            logger.warning(
                "the registry stopped; starting it again",
                metadata: ["status": "\(status)", "in": "\(pause)s", "log": "\(configuration.directory)/registry.log"])
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
        }
    }

    /// Starts the program and waits for it to end; returns its exit status.
    private func runOnce() async throws -> Int32 {
        guard let program = Self.locate(configuration.program) else {
            throw ServerError(.unavailable, "'\(configuration.program)' is not installed (Debian: apt-get install docker-registry)")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: program)
        child.arguments = ["serve", configPath]
        let logPath = configuration.directory + "/registry.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        child.standardOutput = log
        child.standardError = log
        child.standardInput = FileHandle.nullDevice
        child.terminationHandler = { ended in
            let status = ended.terminationStatus
            Task { await self.ended(status) }
        }
        try child.run()
        process = child
        _ = FileManager.default.createFile(
            atPath: pidPath, contents: Data("\(child.processIdentifier)".utf8), attributes: [.posixPermissions: 0o600])
        // Stopped while it was starting: it goes at once.
        if stopping { child.terminate() }
        logger.info("registry started", metadata: ["listen": "\(configuration.listen)", "pid": "\(child.processIdentifier)"])
        let status = await withCheckedContinuation { exited.append($0) }
        try? log.close()
        return status
    }

    private func ended(_ status: Int32) {
        process = nil
        let waiting = exited
        exited.removeAll()
        for continuation in waiting { continuation.resume(returning: status) }
    }

    /// Stops the registry for good (the server is stopping).
    func stop() {
        stopping = true
        process?.terminate()
    }

    /// Runs `work` with the registry stopped, then starts it again (the loop in `run()` does).
    func whileStopped<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        paused = true
        defer { paused = false }
        if let process, process.isRunning {
            process.terminate()
            _ = await withCheckedContinuation { exited.append($0) }
        }
        return try await work()
    }

    /// Distribution's garbage collection over its storage (the registry stopped meanwhile):
    /// deletes the blobs no manifest uses any more. Returns what it printed.
    public func garbageCollect() async throws -> String {
        guard let program = Self.locate(configuration.program) else {
            throw ServerError(.unavailable, "'\(configuration.program)' is not installed")
        }
        let config = configPath
        return try await whileStopped { () async throws -> String in
            let child = Process()
            child.executableURL = URL(fileURLWithPath: program)
            child.arguments = ["garbage-collect", config]
            let pipe = Pipe()
            child.standardOutput = pipe
            child.standardError = pipe
            try child.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            child.waitUntilExit()
            let text = String(decoding: output, as: UTF8.self)
            guard child.terminationStatus == 0 else {
                throw ServerError(.internalFailure, "the registry's garbage-collect failed (\(child.terminationStatus)): \(text.suffix(2000))")
            }
            return text
        }
    }
}
