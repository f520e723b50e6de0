import ArgumentParser
import DroverServer
import Foundation
import Hummingbird
import Logging

/// `drover server`: runs the server, and mints admin tokens from its data directory. It lives
/// apart from the API commands so that they do not link the whole server.
public struct ServerCommand: AsyncParsableCommand {
    /// Command configuration.
    public static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the Drover server (SQLite in its data directory).", subcommands: [Serve.self, Token.self],
        defaultSubcommand: Serve.self)

    /// Creates the command.
    public init() {}

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the server (the default).")

        @Option(name: .long, help: "Data directory.")
        var data: String = "/var/lib/drover-server"

        @Option(name: .long, help: "Address to listen on, HOST:PORT.")
        var listen: String = "127.0.0.1:8080"

        @Flag(name: .long, help: "Export each device's CPU, memory and temperature at /metrics (a few series per device).")
        var exportDeviceMetrics = false

        @Flag(
            name: .long,
            help: "Refuse webhook URLs whose host is or resolves to a private, loopback or link-local address (checked at creation and at every delivery)."
        )
        var webhookBlockPrivate = false

        func run() async throws {
            let parts = listen.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
            }
            var logger = Logger(label: "drover.server")
            logger.logLevel = .info
            DroverServerApp.raiseOpenFileLimit(logger: logger)
            let store = try await DroverServerApp.openStore(dataDirectory: data, logger: logger)
            let plane = ControlPlane(
                store: store, logger: logger, metrics: ServerMetrics(exportDevices: exportDeviceMetrics),
                webhooks: WebhookSettings(blockPrivateAddresses: webhookBlockPrivate))
            if let token = try await plane.bootstrap() {
                try DroverServerApp.writeAdminToken(token, dataDirectory: data)
                print("admin API token (also in \(data)/admin-token): \(token)")
            }
            let app = DroverServerApp.buildApplication(plane: plane, host: String(parts[0]), port: port, logger: logger)
            try await app.runService()
            try await store.close()
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mint API tokens.", subcommands: [Create.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Mint another admin API token and print it.")

            @Option(name: .long, help: "Data directory.")
            var data: String = "/var/lib/drover-server"

            @Option(name: .long, help: "What the token is for.")
            var label: String = "cli"

            func run() async throws {
                let store = try await DroverServerApp.openStore(dataDirectory: data, logger: Logger(label: "drover.server"))
                let plane = ControlPlane(store: store, logger: Logger(label: "drover.server"))
                _ = try await plane.bootstrap()
                print(try await plane.createToken(label: label))
                try await store.close()
            }
        }
    }
}
