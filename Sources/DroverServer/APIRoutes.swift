import DroverModel
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// The HTTP adapter: decodes requests, calls the ``ControlPlane``, encodes answers.
struct APIRoutes {
    let plane: ControlPlane

    /// Adds every `/v1` route. Who may call a route is decided by the group it is added to,
    /// before its body is read: a request without the right credential gets 401 or 403, never
    /// a complaint about a body it may not send.
    func register(on router: Router<DroverContext>) {
        let open = router.group("v1")
        let v1 = PeopleRoutes(group: router.group("v1"), plane: plane)
        let device = router.group("v1").add(middleware: RequireCaller(caller: .device))
        AccountRoutes(plane: plane).register(open: open, people: v1)
        LiveEventsRoute.add(to: v1, plane: plane)
        open.get("health") { _, _ in JSONBody.response(["status": "ok"]) }
        open.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }

        // Fleets
        v1.get("fleets") { _, context, access in JSONBody.response(try await plane.listFleets(access)) }
        v1.post("fleets") { request, context, access in
            let body = try await JSONBody.decode(API.CreateFleet.self, from: request)
            return JSONBody.response(try await plane.createFleet(access, name: body.name), status: .created)
        }
        v1.get("fleets/:fleet") { _, context, access in
            JSONBody.response(try await plane.fleet(access, try context.parameters.require("fleet")))
        }
        v1.patch("fleets/:fleet") { request, context, access in
            let body = try await JSONBody.decode(API.UpdateFleet.self, from: request)
            return JSONBody.response(try await plane.updateFleet(access, try context.parameters.require("fleet"), body))
        }
        v1.delete("fleets/:fleet") { _, context, access in
            try await plane.deleteFleet(access, try context.parameters.require("fleet"))
            return Response(status: .noContent)
        }

        // Provisioning keys
        v1.get("fleets/:fleet/keys") { _, context, access in
            JSONBody.response(try await plane.listKeys(access, fleet: try context.parameters.require("fleet")))
        }
        v1.post("fleets/:fleet/keys") { request, context, access in
            let body = try await JSONBody.decode(API.CreateKey.self, from: request)
            let key = try await plane.createKey(access, fleet: try context.parameters.require("fleet"), body)
            return JSONBody.response(key, status: .created)
        }
        v1.delete("fleets/:fleet/keys/:key") { _, context, access in
            try await plane.revokeKey(
                access, fleet: try context.parameters.require("fleet"), id: try context.parameters.require("key"))
            return Response(status: .noContent)
        }

        // Releases
        v1.get("fleets/:fleet/releases") { _, context, access in
            JSONBody.response(try await plane.listReleases(access, fleet: try context.parameters.require("fleet")))
        }
        v1.post("fleets/:fleet/releases") { request, context, access in
            let body = try await JSONBody.decode(API.CreateRelease.self, from: request)
            let release = try await plane.createRelease(access, fleet: try context.parameters.require("fleet"), body)
            return JSONBody.response(release, status: .created)
        }
        v1.get("releases/:release") { _, context, access in
            JSONBody.response(try await plane.release(access, try context.parameters.require("release")))
        }

