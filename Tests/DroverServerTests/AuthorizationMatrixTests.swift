import DroverModel
import Foundation
import HTTPTypes
import Testing

@testable import DroverServer

/// Every person's route of the OpenAPI document, called by every role (held in the whole
/// organisation, or in one fleet only) on its own fleet, another fleet of the organisation,
/// and a fleet of another organisation; and by a device key and a provisioning key. Each
/// answer is compared with what the role table (``API/Role/grants``) allows.
@Suite("Authorization matrix: every route, every role, every fleet")
struct AuthorizationMatrixTests {
    /// Where a request points.
    enum Target: String, CaseIterable {
        case own, other, foreign
    }

    /// Who calls: a role in the whole organisation, or in the fleet `own` only.
    struct Caller {
        let name: String
        let role: API.Role
        let organisationWide: Bool
        let token: String
    }

    /// What the fixture made, by target.
    struct World {
        var fleets: [Target: String] = [:]
        var devices: [Target: String] = [:]
        var releases: [Target: String] = [:]
        var clusters: [Target: String] = [:]
        var deviceKeys: [Target: String] = [:]
        var ownerTokens: [Target: String] = [:]
        var deviceKey = ""
        var provisioningKey = ""
    }

    static let compose = #"{"compose": "services:\n  web:\n    image: nginx:1.27\n"}"#

