import ArgumentParser
import DroverClient
import DroverModel
import Foundation

/// `drover`: the command line of Drover's API. The executable adds `drover server` (from
/// `DroverServerCLI`), so that this library does not link the server.
public struct DroverCommand: AsyncParsableCommand {
    /// The API commands alone, as tests parse them.
    public static let configuration = composed(with: [])

    /// The root command's configuration: `commands` (the server's) first, then the API's.
    public static func composed(with commands: [any ParsableCommand.Type]) -> CommandConfiguration {
        CommandConfiguration(
            commandName: "drover",
            abstract: "Drover: fleets of containerised devices.",
            subcommands: commands + [
                Login.self, Logout.self, FleetCommand.self, KeyCommand.self, ReleaseCommand.self, DeviceCommand.self, EnvCommand.self,
                TagCommand.self, Logs.self, SSH.self, Tunnel.self, OrgCommand.self, UserCommand.self, TokenCommand.self, AuditCommand.self,
                WebhookCommand.self, RegistryCommand.self, PushCommand.self, ClusterCommand.self, SecretCommand.self, ConfigCommand.self,
            ]
        )
    }

    /// Creates the command.
    public init() {}
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

    /// What `drover login` saved, if it saved anything; a file that does not decode is an error
    /// that names it, not a silent fallback.
    static func saved() throws -> Saved? {
        guard let data = FileManager.default.contents(atPath: configPath) else { return nil }
        do {
            return try JSONDecoder().decode(Saved.self, from: data)
        } catch {
            throw ValidationError("\(configPath) is not what 'drover login' writes (\(error)); run 'drover login' again")
        }
    }

    /// Runs `body` with a client and shuts it down.
    func with<T>(_ body: (DroverAPIClient) async throws -> T) async throws -> T {
        let (server, token) = try resolved()
        return try await DroverAPIClient.with(server: server, credential: token, body)
    }

    /// The server's URL and the token, from flags, the environment or the saved login.
    func resolved() throws -> (server: String, token: String?) {
        let environment = ProcessInfo.processInfo.environment
        let server = server ?? environment["DROVER_SERVER"]
        let token = token ?? environment["DROVER_TOKEN"]
        var saved: Saved?
        if server == nil || token == nil { saved = try Self.saved() }
        guard let server = server ?? saved?.server else {
            throw ValidationError("no server: run 'drover login --server URL --user NAME' or set DROVER_SERVER")
        }
        return (server, token ?? saved?.token)
    }
}

/// Reads `KEY=VALUE` words (tags, filters) into a dictionary, refusing a word without `=`.
func assignments(_ words: [String], what: String) throws -> [String: String] {
    var pairs: [String: String] = [:]
    for word in words {
        let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("write \(what) as KEY=VALUE, not '\(word)'") }
        pairs[parts[0]] = parts[1]
    }
    return pairs
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in and save the server and a session token (0600) for later commands.",
        discussion: """
            With --user, asks for the password (or reads it from standard input with --password-stdin) and saves a \
            session token that lasts a week. With --invite, takes an invitation and sets the password. With --token, \
            saves an API token as it is.
            """)

    @Option(name: .long, help: "Server URL, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(name: .long, help: "User name.")
    var user: String?

    @Flag(name: .long, help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    @Option(name: .long, help: "An invitation token from 'drover user create': sets the password given.")
    var invite: String?

    @Option(name: .long, help: "An API token instead of a user and password (the first is in DATA_DIR/admin-token).")
    var token: String?

    func validate() throws {
        guard (user == nil) != (token == nil) else { throw ValidationError("give --user NAME, or --token TOKEN") }
        if invite != nil, user == nil { throw ValidationError("--invite needs --user NAME") }
    }

    func run() async throws {
        var saved = token ?? ""
        if let user {
            let password = try Password.read(fromStandardInput: passwordStdin, prompt: invite == nil ? "password: " : "new password: ")
            let session = try await DroverAPIClient.with(server: server, credential: nil) {
                try await $0.login(API.Login(username: user, password: password, invitation: invite))
            }
            saved = session.token
        } else {
            _ = try await DroverAPIClient.with(server: server, credential: saved) { try await $0.me() }
        }
        let path = Connection.configPath
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(Connection.Saved(server: server, token: saved))
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(path)")
        }
        print("logged in to \(server)\(user.map { " as \($0)" } ?? ""); saved in \(path)")
    }
}

/// Reading a password: from standard input for scripts, else from the terminal without echo.
enum Password {
    static func read(fromStandardInput: Bool, prompt: String) throws -> String {
        if fromStandardInput {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("--password-stdin: standard input has no password on its first line")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1, let typed = getpass(prompt) else {
            throw ValidationError("standard input is not a terminal: pass the password with --password-stdin")
        }
        return String(cString: typed)
    }
}
