import ArgumentParser
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
        if let device { return [try await api.call(API.Device.self, .GET, "/v1/devices/\(e(device))")] }
        guard fleet != nil || !tag.isEmpty else { throw ValidationError("name a device, or select devices with --fleet and/or --tag") }
        return try await api.call([API.Device].self, .GET, "/v1/devices" + DeviceCommand.List.query(fleet: fleet, tags: tag, online: nil))
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Devices: list, show, rename, move, pin, track, delete.",
        subcommands: [
            List.self, Show.self, Rename.self, Move.self, Pin.self, Track.self, Restart.self, Stop.self, Start.self, Purge.self, Update.self, Retry.self,
            Remove.self,
        ])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices.")
        @Option(name: .long) var fleet: String?
        @Option(name: .long, help: "KEY=VALUE (repeatable).") var tag: [String] = []
        @Option(name: .long, help: "true or false.") var online: Bool?
        @OptionGroup var connection: Connection
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table

        static func query(fleet: String?, tags: [String], online: Bool?) -> String {
            var items: [String] = []
            if let fleet { items.append("fleet=\(e(fleet))") }
            for tag in tags { items.append("tag=\(e(tag))") }
            if let online { items.append("online=\(online)") }
            return items.isEmpty ? "" : "?" + items.joined(separator: "&")
        }

        func run() async throws {
            let devices = try await connection.with {
                try await $0.call([API.Device].self, .GET, "/v1/devices" + Self.query(fleet: fleet, tags: tag, online: online))
            }
            if output == .json { return try printJSON(devices) }
            print(
                table(
                    ["NAME", "UUID", "FLEET", "ONLINE", "RELEASE", "TARGET", "STATUS", "SEEN"],
                    devices.map {
                        [
                            $0.name, String($0.uuid.prefix(7)), $0.fleet, $0.online ? "yes" : "no", $0.release ?? "-", $0.targetRelease ?? "-",
                            $0.status.rawValue,
                            ago($0.lastSeen),
                        ]
                    }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a device.")
        @Argument var device: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try printJSON(try await connection.with { try await $0.call(API.Device.self, .GET, "/v1/devices/\(e(device))") })
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a device.")
        @Argument var device: String
        @Argument var newName: String
        @OptionGroup var connection: Connection
        func run() async throws {
            _ = try await connection.with { try await $0.call(API.Device.self, .PATCH, "/v1/devices/\(e(device))", body: API.UpdateDevice(name: newName)) }
            print("renamed \(device) to \(newName)")
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move devices to another fleet.")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "Fleet to move to.") var to: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await selector.each(connection) { api, device in
                _ = try await api.call(API.Device.self, .PATCH, "/v1/devices/\(device.uuid)", body: API.UpdateDevice(fleet: to))
                return "moved \(device.name) to \(to)"
            }
        }
    }

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pin devices to a release.")
        @OptionGroup var selector: Selector
        @Option(name: .long, help: "Release id.") var release: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await selector.each(connection) { api, device in
                _ = try await api.call(API.Device.self, .PATCH, "/v1/devices/\(device.uuid)", body: API.UpdateDevice(pinRelease: release))
                return "pinned \(device.name) to \(release)"
            }
        }
    }

    struct Track: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpin devices: they follow their fleet's release again.")
        @OptionGroup var selector: Selector
        @OptionGroup var connection: Connection
        func run() async throws {
            try await selector.each(connection) { api, device in
                _ = try await api.call(API.Device.self, .PATCH, "/v1/devices/\(device.uuid)", body: API.UpdateDevice(pinRelease: ""))
                return "\(device.name) tracks its fleet"
            }
        }
    }

    static func act(_ action: API.DeviceActionKind, service: String?, selector: Selector, connection: Connection) async throws {
        try await selector.each(connection) { api, device in
            _ = try await api.send(.POST, "/v1/devices/\(device.uuid)/actions", body: API.DeviceAction(action: action, service: service))
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
                _ = try await api.send(.DELETE, "/v1/devices/\(device.uuid)")
                return "deleted \(device.name)"
            }
        }
    }
}

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Environment variables at fleet, device and service scope.", subcommands: [Set.self, List.self, Remove.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set KEY=VALUE for a fleet, or a device (--device), optionally one service.")
        @Argument var assignment: String
        @Option(name: .long) var fleet: String?
        @Option(name: .long) var device: String?
        @Option(name: .long) var service: String?
        @OptionGroup var connection: Connection
        func run() async throws {
            guard let eq = assignment.firstIndex(of: "=") else { throw ValidationError("write the variable as KEY=VALUE") }
            let name = String(assignment[..<eq])
            let value = String(assignment[assignment.index(after: eq)...])
            let set = try await connection.with {
                try await $0.call(API.EnvVar.self, .PUT, "/v1/env", body: API.SetEnv(fleet: fleet, device: device, service: service, name: name, value: value))
            }
            print("set \(set.name) on \(set.device.map { "device \($0.prefix(7))" } ?? "fleet \(set.fleet)")\(set.service.map { " service \($0)" } ?? "")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List variables of a fleet or a device.")
        @Option(name: .long) var fleet: String?
        @Option(name: .long) var device: String?
        @OptionGroup var connection: Connection
        @Option(name: .shortAndLong, help: "table or json") var output: OutputFormat = .table
        func run() async throws {
            var query = fleet.map { "?fleet=\(e($0))" } ?? ""
            if let device { query = "?device=\(e(device))" }
            let vars = try await connection.with { try await $0.call([API.EnvVar].self, .GET, "/v1/env" + query) }
            if output == .json { return try printJSON(vars) }
            print(
                table(
                    ["NAME", "VALUE", "DEVICE", "SERVICE"], vars.map { [$0.name, $0.value, $0.device.map { String($0.prefix(7)) } ?? "*", $0.service ?? "*"] }))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a variable at exactly the given scope.")
        @Argument var name: String
        @Option(name: .long) var fleet: String?
        @Option(name: .long) var device: String?
        @Option(name: .long) var service: String?
        @OptionGroup var connection: Connection
        func run() async throws {
            var query = ["name=\(e(name))"]
            if let fleet { query.append("fleet=\(e(fleet))") }
            if let device { query.append("device=\(e(device))") }
            if let service { query.append("service=\(e(service))") }
            _ = try await connection.with { try await $0.send(.DELETE, "/v1/env?" + query.joined(separator: "&")) }
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
            var tags: [String: String] = [:]
            for assignment in assignments {
                let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("write tags as KEY=VALUE, not '\(assignment)'") }
                tags[parts[0]] = parts[1]
            }
            struct Change: Encodable, Sendable { var set: [String: String] }
            try await selector.each(connection) { api, device in
                _ = try await api.send(.PUT, "/v1/devices/\(device.uuid)/tags", body: Change(set: tags))
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
            struct Change: Encodable, Sendable { var remove: [String] }
            try await selector.each(connection) { api, device in
                _ = try await api.send(.PUT, "/v1/devices/\(device.uuid)/tags", body: Change(remove: keys))
                return "untagged \(device.name)"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a device's tags.")
        @Argument var device: String
        @OptionGroup var connection: Connection
        func run() async throws {
            let shown = try await connection.with { try await $0.call(API.Device.self, .GET, "/v1/devices/\(e(device))") }
            for (key, value) in shown.tags.sorted(by: { $0.key < $1.key }) { print("\(key)=\(value)") }
        }
    }
}

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a device's container logs; -f follows.")
    @Argument var device: String
    @Flag(name: .shortAndLong, help: "Keep following new lines.") var follow = false
    @Option(name: .long) var service: String?
    @Option(name: .customShort("n"), help: "Lines to show.") var lines: Int = 100
    @Option(name: .long, help: "Only lines from this RFC 3339 time on.") var since: String?
    @OptionGroup var connection: Connection

    func run() async throws {
        try await connection.with { api in
            var query = ["limit=\(lines)"]
            if let service { query.append("service=\(e(service))") }
            if let since { query.append("since=\(e(since))") }
            var last: Int64?
            var entries = try await api.call([API.LogEntry].self, .GET, "/v1/devices/\(e(device))/logs?" + query.joined(separator: "&"))
            while true {
                for entry in entries {
                    print("\(entry.timestamp) \(entry.service) \(entry.stream == .stderr ? "! " : "")\(entry.message)")
                    last = entry.sequence ?? last
                }
                guard follow else { return }
                try await Task.sleep(for: .seconds(1))
                var next = ["limit=1000"]
                if let service { next.append("service=\(e(service))") }
                next.append("after=\(last ?? 0)")
                entries = try await api.call([API.LogEntry].self, .GET, "/v1/devices/\(e(device))/logs?" + next.joined(separator: "&"))
            }
        }
    }
}
