import Foundation

/// The OpenAPI 3.1 description of `/v1`, served at `/v1/openapi.json`: every route's
/// parameters, body, answers and the credential it needs. It is kept by hand next to the
/// routes, from the Codable types of `DroverModel.API`; tests compare it with the router's
/// routes and validate real answers against it, and `scripts/api-fuzz` runs schemathesis on it.
///
/// The parts: `+Paths` (the operations), `+Operation` (what every operation of a kind answers),
/// `+Components` and `+TargetState` (the bodies), `+Schema` and `+Value` (the builders);
/// `+Metrics` and `+Webhooks` each hold their area's operations and bodies.
enum OpenAPIDocument {
    /// The document as JSON, sorted keys; built once.
    static let json: String = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of strings, integers and finite numbers cannot fail; should it ever,
        // the route still answers JSON, and the document's tests fail.
        let data = (try? encoder.encode(document)) ?? Data(#"{"error":{"code":"internal","message":"the API document could not be encoded"}}"#.utf8)
        return String(decoding: data, as: UTF8.self)
    }()

    /// The document.
    static var document: Value {
        var paths: [String: Value] = [:]
        for operation in operations {
            paths[operation.path] = (paths[operation.path] ?? [:]).merging([operation.method: operation.value])
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Drover API",
                "version": "1",
                "description": .string(description),
            ],
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "apiToken": [
                        "type": "http", "scheme": "bearer",
                        "description":
                            "A person's API token (drv_..., from `drover token create`; the first owner's first is written to DATA/admin-token) or login session (drs_..., from POST /v1/login)",
                    ],
                    "session": [
                        "type": "apiKey", "in": "cookie", "name": "drover_session",
                        "description":
                            "A browser's login session, set by POST /v1/login; every change (POST, PUT, PATCH, DELETE) must also send the session's CSRF token as X-CSRF-Token",
                    ],
                    "deviceKey": [
                        "type": "http", "scheme": "bearer",
                        "description": "A device's API key (drvd_...), returned once by POST /v1/devices; it reaches only its own device",
                    ],
                ],
            ],
        ]
    }

    private static let description = """
        Drover's control plane: fleets, provisioning keys, releases, devices, variables, webhooks, and the endpoints devices call \
        (/v1/device/...). Bodies are JSON; times are ISO 8601 with a zone. Request bodies may be sent with \
        Content-Encoding: gzip. Unknown keys in a request body are ignored, and null reads as absent.

        Every error is {"error": {"code": "...", "message": "..."}} with its status: 400 for a malformed body or \
        parameter, 401 for a missing or invalid credential (checked before anything else), 403 for the wrong kind of \
        credential, 404 for something that does not exist (also a path no route serves), 405 for a method a path does \
        not serve, 409 for a conflict with what exists, 413 for a body over 8 MiB. Nothing a client sends gives a 5xx; \
        a 500 is a defect.
        """
}
