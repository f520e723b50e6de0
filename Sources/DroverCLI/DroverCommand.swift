import ArgumentParser
import DroverClient
import DroverModel
import Foundation

/// `drover`: the command line of Drover's API, and the server.
public struct DroverCommand: AsyncParsableCommand {
    /// Command configuration.
    public static let configuration = CommandConfiguration(
        commandName: "drover",
        abstract: "Drover: fleets of containerised devices.",
        subcommands: [
            ServerCommand.self, Login.self, FleetCommand.self, KeyCommand.self, ReleaseCommand.self, DeviceCommand.self, EnvCommand.self,
            TagCommand.self, Logs.self,
        ]
    )

    /// Creates the command.
    public init() {}
}

/// Output formats of listings.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Where the CLI finds the server and its token: flags, then `DROVER_SERVER`/`DROVER_TOKEN`,
/// then `~/.config/drover/config.json` written by `drover login`.
struct Connection: ParsableArguments {
    @Option(name: .long, help: "Server URL (default: $DROVER_SERVER or the one saved by 'drover login').")
    var server: String?

    @Option(name: .long, help: "API token (default: $DROVER_TOKEN or the one saved by 'drover login').")
    var token: String?

    struct Saved: Codable {
        var server: String
        var token: String
    }

    static var configPath: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/drover/config.json"
    }

    func client() throws -> DroverAPIClient {
        let environment = ProcessInfo.processInfo.environment
        let saved = FileManager.default.contents(atPath: Self.configPath).flatMap { try? JSONDecoder().decode(Saved.self, from: $0) }
        guard let server = server ?? environment["DROVER_SERVER"] ?? saved?.server else {
            throw ValidationError("no server: run 'drover login --server URL --token TOKEN' or set DROVER_SERVER")
        }
        let token = token ?? environment["DROVER_TOKEN"] ?? saved?.token
        return DroverAPIClient(server: server, credential: token)
    }

    /// Runs `body` with a client and shuts it down.
    func with<T>(_ body: (DroverAPIClient) async throws -> T) async throws -> T {
        let api = try client()
        do {
            let result = try await body(api)
            try await api.shutdown()
            return result
        } catch {
            try? await api.shutdown()
            throw error
        }
    }
}

func printJSON<T: Encodable>(_ value: T) throws { try TerminalOutput.printJSON(value) }

func table(_ header: [String], _ rows: [[String]]) -> String { TerminalOutput.table(header, rows) }

func ago(_ date: Date?) -> String {
    guard let date else { return "never" }
    let seconds = Int(Date().timeIntervalSince(date))
    if seconds < 60 { return "\(seconds)s ago" }
    if seconds < 3600 { return "\(seconds / 60)m ago" }
    return "\(seconds / 3600)h ago"
}

let e = DroverAPIClient.escape

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Save the server URL and API token for later commands.")

    @Option(name: .long, help: "Server URL, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(name: .long, help: "API token (see DATA_DIR/admin-token).")
    var token: String

    func run() async throws {
        let api = DroverAPIClient(server: server, credential: token)
        defer { Task { try? await api.shutdown() } }
        _ = try await api.call([API.Fleet].self, .GET, "/v1/fleets")
        let path = Connection.configPath
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(Connection.Saved(server: server, token: token))
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(path)")
        }
        print("logged in to \(server); saved in \(path)")
    }
}