        // Devices (people)
        open.post("devices") { request, _ in
            let body = try await JSONBody.decode(API.RegisterDevice.self, from: request)
            return JSONBody.response(try await plane.register(body), status: .created)
        }
        v1.get("devices") { request, context, access in
            var filter = ControlPlane.DeviceFilter()
            filter.fleet = request.uri.queryParameters["fleet"].map(String.init)
            for tag in request.uri.queryParameters.getAll("tag") {
                let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ServerError(.badRequest, "tag filter '\(tag)' must be KEY=VALUE") }
                filter.tags[parts[0]] = parts[1]
            }
            if let online = request.uri.queryParameters["online"] {
                guard let value = Bool(String(online)) else { throw ServerError(.badRequest, "online must be true or false") }
                filter.online = value
            }
            if let word = request.uri.queryParameters["status"] {
                guard let status = API.DeviceStatus(rawValue: String(word)) else {
                    throw ServerError(.badRequest, "status '\(word)' must be \(API.DeviceStatus.words)")
                }
                filter.status = status
            }
            filter.nameContains = try Self.text(request.uri.queryParameters, "q", limit: 256)
            let page = try Self.devicePage(request.uri.queryParameters)
            let (devices, total) = try await plane.listDevices(access, filter, page: page)
            var response = JSONBody.response(devices)
            response.headers[.named("X-Total-Count")] = String(total)
            return response
        }
        v1.get("devices/:device") { _, context, access in
            JSONBody.response(try await plane.device(access, try context.parameters.require("device")))
        }
        v1.patch("devices/:device") { request, context, access in
            let body = try await JSONBody.decode(API.UpdateDevice.self, from: request)
            return JSONBody.response(try await plane.updateDevice(access, try context.parameters.require("device"), body))
        }
        v1.delete("devices/:device") { _, context, access in
            try await plane.deleteDevice(access, try context.parameters.require("device"))
            return Response(status: .noContent)
        }
        v1.post("devices/:device/actions") { request, context, access in
            let body = try await JSONBody.decode(API.DeviceAction.self, from: request)
            try await plane.act(access, try context.parameters.require("device"), body)
            return Response(status: .accepted)
        }
        v1.put("devices/:device/tags") { request, context, access in
            struct TagChange: Decodable {
                var set: [String: String]?
                var remove: [String]?
            }
            let body = try await JSONBody.decode(TagChange.self, from: request)
            let tags = try await plane.setTags(
                access, try context.parameters.require("device"), set: body.set ?? [:], remove: body.remove ?? [])
            return JSONBody.response(tags)
        }
        v1.get("devices/:device/sessions") { _, context, access in
            JSONBody.response(try await plane.sessions.list(access, device: try context.parameters.require("device")))
        }
        v1.get("devices/:device/logs") { request, context, access in
            let query = request.uri.queryParameters
            let limit = try Self.integer(query, "limit", in: 1...10_000) ?? 100
            let after = try query["after"].map { text throws(ServerError) in
                guard let n = Int64(String(text)), n >= 0 else {
                    throw ServerError(.badRequest, "after must be a sequence number (a whole number, 0 or more), got '\(text)'")
                }
                return n
            }
            let lines = try await plane.logs(
                access, device: try context.parameters.require("device"), service: query["service"].map(String.init),
                after: after, since: query["since"].map(String.init), limit: limit)
            return JSONBody.response(lines)
        }

        // Env
        v1.get("env") { request, context, access in
            let query = request.uri.queryParameters
            return JSONBody.response(
                try await plane.listEnv(access, fleet: query["fleet"].map(String.init), device: query["device"].map(String.init)))
        }
        v1.put("env") { request, context, access in
            let body = try await JSONBody.decode(API.SetEnv.self, from: request)
            return JSONBody.response(try await plane.setEnv(access, body))
        }
        v1.delete("env") { request, context, access in
            let query = request.uri.queryParameters
            guard let name = query["name"] else { throw ServerError(.badRequest, "name the variable with ?name=") }
            try await plane.removeEnv(
                access, fleet: query["fleet"].map(String.init), device: query["device"].map(String.init),
                service: query["service"].map(String.init), name: String(name))
            return Response(status: .noContent)
        }

        WebhookRoutes(plane: plane).register(on: v1)
        RegistryRoutes(plane: plane).register(open: open, people: v1, device: device)
        ClusterRoutes(plane: plane).register(people: v1, device: device)
        FileRoutes(plane: plane).register(people: v1, device: device)

        // The device's own endpoints
        device.get("device/state") { request, context in
            let uuid = try context.requireDevice()
            let known = request.headers[.ifNoneMatch]
            let wait = try request.uri.queryParameters["wait"].map { text throws(ServerError) in
                guard let seconds = Double(String(text)), seconds.isFinite, (0...API.Limits.longPollSeconds).contains(seconds) else {
                    throw ServerError(.badRequest, "wait must be a number of seconds from 0 to \(Int(API.Limits.longPollSeconds)), got '\(text)'")
                }
                return seconds
            }
            // A held request must not keep a stopping server up until its timeout: when the
            // server begins a graceful stop, every held long-poll is answered at once.
            let target = try await withGracefulShutdownHandler {
                try await plane.deviceTarget(device: uuid, knownETag: known, wait: wait)
            } onGracefulShutdown: {
                Task { await plane.releaseLongPolls() }
            }
            if known == target.etag {
                return Response(status: .notModified, headers: [.eTag: target.etag])
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .eTag: target.etag], body: .init(byteBuffer: ByteBuffer(bytes: target.body)))
        }
        device.patch("device/state") { request, context in
            let (uuid, fleetID) = try context.requireDeviceIdentity()
            let report = try await JSONBody.decode(API.StateReport.self, from: request)
            try await plane.report(device: uuid, fleet: fleetID, report)
            return Response(status: .noContent)
        }
        device.post("device/logs") { request, context in
            let (uuid, fleetID) = try context.requireDeviceIdentity()
            let batch = try await JSONBody.decode(API.LogBatch.self, from: request)
            try await plane.appendLogs(device: uuid, fleet: fleetID, batch.lines)
            return Response(status: .noContent)
        }
    }
}

