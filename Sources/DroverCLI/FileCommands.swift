import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

/// `drover secret` and `drover config`: a fleet's own values, which releases name with
/// `external: true`. A secret's value is read from stdin, so it stays out of the shell's
/// history and `ps`, and is never shown again.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "A fleet's secrets (values are sealed on the server and never shown).",
        subcommands: [FileCreate<SecretKind>.self, FileList<SecretKind>.self, FileRemove<SecretKind>.self])
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "A fleet's configs.",
        subcommands: [FileCreate<ConfigKind>.self, FileList<ConfigKind>.self, FileShow.self, FileRemove<ConfigKind>.self])
}

/// Which kind a generic command is for.
protocol FileKindChoice {
    static var kind: AppFileKind { get }
}

enum SecretKind: FileKindChoice { static let kind = AppFileKind.secret }
enum ConfigKind: FileKindChoice { static let kind = AppFileKind.config }

struct FileCreate<Kind: FileKindChoice>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "create", abstract: "Store (or replace) a \(Kind.kind.rawValue), reading its value from stdin (or --from-file).")
    }
    @Argument(help: "Its name, as releases name it.") var name: String
    @Option(name: .long, help: "Fleet (name or id).") var fleet: String
    @Option(name: .customLong("from-file"), help: "Read the value from this file instead of stdin.") var fromFile: String?
    @OptionGroup var connection: Connection
    func run() async throws {
        let value: Data
        if let fromFile {
            guard let data = FileManager.default.contents(atPath: fromFile) else { throw ValidationError("cannot read \(fromFile)") }
            value = data
        } else {
            value = FileHandle.standardInput.readDataToEndOfFile()
        }
        let stored = try await connection.with { try await $0.setFleetFile(fleet: fleet, kind: Kind.kind, name: name, value: value) }
        print("stored \(Kind.kind.rawValue) \(stored.name) of fleet \(stored.fleet) (\(stored.size) bytes)")
    }
}

struct FileList<Kind: FileKindChoice>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List a fleet's \(Kind.kind.section): names, sizes and dates.")
    }
    @Option(name: .long, help: "Fleet (name or id).") var fleet: String
    @OptionGroup var connection: Connection
    @OptionGroup var output: OutputOption
    func run() async throws {
        let files = try await connection.with { try await $0.fleetFiles(fleet: fleet, kind: Kind.kind) }
        try output.print(files) { files in
            TerminalOutput.table(
                ["NAME", "SIZE", "CREATED", "UPDATED"],
                files.map { [$0.name, "\($0.size)", FleetView.timestamp($0.createdAt), FleetView.timestamp($0.updatedAt)] })
        }
    }
}

struct FileShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a config's value.")
    @Argument var name: String
    @Option(name: .long, help: "Fleet (name or id).") var fleet: String
    @OptionGroup var connection: Connection
    func run() async throws {
        let config = try await connection.with { try await $0.fleetConfig(fleet: fleet, name: name) }
        FileHandle.standardOutput.write(Data(base64Encoded: config.value ?? "") ?? Data())
    }
}

struct FileRemove<Kind: FileKindChoice>: AsyncParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "rm", abstract: "Remove a fleet's \(Kind.kind.rawValue).") }
    @Argument var name: String
    @Option(name: .long, help: "Fleet (name or id).") var fleet: String
    @OptionGroup var connection: Connection
    func run() async throws {
        try await connection.with { try await $0.removeFleetFile(fleet: fleet, kind: Kind.kind, name: name) }
        print("removed \(Kind.kind.rawValue) \(name)")
    }
}

/// The values of a compose document's secrets and configs that come from a file or the
/// environment, read where the release is made (as `docker compose` reads them), base64.
enum ReleaseValues {
    static func read(_ app: AppSpec, directory: String, environment: [String: String]) throws -> (secrets: [String: String], configs: [String: String]) {
        var out: [AppFileKind: [String: String]] = [:]
        for kind in AppFileKind.allCases {
            for (name, file) in app.files(kind).sorted(by: { $0.key < $1.key }) {
                switch file.source {
                case .file:
                    let given = file.from ?? ""
                    let path = given.hasPrefix("/") ? given : directory + "/" + given
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw ValidationError("\(kind.section).\(name): cannot read file \(path)")
                    }
                    out[kind, default: [:]][name] = data.base64EncodedString()
                case .environment:
                    guard let value = environment[file.from ?? ""] else {
                        throw ValidationError("\(kind.section).\(name): environment variable \(file.from ?? "") is not set")
                    }
                    out[kind, default: [:]][name] = Data(value.utf8).base64EncodedString()
                case .content, .external: continue
                }
            }
        }
        return (out[.secret] ?? [:], out[.config] ?? [:])
    }
}
