import Foundation
import DroverModel
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging

/// Builds and runs the server: one process, SQLite in its data directory.
public enum DroverServerApp {
    /// Opens (creating if needed) the data directory's SQLite store: WAL journal, full sync so
    /// an acknowledged write survives a crash, schema migrated. One serialised writer and a few
    /// read-only readers that see only committed data (see ``SQLStore``).
    public static func openStore(dataDirectory: String, logger: Logger) async throws -> SQLStore {
        try DataDirectory.secure(dataDirectory, logger: logger)
        let store = try await SQLStore.openSQLite(path: dataDirectory + "/drover.sqlite", logger: logger)
        do {
            try await store.migrate()
            // SQLite makes the -wal and -shm files on first use, with the process's umask.
            try DataDirectory.secure(dataDirectory, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// The router with every `/v1` route, `/metrics` and the dashboard.
    public static func buildRouter(plane: ControlPlane) -> Router<DroverContext> {
        let routes = APIRoutes(plane: plane)
        let metricsRoutes = MetricsRoutes(plane: plane)
        // The route table is read off a scratch router holding the same routes, so the 405
        // answer can never disagree with the routes that exist.
        let dashboard = DashboardRoutes(assets: DashboardAssets.shared)
        let scratch = Router(context: DroverContext.self)
        routes.register(on: scratch)
        metricsRoutes.register(on: scratch)
        dashboard.register(on: scratch)
        let table = RouteTable(scratch.routes.map { (path: "\($0.path)", method: $0.method.rawValue) })
        let router = Router(context: DroverContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestMetricsMiddleware(metrics: plane.metrics))
        router.add(middleware: ErrorMiddleware(routes: table))
        router.add(middleware: AuthMiddleware(plane: plane))
        routes.register(on: router)
        metricsRoutes.register(on: router)
        dashboard.register(on: router)
        return router
    }

    /// Whether a route path is the dashboard's (a web page on the API's origin), not the API's.
    public static func isDashboard(path: String) -> Bool { DashboardRoutes.isDashboard(path: path) }

    /// The application listening on `host:port`, running the control plane's background
    /// services beside its HTTP server. On a graceful stop the HTTP server stops first (held
    /// long-polls are answered at once, requests in flight finish, state reports among them
    /// written), then the services (the last-seen times are written); the caller then closes
    /// the store.
    public static func buildApplication(plane: ControlPlane, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        var app = Application(
            router: buildRouter(plane: plane),
            server: server(plane: plane),
            // Thousands of devices reconnect at once after a server restart or a network blip;
            // a short accept queue drops their SYNs and they retry only after seconds.
            configuration: .init(address: .hostname(host, port: port), serverName: "drover", backlog: 4096),
            logger: logger)
        app.addServices(plane.services)
        return app
    }

    /// HTTP/1.1 with the device channel: upgrade requests go to the channel's router, all
    /// others to the API's.
    public static func server(plane: ControlPlane) -> HTTPServerBuilder {
        let channel = WebSocketServerConfiguration(
            maxFrameSize: API.ChannelFrame.maxFrameBytes, extensions: [.nonNegotiatedExtension { WordUnmasking() }],
            autoPing: .enabled(timePeriod: .seconds(ChannelRoute.pingSeconds)), closeTimeout: .seconds(2))
        return .http1WebSocketUpgrade(webSocketRouter: ChannelRoute.router(plane: plane), configuration: .init(ws: channel))
    }

    /// Raises the soft limit on open files to the hard one, as Go's runtime does: each device
    /// holds a socket to the server, and the usual soft limit of 1,024 would refuse the
    /// thousand-and-first. Warns when the limit stays low.
    public static func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(resource(RLIMIT_NOFILE), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource(RLIMIT_NOFILE), &raised) == 0 { limit = raised }
        }
        if limit.rlim_cur < 16_384 {
            logger.warning(
                "open files are limited to \(limit.rlim_cur); each connected device holds one, so raise the limit (LimitNOFILE= in the unit) for larger fleets"
            )
        }
    }

    #if os(Linux)
        private static func resource(_ value: __rlimit_resource) -> __rlimit_resource_t { __rlimit_resource_t(value.rawValue) }
    #else
        private static func resource(_ value: Int32) -> Int32 { value }
    #endif

    /// Writes the admin token file (mode 0600) on first start.
    public static func writeAdminToken(_ token: String, dataDirectory: String) throws {
        let path = dataDirectory + "/admin-token"
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ServerError(.storage, "cannot write \(path)")
        }
    }
}
