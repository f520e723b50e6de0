import DockerEngine
import DroverClient
import DroverModel
import DroverServer
import Foundation
import Hummingbird
import Logging
import Testing

/// A real Drover server in this process, on 127.0.0.1 and a free port, with a data directory
/// of its own. It can be stopped and started again on the same port and data.
public actor LiveServer {
    /// The data directory; removed by `withLiveServer` at the end.
    public nonisolated let directory = NSTemporaryDirectory() + "drover-e2e-\(UUID().uuidString.prefix(8))"
    /// The loopback port. Chosen once, so a restarted server is where its agents look for it.
    public nonisolated let port: Int
    private var task: Task<Void, any Error>?
    private var store: SQLStore?
    private var controlPlane: ControlPlane?
    private let requests = RequestLedger()
    private let logger = Logger(label: "e2e")
    /// The admin token made when the data directory was new.
    public private(set) var token = ""

    /// Whether devices may open their channel; without it they long-poll, and
    /// ``agentRound(by:timeout:)`` can count their rounds.
    public nonisolated let channel: Bool
    /// Whether `/metrics` exports each device's gauges (`--export-device-metrics`).
    public nonisolated let exportDeviceMetrics: Bool
    /// How webhooks are delivered; with it, the server runs its background services (the
    /// webhook courier among them), as `drover server` does.
    public nonisolated let webhooks: WebhookSettings?

    /// The port of the server's own registry (the embedded Distribution, with token
    /// authentication by the server, building on the test engine), when it runs one.
    public nonisolated let registryPort: Int?

    /// The server's registry, `127.0.0.1:PORT`, when it runs one.
    public nonisolated var registry: String? { registryPort.map { "127.0.0.1:\($0)" } }

    /// A server that is not started yet; with `registry`, it runs Distribution as `drover
    /// server` does, pins images, and builds on the test engine.
    public init(channel: Bool = false, exportDeviceMetrics: Bool = false, webhooks: WebhookSettings? = nil, registry: Bool = false) throws {
        port = try FreePort.pick()
        registryPort = registry ? try FreePort.pick() : nil
        self.channel = channel
        self.exportDeviceMetrics = exportDeviceMetrics
        self.webhooks = webhooks
    }

    /// The server's base URL.
    public nonisolated var url: String { "http://127.0.0.1:\(port)" }

    /// The running server's control plane, for assertions.
    public func plane() throws -> ControlPlane {
        guard let controlPlane else { throw ServerError(.storage, "the server is not running") }
        return controlPlane
    }

    /// What the first owner may do, to call the control plane directly.
    public func org() async throws -> Access {
        try await plane().ownerAccess()
    }

    /// An API client with the admin token; the caller shuts it down.
    public func adminClient() -> DroverAPIClient {
        DroverAPIClient(server: url, credential: token)
    }

    /// Opens the data directory, serves it, and returns once the server answers.
    public func start() async throws {
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: logger)
        var setup: RegistrySetup?
        if let registry {
            setup = try await RegistrySetup.make(
                mode: "embedded", dataDirectory: directory, listen: registry, address: nil, serverURL: url, issuer: "drover",
                service: "drover-registry", resolveImages: true, insecure: [], logger: logger)
        }
        let plane = ControlPlane(
            store: store, logger: logger, metrics: ServerMetrics(exportDevices: exportDeviceMetrics), webhooks: webhooks ?? WebhookSettings(),
            registry: setup?.settings ?? .none, tokenIssuer: setup?.issuer, secrets: try SecretBox.load(path: directory + "/secrets.key"),
            embeddedRegistry: setup?.embedded, builder: try TestEnvironment.dockerHost.map { try EngineEndpoint(parsing: $0) })
        if let first = try await plane.bootstrap() { token = first }
        // The routes are the server's own; in front of them only a note of who asked for what,
        // so a test can wait for an agent's next round instead of sleeping.
        let routes = DroverServerApp.buildRouter(plane: plane).buildResponder()
        let requests = self.requests
        let responder = CallbackResponder<DroverContext> { request, context in
            let credential = request.headers[.authorization].map { String($0.trimmingPrefix("Bearer ")) } ?? ""
            await requests.record(request.method, request.uri.path, credential: credential)
            return try await routes.respond(to: request, context: context)
        }
        var app = Application(
            responder: responder, server: channel ? DroverServerApp.server(plane: plane) : .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "drover"), logger: logger)
        if webhooks != nil {
            app.addServices(plane.services)
        } else if let embedded = setup?.embedded {
            app.addServices(embedded)
        }
        self.store = store
        controlPlane = plane
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        try await Self.answering(url)
        if let registry { try await Self.registryAnswering(registry) }
    }

    /// Waits until Distribution answers `/v2/` (with 401: it wants a token).
    private static func registryAnswering(_ registry: String) async throws {
        let probe = DroverAPIClient(server: "http://\(registry)", credential: nil)
        defer { Task { try? await probe.shutdown() } }
        try await eventually("the registry at \(registry) to answer") { () async -> Int in
            do {
                return try await probe.send(.GET, "/v2/").status
            } catch let error as ClientError {
                return error.status ?? 0
            } catch {
                return 0
            }
        } until: {
            $0 == 401
        }
    }

    private static func answering(_ url: String) async throws {
        let probe = DroverAPIClient(server: url, credential: nil)
        defer { Task { try? await probe.shutdown() } }
        try await eventually("the server at \(url) to answer") {
            try await probe.send(.GET, "/v1/health").status
        } until: {
            $0 == 200
        }
    }

    /// Stops serving and closes the store; the data directory stays for a restart.
    public func stop() async throws {
        task?.cancel()
        _ = await task?.result
        task = nil
        controlPlane = nil
        try await store?.close()
        store = nil
    }

    /// How many times the device with `credential` asked for its target. An agent asks once per
    /// round, after converging on what it had; so two more asks than before prove that a whole
    /// round ran in between.
    public func targetRequests(by credential: String) async -> Int {
        await requests.count(.get, "/v1/device/state", credential: credential)
    }

    /// Returns once the agent with `credential` has finished a whole round (asked for its
    /// target, converged, reported) that began after this call: the positive signal that it
    /// had its chance to act, where a test must show that it did not.
    public nonisolated func agentRound(by credential: String, timeout: Duration = .seconds(60)) async throws {
        let before = await targetRequests(by: credential)
        try await eventually("a whole agent round after request \(before)", timeout: timeout) {
            await targetRequests(by: credential)
        } until: {
            $0 >= before + 2
        }
    }
}

