import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

/// Where a variable applies: a fleet, or a device (and its fleet), optionally one service.
struct EnvScope: ParsableArguments {
    @Option(name: .long, help: "Fleet (name or id).") var fleet: String?
    @Option(name: .long, help: "Device (name or UUID): device scope.") var device: String?
    @Option(name: .long, help: "Only this service.") var service: String?
}

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Environment variables at fleet, device and service scope.", subcommands: [Set.self, List.self, Remove.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set KEY=VALUE for a fleet, or a device (--device), optionally one service.")
        @Argument var assignment: String
        @OptionGroup var scope: EnvScope
        @OptionGroup var connection: Connection
        func run() async throws {
            guard let eq = assignment.firstIndex(of: "=") else { throw ValidationError("write the variable as KEY=VALUE") }
            let name = String(assignment[..<eq])
            let value = String(assignment[assignment.index(after: eq)...])
            let set = try await connection.with {
                try await $0.setEnv(API.SetEnv(fleet: scope.fleet, device: scope.device, service: scope.service, name: name, value: value))
            }
            print("set \(set.name) on \(set.device.map { "device \($0.prefix(7))" } ?? "fleet \(set.fleet)")\(set.service.map { " service \($0)" } ?? "")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List variables of a fleet or a device.")
        @Option(name: .long) var fleet: String?
        @Option(name: .long) var device: String?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            // A device's variables include its fleet's; the server finds the fleet from the device.
            let variables = try await connection.with { try await $0.env(fleet: device == nil ? fleet : nil, device: device) }
            try output.print(variables, table: FleetView.env)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a variable at exactly the given scope.")
        @Argument var name: String
        @OptionGroup var scope: EnvScope
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.removeEnv(name: name, fleet: scope.fleet, device: scope.device, service: scope.service) }
            print("removed \(name)")
        }
    }
}

struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Tags on devices.", subcommands: [Set.self, Remove.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set KEY=VALUE tags on a device or a selection (--fleet/--tag).")
        @OptionGroup var selector: Selector
        @Option(name: .customLong("set"), help: "KEY=VALUE (repeatable).") var assignments: [String]
        @OptionGroup var connection: Connection
        func run() async throws {
            let change = API.TagChange(set: try DroverCLI.assignments(assignments, what: "tags"))
            try await selector.each(connection) { api, device in
                try await api.setTags(device.uuid, change)
                return "tagged \(device.name)"
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove tags from a device or a selection.")
        @OptionGroup var selector: Selector
        @Option(name: .customLong("key"), help: "Tag key (repeatable).") var keys: [String]
        @OptionGroup var connection: Connection
        func run() async throws {
            try await selector.each(connection) { api, device in
                try await api.setTags(device.uuid, API.TagChange(remove: keys))
                return "untagged \(device.name)"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a device's tags.")
        @Argument var device: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.device(device) }.tags, table: FleetView.tags)
        }
    }
}
