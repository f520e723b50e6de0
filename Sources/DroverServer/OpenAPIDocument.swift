import Foundation

/// The OpenAPI 3.1 description of `/v1`, served at `/v1/openapi.json`. Kept by hand next to
/// the routes; a test compares it with the router's routes so neither drifts.
enum OpenAPIDocument {
    /// Method, path (OpenAPI form), summary, and whether a device key (not a user token) calls it.
    static let operations: [(method: String, path: String, summary: String, caller: String)] = [
        ("get", "/v1/health", "Liveness check", "anyone"),
        ("get", "/v1/openapi.json", "This document", "anyone"),
        ("get", "/v1/fleets", "List fleets", "user"),
        ("post", "/v1/fleets", "Create a fleet ({name})", "user"),
        ("get", "/v1/fleets/{fleet}", "Show a fleet (by name or id)", "user"),
        ("patch", "/v1/fleets/{fleet}", "Rename a fleet or choose the release it tracks ({name?, trackRelease?})", "user"),
        ("delete", "/v1/fleets/{fleet}", "Delete a fleet that has no devices", "user"),
        ("get", "/v1/fleets/{fleet}/keys", "List provisioning keys", "user"),
        ("post", "/v1/fleets/{fleet}/keys", "Create a provisioning key ({expiresInSeconds?, deviceLimit?}); the secret is returned once", "user"),
        ("delete", "/v1/fleets/{fleet}/keys/{key}", "Revoke a provisioning key", "user"),
        ("get", "/v1/fleets/{fleet}/releases", "List a fleet's releases, newest first", "user"),
        ("post", "/v1/fleets/{fleet}/releases", "Create a release from a compose document ({compose})", "user"),
        ("get", "/v1/releases/{release}", "Show a release", "user"),
        ("post", "/v1/devices", "Enrol a device with a provisioning key ({provisioningKey, name?, architecture?})", "anyone"),
        ("get", "/v1/devices", "List devices (?fleet=, ?tag=k=v repeatable, ?online=, ?status=)", "user"),
        ("get", "/v1/devices/{device}", "Show a device (by name or UUID)", "user"),
        ("patch", "/v1/devices/{device}", "Rename, move to a fleet, pin to a release or track the fleet ({name?, fleet?, pinRelease?})", "user"),
        ("delete", "/v1/devices/{device}", "Delete a device; its key stops working", "user"),
        ("post", "/v1/devices/{device}/actions", "Device action ({action: restart|stop|start|purge, service?})", "user"),
        ("put", "/v1/devices/{device}/tags", "Set and remove tags ({set: {k: v}, remove: [k]})", "user"),
        ("get", "/v1/devices/{device}/logs", "A device's log lines (?service=, ?after=SEQ, ?since=RFC3339, ?limit=)", "user"),
        ("get", "/v1/env", "List variables (?fleet= or ?device=)", "user"),
        ("put", "/v1/env", "Set a variable at fleet, fleet-service, device or device-service scope", "user"),
        ("delete", "/v1/env", "Remove a variable (?fleet=|?device=, ?service=, ?name=)", "user"),
        ("get", "/v1/device/state", "The calling device's target (ETag; If-None-Match gives 304; ?wait=SECONDS long-polls)", "device"),
        ("patch", "/v1/device/state", "Report the calling device's state (fields left out are unchanged)", "device"),
        ("post", "/v1/device/logs", "Ship a batch of the calling device's log lines", "device"),
    ]

    static let json: String = {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var entry: [String: Any] = [
                "summary": operation.summary,
                "responses": ["default": ["description": "JSON; errors are {\"error\": {\"code\", \"message\"}}"]],
            ]
            let parameters = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment -> [String: Any] in
                ["name": String(segment.dropFirst().dropLast()), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if operation.caller != "anyone" { entry["security"] = [[operation.caller == "device" ? "deviceKey" : "apiToken": [String]()]] }
            paths[operation.path, default: [:]][operation.method] = entry
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Drover API", "version": "1"],
            "paths": paths,
            "components": [
                "securitySchemes": [
                    "apiToken": ["type": "http", "scheme": "bearer"],
                    "deviceKey": ["type": "http", "scheme": "bearer"],
                ]
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }()
}
