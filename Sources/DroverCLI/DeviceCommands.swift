import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

/// Which devices a group action applies to: one named device, or all of a fleet and/or tags.
struct Selector: ParsableArguments {
    @Argument(help: "Device name or UUID (or use --fleet/--tag).") var device: String?
    @Option(name: .long, help: "All devices of a fleet.") var fleet: String?
    @Option(name: .long, help: "Devices with tag KEY=VALUE (repeatable).") var tag: [String] = []

    /// Runs `body` for every selected device, printing what it says.
    func each(_ connection: Connection, _ body: @escaping (DroverAPIClient, API.Device) async throws -> String) async throws {
        try await connection.with { api in
            for device in try await devices(api) { print(try await body(api, device)) }
        }
    }

    func devices(_ api: DroverAPIClient) async throws -> [API.Device] {
        if let device { return [try await api.device(device)] }
        guard fleet != nil || !tag.isEmpty else { throw ValidationError("name a device, or select devices with --fleet and/or --tag") }
        return try await api.devices(API.DeviceFilter(fleet: fleet, tags: try assignments(tag, what: "tags")))
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Devices: list, show, rename, move, pin, track, delete.",
        subcommands: [
            List.self, Show.self, Metrics.self, Rename.self, Move.self, Pin.self, Track.self, Restart.self, Stop.self, Start.self, Purge.self, Update.self,
            Retry.self, Remove.self, Sessions.self, ProvisionCommand.self,
        ])

    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a device's terminal sessions (drover ssh): who, where, when, and how each ended.")
        @Argument var device: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.sessions(device: device) }) { DeviceView.sessions($0) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices.")
        @Option(name: .long) var fleet: String?
        @Option(name: .long, help: "KEY=VALUE (repeatable).") var tag: [String] = []
        @Option(name: .long, help: "true or false.") var online: Bool?
        @Option(name: .long, help: "Only devices with this status: \(API.DeviceStatus.words).") var status: String?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption

        func run() async throws {
            let status = try self.status.map { word in
                guard let status = API.DeviceStatus(rawValue: word) else { throw ValidationError("--status must be \(API.DeviceStatus.words), not '\(word)'") }
                return status
            }
            let filter = API.DeviceFilter(fleet: fleet, tags: try assignments(tag, what: "tags"), online: online, status: status)
            try output.print(try await connection.with { try await $0.devices(filter) }) { DeviceView.table($0) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a device: what it runs and why, its latest rollout and its services.")
        @Argument var device: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.device(device) }) { DeviceView.sheet($0) }
        }
    }

    struct Metrics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a device's newest metrics sample, its containers, and its last minutes (-o json: the whole 24 hours).")
        @Argument var device: String
        @Option(name: .long, help: "Only history from this time on (RFC 3339, or seconds since 1970).") var since: String?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.metrics(device: device, since: since) }) { MetricsView.sheet($0) }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a device.")
        @Argument var device: String
        @Argument var newName: String
        @OptionGroup var connection: Connection
        func run() async throws {
            _ = try await connection.with { try await $0.updateDevice(device, API.UpdateDevice(name: newName)) }
            print("renamed \(device) to \(newName)")
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move devices to another fleet.")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "Fleet to move to.") var to: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await DeviceCommand.update(API.UpdateDevice(fleet: to), selector: selector, connection: connection) { "moved \($0.name) to \(to)" }
        }
    }

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin devices to a release.")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "Release id.") var release: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await DeviceCommand.update(API.UpdateDevice(pinRelease: release), selector: selector, connection: connection) {
                "pinned \($0.name) to \(release)"
            }
        }
    }

    struct Track: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpin devices: they follow their fleet's release again.")
        @OptionGroup var selector: Selector
        @OptionGroup var connection: Connection
        func run() async throws {
            try await DeviceCommand.update(API.UpdateDevice(pinRelease: ""), selector: selector, connection: connection) { "\($0.name) tracks its fleet" }
        }
    }

    /// Applies `change` to every selected device, printing what `done` says of each.
    static func update(
        _ change: API.UpdateDevice, selector: Selector, connection: Connection, done: @escaping (API.Device) -> String
    ) async throws {
        try await selector.each(connection) { api, device in
            _ = try await api.updateDevice(device.uuid, change)
            return done(device)
        }
    }

    static func act(_ action: API.DeviceActionKind, service: String?, selector: Selector, connection: Connection) async throws {
        try await selector.each(connection) { api, device in
            try await api.act(on: device.uuid, API.DeviceAction(action: action, service: service))
            return "\(action.rawValue): \(service.map { "\($0) on " } ?? "")\(device.name)"
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart the app (or one service) on a device or a selection (--fleet/--tag).")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "Only this service.") var service: String?
        @OptionGroup var connection: Connection
        func run() async throws { try await DeviceCommand.act(.restart, service: service, selector: selector, connection: connection) }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a service on a device or a selection; it stays stopped until started.")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "The service.") var service: String
        @OptionGroup var connection: Connection
        func run() async throws { try await DeviceCommand.act(.stop, service: service, selector: selector, connection: connection) }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a stopped service on a device or a selection.")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "The service.") var service: String
        @OptionGroup var connection: Connection
        func run() async throws { try await DeviceCommand.act(.start, service: service, selector: selector, connection: connection) }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the app's volumes (and data) on a device or a selection, then reinstall.")
        @OptionGroup var selector: Selector
        @OptionGroup var connection: Connection
        func run() async throws { try await DeviceCommand.act(.purge, service: nil, selector: selector, connection: connection) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the current target now even while a service holds the update lock (--force), on a device or a selection.")
        @OptionGroup var selector: Selector
        @Flag(name: .long, help: "Override update locks. Required: without locks, devices update on their own.") var force = false
        @OptionGroup var connection: Connection
        func run() async throws {
            guard force else {
                throw ValidationError("devices apply a new release as soon as no update lock holds them; add --force to override the locks")
            }
            try await DeviceCommand.act(.update, service: nil, selector: selector, connection: connection)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try again a release a device rolled back (on a device or a selection).")
        @OptionGroup var selector: Selector
        @OptionGroup var connection: Connection
        func run() async throws { try await DeviceCommand.act(.retry, service: nil, selector: selector, connection: connection) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete devices; their keys stop working and their apps are removed.")
        @OptionGroup var selector: Selector
        @OptionGroup var connection: Connection
        func run() async throws {
            try await selector.each(connection) { api, device in
                try await api.deleteDevice(device.uuid)
                return "deleted \(device.name)"
            }
        }
    }
}
