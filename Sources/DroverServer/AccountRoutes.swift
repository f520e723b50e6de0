import DroverModel
import Foundation
import HTTPTypes
import Hummingbird

/// The routes of people: logging in and out, organisations, members, tokens, the audit log.
struct AccountRoutes {
    let plane: ControlPlane

    func register(open: RouterGroup<DroverContext>, people v1: PeopleRoutes) {
        open.post("login") { request, context in
            let body = try await JSONBody.decode(API.Login.self, from: request)
            let session = try await plane.accounts.login(body, address: context.address)
            var response = JSONBody.response(session)
            response.setCookie(Self.cookie(session.token, expires: session.expiresAt, secure: Self.secure(request)))
            return response
        }
        v1.post("logout") { request, context, _ in
            let credential =
                request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) }
                ?? request.cookies[AuthMiddleware.sessionCookie]?.value
            if let credential { try await plane.accounts.logout(credential: credential) }
            var response = Response(status: .noContent)
            response.setCookie(Self.cookie("", expires: Date(timeIntervalSince1970: 0), secure: Self.secure(request)))
            return response
        }
        v1.get("me") { _, _, access in JSONBody.response(try await plane.accounts.me(access)) }
        v1.put("me/password") { request, _, access in
            try await plane.accounts.changePassword(access, try await JSONBody.decode(API.ChangePassword.self, from: request))
            return Response(status: .noContent)
        }
        v1.post("orgs") { request, _, access in
            let body = try await JSONBody.decode(API.CreateOrg.self, from: request)
            return JSONBody.response(try await plane.accounts.createOrg(access, body), status: .created)
        }
        v1.get("users") { _, _, access in JSONBody.response(try await plane.accounts.users(access)) }
        v1.post("users") { request, _, access in
            let body = try await JSONBody.decode(API.CreateUser.self, from: request)
            return JSONBody.response(try await plane.accounts.createUser(access, body), status: .created)
        }
        v1.delete("users/:user") { _, context, access in
            try await plane.accounts.deleteUser(access, try context.parameters.require("user"))
            return Response(status: .noContent)
        }
        v1.put("users/:user/roles") { request, context, access in
            let body = try await JSONBody.decode(API.SetRole.self, from: request)
            return JSONBody.response(try await plane.accounts.setRole(access, try context.parameters.require("user"), body))
        }
        v1.get("tokens") { _, _, access in JSONBody.response(try await plane.accounts.tokens(access)) }
        v1.post("tokens") { request, _, access in
            let body = try await JSONBody.decode(API.CreateToken.self, from: request)
            return JSONBody.response(try await plane.accounts.createToken(access, body), status: .created)
        }
        v1.delete("tokens/:token") { _, context, access in
            try await plane.accounts.deleteToken(access, try context.parameters.require("token"))
            return Response(status: .noContent)
        }
        v1.get("audit") { request, _, access in
            JSONBody.response(try await plane.accounts.audit(access, try Self.auditQuery(request.uri.queryParameters)))
        }
    }

    /// The session cookie: HttpOnly (no script reads it), SameSite=Lax (another site's form
    /// does not send it), Secure behind TLS, and gone when the session ends.
    static func cookie(_ value: String, expires: Date, secure: Bool) -> Cookie {
        Cookie(name: AuthMiddleware.sessionCookie, value: value, expires: expires, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Whether the client reached the server over TLS: directly, or through a proxy that says so.
    static func secure(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[HTTPField.Name.named("X-Forwarded-Proto")] == "https"
    }

    static func auditQuery(_ query: Parameters) throws(ServerError) -> AuditQuery {
        var out = AuditQuery()
        out.actor = query["user"].map(String.init)
        out.fleetID = query["fleet"].map(String.init)
        out.action = query["action"].map(String.init)
        out.device = query["device"].map(String.init)
        if let since = query["since"] { out.since = try MetricsRoutes.time(String(since)) }
        if let before = query["before"] {
            guard let id = Int64(String(before)), id > 0 else {
                throw ServerError(.badRequest, "before must be an entry id (a whole number above 0), got '\(before)'")
            }
            out.before = id
        }
        if let limit = try APIRoutes.integer(query, "limit", in: 1...10_000) { out.limit = limit }
        return out
    }
}
