import ArgumentParser
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
            let fleet = try await connection.with { try await $0.call(API.Fleet.self, .POST, "/v1/fleets", body: API.CreateFleet(name: name)) }
            print("created fleet \(fleet.name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List fleets.")
        @OptionGroup var connection: Connection
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table
        func run() async throws {
            let fleets = try await connection.with { try await $0.call([API.Fleet].self, .GET, "/v1/fleets") }
            if output == .json { return try printJSON(fleets) }
            print(
                table(
                    ["NAME", "DEVICES", "RELEASE", "TRACKS"],
                    fleets.map { [$0.name, String($0.deviceCount), $0.targetRelease ?? "-", $0.trackedRelease ?? "latest"] }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a fleet.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try printJSON(try await connection.with { try await $0.call(API.Fleet.self, .GET, "/v1/fleets/\(e(name))") })
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a fleet.")
        @Argument var name: String
        @Argument var newName: String
        @OptionGroup var connection: Connection
        func run() async throws {
            _ = try await connection.with { try await $0.call(API.Fleet.self, .PATCH, "/v1/fleets/\(e(name))", body: API.UpdateFleet(name: newName)) }
            print("renamed fleet \(name) to \(newName)")
        }
    }

    struct Track: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a fleet track a release, or 'latest'.")
        @Argument var name: String
        @Argument var release: String
        @OptionGroup var connection: Connection
        func run() async throws {
            let fleet = try await connection.with {
                try await $0.call(API.Fleet.self, .PATCH, "/v1/fleets/\(e(name))", body: API.UpdateFleet(trackRelease: release))
            }
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
                try await $0.call(
                    API.Fleet.self, .PATCH, "/v1/fleets/\(e(name))", body: API.UpdateFleet(failingShare: share, failingMinDevices: minDevices))
            }
            let percent = Int(((fleet.failingShare ?? 0.2) * 100).rounded())
            print(
                "fleet \(fleet.name): a release is failing once more than \(percent)% and at least \(fleet.failingMinDevices ?? 2) of the devices that tried it rolled it back"
            )
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a fleet that has no devices.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            _ = try await connection.with { try await $0.send(.DELETE, "/v1/fleets/\(e(name))") }
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
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table
        func run() async throws {
            let key = try await connection.with {
                try await $0.call(
                    API.ProvisioningKey.self, .POST, "/v1/fleets/\(e(fleet))/keys", body: API.CreateKey(expiresInSeconds: expires, deviceLimit: limit))
            }
            if output == .json { return try printJSON(key) }
            print(key.key ?? "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a fleet's keys.")
        @Option(name: .long) var fleet: String
        @OptionGroup var connection: Connection
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table
        func run() async throws {
            let keys = try await connection.with { try await $0.call([API.ProvisioningKey].self, .GET, "/v1/fleets/\(e(fleet))/keys") }
            if output == .json { return try printJSON(keys) }
            print(
                table(
                    ["ID", "ENROLLED", "LIMIT", "EXPIRES", "REVOKED"],
                    keys.map {
                        [
                            $0.id, String($0.devicesEnrolled), $0.deviceLimit.map(String.init) ?? "-", $0.expiresAt.map { "\($0)" } ?? "never",
                            $0.revoked ? "yes" : "no",
                        ]
                    }))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key.")
        @Option(name: .long) var fleet: String
        @Argument var id: String
        @OptionGroup var connection: Connection
        func run() async throws {
            _ = try await connection.with { try await $0.send(.DELETE, "/v1/fleets/\(e(fleet))/keys/\(e(id))") }
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
        @OptionGroup var connection: Connection
        func run() async throws {
            let compose: String
            do {
                compose = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            let release = try await connection.with {
                try await $0.call(API.Release.self, .POST, "/v1/fleets/\(e(fleet))/releases", body: API.CreateRelease(compose: compose))
            }
            print("created release of \(release.fleet) with \(release.services.count) service(s): \(release.id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a fleet's releases, newest first.")
        @Option(name: .long) var fleet: String
        @OptionGroup var connection: Connection
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table
        func run() async throws {
            let releases = try await connection.with { try await $0.call([API.Release].self, .GET, "/v1/fleets/\(e(fleet))/releases") }
            if output == .json { return try printJSON(releases) }
            print(
                table(
                    ["ID", "CREATED", "STATUS", "SERVICES"],
                    releases.map { [$0.id, ago($0.createdAt), $0.status.rawValue, $0.services.joined(separator: ",")] }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a release: its services, status, and how it fares on devices.")
        @Argument var id: String
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table
        @OptionGroup var connection: Connection
        func run() async throws {
            let release = try await connection.with { try await $0.call(API.Release.self, .GET, "/v1/releases/\(e(id))") }
            if output == .json { return try printJSON(release) }
            print("release \(release.id) of fleet \(release.fleet), created \(ago(release.createdAt))")
            print("status: \(release.status)\(release.statusDetail.map { ": \($0)" } ?? "")")
            if let attempts = release.attempts {
                print("devices: \(attempts.started) started, \(attempts.healthy) healthy, \(attempts.rolledBack) rolled back")
            }
            print(table(["SERVICE", "IMAGE"], release.services.map { [$0, release.images[$0] ?? "-"] }))
        }
    }
}
