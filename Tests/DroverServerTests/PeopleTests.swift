import DroverModel
import Foundation
import HTTPTypes
import Logging
import Testing

@testable import DroverServer

/// People on one server: logins, browser sessions, tokens, and the audit log, through the
/// server's own routes.
@Suite("People: logins, sessions, tokens and the audit log")
struct PeopleTests {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Adds a user with a password through the API; returns their session token.
    static func member(_ client: TestServer.Client, _ name: String, role: String, fleet: String? = nil) async throws -> String {
        let fleetField = fleet.map { #", "fleet": "\#($0)""# } ?? ""
        let (status, body, _) = try await client.call(
            .post, "/v1/users", json: #"{"name": "\#(name)", "role": "\#(role)", "password": "pw-\#(name)-123"\#(fleetField)}"#)
        #expect(status == .created, "\(body)")
        return try await login(client, name, password: "pw-\(name)-123").token
    }

    static func login(_ client: TestServer.Client, _ name: String, password: String) async throws -> API.LoginSession {
        let (status, body, _) = try await client.call(.post, "/v1/login", json: #"{"username": "\#(name)", "password": "\#(password)"}"#, token: "")
        #expect(status == .ok, "\(body)")
        return try Self.decoder.decode(API.LoginSession.self, from: Data(body.utf8))
    }

    static func audit(_ client: TestServer.Client, _ query: String = "") async throws -> [API.AuditEntry] {
        let (status, body, _) = try await client.call(.get, "/v1/audit\(query)")
        #expect(status == .ok, "\(body)")
        return try Self.decoder.decode([API.AuditEntry].self, from: Data(body.utf8))
    }

    @Test("the right password logs in; a wrong one and an unknown user get the same answer; many failures are refused for a while")
    func login() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let token = try await Self.member(client, "ada", role: "viewer")
            #expect(try await client.call(.get, "/v1/fleets", token: token).status == .ok)
            let wrong = try await client.call(.post, "/v1/login", json: #"{"username": "ada", "password": "not-her-password"}"#, token: "")
            let unknown = try await client.call(.post, "/v1/login", json: #"{"username": "nobody", "password": "not-her-password"}"#, token: "")
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.body == unknown.body, "the answer must not tell whether the user exists")
            for _ in 0..<(LoginThrottle.limit - 1) {
                _ = try await client.call(.post, "/v1/login", json: #"{"username": "ada", "password": "guess"}"#, token: "")
            }
            // Now even the right password waits: the name had its tries.
            let throttled = try await client.call(.post, "/v1/login", json: #"{"username": "ada", "password": "pw-ada-123"}"#, token: "")
            #expect(throttled.status == .tooManyRequests, "\(throttled.body)")
            #expect(throttled.body.contains("try again in"))
            let failed = try await Self.audit(client, "?action=login.failed")
            #expect(failed.count == LoginThrottle.limit && failed.allSatisfy { $0.actor == "ada" && $0.status == 401 })
        }
    }

    @Test("a session cookie works for reading, and a change with it needs the session's CSRF token")
    func cookies() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            _ = try await Self.member(client, "bob", role: "admin")
            let (status, body, headers) = try await client.call(.post, "/v1/login", json: #"{"username": "bob", "password": "pw-bob-123"}"#, token: "")
            #expect(status == .ok)
            let session = try Self.decoder.decode(API.LoginSession.self, from: Data(body.utf8))
            let setCookie = try #require(headers[.setCookie])
            #expect(setCookie.contains("drover_session=\(session.token)") && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(!setCookie.contains("Secure"), "plain HTTP on loopback: no Secure flag")
            let cookie: HTTPFields = [.cookie: "drover_session=\(session.token)"]
            #expect(try await client.call(.get, "/v1/fleets", token: "", headers: cookie).status == .ok)
            let refused = try await client.call(.post, "/v1/fleets", json: #"{"name": "csrf"}"#, token: "", headers: cookie)
            #expect(refused.status == .forbidden && refused.body.contains("X-CSRF-Token"), "\(refused.body)")
            var withToken = cookie
            withToken[HTTPField.Name("X-CSRF-Token")!] = session.csrf
            #expect(try await client.call(.post, "/v1/fleets", json: #"{"name": "csrf"}"#, token: "", headers: withToken).status == .created)
            // Behind a TLS proxy the cookie is Secure.
            let tls = try await client.call(
                .post, "/v1/login", json: #"{"username": "bob", "password": "pw-bob-123"}"#, token: "",
                headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(tls.headers[.setCookie]?.contains("Secure") == true)
            // Logging out ends the session and clears the cookie.
            let out = try await client.call(.post, "/v1/logout", token: "", headers: withToken)
            #expect(out.status == .noContent && out.headers[.setCookie]?.contains("drover_session=;") == true, "\(out.headers)")
            #expect(try await client.call(.get, "/v1/fleets", token: "", headers: cookie).status == .unauthorized)
            #expect(try await client.call(.get, "/v1/fleets", token: session.token).status == .unauthorized)
            // The browser keeps the ended cookie for a moment: it must not stop it logging in again.
            #expect(try await client.call(.get, "/v1/health", token: "", headers: cookie).status == .ok)
            let again = try await client.call(
                .post, "/v1/login", json: #"{"username": "bob", "password": "pw-bob-123"}"#, token: "", headers: cookie)
            #expect(again.status == .ok, "\(again.body)")
        }
    }

    @Test("a token past its expiry is refused, and a fleet-scoped token cannot touch another fleet")
    func tokens() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            for fleet in ["mine", "theirs"] { _ = try await client.call(.post, "/v1/fleets", json: #"{"name": "\#(fleet)"}"#) }
            let (status, body, _) = try await client.call(.post, "/v1/tokens", json: #"{"name": "ci", "fleet": "mine", "role": "developer"}"#)
            #expect(status == .created, "\(body)")
            let scoped = try Self.decoder.decode(API.CreatedToken.self, from: Data(body.utf8))
            #expect(scoped.info.prefix == String(scoped.token.prefix(10)) && scoped.info.fleet == "mine")
            let compose = #"{"compose": "services:\n  web:\n    image: nginx:1.27\n"}"#
            #expect(try await client.call(.post, "/v1/fleets/mine/releases", json: compose, token: scoped.token).status == .created)
            let other = try await client.call(.post, "/v1/fleets/theirs/releases", json: compose, token: scoped.token)
            #expect(other.status == .notFound, "another fleet is not even seen: \(other.body)")
            let fleets = try await client.call(.get, "/v1/fleets", token: scoped.token)
            #expect(fleets.body.contains("\"mine\"") && !fleets.body.contains("theirs"))
            #expect(try await client.call(.delete, "/v1/fleets/mine", token: scoped.token).status == .forbidden)
            let listed = try await client.call(.get, "/v1/tokens")
            #expect(listed.body.contains(scoped.info.prefix) && !listed.body.contains(scoped.token))

            // A token with a lifetime works within it, and not after it.
            let (_, dayBody, _) = try await client.call(.post, "/v1/tokens", json: #"{"name": "day", "expiresIn": 86400}"#)
            let day = try Self.decoder.decode(API.CreatedToken.self, from: Data(dayBody.utf8))
            #expect(day.info.expiresAt != nil)
            #expect(try await client.call(.get, "/v1/fleets", token: day.token).status == .ok)
            let (_, shortBody, _) = try await client.call(.post, "/v1/tokens", json: #"{"name": "short", "expiresIn": 1}"#)
            let short = try Self.decoder.decode(API.CreatedToken.self, from: Data(shortBody.utf8))
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await client.call(.get, "/v1/fleets", token: short.token).status == .unauthorized)
            #expect(try await client.call(.post, "/v1/tokens", json: #"{"name": "x", "expiresIn": -5}"#).status == .badRequest)
        }
    }

    @Test("a release, an env change and a device action each leave one entry with their actor; a failed request leaves a failure")
    func audit() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let dev = try await Self.member(client, "dev", role: "developer")
            _ = try await client.fleetWithDevice("lab", device: "pi")
            let compose = #"{"compose": "services:\n  web:\n    image: nginx:1.27\n"}"#
            #expect(try await client.call(.post, "/v1/fleets/lab/releases", json: compose, token: dev).status == .created)
            #expect(try await client.call(.put, "/v1/env", json: #"{"fleet": "lab", "name": "LEVEL", "value": "1"}"#, token: dev).status == .ok)
            #expect(try await client.call(.post, "/v1/devices/pi/actions", json: #"{"action": "restart"}"#).status == .accepted)
            let denied = try await client.call(.delete, "/v1/fleets/lab", token: dev)
            #expect(denied.status == .forbidden)
            let entries = try await Self.audit(client)
            let release = entries.filter { $0.action == "createRelease" }
            #expect(release.count == 1 && release.first?.actor == "dev" && release.first?.fleet == "lab" && release.first?.result == "ok")
            #expect(release.first?.status == 201 && release.first?.requestID != nil)
            let env = entries.filter { $0.action == "setEnv" }
            #expect(env.count == 1 && env.first?.actor == "dev")
            let action = entries.filter { $0.action == "actOnDevice" }
            #expect(action.count == 1 && action.first?.actor == "admin" && action.first?.token == "first admin" && action.first?.fleet == "lab")
            let failure = entries.filter { $0.action == "deleteFleet" }
            #expect(failure.count == 1 && failure.first?.result == "forbidden" && failure.first?.status == 403 && failure.first?.actor == "dev")
            // Reads are not audited; the developer's own view is filtered to the fleets they see.
            #expect(!entries.contains { $0.action == "listFleets" })
            #expect(try await Self.audit(client, "?user=dev").allSatisfy { $0.actor == "dev" })
        }
    }

    @Test("a data directory of the version before users opens, and its admin token works as the owner 'admin'")
    func upgrade() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v28-data")
        let directory = NSTemporaryDirectory() + "drover-upgrade-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.appendingPathComponent("drover.sqlite").path, toPath: directory + "/drover.sqlite")
        let token = try String(contentsOf: fixture.appendingPathComponent("admin-token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let plane = ControlPlane(store: store, logger: Logger(label: "test"))
        #expect(try await plane.bootstrap() == nil, "an upgraded directory has its owner: no new first token")
        let server = TestServer(plane: plane, store: store, adminToken: token, directory: directory)
        try await server.test { client in
            let me = try await client.call(.get, "/v1/me")
            #expect(me.status == .ok, "\(me.body)")
            let decoded = try Self.decoder.decode(API.Me.self, from: Data(me.body.utf8))
            #expect(decoded.user.name == "admin" && decoded.user.role == .owner && decoded.token == "first admin")
            #expect(try await client.call(.get, "/v1/devices/pi").status == .ok)
            #expect(try await client.call(.post, "/v1/users", json: #"{"name": "eve", "role": "viewer"}"#).status == .created)
        }
    }
}