/// Resolves `Authorization: Bearer …`, or a browser's session cookie, into the context's
/// identity. A wrong credential is refused at once; a missing one is left to the route to
/// judge. A change made with the cookie must carry the session's CSRF token in
/// `X-CSRF-Token`: another site can make a browser send the cookie, but cannot read the token.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = DroverContext
    let plane: ControlPlane

    /// The session cookie's name.
    static let sessionCookie = "drover_session"
    /// The header that carries the CSRF token.
    static let csrfHeader = HTTPField.Name.named("X-CSRF-Token")

    func handle(_ request: Request, context: DroverContext, next: (Request, DroverContext) async throws -> Response) async throws -> Response {
        var context = context
        if request.headers[.authorization] == nil, let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty {
            context.identity = try await Self.session(cookie, request: request, plane: plane)
        } else {
            context.identity = try await Self.identity(of: request, plane: plane)
        }
        return try await next(request, context)
    }

    /// The person a session cookie belongs to (nil for an ended or unknown session); a change
    /// without the session's CSRF token is refused.
    static func session(_ cookie: String, request: Request, plane: ControlPlane) async throws(ServerError) -> Identity? {
        // A cookie left from an ended session is no credential at all: the browser may still
        // log in again or read what is open, and a route that needs a person says 401.
        guard cookie.utf8.count <= API.Limits.secret, case .user(let principal)? = try await plane.identity(credential: cookie),
            let csrf = principal.csrf
        else {
            return nil
        }
        if ![.get, .head, .options].contains(request.method) {
            guard let sent = request.headers[csrfHeader], sent == csrf else {
                throw ServerError(.forbidden, "a change made with a session cookie must send the session's CSRF token in X-CSRF-Token")
            }
        }
        return .user(principal)
    }

    /// The credential of an `Authorization` header: `Bearer TOKEN`, or `Basic` with the token
    /// as the password (what `docker login` sends; the user name is not read).
    static func credential(in header: String) -> String? {
        if header.hasPrefix("Bearer ") { return String(header.dropFirst(7)) }
        guard header.hasPrefix("Basic "), header.utf8.count <= 4 * API.Limits.secret,
            let decoded = Data(base64Encoded: String(header.dropFirst(6))), let text = String(data: decoded, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        return String(text[text.index(after: colon)...])
    }

    /// Who `Authorization: Bearer …` names: nil without the header; a malformed header or a
    /// credential that is not valid is refused. Shared with the device channel's upgrade.
    static func identity(of request: Request, plane: ControlPlane) async throws(ServerError) -> Identity? {
        guard let header = request.headers[.authorization] else { return nil }
        guard let credential = Self.credential(in: header), !credential.isEmpty, credential.utf8.count <= API.Limits.secret else {
            throw ServerError(.unauthorized, "Authorization must be 'Bearer TOKEN', or 'Basic' with the token as the password")
        }
        guard let identity = try await plane.identity(credential: credential) else {
            throw ServerError(.unauthorized, "the token or device key is not valid (expired, revoked, or the device was deleted)")
        }
        return identity
    }
}

/// Lets a request through only with the kind of credential its route group needs.
struct RequireCaller: RouterMiddleware {
    typealias Context = DroverContext
    /// The kinds of caller a route can require.
    enum Caller {
        case user, device
    }
    let caller: Caller

    func handle(_ request: Request, context: DroverContext, next: (Request, DroverContext) async throws -> Response) async throws -> Response {
        switch caller {
        case .user: _ = try context.requirePerson()
        case .device: _ = try context.requireDevice()
        }
        return try await next(request, context)
    }
}

/// The methods each route path answers, to tell "no such path" (404) from "not with this
/// method" (405).
struct RouteTable: Sendable {
    private let routes: [(components: [Substring], methods: Set<String>)]

    init(_ routes: [(path: String, method: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes {
            byPath[route.path, default: []].insert(route.method)
            // Hummingbird answers HEAD wherever there is a GET.
            if route.method == "GET" { byPath[route.path, default: []].insert("HEAD") }
        }
        self.routes = byPath.map { (path, methods) in (path.split(separator: "/"), methods) }
    }

    /// The methods allowed on `path`, sorted; empty when no route has that path.
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        var allowed: Set<String> = []
        for route in routes where route.components.count == parts.count {
            if zip(route.components, parts).allSatisfy({ $0.hasPrefix("{") || $0.hasPrefix(":") || $0 == $1 }) { allowed.formUnion(route.methods) }
        }
        return allowed.sorted()
    }
}

/// Turns every error into the JSON error body: ours with their code, Hummingbird's with the
/// status's name, anything else as a 500 that says no more than it must.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = DroverContext
    let routes: RouteTable

    func handle(_ request: Request, context: DroverContext, next: (Request, DroverContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            if error.status == .notFound, case let allowed = routes.methods(for: request.uri.path), !allowed.isEmpty {
                let message = "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))"
                var response = ServerError(.methodNotAllowed, message).response()
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return JSONBody.response(API.ErrorBody(code: code, message: error.body ?? error.status.reasonPhrase), status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return JSONBody.response(API.ErrorBody(code: "internal", message: "the server failed to handle the request"), status: .internalServerError)
        }
    }
}

extension HTTPField.Name {
    /// A header name written in the source: one that is not valid is a programming error.
    static func named(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("'\(name)' is not a valid header name") }
        return field
    }
}
