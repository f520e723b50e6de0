import DroverCompression
import DroverModel
import DroverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/v1/openapi.json` as a client reads it: it describes every route, and the server's real
/// answers fit it. `scripts/api-fuzz` checks the same against generated requests; these tests
/// cover what a fuzzer cannot reach on its own (a release with a rich compose document, a
/// device's report, logs, a 304) and run with every `swift test`.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("the document is OpenAPI 3.1 whose every operation names its credential and answers with schemas, and every $ref resolves")
    func documentShape() async throws {
        let document = try await Self.servedDocument()
        #expect(document["openapi"] == .string("3.1.0"))
        let schemes = try #require(document["components"]?["securitySchemes"]?.object)
        #expect(Set(schemes.keys) == ["apiToken", "deviceKey", "session"])
        for name in ["apiToken", "deviceKey"] { #expect(schemes[name]?["type"] == .string("http") && schemes[name]?["scheme"] == .string("bearer")) }
        #expect(schemes["session"]?["in"] == .string("cookie") && schemes["session"]?["name"] == .string("drover_session"))

        var operationIDs: Set<String> = []
        for (method, path, operation) in document.operations {
            let name = "\(method) \(path)"
            let id = try #require(operation["operationId"]?.string, "\(name) has no operationId")
            #expect(operationIDs.insert(id).inserted, "\(name): operationId \(id) is used twice")
            let security = try #require(operation["security"]?.array, "\(name) does not say which credential it needs")
            let needs = security.compactMap(\.object).flatMap(\.keys)
            #expect(needs.allSatisfy { schemes[$0] != nil }, "\(name) needs an undeclared scheme")
            let responses = try #require(operation["responses"]?.object, "\(name) has no responses")
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(name) has no success answer")
            for (status, response) in responses {
                #expect(response["description"]?.string?.isEmpty == false, "\(name) \(status) has no description")
                // Only the Prometheus scrape answers in text, the live events and a build's output as streams.
                let schema =
                    response["content"]?["application/json"]?["schema"] ?? response["content"]?["text/plain"]?["schema"]
                    ?? response["content"]?["text/event-stream"]?["schema"] ?? response["content"]?["application/x-ndjson"]?["schema"]
                if ["202", "204", "304"].contains(status) {
                    #expect(response["content"] == nil, "\(name) \(status) has no body, but the document gives it one")
                } else {
                    #expect(schema != nil, "\(name) \(status) has no JSON schema")
                }
                if status.hasPrefix("4") { #expect(schema == .reference("ErrorBody"), "\(name) \(status) is not the error body") }
            }
            #expect(responses["401"] != nil, "\(name) does not say what a bad credential gets")
            if !needs.isEmpty { #expect(responses["403"] != nil, "\(name) does not say what the wrong kind of credential gets") }
            if operation["requestBody"] != nil {
                #expect(responses["400"] != nil && responses["413"] != nil, "\(name) takes a body but does not say what a bad or huge one gets")
            }
            let declared = Set((operation["parameters"]?.array ?? []).filter { $0["in"] == .string("path") }.compactMap { $0["name"]?.string })
            let templated = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            #expect(declared == templated, "\(name) declares path parameters \(declared.sorted()), its path has \(templated.sorted())")
        }
        let checker = SchemaChecker(document: document)
        let unresolved = document.references.filter { checker.resolve($0) == nil }
        #expect(unresolved.isEmpty, "unresolved references: \(unresolved)")
    }

    @Test("every route the router serves is documented, and every documented operation is a route")
    func routesMatch() async throws {
        let server = try await TestServer.start()
        let router = DroverServerApp.buildRouter(plane: server.plane)
        let routes = Set(
            router.routes.filter { !DroverServerApp.isDashboard(path: "\($0.path)") }.map { route in
                let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                return "\(route.method.rawValue.lowercased()) /\(path)"
            })
        try await server.store.close()
        let documented = Set(try await Self.servedDocument().operations.map { "\($0.method) \($0.path)" })
        #expect(routes.count >= 27)
        #expect(routes.subtracting(documented).isEmpty, "routes missing from the document: \(routes.subtracting(documented).sorted())")
        #expect(documented.subtracting(routes).isEmpty, "documented operations no route serves: \(documented.subtracting(routes).sorted())")
    }

    @Test("real answers, from enrolment to a device's target, report and logs, fit their documented status and schema")
    func answersConform() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let document = try await Self.servedDocument()
            let check = Conformance(document: document, api: api)

            try await check(.get, "/v1/health", 200)
            try await check(.get, "/v1/fleets", 401, token: "")
            try await check(.post, "/v1/fleets", 201, json: #"{"name": "lab"}"#)
            try await check(.post, "/v1/fleets", 409, json: #"{"name": "lab"}"#)
            try await check(.post, "/v1/fleets", 400, json: #"{"name": 7}"#)
            try await check(.get, "/v1/fleets/nowhere", 404, template: "/v1/fleets/{fleet}")
            let key = try await check(
                .post, "/v1/fleets/lab/keys", 201, json: #"{"deviceLimit": 5, "expiresInSeconds": 3600}"#, template: "/v1/fleets/{fleet}/keys")
            let secret = try #require(key["key"]?.string)
            let enrolled = try await check(
                .post, "/v1/devices", 201, json: #"{"provisioningKey": "\#(secret)", "name": "pi-1", "architecture": "arm64"}"#, token: "")
            let deviceKey = try #require(enrolled["apiKey"]?.string)
            try await check(.get, "/v1/fleets", 403, token: deviceKey)
            try await check(.get, "/v1/device/state", 403)
            try await check(.get, "/v1/device/state", 200, token: deviceKey)

            let compose = String(decoding: try JSONEncoder().encode(API.CreateRelease(compose: richCompose)), as: UTF8.self)
            let release = try await check(.post, "/v1/fleets/lab/releases", 201, json: compose, template: "/v1/fleets/{fleet}/releases")
            let releaseID = try #require(release["id"]?.string)
            try await check(.post, "/v1/fleets/lab/releases", 400, json: #"{"compose": "services: {web: {}}"}"#, template: "/v1/fleets/{fleet}/releases")
            try await check(.put, "/v1/env", 200, json: #"{"fleet": "lab", "name": "LEVEL", "value": "debug"}"#)
            try await check(.put, "/v1/env", 200, json: #"{"device": "pi-1", "service": "web", "name": "MODE", "value": "x"}"#)
            try await check(.get, "/v1/env?device=pi-1", 200, template: "/v1/env")
            for action in [#"{"action": "restart"}"#, #"{"action": "stop", "service": "db"}"#, #"{"action": "purge"}"#] {
                try await check(.post, "/v1/devices/pi-1/actions", 202, json: action, template: "/v1/devices/{device}/actions")
            }
            try await check(.post, "/v1/devices/pi-1/actions", 400, json: #"{"action": "explode"}"#, template: "/v1/devices/{device}/actions")

            // The target with everything a compose document and the people's actions put in it.
            let (target, headers) = try await check.withHeaders(.get, "/v1/device/state", 200, token: deviceKey)
            let app = try #require(target["apps"]?["lab"])
            #expect(app["services"]?["web"]?["healthcheck"] != nil && app["restarts"] != nil && app["stopped"] != nil && app["purges"] != nil)
            let etag = try #require(headers[.eTag])
            try await check(.get, "/v1/device/state?wait=1", 304, token: deviceKey, headers: [.ifNoneMatch: etag], template: "/v1/device/state")

            let report = """
                {"release": "\(releaseID)", "status": "running", "architecture": "arm64", "droppedLogLines": 2,
                 "services": {"web": {"release": "\(releaseID)", "status": "running", "containerID": "c1", "health": "healthy"},
                              "db": {"status": "exited"}},
                 "rollout": {"release": "\(releaseID)", "outcome": "healthy"}}
                """
            try await check(.patch, "/v1/device/state", 204, json: report, token: deviceKey)
            try await check(.patch, "/v1/device/state", 400, json: #"{"rollout": {"release": "nope", "outcome": "healthy"}}"#, token: deviceKey)
            // Agents compress reports; the document says so, and a compressed report is accepted.
            let parameters = document["paths"]?["/v1/device/state"]?["patch"]?["parameters"]?.array ?? []
            #expect(parameters.contains { $0["name"] == .string("Content-Encoding") && $0["in"] == .string("header") })
            let compressed = try await api.client.execute(
                uri: "/v1/device/state", method: .patch,
                headers: [.authorization: "Bearer \(deviceKey)", .contentType: "application/json", .contentEncoding: "gzip"],
                body: ByteBuffer(bytes: try Gzip.compress(Data(#"{"status": "running"}"#.utf8))))
            #expect(compressed.status == .noContent)
            let lines = #"{"lines": [{"timestamp": "2025-01-01T00:00:00Z", "service": "web", "stream": "stdout", "message": "hello"}]}"#
            try await check(.post, "/v1/device/logs", 204, json: lines, token: deviceKey)
            try await check(.get, "/v1/devices/pi-1/logs?limit=10", 200, template: "/v1/devices/{device}/logs")
            try await check(.get, "/v1/devices/pi-1/logs?after=0&service=web", 200, template: "/v1/devices/{device}/logs")
            try await check(.get, "/v1/devices/pi-1/logs?limit=0", 400, template: "/v1/devices/{device}/logs")

            try await check(.put, "/v1/devices/pi-1/tags", 200, json: #"{"set": {"site": "north"}, "remove": ["old"]}"#, template: "/v1/devices/{device}/tags")
            try await check(.get, "/v1/devices?fleet=lab&tag=site=north&online=true", 200, template: "/v1/devices")
            try await check(.get, "/v1/devices?online=maybe", 400, template: "/v1/devices")
            let device = try await check(.get, "/v1/devices/pi-1", 200, template: "/v1/devices/{device}")
            #expect(device["services"]?["web"]?["health"] == .string("healthy"))
            try await check(.patch, "/v1/devices/pi-1", 200, json: #"{"pinRelease": "\#(releaseID)"}"#, template: "/v1/devices/{device}")
            try await check(.patch, "/v1/fleets/lab", 200, json: #"{"trackRelease": "latest", "failingShare": 0.5}"#, template: "/v1/fleets/{fleet}")
            try await check(.get, "/v1/fleets/lab", 200, template: "/v1/fleets/{fleet}")
            try await check(.get, "/v1/fleets/lab/releases", 200, template: "/v1/fleets/{fleet}/releases")
            let shown = try await check(.get, "/v1/releases/\(releaseID)", 200, template: "/v1/releases/{release}")
            #expect(shown["attempts"]?["healthy"] == .integer(1))
            try await check(.get, "/v1/fleets/lab/keys", 200, template: "/v1/fleets/{fleet}/keys")

            try await check(.delete, "/v1/fleets/lab", 409, template: "/v1/fleets/{fleet}")
            try await check(.delete, "/v1/env?fleet=lab&name=LEVEL", 204, template: "/v1/env")
            try await check(.delete, "/v1/env?fleet=lab", 400, template: "/v1/env")
            let keyID = try #require(key["id"]?.string)
            try await check(.delete, "/v1/fleets/lab/keys/\(keyID)", 204, template: "/v1/fleets/{fleet}/keys/{key}")
            try await check(.delete, "/v1/devices/pi-1", 204, template: "/v1/devices/{device}")
            try await check(.get, "/v1/device/state", 401, token: deviceKey)
            try await check(.delete, "/v1/fleets/lab", 204, template: "/v1/fleets/{fleet}")
        }
    }

    @Test(
        "the checker finds what breaks a schema",
        arguments: [
            (#"{"id": "f", "name": "lab", "deviceCount": 0}"#, "missing createdAt"),
            (#"{"id": "f", "name": "lab", "deviceCount": 0, "createdAt": "2025-01-01T00:00:00Z", "colour": "red"}"#, "unknown key"),
            (#"{"id": "f", "name": "lab", "deviceCount": -1, "createdAt": "2025-01-01T00:00:00Z"}"#, "below the minimum"),
            (#"{"id": "f", "name": "lab", "deviceCount": 1.5, "createdAt": "2025-01-01T00:00:00Z"}"#, "not an integer"),
            (#"{"id": "f", "name": "lab", "deviceCount": 0, "createdAt": "yesterday"}"#, "not a date-time"),
            (#"{"id": "f", "name": null, "deviceCount": 0, "createdAt": "2025-01-01T00:00:00Z"}"#, "null for a string"),
        ])
    func checkerFails(json: String, why: String) async throws {
        let document = try await Self.servedDocument()
        let checker = SchemaChecker(document: document)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        #expect(!checker.problems(value, against: .reference("Fleet")).isEmpty, "a fleet \(why) passed")
        let good = #"{"id": "f", "name": "lab", "deviceCount": 0, "createdAt": "2025-01-01T00:00:00Z"}"#
        #expect(checker.problems(try JSONDecoder().decode(JSONValue.self, from: Data(good.utf8)), against: .reference("Fleet")) == [])
    }

    /// The document as served, parsed.
    static func servedDocument() async throws -> JSONValue {
        let server = try await TestServer.start()
        let app = Application(router: DroverServerApp.buildRouter(plane: server.plane))
        let body = try await app.test(.router) { client in
            let answer = try await client.execute(uri: "/v1/openapi.json", method: .get)
            #expect(answer.status == .ok && answer.headers[.contentType] == "application/json")
            return String(buffer: answer.body)
        }
        try await server.store.close()
        return try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
    }
}

/// A compose document that uses most of what a service can say, so the target holds it.
private let richCompose = """
    services:
      web:
        image: registry.local/web:1
        command: ["serve", "--port", "80"]
        entrypoint: ["/bin/entry"]
        environment: {LEVEL: info}
        ports: ["8080:80", "9000:9000/udp"]
        expose: ["81"]
        volumes: ["data:/data", "/srv/conf:/conf:ro"]
        networks: {front: {aliases: [www]}}
        labels: {team: edge, io.drover.update.strategy: hand-over}
        restart: unless-stopped
        depends_on: {db: {condition: service_healthy}}
        healthcheck: {test: ["CMD", "true"], interval: 10s, timeout: 2s, retries: 3, start_period: 1s}
        ulimits: {nofile: {soft: 1024, hard: 2048}}
        logging: {driver: json-file, options: {max-size: 1m}}
        tmpfs: [/run]
        cap_add: [NET_ADMIN]
        privileged: false
        read_only: true
        working_dir: /srv
        user: "1000"
        stop_signal: SIGINT
        stop_grace_period: 5s
        extra_hosts: ["db.local:10.0.0.2"]
        sysctls: {net.core.somaxconn: "1024"}
      db:
        image: registry.local/db:1
        networks: [front]
        healthcheck: {test: ["CMD", "true"]}
    networks:
      front: {driver: bridge, internal: true}
    volumes:
      data: {labels: {keep: "yes"}}
    """

/// Calls the router and checks each answer against the document: its status must be one the
/// operation documents, and its body must fit that status's schema.
struct Conformance {
    let document: JSONValue
    let api: TestServer.Client

    @discardableResult
    func callAsFunction(
        _ method: HTTPRequest.Method, _ uri: String, _ status: Int, json: String? = nil, token: String? = nil, headers: HTTPFields = [:],
        template: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        try await withHeaders(method, uri, status, json: json, token: token, headers: headers, template: template, sourceLocation: sourceLocation).body
    }

    func withHeaders(
        _ method: HTTPRequest.Method, _ uri: String, _ status: Int, json: String? = nil, token: String? = nil, headers: HTTPFields = [:],
        template: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (body: JSONValue, headers: HTTPFields) {
        let answer = try await api.call(method, uri, json: json, token: token, headers: headers)
        let name = "\(method) \(uri)"
        #expect(Int(answer.status.code) == status, "\(name): \(answer.status) \(answer.body)", sourceLocation: sourceLocation)
        let operation = try #require(
            document["paths"]?[template ?? uri]?[method.rawValue.lowercased()], "\(name) is not documented", sourceLocation: sourceLocation)
        let response = try #require(
            operation["responses"]?[String(answer.status.code)], "\(name) answered \(answer.status.code), which is not documented",
            sourceLocation: sourceLocation)
        guard let schema = response["content"]?["application/json"]?["schema"] else {
            #expect(answer.body.isEmpty, "\(name): the document gives \(answer.status.code) no body; got \(answer.body)", sourceLocation: sourceLocation)
            return (.null, answer.headers)
        }
        #expect(answer.headers[.contentType] == "application/json", "\(name)", sourceLocation: sourceLocation)
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
        let problems = SchemaChecker(document: document).problems(body, against: schema)
        #expect(problems.isEmpty, "\(name) \(answer.status.code): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
        for (header, spec) in response["headers"]?.object ?? [:] where spec["required"] == .bool(true) {
            #expect(answer.headers.contains { $0.name.canonicalName == header.lowercased() }, "\(name) lacks header \(header)", sourceLocation: sourceLocation)
        }
        return (body, answer.headers)
    }
}

/// A JSON value that keeps integers apart from other numbers.
enum JSONValue: Decodable, Equatable, Sendable, CustomStringConvertible {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// `{"$ref": "#/components/schemas/NAME"}`.
    static func reference(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    subscript(key: String) -> JSONValue? { object?[key] }
    var object: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    var array: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    var string: String? { if case .string(let value) = self { value } else { nil } }
    var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let value): "[\(value.map(\.description).joined(separator: ", "))]"
        case .object(let value): "{\(value.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", "))}"
        }
    }

    /// Every operation of an OpenAPI document.
    var operations: [(method: String, path: String, operation: JSONValue)] {
        (self["paths"]?.object ?? [:]).flatMap { path, item in
            (item.object ?? [:]).filter { ["get", "put", "post", "patch", "delete"].contains($0.key) }.map { ($0.key, path, $0.value) }
        }
    }

    /// Every `$ref` in the tree.
    var references: [String] {
        switch self {
        case .object(let fields): (fields["$ref"]?.string.map { [$0] } ?? []) + fields.values.flatMap(\.references)
        case .array(let items): items.flatMap(\.references)
        default: []
        }
    }
}

/// The subset of JSON Schema 2020-12 the document uses. A keyword it does not know is reported
/// as a problem, so a schema can never pass by being beyond the checker.
struct SchemaChecker {
    let document: JSONValue

    static let annotations: Set<String> = ["description", "title", "examples", "default", "format"]

    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        return reference.dropFirst(2).split(separator: "/").reduce(Optional(document)) { node, key in node?[String(key)] }
    }

    func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        guard let rules = schema.object else { return schema == .bool(true) ? [] : ["\(path): schema \(schema) refuses everything"] }
        var problems: [String] = []
        for (keyword, rule) in rules.sorted(by: { $0.key < $1.key }) {
            switch keyword {
            case "$ref":
                guard let reference = rule.string, let target = resolve(reference) else {
                    problems.append("\(path): unresolved \(rule)")
                    continue
                }
                problems += self.problems(value, against: target, at: path)
            case "type":
                let types = rule.array?.compactMap(\.string) ?? rule.string.map { [$0] } ?? []
                if !types.contains(where: { Self.isOf(type: $0, value) }) { problems.append("\(path): \(value) is not of type \(rule)") }
            case "enum":
                if !(rule.array ?? []).contains(value) { problems.append("\(path): \(value) is not one of \(rule)") }
            case "properties":
                guard case .object(let fields) = value else { continue }
                for (name, subschema) in rule.object ?? [:] {
                    if let field = fields[name] { problems += self.problems(field, against: subschema, at: "\(path).\(name)") }
                }
            case "required":
                guard case .object(let fields) = value else { continue }
                for name in (rule.array ?? []).compactMap(\.string) where fields[name] == nil { problems.append("\(path): \(name) is missing") }
            case "additionalProperties":
                guard case .object(let fields) = value else { continue }
                let declared = Set(rules["properties"]?.object?.keys.map { $0 } ?? [])
                for (name, field) in fields where !declared.contains(name) {
                    problems += rule == .bool(false) ? ["\(path).\(name) is not allowed here"] : self.problems(field, against: rule, at: "\(path).\(name)")
                }
            case "propertyNames":
                guard case .object(let fields) = value else { continue }
                for name in fields.keys { problems += self.problems(.string(name), against: rule, at: "\(path) key \(name)") }
            case "items":
                for (index, item) in (value.array ?? []).enumerated() { problems += self.problems(item, against: rule, at: "\(path)[\(index)]") }
            case "maxItems":
                if let items = value.array, let most = rule.double, Double(items.count) > most { problems.append("\(path): more than \(rule) items") }
            case "allOf":
                for subschema in rule.array ?? [] { problems += self.problems(value, against: subschema, at: path) }
            case "anyOf":
                if !(rule.array ?? []).contains(where: { self.problems(value, against: $0, at: path).isEmpty }) {
                    problems.append("\(path): \(value) matches none of anyOf")
                }
            case "if":
                if self.problems(value, against: rule, at: path).isEmpty, let then = rules["then"] { problems += self.problems(value, against: then, at: path) }
            case "then":
                continue
            case "minimum", "maximum", "exclusiveMinimum":
                guard let number = value.double, let bound = rule.double else { continue }
                let fits = keyword == "minimum" ? number >= bound : keyword == "maximum" ? number <= bound : number > bound
                if !fits { problems.append("\(path): \(value) is beyond \(keyword) \(rule)") }
            case "minLength":
                if let text = value.string, let least = rule.double, Double(text.count) < least { problems.append("\(path): shorter than \(rule)") }
            case "pattern":
                guard let text = value.string, let pattern = rule.string else { continue }
                if text.range(of: pattern, options: .regularExpression) == nil { problems.append("\(path): \(value) does not match \(pattern)") }
            case _ where Self.annotations.contains(keyword):
                if keyword == "format", rule == .string("date-time"), let text = value.string, !Self.isDateTime(text) {
                    problems.append("\(path): \(value) is not an RFC 3339 date-time")
                }
            default:
                problems.append("\(path): the checker does not know the keyword \(keyword)")
            }
        }
        return problems
    }

    static func isOf(type: String, _ value: JSONValue) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .integer), ("number", .integer), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    static func isDateTime(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) != nil
    }
}
