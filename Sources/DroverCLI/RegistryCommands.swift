import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

/// `drover registry`: the server's registry, and fleets' logins to private registries.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "The server's registry, and fleets' logins to private registries.",
        subcommands: [Show.self, Login.self, Logins.self, Logout.self, GC.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the server's registry: where to push, and whether releases pin images.")
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.registryInfo() }) { info in
                TerminalOutput.sheet([
                    ("address", info.address ?? "none (the server runs no registry)"),
                    ("repositories", info.address.map { "\($0)/\(info.organisation.lowercased())/FLEET/SERVICE" } ?? "-"),
                    ("service", info.service), ("pins images", info.resolvesImages ? "yes" : "no"),
                    ("docker login", info.address.map { "docker login \($0) (any user name; an API token as the password)" } ?? "-"),
                ])
            }
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a fleet's login to a private registry (GHCR, Harbor, …); its devices pull with it. The password is read from stdin.")
        @Option(name: .long) var fleet: String
        @Argument(help: "The registry's host, e.g. ghcr.io.") var registry: String
        @Option(name: [.short, .long], help: "User name.") var username: String
        @OptionGroup var connection: Connection
        func run() async throws {
            var lines: [String] = []
            while let line = readLine(strippingNewline: true) { lines.append(line) }
            let password = lines.joined(separator: "\n")
            guard !password.isEmpty else { throw ValidationError("give the password or access token on stdin, e.g. echo $TOKEN | drover registry login …") }
            let login = try await connection.with {
                try await $0.setRegistryLogin(fleet: fleet, API.SetRegistryLogin(registry: registry, username: username, password: password))
            }
            print("stored the login of fleet \(login.fleet) to \(login.registry) as \(login.username)")
        }
    }

    struct Logins: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a fleet's logins to private registries (never their passwords).")
        @Option(name: .long) var fleet: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.registryLogins(fleet: fleet) }) { logins in
                TerminalOutput.table(
                    ["REGISTRY", "USER", "STORED"], logins.map { [$0.registry, $0.username, TerminalOutput.ago($0.createdAt, now: Date())] })
            }
        }
    }

    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a fleet's login to a registry.")
        @Option(name: .long) var fleet: String
        @Argument var registry: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.removeRegistryLogin(fleet: fleet, registry: registry) }
            print("removed the login of fleet \(fleet) to \(registry)")
        }
    }

    struct GC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Delete the organisation's images that no kept release pins from the server's registry, and free their storage.")
        @Option(name: .long, help: "How many of each fleet's newest releases keep their images.") var keep: Int = 10
        @Flag(help: "Say what would be deleted; delete nothing.") var dryRun = false
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            let report = try await connection.with { try await $0.collectImages(API.CollectImages(keep: keep, dryRun: dryRun ? true : nil)) }
            try output.print(report) { report in
                TerminalOutput.table(["REPOSITORY", "DIGEST", "TAGS"], report.deleted.map { [$0.repository, $0.digest, $0.tags.joined(separator: ",")] })
                    + "\n\(dryRun ? "would delete" : "deleted") \(report.deleted.count) manifest(s); kept \(report.kept), used by \(report.keptReleases) release(s)"
                    + (report.collected.map { "\n\($0)" } ?? "")
            }
        }
    }
}
