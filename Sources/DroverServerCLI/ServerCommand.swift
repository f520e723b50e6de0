import ArgumentParser
import DockerEngine
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

        @Option(
            name: .long,
            help: "The server's address as devices, engines and people reach it (the registry's token service is under it). Default: http://LISTEN.")
        var url: String?

        @Option(
            name: .long,
            help:
                "The server's registry: 'embedded' runs Distribution (docker-registry) as a child; HOST:PORT is an external Distribution that trusts this server's tokens (its certificate is DATA/registry/token.crt); 'none' for no registry."
        )
        var registry: String = "embedded"

        @Option(
            name: .long,
            help: "Where the embedded registry listens, HOST:PORT. Default: a free loopback port, chosen at first start and kept in the data directory.")
        var registryListen: String?

        @Option(name: .long, help: "The registry's host:port as devices pull from it, when it differs from where it listens (a proxy with TLS in front).")
        var registryAddress: String?

        @Option(name: .long, help: "The registry tokens' issuer (auth.token.issuer of the registry).")
        var registryIssuer: String = "drover"

        @Option(name: .long, help: "The registry's service name, the tokens' audience (auth.token.service of the registry).")
        var registryService: String = "drover-registry"

        @Option(name: .long, help: "Pin each release's images by digest per platform, asking their registries: always or never.")
        var resolveImages: String = "always"

        @Option(name: .long, help: "A registry spoken to over plain HTTP (loopback ones always are); may be repeated.")
        var insecureRegistry: [String] = []

        @Option(
            name: .long,
            help:
                "The Docker engine 'drover push' builds on: unix:///PATH or tcp://HOST:PORT, 'none' for no builder. Default: $DOCKER_HOST, else /var/run/docker.sock when it exists."
        )
        var builder: String?

        /// The builder engine: the option, else the environment's, else the local socket.
        func builderEndpoint() throws -> EngineEndpoint? {
            let chosen = builder ?? ProcessInfo.processInfo.environment["DOCKER_HOST"]
            if chosen == "none" { return nil }
            if let chosen, !chosen.isEmpty {
                do {
                    return try EngineEndpoint(parsing: chosen)
                } catch {
                    throw ValidationError("--builder: \(error)")
                }
            }
            return FileManager.default.fileExists(atPath: "/var/run/docker.sock") ? try? EngineEndpoint(parsing: "unix:///var/run/docker.sock") : nil
        }

        func run() async throws {
            let parts = listen.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
            }
            var logger = Logger(label: "drover.server")
            logger.logLevel = .info
            DroverServerApp.raiseOpenFileLimit(logger: logger)
            guard ["always", "never"].contains(resolveImages) else { throw ValidationError("--resolve-images must be always or never") }
            let store = try await DroverServerApp.openStore(dataDirectory: data, logger: logger)
            let url = (self.url ?? "http://\(listen)").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let registry = try await RegistrySetup.make(
                mode: registry, dataDirectory: data, listen: registryListen, address: registryAddress, serverURL: url, issuer: registryIssuer,
                service: registryService, resolveImages: resolveImages == "always", insecure: Set(insecureRegistry), logger: logger)
            let plane = ControlPlane(
                store: store, logger: logger, metrics: ServerMetrics(exportDevices: exportDeviceMetrics),
                webhooks: WebhookSettings(blockPrivateAddresses: webhookBlockPrivate), registry: registry.settings, tokenIssuer: registry.issuer,
                secrets: try SecretBox.load(path: data + "/secrets.key"), embeddedRegistry: registry.embedded, builder: try builderEndpoint())
            if let token = try await plane.bootstrap() {
                try DroverServerApp.writeAdminToken(token, dataDirectory: data)
                print("admin API token (also in \(data)/admin-token): \(token)")
            }
            if let address = registry.settings.address { print("registry: \(address) (docker login \(address) with an API token as the password)") }
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
