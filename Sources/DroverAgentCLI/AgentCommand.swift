import ArgumentParser
import DockerEngine
import DroverAgent
import DroverCLISupport
import DroverModel
import Foundation
import Logging

/// `drover-agent`: the device supervisor's command line.
public struct AgentCommand: AsyncParsableCommand {
    /// Command configuration.
    public static let configuration = CommandConfiguration(
        commandName: "drover-agent",
        abstract: "Drover's device agent: make the container engine run what a compose file or target says.",
        subcommands: [Run.self, Apply.self, PlanCommand.self, Status.self, Remove.self]
    )

    /// Creates the command.
    public init() {}
}

/// Options every subcommand shares.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "Engine address: unix:///path or tcp://host:port (default: $DOCKER_HOST or unix:///var/run/docker.sock).")
    var engine: String?

    @Option(name: .long, help: "Device id (default: the id stored in the state directory).")
    var device: String?

    @Option(name: .long, help: "Agent state directory (default: $DROVER_STATE_DIR or /var/lib/drover).")
    var stateDir: String?

    func endpoint() throws -> EngineEndpoint {
        if let engine { return try EngineEndpoint(parsing: engine) }
        return try EngineEndpoint.fromEnvironment(ProcessInfo.processInfo.environment)
    }

    func deviceIdentity() throws -> DeviceIdentity {
        if let device {
            guard !device.isEmpty else { throw ValidationError("--device must not be empty") }
            return DeviceIdentity(id: device)
        }
        let directory = StateDirectory(path: stateDir ?? StateDirectory.defaultPath(environment: ProcessInfo.processInfo.environment))
        return DeviceIdentity(id: try directory.deviceID())
    }

    /// Connects, runs `body`, and always shuts the client down.
    func withReconciler<T>(_ body: (Reconciler) async throws -> T) async throws -> T {
        let client = try await DockerClient.connect(to: try endpoint(), logger: Logger(label: "drover.docker"))
        do {
            var options = Reconciler.Options()
            let root = stateDir ?? StateDirectory.defaultPath(environment: ProcessInfo.processInfo.environment)
            options.runtimeRoot = URL(fileURLWithPath: root).standardizedFileURL.path + "/apps"
            let reconciler = Reconciler(engine: client, device: try deviceIdentity(), logger: Logger(label: "drover.agent"), options: options)
            let result = try await body(reconciler)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// Where the desired state comes from: a compose file or a target document.
struct SourceOptions: ParsableArguments {
    @Option(name: [.short, .customLong("file")], help: "Compose file.")
    var file: String?

    @Option(name: .long, help: "Target-state JSON document (instead of -f).")
    var target: String?

    @Option(name: .long, help: "App name (default: the compose file's name: key, else its directory's name).")
    var app: String?

    @Option(name: .long, help: "Release id recorded on what is created (with -f).")
    var release: String = "local"

    @Option(name: .long, help: "Compose profile to activate (repeatable).")
    var profile: [String] = []

    /// The apps to converge, by name, and the warnings met while reading.
    func load() throws -> (apps: [(String, AppTarget)], warnings: [String]) {
        switch (file, target) {
        case (nil, nil): throw ValidationError("give a compose file with -f FILE or a target document with --target FILE")
        case (.some, .some): throw ValidationError("give either -f or --target, not both")
        case (let file?, nil):
            let url = URL(fileURLWithPath: file).standardizedFileURL
            // Read no more than the parser accepts: a huge file (or a device node) must not fill memory.
            let data: Data
            do {
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                data = try handle.read(upToCount: DocumentLimits.maxBytes + 1) ?? Data()
            } catch {
                throw CLIError("cannot read compose file \(file): \(error.localizedDescription)")
            }
            guard data.count <= DocumentLimits.maxBytes else {
                throw CLIError("\(file): the document is larger than \(DocumentLimits.maxBytes) bytes; Drover accepts compose documents of at most 1 MiB")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw CLIError("cannot read compose file \(file): it is not UTF-8 text")
            }
            let directory = url.deletingLastPathComponent().path
            var environment = ProcessInfo.processInfo.environment
            // As docker compose does: a .env file next to the document fills in unset variables.
            if let dotenv = try? String(contentsOfFile: directory + "/.env", encoding: .utf8) {
                environment.merge(DotEnv.parse(dotenv)) { own, _ in own }
            }
            let parser = ComposeParser(
                environment: environment, activeProfiles: Set(profile), baseDirectory: directory,
                readFile: { name in try String(contentsOfFile: name.hasPrefix("/") ? name : directory + "/" + name, encoding: .utf8) })
            let document: ComposeDocument
            do {
                document = try parser.parse(text)
            } catch {
                throw CLIError("\(file): \(error)")
            }
            let name = app ?? document.name ?? Self.projectName(from: url.deletingLastPathComponent().lastPathComponent)
            return ([(name, AppTarget(release: release, app: document.app))], document.warnings)
        case (nil, let target?):
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: target))
            } catch {
                throw CLIError("cannot read target document \(target): \(error.localizedDescription)")
            }
            let state: TargetState
            do {
                state = try TargetState.decode(from: data)
            } catch {
                throw CLIError("\(target): \(error)")
            }
            if let app {
                guard let one = state.apps[app] else {
                    throw CLIError("\(target) has no app '\(app)' (it has: \(state.apps.keys.sorted().joined(separator: ", ")))")
                }
                return ([(app, one)], [])
            }
            return (state.apps.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, [])
        }
    }

    static func projectName(from directory: String) -> String {
        let cleaned = directory.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return cleaned.isEmpty ? "app" : cleaned
    }
}

/// A user-facing failure with a message and no stack of causes.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T) throws { try TerminalOutput.printJSON(value) }

func table(_ header: [String], _ rows: [[String]]) -> String { TerminalOutput.table(header, rows) }
