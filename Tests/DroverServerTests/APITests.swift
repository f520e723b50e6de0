import DroverCompression
import DroverModel
import DroverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A server over a fresh SQLite store in a temporary directory, driven in-process.
struct TestServer {
    let plane: ControlPlane
    let store: SQLStore
    let adminToken: String
    let directory: String

    static func start() async throws -> TestServer {
        let directory = NSTemporaryDirectory() + "drover-server-\(UUID().uuidString)"
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let plane = ControlPlane(store: store, logger: Logger(label: "test"))
        let token = try #require(try await plane.bootstrap())
        return TestServer(plane: plane, store: store, adminToken: token, directory: directory)
    }

    func test(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let app = Application(router: DroverServerApp.buildRouter(plane: plane))
        do {
            try await app.test(.router) { client in try await body(Client(client: client, token: adminToken)) }
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }

    struct Client {
        let client: any TestClientProtocol
        let token: String

        @discardableResult
        func call(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, token: String? = nil, headers: HTTPFields = [:]) async throws
            -> (status: HTTPResponse.Status, body: String, headers: HTTPFields)
        {
            var fields = headers
            if let credential = token ?? self.token as String?, !credential.isEmpty { fields[.authorization] = "Bearer \(credential)" }
            fields[.contentType] = "application/json"
            let response = try await client.execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
            return (response.status, String(buffer: response.body), response.headers)
        }

        /// Creates `fleet` and enrols one device named `device` in it with a fresh key.
        func fleetWithDevice(_ fleet: String, device: String) async throws -> API.RegisteredDevice {
            _ = try await call(.post, "/v1/fleets", json: #"{"name": "\#(fleet)"}"#)
            let key = try await decode(API.ProvisioningKey.self, .post, "/v1/fleets/\(fleet)/keys", json: "{}")
            return try await decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "\#(device)"}"#, token: "")
        }

        func decode<T: Decodable>(_ type: T.Type, _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, token: String? = nil) async throws -> T {
            let (status, body, _) = try await call(method, uri, json: json, token: token)
            #expect(status.code < 300, "\(method) \(uri): \(status) \(body)")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: Data(body.utf8))
        }
    }
}

let composeV1 = """
    services:
      web:
        image: registry.local/web:1
        environment: {LEVEL: info}
      db:
        image: registry.local/db:1
    """

@Suite("Control plane API")
struct APITests {
    @Test("fleet, key, enrolment, release and target: a device gets its fleet's release with an ETag, then 304")
    func enrolAndTarget() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let fleet = try await api.decode(API.Fleet.self, .post, "/v1/fleets", json: #"{"name": "lab"}"#)
            #expect(fleet.name == "lab" && fleet.deviceCount == 0)
            let key = try await api.decode(API.ProvisioningKey.self, .post, "/v1/fleets/lab/keys", json: "{}")
            let secret = try #require(key.key)
            let device = try await api.decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(secret)", "name": "pi-1"}"#, token: "")
            #expect(device.fleet == "lab")
            // No release yet: an empty target.
            let empty = try await api.call(.get, "/v1/device/state", token: device.apiKey)
            #expect(empty.status == .ok && empty.body == #"{"apps":{}}"#)

            let composeJSON = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: composeV1)), as: UTF8.self)
            let release = try await api.decode(API.Release.self, .post, "/v1/fleets/lab/releases", json: composeJSON)
            #expect(release.services == ["db", "web"])
            let first = try await api.call(.get, "/v1/device/state", token: device.apiKey)
            let target = try TargetState.decode(from: Data(first.body.utf8))
            #expect(target.apps["lab"]?.release == release.id)
            let etag = try #require(first.headers[.eTag])
            let again = try await api.call(.get, "/v1/device/state", token: device.apiKey, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)

            let listed = try await api.decode([API.Device].self, .get, "/v1/devices?fleet=lab")
            #expect(listed.map(\.name) == ["pi-1"])
            #expect(listed.first?.online == true)
            #expect(listed.first?.targetRelease == release.id)
        }
    }

    @Test("env precedence: device-service > device > fleet-service > fleet")
    func envPrecedence() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("shop", device: "till")
            let composeJSON = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: composeV1)), as: UTF8.self)
            _ = try await api.call(.post, "/v1/fleets/shop/releases", json: composeJSON)
            for (scope, value) in [(#""fleet": "shop""#, "fleet"), (#""fleet": "shop", "service": "web""#, "fleet-service")] {
                _ = try await api.call(.put, "/v1/env", json: #"{\#(scope), "name": "LEVEL", "value": "\#(value)"}"#)
                _ = try await api.call(
                    .put, "/v1/env", json: #"{\#(scope), "name": "\#(value.uppercased().replacingOccurrences(of: "-", with: "_"))", "value": "x"}"#)
            }
            _ = try await api.call(.put, "/v1/env", json: #"{"device": "till", "name": "LEVEL", "value": "device"}"#)
            var target = try TargetState.decode(from: Data(try await api.call(.get, "/v1/device/state", token: device.apiKey).body.utf8))
            #expect(target.apps["shop"]?.services["web"]?.environment?["LEVEL"] == "device")
            #expect(target.apps["shop"]?.services["db"]?.environment?["LEVEL"] == "device")
            _ = try await api.call(.put, "/v1/env", json: #"{"device": "till", "service": "web", "name": "LEVEL", "value": "device-service"}"#)
            target = try TargetState.decode(from: Data(try await api.call(.get, "/v1/device/state", token: device.apiKey).body.utf8))
            #expect(target.apps["shop"]?.services["web"]?.environment?["LEVEL"] == "device-service")
            #expect(target.apps["shop"]?.services["db"]?.environment?["LEVEL"] == "device")
            #expect(target.apps["shop"]?.services["db"]?.environment?["FLEET_SERVICE"] == nil, "a web-only variable stays on web")
            _ = try await api.call(.delete, "/v1/env?device=till&name=LEVEL")
            target = try TargetState.decode(from: Data(try await api.call(.get, "/v1/device/state", token: device.apiKey).body.utf8))
            #expect(target.apps["shop"]?.services["db"]?.environment?["LEVEL"] == "fleet")
            #expect(target.apps["shop"]?.services["web"]?.environment?["LEVEL"] == "device-service")
        }
    }

    @Test("bad input gets a JSON error with the right status and says what was wrong")
    func badInput() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let cases: [(HTTPRequest.Method, String, String?, String?, HTTPResponse.Status, String)] = [
                (.post, "/v1/fleets", "not json", nil, .badRequest, "not valid JSON"),
                (.post, "/v1/fleets", #"{"nom": "x"}"#, nil, .badRequest, "missing key 'name'"),
                (.post, "/v1/fleets", #"{"name": 5}"#, nil, .badRequest, "'name' must be a string"),
                (.post, "/v1/fleets", #"{"name": "bad name!"}"#, nil, .badRequest, "fleet name 'bad name!'"),
                (.get, "/v1/fleets/ghost", nil, nil, .notFound, "no fleet named 'ghost'"),
                (.get, "/v1/fleets", nil, "wrong-token", .unauthorized, "not valid"),
                (.get, "/v1/fleets", nil, "", .unauthorized, "needs an API token"),
                (.post, "/v1/devices", #"{"provisioningKey": "nope"}"#, "", .unauthorized, "provisioning key is not valid"),
                (.get, "/v1/devices/ghost", nil, nil, .notFound, "no device named 'ghost'"),
                (.get, "/v1/device/state", nil, nil, .forbidden, "for devices"),
            ]
            for (method, uri, body, token, status, phrase) in cases {
                let response = try await api.call(method, uri, json: body, token: token)
                #expect(response.status == status, "\(method) \(uri)")
                let error = try JSONDecoder().decode(API.ErrorBody.self, from: Data(response.body.utf8))
                #expect(error.error.message.contains(phrase), "\(method) \(uri): \(error.error.message)")
            }
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "dup"}"#)
            #expect(try await api.call(.post, "/v1/fleets", json: #"{"name": "dup"}"#).status == .conflict)
            let bad = try await api.call(.post, "/v1/fleets/dup/releases", json: #"{"compose": "services:\n  a:\n    image: x\n    depends_on: [b]\n"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("invalid_compose") && bad.body.contains("depends on 'b', which is not defined"))
        }
    }

    @Test("a device key reaches only its own device's state; a deleted device's key gets 401")
    func deviceIsolation() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "f"}"#)
            let key = try await api.decode(API.ProvisioningKey.self, .post, "/v1/fleets/f/keys", json: #"{"deviceLimit": 2}"#)
            let a = try await api.decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "a"}"#, token: "")
            let b = try await api.decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "b"}"#, token: "")
            let third = try await api.call(.post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "c"}"#, token: "")
            #expect(third.status == .forbidden && third.body.contains("limit of 2"))
            // A device key cannot use people's endpoints, e.g. read another device.
            #expect(try await api.call(.get, "/v1/devices/b", token: a.apiKey).status == .forbidden)
            #expect(try await api.call(.patch, "/v1/device/state", json: #"{"status": "running"}"#, token: a.apiKey).status == .noContent)
            let shownB = try await api.decode(API.Device.self, .get, "/v1/devices/b")
            #expect(shownB.status != .running, "a's report did not touch b")
            _ = try await api.call(.delete, "/v1/devices/b")
            #expect(try await api.call(.get, "/v1/device/state", token: b.apiKey).status == .unauthorized)
        }
    }

    @Test("pinning, tracking and moving change the device's target release")
    func pinTrackMove() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "one"}"#)
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "two"}"#)
            let key = try await api.decode(API.ProvisioningKey.self, .post, "/v1/fleets/one/keys", json: "{}")
            _ = try await api.decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "d"}"#, token: "")
            func release(_ fleet: String, _ tag: Int) async throws -> API.Release {
                let json = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: "services:\n  s:\n    image: x:\(tag)\n")), as: UTF8.self)
                return try await api.decode(API.Release.self, .post, "/v1/fleets/\(fleet)/releases", json: json)
            }
            let v1 = try await release("one", 1)
            let v2 = try await release("one", 2)
            #expect(try await api.decode(API.Device.self, .get, "/v1/devices/d").targetRelease == v2.id)
            _ = try await api.call(.patch, "/v1/devices/d", json: #"{"pinRelease": "\#(v1.id)"}"#)
            #expect(try await api.decode(API.Device.self, .get, "/v1/devices/d").targetRelease == v1.id)
            _ = try await release("one", 3)
            #expect(try await api.decode(API.Device.self, .get, "/v1/devices/d").targetRelease == v1.id, "a pinned device stays")
            _ = try await api.call(.patch, "/v1/devices/d", json: #"{"pinRelease": ""}"#)
            #expect(try await api.decode(API.Device.self, .get, "/v1/devices/d").targetRelease != v1.id)
            let other = try await release("two", 9)
            _ = try await api.call(.patch, "/v1/devices/d", json: #"{"fleet": "two"}"#)
            let moved = try await api.decode(API.Device.self, .get, "/v1/devices/d")
            #expect(moved.fleet == "two" && moved.targetRelease == other.id)
            #expect(try await api.call(.patch, "/v1/fleets/one", json: #"{"trackRelease": "\#(v1.id)"}"#).status == .ok)
            #expect(try await api.decode(API.Fleet.self, .get, "/v1/fleets/one").targetRelease == v1.id)
            _ = v2
        }
    }

    @Test("device actions: stop and start a service, restart, purge; a bad action is refused")
    func actions() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("act", device: "a1")
            let composeJSON = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: composeV1)), as: UTF8.self)
            _ = try await api.call(.post, "/v1/fleets/act/releases", json: composeJSON)
            func app() async throws -> AppTarget? {
                try TargetState.decode(from: Data(try await api.call(.get, "/v1/device/state", token: device.apiKey).body.utf8)).apps["act"]
            }
            let before = try #require(try await app())
            #expect(try await api.call(.post, "/v1/devices/a1/actions", json: #"{"action": "stop", "service": "web"}"#).status == .accepted)
            #expect(try await app()?.stopped == ["web"])
            _ = try await api.call(.post, "/v1/devices/a1/actions", json: #"{"action": "start", "service": "web"}"#)
            let started = try #require(try await app())
            #expect(started.stopped == nil)
            #expect(started.configHash(of: "web") != before.configHash(of: "web"), "start recreates the container")
            #expect(started.configHash(of: "db") == before.configHash(of: "db"))
            _ = try await api.call(.post, "/v1/devices/a1/actions", json: #"{"action": "purge"}"#)
            #expect(try await app()?.purges == 1)
            let bad = try await api.call(.post, "/v1/devices/a1/actions", json: #"{"action": "explode"}"#)
            #expect(bad.status == .badRequest && bad.body.contains("not one of restart, stop, start, purge, update or retry"))
            #expect(try await api.call(.post, "/v1/devices/a1/actions", json: #"{"action": "stop"}"#).status == .badRequest)
        }
    }

    @Test("tags filter device listings")
    func tags() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            _ = try await api.call(.post, "/v1/fleets", json: #"{"name": "t"}"#)
            let key = try await api.decode(API.ProvisioningKey.self, .post, "/v1/fleets/t/keys", json: "{}")
            for name in ["x", "y", "z"] {
                _ = try await api.call(.post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "\#(name)"}"#, token: "")
            }
            _ = try await api.call(.put, "/v1/devices/x/tags", json: #"{"set": {"site": "lab"}}"#)
            _ = try await api.call(.put, "/v1/devices/y/tags", json: #"{"set": {"site": "lab", "rack": "2"}}"#)
            #expect(try await api.decode([API.Device].self, .get, "/v1/devices?tag=site=lab").map(\.name) == ["x", "y"])
            #expect(try await api.decode([API.Device].self, .get, "/v1/devices?tag=site=lab&tag=rack=2").map(\.name) == ["y"])
            _ = try await api.call(.put, "/v1/devices/y/tags", json: #"{"remove": ["site"]}"#)
            #expect(try await api.decode([API.Device].self, .get, "/v1/devices?tag=site=lab").map(\.name) == ["x"])
        }
    }

    @Test("logs are stored per device and paged by sequence")
    func logs() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("l", device: "logger")
            let batch = API.LogBatch(
                lines: (1...5).map {
                    API.LogEntry(timestamp: "2026-01-01T00:00:0\($0)Z", service: $0 % 2 == 0 ? "a" : "b", stream: .stdout, message: "line \($0)")
                })
            let body = String(decoding: try JSONEncoder().encode(batch), as: UTF8.self)
            #expect(try await api.call(.post, "/v1/device/logs", json: body, token: device.apiKey).status == .noContent)
            let all = try await api.decode([API.LogEntry].self, .get, "/v1/devices/logger/logs")
            #expect(all.map(\.message) == ["line 1", "line 2", "line 3", "line 4", "line 5"])
            let last2 = try await api.decode([API.LogEntry].self, .get, "/v1/devices/logger/logs?limit=2")
            #expect(last2.map(\.message) == ["line 4", "line 5"])
            let onlyA = try await api.decode([API.LogEntry].self, .get, "/v1/devices/logger/logs?service=a")
            #expect(onlyA.map(\.message) == ["line 2", "line 4"])
            let after = try await api.decode([API.LogEntry].self, .get, "/v1/devices/logger/logs?after=\(all[2].sequence ?? 0)")
            #expect(after.map(\.message) == ["line 4", "line 5"])
            // Agents send their batches gzipped.
            let zipped = try Gzip.compress(
                Data(#"{"lines": [{"timestamp": "2026-01-01T00:00:09Z", "service": "a", "stream": "stderr", "message": "zipped"}]}"#.utf8))
            let response = try await api.client.execute(
                uri: "/v1/device/logs", method: .post,
                headers: [.authorization: "Bearer \(device.apiKey)", .contentType: "application/json", .contentEncoding: "gzip"],
                body: ByteBuffer(bytes: zipped))
            #expect(response.status == .noContent)
            #expect(try await api.decode([API.LogEntry].self, .get, "/v1/devices/logger/logs?limit=1").first?.message == "zipped")
            let garbage = try await api.client.execute(
                uri: "/v1/device/logs", method: .post,
                headers: [.authorization: "Bearer \(device.apiKey)", .contentEncoding: "gzip"], body: ByteBuffer(string: "not gzip"))
            #expect(garbage.status == .badRequest)
        }
    }

    @Test("gzip round-trips and refuses garbage and bombs")
    func gzip() throws {
        let text = Data(String(repeating: "drover log line\n", count: 1000).utf8)
        let packed = try Gzip.compress(text)
        #expect(packed.count < text.count / 10)
        #expect(try Gzip.decompress(packed, limit: 1 << 20) == text)
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data("nope".utf8), limit: 1 << 20) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(packed, limit: 100) }
    }

    @Test("every route is in the OpenAPI document")
    func openAPI() async throws {
        let server = try await TestServer.start()
        let router = DroverServerApp.buildRouter(plane: server.plane)
        let routes = router.routes.map { ("\($0.path)", $0.method.rawValue.lowercased()) }.filter { !DroverServerApp.isDashboard(path: $0.0) }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/v1/openapi.json", method: .get)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            #expect(routes.count >= 26)
            for (routePath, method) in routes {
                let path = routePath.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                #expect(paths["/" + path]?[method] != nil, "\(method) /\(path) is missing from openapi.json")
            }
        }
        try await server.store.close()
    }
}