    @Test("each answer is what the role table says, and keys of devices reach no person's route")
    func matrix() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            var world = try await Self.build(client, owner: server.adminToken)
            var callers: [Caller] = []
            for role in API.Role.allCases {
                for wide in [true, false] {
                    let name = "\(wide ? "org" : "fleet")-\(role.rawValue)"
                    let fleet = wide ? "" : #", "fleet": "own""#
                    let created = try await client.call(
                        .post, "/v1/users", json: #"{"name": "\#(name)", "role": "\#(role.rawValue)", "password": "pw-\#(name)-1"\#(fleet)}"#)
                    #expect(created.status == .created, "\(created.body)")
                    let session = try await PeopleTests.login(client, name, password: "pw-\(name)-1")
                    callers.append(Caller(name: name, role: role, organisationWide: wide, token: session.token))
                }
            }
            var checked = 0
            var unexpected: [String] = []
            for operation in OpenAPIDocument.operations {
                guard case .person(let permission) = operation.caller else { continue }
                for caller in callers {
                    for target in Self.targets(of: operation) {
                        let request = try await Self.request(operation, target: target, caller: caller, world: &world, client: client)
                        let answer = try await client.call(request.method, request.path, json: request.body, token: request.token ?? caller.token)
                        let allowed = ![401, 403, 404].contains(answer.status.code)
                        let expected = Self.expected(permission, operation: operation.id, caller: caller, target: target)
                        checked += 1
                        if allowed != expected {
                            unexpected.append(
                                "\(operation.id) by \(caller.name) on \(target): \(answer.status.code) (expected \(expected ? "allowed" : "refused")) \(answer.body.prefix(160))"
                            )
                        }
                    }
                }
                // Keys of devices are never a person's credential.
                for (name, key) in [("device key", world.deviceKey), ("provisioning key", world.provisioningKey)] {
                    let request = try await Self.request(operation, target: .own, caller: callers[0], world: &world, client: client)
                    let answer = try await client.call(request.method, request.path, json: request.body, token: key)
                    checked += 1
                    if ![401, 403].contains(answer.status.code) { unexpected.append("\(operation.id) by a \(name): \(answer.status.code)") }
                }
            }
            // The device's own routes refuse every person.
            for operation in OpenAPIDocument.operations {
                guard case .device = operation.caller else { continue }
                for caller in callers {
                    let answer = try await client.call(
                        Self.method(operation), operation.path, json: operation.body == nil ? nil : "{}", token: caller.token)
                    checked += 1
                    if answer.status.code != 403 { unexpected.append("\(operation.id) by \(caller.name): \(answer.status.code)") }
                }
            }
            print("authorization matrix: \(checked) requests checked, \(unexpected.count) unexpected")
            #expect(unexpected.isEmpty, "\(unexpected.joined(separator: "\n"))")
            #expect(checked > 900)
        }
    }

    /// Fleets `own` and `other` in the home organisation, `far` in a second one; a device, a
    /// release and a provisioning key in each.
    static func build(_ client: TestServer.Client, owner: String) async throws -> World {
        var world = World()
        #expect(try await client.call(.post, "/v1/orgs", json: #"{"name": "far-org"}"#).status == .created)
        let farOwner = try await client.call(
            .post, "/v1/users", json: #"{"name": "far-owner", "role": "owner", "org": "far-org", "password": "pw-far-owner-1"}"#)
        #expect(farOwner.status == .created, "\(farOwner.body)")
        world.ownerTokens = [.own: owner, .other: owner, .foreign: try await PeopleTests.login(client, "far-owner", password: "pw-far-owner-1").token]
        for (target, name) in [(Target.own, "own"), (.other, "other"), (.foreign, "far")] {
            let token = world.ownerTokens[target]
            let fleet = try await client.call(.post, "/v1/fleets", json: #"{"name": "\#(name)"}"#, token: token)
            world.fleets[target] = target == .foreign ? try Self.field("id", fleet.body) : name
            let device = try await Self.enrol(client, fleet: name, token: token)
            world.devices[target] = device.uuid
            if target == .own { world.deviceKey = device.apiKey }
            let release = try await client.call(.post, "/v1/fleets/\(name)/releases", json: compose, token: token)
            world.releases[target] = try Self.field("id", release.body)
            world.deviceKeys[target] = device.apiKey
            world.clusters[target] = "c-\(name)"
            try await Self.ensureCluster(client, target: target, world: world)
        }
        world.provisioningKey = try Self.field("key", try await client.call(.post, "/v1/fleets/own/keys", json: "{}").body)
        return world
    }

    /// Makes the target's cluster (of one manager: its device, just heard from) unless it is there.
    static func ensureCluster(_ client: TestServer.Client, target: Target, world: World) async throws {
        _ = try await client.call(.get, "/v1/device/state", token: world.deviceKeys[target])
        let name = target == .foreign ? "far" : world.fleets[target] ?? ""
        let made = try await client.call(
            .post, "/v1/clusters", json: #"{"name": "\#(world.clusters[target] ?? "")", "fleet": "\#(name)", "managers": 1}"#,
            token: world.ownerTokens[target])
        #expect(made.status == .created || made.status == .conflict, "\(made.body)")
    }

    /// Enrols a device into a fleet with a fresh key.
    static func enrol(_ client: TestServer.Client, fleet: String, token: String?) async throws -> API.RegisteredDevice {
        let key = try Self.field("key", try await client.call(.post, "/v1/fleets/\(fleet)/keys", json: "{}", token: token).body)
        let (_, body, _) = try await client.call(
            .post, "/v1/devices", json: #"{"provisioningKey": "\#(key)", "name": "d-\#(UUID().uuidString.prefix(8))"}"#, token: "")
        return try PeopleTests.decoder.decode(API.RegisteredDevice.self, from: Data(body.utf8))
    }

    static func field(_ name: String, _ body: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return try #require(object?[name] as? String, "no \(name) in \(body)")
    }

    static func method(_ operation: OpenAPIDocument.Operation) -> HTTPRequest.Method {
        HTTPRequest.Method(operation.method.uppercased()) ?? .get
    }

    /// The targets an operation can point at: the organisation-wide ones point at none.
    static func targets(of operation: OpenAPIDocument.Operation) -> [Target] {
        if operation.id == "deleteToken" { return [.own, .foreign] }
        return fleetless.contains(operation.id) ? [.own] : Target.allCases
    }

    /// Operations that name no fleet, device or release.
    static let fleetless: Set<String> = [
        "listFleets", "createFleet", "me", "changePassword", "createOrg", "listUsers", "createUser", "listTokens", "logout", "deleteUser",
        "setRole", "registryInfo", "collectImages", "listClusters",
    ]

    /// What the role table allows `caller` to do with `permission` on `target`.
    static func expected(_ permission: API.Permission, operation: String, caller: Caller, target: Target) -> Bool {
        let role = caller.role
        guard role.grants[permission] != nil else { return false }
        if Access.organisationWide.contains(permission) {
            // Organisation-wide work needs the organisation's role; members are added here
            // as viewers, so the owners-only limit does not bite.
            return caller.organisationWide
        }
        if fleetless.contains(operation) { return true }
        switch target {
        case .foreign: return false
        case .other: return caller.organisationWide
        case .own: return true
        }
    }

    /// The request that exercises an operation on a target, making whatever it consumes
    /// (a key to revoke, a device to delete, a member to remove) first.
    static func request(
        _ operation: OpenAPIDocument.Operation, target: Target, caller: Caller, world: inout World, client: TestServer.Client
    ) async throws -> (method: HTTPRequest.Method, path: String, body: String?, token: String?) {
        let fleet = world.fleets[target] ?? ""
        let fleetName = target == .foreign ? "far" : fleet
        let owner = world.ownerTokens[target]
        let unique = UUID().uuidString.prefix(8).lowercased()
        var path = operation.path
        var body: String? = operation.body == nil ? nil : "{}"
        var token: String?
        func replace(_ parameter: String, _ value: String) { path = path.replacingOccurrences(of: "{\(parameter)}", with: value) }
        replace("fleet", fleet)
        if operation.id == "deleteDevice" { replace("device", try await Self.enrol(client, fleet: fleetName, token: owner).uuid) }
        replace("device", world.devices[target] ?? "")
        replace("release", world.releases[target] ?? "")
        replace("cluster", world.clusters[target] ?? "")
        switch operation.id {
        case "createFleet": body = #"{"name": "f-\#(unique)"}"#
        case "createRelease": body = compose
        case "revokeKey":
            replace("key", try Self.field("id", try await client.call(.post, "/v1/fleets/\(fleetName)/keys", json: "{}", token: owner).body))
        case "actOnDevice": body = #"{"action": "restart"}"#
        case "setTags": body = #"{"set": {"k": "v"}}"#
        case "listDevices", "listEnv": path += "?fleet=\(fleet)"
        case "setEnv": body = #"{"fleet": "\#(fleet)", "name": "M", "value": "1"}"#
        case "removeEnv":
            _ = try await client.call(.put, "/v1/env", json: #"{"fleet": "\#(fleet)", "name": "R", "value": "1"}"#, token: owner)
            path += "?fleet=\(fleet)&name=R"
        case "listAudit": path += "?fleet=\(fleet)"
        // A stream: one second of it tells whether it was allowed.
        case "listenEvents": path += "?fleet=\(fleet)&seconds=1"
        case "changePassword": body = #"{"password": "pw-\#(caller.name)-1"}"#
        case "createOrg": body = #"{"name": "o-\#(unique)"}"#
        case "createUser": body = #"{"name": "u-\#(unique)", "role": "viewer"}"#
        case "deleteUser", "setRole":
            let created = try await client.call(.post, "/v1/users", json: #"{"name": "m-\#(unique)", "role": "viewer"}"#)
            #expect(created.status == .created)
            replace("user", "m-\(unique)")
            if operation.id == "setRole" { body = #"{"role": "developer"}"# }
        case "createToken": body = #"{"name": "t-\#(unique)", "fleet": "\#(fleet)"}"#
        case "deleteToken":
            // One's own token; a token of another organisation's owner is not found.
            let made = try await client.call(.post, "/v1/tokens", json: #"{"name": "t-\#(unique)"}"#, token: target == .foreign ? owner : caller.token)
            replace("token", try Self.field("id", try Self.field("info", made.body, nested: true)))
        case "setRegistryLogin": body = #"{"registry": "ghcr.io", "username": "u", "password": "p"}"#
        case "removeRegistryLogin":
            let made = try await client.call(
                .put, "/v1/fleets/\(fleetName)/registry-logins", json: #"{"registry": "ghcr.io", "username": "u", "password": "p"}"#, token: owner)
            #expect(made.status == .ok, "\(made.body)")
            replace("registry", "ghcr.io")
        case "setSecret", "setConfig":
            body = #"{"value": "c2VjcmV0"}"#
            replace("name", "s-\(unique)")
        case "removeSecret", "removeConfig", "showConfig":
            let section = operation.id == "removeSecret" ? "secrets" : "configs"
            let made = try await client.call(.put, "/v1/fleets/\(fleetName)/\(section)/s-\(unique)", json: #"{"value": "c2VjcmV0"}"#, token: owner)
            #expect(made.status == .ok, "\(made.body)")
            replace("name", "s-\(unique)")
        case "buildImage": replace("service", "app")
        // The fleet is a cluster already: the answer is a conflict (allowed), or not found.
        case "createCluster": body = #"{"name": "c-\#(unique)", "fleet": "\#(fleetName)", "managers": 1}"#
        case "removeCluster": try await Self.ensureCluster(client, target: target, world: world)
        case "listWebhooks": path += "?fleet=\(fleet)"
        case "createWebhook": body = #"{"fleet": "\#(fleet)", "url": "http://127.0.0.1:9/hook", "events": ["release.created"]}"#
        case "deleteWebhook", "testWebhook", "webhookDeliveries":
            let made = try await client.call(
                .post, "/v1/webhooks", json: #"{"fleet": "\#(fleet)", "url": "http://127.0.0.1:9/hook", "events": ["release.created"]}"#, token: owner)
            replace("webhook", try Self.field("id", made.body))
        case "logout":
            // A session of the caller's own, so that the matrix's goes on working.
            token = try await PeopleTests.login(client, caller.name, password: "pw-\(caller.name)-1").token
        default: break
        }
        return (Self.method(operation), path, body, token)
    }

    static func field(_ name: String, _ body: String, nested: Bool) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let inner = try #require(object?[name] as? [String: Any], "no \(name) in \(body)")
        return String(data: try JSONSerialization.data(withJSONObject: inner), encoding: .utf8) ?? "{}"
    }
}
