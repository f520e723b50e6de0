import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "Create, list and change fleets.",
        subcommands: [Create.self, List.self, Show.self, Rename.self, Track.self, Failing.self, Remove.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a fleet.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            let fleet = try await connection.with { try await $0.createFleet(name: name) }
            print("created fleet \(fleet.name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List fleets.")
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.fleets() }, table: FleetView.table)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a fleet.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.fleet(name) }) { FleetView.sheet($0) }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a fleet.")
        @Argument var name: String
        @Argument var newName: String
        @OptionGroup var connection: Connection
        func run() async throws {
            _ = try await connection.with { try await $0.updateFleet(name, API.UpdateFleet(name: newName)) }
            print("renamed fleet \(name) to \(newName)")
        }
    }

    struct Track: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a fleet track a release, or 'latest'.")
        @Argument var name: String
        @Argument var release: String
        @OptionGroup var connection: Connection
        func run() async throws {
            let fleet = try await connection.with { try await $0.updateFleet(name, API.UpdateFleet(trackRelease: release)) }
            print("fleet \(fleet.name) now offers release \(fleet.targetRelease ?? "-")")
        }
    }

    struct Failing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "failing", abstract: "Set when a release counts as failing: the share of devices that rolled it back, and the fewest devices.")
        @Argument var name: String
        @Option(name: .long, help: "Share of the devices that tried a release (0 < share ≤ 1; default 0.2).") var share: Double?
        @Option(name: .long, help: "Fewest rolled-back devices (default 2).") var minDevices: Int?
        @OptionGroup var connection: Connection
        func run() async throws {
            let fleet = try await connection.with {
                try await $0.updateFleet(name, API.UpdateFleet(failingShare: share, failingMinDevices: minDevices))
            }
            print("fleet \(fleet.name): a release is failing \(FleetView.failing(fleet))")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a fleet that has no devices.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.deleteFleet(name) }
            print("deleted fleet \(name)")
        }
    }
}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Provisioning keys that let devices enrol.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (it is shown only once).")
        @Option(name: .long) var fleet: String
        @Option(name: .long, help: "Seconds until it expires.") var expires: Int?
        @Option(name: .long, help: "Most devices it may enrol.") var limit: Int?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            let key = try await connection.with { try await $0.createKey(fleet: fleet, API.CreateKey(expiresInSeconds: expires, deviceLimit: limit)) }
            // The table form is the bare secret, so that `KEY=$(drover key create …)` works.
            try output.print(key) { $0.key ?? "" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a fleet's keys.")
        @Option(name: .long) var fleet: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.keys(fleet: fleet) }, table: FleetView.keys)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key.")
        @Option(name: .long) var fleet: String
        @Argument var id: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.revokeKey(fleet: fleet, id: id) }
            print("revoked key \(id)")
        }
    }
}

struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release", abstract: "Releases of a fleet's app.", subcommands: [Create.self, List.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a release from a compose file; prints its id last.")
        @Option(name: .long) var fleet: String
        @Option(name: [.short, .customLong("file")], help: "Compose file.") var file: String
        @Flag(help: "Create it even when an image lacks a platform that devices of the fleet run (they report it).")
        var allowMissingPlatforms = false
        @Flag(help: "Do not pin images by digest: devices pull the tags.") var noResolve = false
        @Option(name: .long, help: "A profile to activate (repeatable; default: COMPOSE_PROFILES).") var profile: [String] = []
        @OptionGroup var connection: Connection
        func run() async throws {
            let compose: String
            do {
                compose = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            var body = API.CreateRelease(
                compose: compose, allowMissingPlatforms: allowMissingPlatforms ? true : nil, resolve: noResolve ? false : nil)
            // The variables, files and profiles the document needs, and the values of secrets and
            // configs read from files or the environment, travel with the release.
            let inputs = try ReleaseInputs.read(compose: compose, path: file, profiles: profile)
            let directory = ((file as NSString).deletingLastPathComponent as NSString).standardizingPath
            try inputs.fill(&body, directory: directory.isEmpty ? "." : directory)
            let release = try await connection.with { try await $0.createRelease(fleet: fleet, body) }
            for warning in release.warnings ?? [] { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            print("created release of \(release.fleet) with \(release.services.count) service(s): \(release.id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a fleet's releases, newest first.")
        @Option(name: .long) var fleet: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.releases(fleet: fleet) }) { FleetView.releases($0) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a release: its services, status, and how it fares on devices.")
        @Argument var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.release(id) }) { FleetView.release($0) }
        }
    }
}