/// Runs `body` with a started `LiveServer`, and always stops it and removes its data
/// directory afterwards, also when `body` throws or a test fails.
public func withLiveServer<Result>(
    channel: Bool = false, exportDeviceMetrics: Bool = false, webhooks: WebhookSettings? = nil, registry: Bool = false,
    _ body: (LiveServer) async throws -> Result
) async throws -> Result {
    let server = try LiveServer(channel: channel, exportDeviceMetrics: exportDeviceMetrics, webhooks: webhooks, registry: registry)
    defer { try? FileManager.default.removeItem(atPath: server.directory) }
    do {
        try await server.start()
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

/// The device's credential saved in an agent's state directory.
public func deviceCredential(stateDirectory: String) throws -> String {
    struct Identity: Decodable { var apiKey: String }
    let data = try Data(contentsOf: URL(fileURLWithPath: stateDirectory + "/identity.json"))
    return try JSONDecoder().decode(Identity.self, from: data).apiKey
}

/// Who asked for which path, counted.
actor RequestLedger {
    private var counts: [String: Int] = [:]

    func record(_ method: HTTPRequest.Method, _ path: String, credential: String) {
        counts[Self.key(method, path, credential), default: 0] += 1
    }

    func count(_ method: HTTPRequest.Method, _ path: String, credential: String) -> Int {
        counts[Self.key(method, path, credential)] ?? 0
    }

    private static func key(_ method: HTTPRequest.Method, _ path: String, _ credential: String) -> String {
        "\(method.rawValue) \(path) \(credential)"
    }
}

/// A loopback port nothing listens on now: the kernel's choice for a socket bound to port 0.
public enum FreePort {
    /// The port; it may be taken by someone else before it is bound.
    public static func pick() throws -> Int {
        #if canImport(Glibc)
            let stream = Int32(SOCK_STREAM.rawValue)
        #else
            let stream = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, stream, 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
