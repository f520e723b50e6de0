import DroverModel

extension OpenAPIDocument {
    /// Who may call an operation, and so which bearer credential it needs.
    enum Caller {
        /// No credential (a credential that is sent must still be valid).
        case anyone
        /// A person, through an API token or a login session, whose role grants the permission
        /// (``API/Role/grants``): the routes are checked against this, and only this.
        case person(API.Permission)
        /// A device's API key, from enrolment.
        case device
    }

    /// One operation of `/v1`: what it takes and every answer it gives.
    struct Operation {
        /// Lowercase HTTP method.
        let method: String
        /// Path in OpenAPI form, `/v1/fleets/{fleet}`.
        let path: String
        /// The operationId.
        let id: String
        /// One line for people.
        let summary: String
        /// Who may call it.
        let caller: Caller
        /// Path, query and header parameters.
        var parameters: [Value] = []
        /// The request body's component schema, if it takes one.
        var body: String? = nil
        /// Whether the body may be sent with `Content-Encoding: gzip` (described as a header).
        var gzip = false
        /// Responses by status code, errors included.
        var responses: [String: Value]

        /// The status of its success, when the document gives it one (else 200).
        var successStatus: Int {
            let successes = responses.keys.compactMap(Int.init).filter { (200..<300).contains($0) }
            return successes.count == 1 ? successes[0] : 200
        }

        /// The operation object of the document, with the answers every operation of its kind
        /// gives (401, 403, 400 and 413) added to those it names.
        var value: Value {
            var responses = self.responses
            func add(_ status: Int, _ description: String) {
                if case .object(var fields)? = responses[String(status)], case .string(let own)? = fields["description"] {
                    fields["description"] = .string(description + "; or " + own)
                    responses[String(status)] = .object(fields)
                } else {
                    responses[String(status)] = OpenAPIDocument.error(description)
                }
            }
            if body != nil {
                add(400, "The body is not JSON of the schema, or not gzip when it says so; the message names the field at fault")
                add(413, "The body is over 8 MiB, or over 64 MiB once decompressed")
            }
            switch caller {
            case .anyone:
                add(401, "An Authorization header was sent and is not a valid 'Bearer' credential")
            case .person(let permission):
                add(401, "No API token or session, or not a valid one (Authorization: Bearer TOKEN, or the session cookie)")
                add(
                    403,
                    "A device key was sent, or the caller's role does not grant '\(permission.rawValue)' (\(OpenAPIDocument.roles(permission))), or a session cookie came without its X-CSRF-Token on a change"
                )
            case .device:
                add(401, "No device key, or not a valid one (revoked, or the device was deleted)")
                add(403, "A user API token was sent; this needs the device's own key")
            }
            var parameters = self.parameters
            if gzip {
                parameters.append(
                    OpenAPIDocument.header(
                        "Content-Encoding", ["type": "string", "enum": ["gzip"]],
                        "gzip when the body is compressed (agents compress reports and log batches); any other value is refused with 400"))
            }
            let security: Value
            var operation: [String: Value] = ["operationId": .string(id), "summary": .string(summary), "responses": .object(responses)]
            switch caller {
            case .anyone: security = .array([])
            case .device: security = .array([.object(["deviceKey": .array([])])])
            case .person(let permission):
                security = .array([.object(["apiToken": .array([])]), .object(["session": .array([])])])
                operation["x-drover-permission"] = .string(permission.rawValue)
                operation["x-drover-roles"] = .array(OpenAPIDocument.rolesGranting(permission).map { .string($0) })
                operation["description"] = .string("Needs a role that grants '\(permission.rawValue)': \(OpenAPIDocument.roles(permission)).")
            }
            operation["security"] = security
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body {
                operation["requestBody"] = [
                    "required": true, "content": ["application/json": ["schema": Schema.ref(body)]],
                ]
            }
            return .object(operation)
        }
    }

    /// The roles that grant a permission, with any limit: `owner, admin, developer (not on production)`.
    static func rolesGranting(_ permission: API.Permission) -> [String] {
        API.Role.allCases.compactMap { role in
            guard let grant = role.grants[permission] else { return nil }
            return grant == .always ? role.rawValue : "\(role.rawValue) (\(grant.rawValue))"
        }
    }

    static func roles(_ permission: API.Permission) -> String { rolesGranting(permission).joined(separator: ", ") }

    // MARK: Parameters and responses

    /// A path parameter.
    static func path(_ name: String, _ description: String) -> Value {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": ["type": "string", "minLength": 1]]
    }

    /// An optional query parameter.
    static func query(_ name: String, _ schema: Value, _ description: String, required: Bool = false) -> Value {
        ["name": .string(name), "in": "query", "required": .bool(required), "description": .string(description), "schema": schema]
    }

    /// An optional request header.
    static func header(_ name: String, _ schema: Value, _ description: String) -> Value {
        ["name": .string(name), "in": "header", "required": false, "description": .string(description), "schema": schema]
    }

    /// A JSON answer.
    static func json(_ description: String, _ schema: Value, headers: [String: Value] = [:], links: [String: Value] = [:]) -> Value {
        var response: [String: Value] = ["description": .string(description), "content": ["application/json": ["schema": schema]]]
        if !headers.isEmpty { response["headers"] = .object(headers) }
        if !links.isEmpty { response["links"] = .object(links) }
        return .object(response)
    }

    /// An answer without a body.
    static func empty(_ description: String, headers: [String: Value] = [:]) -> Value {
        headers.isEmpty ? ["description": .string(description)] : ["description": .string(description), "headers": .object(headers)]
    }

    /// An error answer: the error body.
    static func error(_ description: String) -> Value { json(description, Schema.ref("ErrorBody")) }

    /// A link that fills `parameters` of `operation` from the answer, e.g. `fleet` from `$response.body#/name`.
    static func link(_ operation: String, _ parameters: [String: String]) -> Value {
        ["operationId": .string(operation), "parameters": .object(parameters.mapValues(Value.string))]
    }
}
