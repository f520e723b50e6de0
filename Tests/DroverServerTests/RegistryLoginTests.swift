import DroverModel
import Foundation
import SQLKit
import Testing

@testable import DroverServer

@Suite("Private registries: a fleet's logins, sealed at rest, handed to its devices only")
struct RegistryLoginTests {
    @Test("a stored login is never shown back, is not in the database in clear, and reaches the fleet's devices as X-Registry-Auth")
    func loginsAreSealed() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let device = try await client.fleetWithDevice("lab", device: "d1")
            let other = try await client.fleetWithDevice("far", device: "d2")
            let password = "ghp_sekret-\(UUID().uuidString)"
            let stored = try await client.decode(
                API.RegistryLogin.self, .put, "/v1/fleets/lab/registry-logins",
                json: #"{"registry": "https://GHCR.io/", "username": "acme-ci", "password": "\#(password)"}"#)
            #expect(stored.registry == "ghcr.io", "a URL is reduced to its host, lowercased, as docker login does")
            let (_, listed, _) = try await client.call(.get, "/v1/fleets/lab/registry-logins")
            #expect(listed.contains("acme-ci"))
            #expect(!listed.contains(password), "the password is never shown back")

            // Nowhere in the database in clear.
            let rows = try await server.store.rows("SELECT * FROM registry_logins")
            #expect(rows.count == 1)
            let sealed = try #require(try rows.first?.decode(column: "sealed_password", as: String.self))
            #expect(!sealed.contains(password))
            var file = Data()
            for name in ["drover.sqlite", "drover.sqlite-wal"] {
                file += (try? Data(contentsOf: URL(fileURLWithPath: server.directory + "/" + name))) ?? Data()
            }
            #expect(file.range(of: Data(password.utf8)) == nil, "the database files hold no copy of it")

            // The fleet's device gets it for an image of that registry, and nothing for others.
            let auth = try await client.decode(
                API.PullAuth.self, .post, "/v1/device/pull-auth", json: #"{"image": "ghcr.io/acme/app:1"}"#, token: device.apiKey)
            let encoded = try #require(auth.registryAuth)
            let json = try #require(Data(base64Encoded: encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")))
            let fields = try JSONDecoder().decode([String: String].self, from: json)
            #expect(fields == ["username": "acme-ci", "password": password, "serveraddress": "ghcr.io"])
            let elsewhere = try await client.decode(
                API.PullAuth.self, .post, "/v1/device/pull-auth", json: #"{"image": "docker.io/library/busybox"}"#, token: device.apiKey)
            #expect(elsewhere.registryAuth == nil)
            let otherFleet = try await client.decode(
                API.PullAuth.self, .post, "/v1/device/pull-auth", json: #"{"image": "ghcr.io/acme/app:1"}"#, token: other.apiKey)
            #expect(otherFleet.registryAuth == nil, "another fleet's device gets nothing")

            // A bad image reference is a 400 that says why; removing the login takes it away.
            let (status, body, _) = try await client.call(.post, "/v1/device/pull-auth", json: #"{"image": "Bad Image"}"#, token: device.apiKey)
            #expect(status == .badRequest && body.contains("not an image reference"))
            #expect(try await client.call(.delete, "/v1/fleets/lab/registry-logins/ghcr.io").status == .noContent)
            #expect(try await client.call(.delete, "/v1/fleets/lab/registry-logins/ghcr.io").status == .notFound)
        }
    }

    @Test("a sealed value opens only with its key and only where it was sealed")
    func sealing() throws {
        let box = SecretBox.ephemeral()
        let sealed = try box.seal("hunter2", context: "registry-login f1 ghcr.io")
        #expect(try box.open(sealed, context: "registry-login f1 ghcr.io") == "hunter2")
        #expect(throws: ServerError.self) { try box.open(sealed, context: "registry-login f2 ghcr.io") }
        #expect(throws: ServerError.self) { try SecretBox.ephemeral().open(sealed, context: "registry-login f1 ghcr.io") }
    }

    @Test("a server without a registry says so when asked for a token, and shows none to the CLI")
    func noRegistry() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let (status, body, _) = try await client.call(.get, "/v1/registry/token?service=drover-registry&scope=repository:default/lab/web:pull")
            #expect(status == .serviceUnavailable && body.contains("no registry of its own"))
            let info = try await client.decode(API.RegistryInfo.self, .get, "/v1/registry")
            #expect(info.address == nil)
            #expect(info.organisation == "default")
        }
    }
}
