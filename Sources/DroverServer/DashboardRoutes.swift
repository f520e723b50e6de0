import DroverModel
import Foundation
import HTTPTypes
import Hummingbird

/// The web dashboard, on the API's own origin: `/` is its page, `/ui/NAME` its scripts and
/// styles, `/ui/vendor/xterm.js` the terminal's library. Every file carries an ETag and is
/// revalidated on each load (a server upgrade changes them), and is sent gzipped when the
/// browser takes it.
struct DashboardRoutes {
    let assets: DashboardAssets

    /// Whether a route path (`/ui/:name`) is the dashboard's: a web page, not the API.
    static func isDashboard(path: String) -> Bool {
        let path = path.hasPrefix("/") ? path : "/" + path
        return path == "/" || path == "/favicon.ico" || path.hasPrefix("/ui/")
    }

    func register(on router: Router<DroverContext>) {
        let assets = self.assets
        router.get("/") { request, _ in try Self.serve(assets.asset("index.html"), named: "index.html", request) }
        router.get("/ui/:name") { request, context in
            let name = try context.parameters.require("name")
            return try Self.serve(assets.asset(name), named: name, request)
        }
        router.get("/ui/vendor/:name") { request, context in
            Self.response(try assets.vendor(try context.parameters.require("name")).get(), request)
        }
        // Browsers ask for it on their own; the page names its icon, but a 404 here would
        // still be an error in the console of a page opened some other way.
        router.get("/favicon.ico") { request, _ in
            guard let icon = assets.asset("icon.svg") else { return Response(status: .noContent) }
            return Self.response(icon, request)
        }
    }

    private static func serve(_ asset: DashboardAsset?, named name: String, _ request: Request) throws(ServerError) -> Response {
        guard let asset else { throw ServerError(.notFound, "the dashboard has no file '\(name)'") }
        return response(asset, request)
    }

    /// The file, or 304 when the browser holds this very version.
    static func response(_ asset: DashboardAsset, _ request: Request) -> Response {
        var headers: HTTPFields = [.eTag: asset.etag, .cacheControl: "no-cache", .vary: "Accept-Encoding"]
        if let held = request.headers[.ifNoneMatch], held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        var body = asset.bytes
        if let gzipped = asset.gzipped, accepts(gzip: request) {
            body = gzipped
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Whether `Accept-Encoding` takes gzip (and does not refuse it with q=0).
    static func accepts(gzip request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding] else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "gzip" || parts.first == "*" else { return false }
            let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
            return weight.map { $0 > 0 } ?? true
        }
    }
}

/// Headers every answer carries: the dashboard's page may run only its own scripts and
/// styles, talk only to its own origin, and be framed by no one; no answer is sniffed.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = DroverContext

    /// The Content-Security-Policy: nothing inline, nothing from elsewhere.
    static let policy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
        "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
    ].joined(separator: "; ")

    func handle(_ request: Request, context: DroverContext, next: (Request, DroverContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.named("Referrer-Policy")] = "same-origin"
        response.headers[.named("X-Frame-Options")] = "DENY"
        return response
    }
}
