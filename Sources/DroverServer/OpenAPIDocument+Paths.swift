extension OpenAPIDocument {
    /// Every route of `APIRoutes`, as the router serves it. The route-coverage tests compare
    /// this document with `router.routes` in both directions.
    static let operations: [Operation] =
        system + fleets + devices + env + deviceSide + metricOperations + accountOperations + webhookOperations + [liveEvents]
        + registryOperations + fileOperations + [clusterDeviceOperation] + clusterOperations

    /// `GET /v1/events`: what open pages listen to.
    private static let liveEvents = Operation(
        method: "get", path: "/v1/events", id: "listenEvents",
        summary: "Server-Sent Events naming what changed (device, release, fleet, env, logs, metrics, audit), so a page reads again only then",
        caller: .person(.read),
        parameters: [
            query("fleet", ["type": "string"], "Only this fleet's changes (name or id)"),
            query("device", ["type": "string"], "Only this device's changes, its logs and metrics among them, and its fleet's env and releases"),
            query(
                "seconds",
                ["type": "integer", "minimum": 1, "maximum": .integer(LiveEventsRoute.maxSeconds), "default": .integer(LiveEventsRoute.defaultSeconds)],
                "End the stream after this long (an EventSource opens it again)"),
        ],
        responses: [
            "200": [
                "description":
                    "A text/event-stream: 'event: KIND' and 'data: {\"fleet\":ID,\"device\":ID,\"release\":ID}' per change, a ': keep-alive' comment every 15 s",
                "content": ["text/event-stream": ["schema": ["type": "string"]]],
            ],
            "400": error("seconds is out of range, or both fleet and device were given"),
            "404": error("No such fleet or device in your organisation"),
            "409": error(ambiguousDevice),
        ])

    private typealias S = Schema

    private static let fleetParameter = path("fleet", "Fleet name or id")
    private static let deviceParameter = path("device", "Device name, UUID, or a unique UUID prefix of 7 or more characters")
    private static let noFleet = "No fleet of that name or id in your organisation"
    private static let noDevice = "No device of that name, UUID or UUID prefix in your organisation"
    private static let ambiguousDevice = "The reference names several devices (a shared name or UUID prefix); use the UUID"
    /// Once a fleet exists, what can be done with it.
    private static let fleetLinks: [String: Value] = [
        "showFleet": link("showFleet", ["fleet": "$response.body#/name"]),
        "updateFleet": link("updateFleet", ["fleet": "$response.body#/name"]),
        "deleteFleet": link("deleteFleet", ["fleet": "$response.body#/name"]),
        "createKey": link("createKey", ["fleet": "$response.body#/name"]),
        "listKeys": link("listKeys", ["fleet": "$response.body#/name"]),
        "createRelease": link("createRelease", ["fleet": "$response.body#/name"]),
        "listReleases": link("listReleases", ["fleet": "$response.body#/name"]),
    ]
    /// Once a device is enrolled, what people can do with it.
    private static let deviceLinks: [String: Value] = [
        "showDevice": link("showDevice", ["device": "$response.body#/uuid"]),
        "updateDevice": link("updateDevice", ["device": "$response.body#/uuid"]),
        "deleteDevice": link("deleteDevice", ["device": "$response.body#/uuid"]),
        "actOnDevice": link("actOnDevice", ["device": "$response.body#/uuid"]),
        "setTags": link("setTags", ["device": "$response.body#/uuid"]),
        "deviceLogs": link("deviceLogs", ["device": "$response.body#/uuid"]),
        "deviceMetrics": link("deviceMetrics", ["device": "$response.body#/uuid"]),
    ]

    private static let system: [Operation] = [
        Operation(
            method: "get", path: "/v1/health", id: "health", summary: "Liveness check", caller: .anyone,
            responses: ["200": json("The server runs", S.ref("Health"))]),
        Operation(
            method: "get", path: "/v1/openapi.json", id: "openapi", summary: "This document", caller: .anyone,
            responses: ["200": json("The OpenAPI 3.1 document of /v1", S.ref("OpenAPI"))]),
    ]

    private static let fleets: [Operation] = [
        Operation(
            method: "get", path: "/v1/fleets", id: "listFleets", summary: "List the organisation's fleets, by name", caller: .person(.read),
            responses: ["200": json("The fleets", S.array("Fleets", of: S.ref("Fleet")))]),
        Operation(
            method: "post", path: "/v1/fleets", id: "createFleet", summary: "Create a fleet", caller: .person(.createFleet), body: "CreateFleet",
            responses: [
                "201": json("Created", S.ref("Fleet"), links: fleetLinks),
                "400": error("The name is not 1-64 letters, digits, '.', '_' or '-'"),
                "409": error("A fleet of that name exists"),
            ]),
        Operation(
            method: "get", path: "/v1/fleets/{fleet}", id: "showFleet", summary: "Show a fleet", caller: .person(.read), parameters: [fleetParameter],
            responses: ["200": json("The fleet", S.ref("Fleet")), "404": error(noFleet)]),
        Operation(
            method: "patch", path: "/v1/fleets/{fleet}", id: "updateFleet",
            summary: "Rename a fleet, choose the release it tracks, or set when a release counts as failing", caller: .person(.manageFleet),
            parameters: [fleetParameter], body: "UpdateFleet",
            responses: [
                "200": json("The fleet after the change", S.ref("Fleet")),
                "400": error("A value is out of range, or the release belongs to another fleet"),
                "404": error(noFleet + ", or no such release"),
                "409": error("The new name is taken, or the release prefix names several releases"),
            ]),
        Operation(
            method: "delete", path: "/v1/fleets/{fleet}", id: "deleteFleet",
            summary: "Delete a fleet with its releases, keys and variables", caller: .person(.deleteFleet), parameters: [fleetParameter],
            responses: ["204": empty("Deleted"), "404": error(noFleet), "409": error("The fleet still has devices; move or delete them first")]),

        Operation(
            method: "get", path: "/v1/fleets/{fleet}/keys", id: "listKeys", summary: "List a fleet's provisioning keys (without secrets)",
            caller: .person(.manageKeys), parameters: [fleetParameter],
            responses: ["200": json("The keys, oldest first", S.array("Keys", of: S.ref("ProvisioningKey"))), "404": error(noFleet)]),
        Operation(
            method: "post", path: "/v1/fleets/{fleet}/keys", id: "createKey",
            summary: "Create a provisioning key; its secret is in this answer only", caller: .person(.manageKeys), parameters: [fleetParameter],
            body: "CreateKey",
            responses: [
                "201": json(
                    "Created, with the secret in 'key'", ["allOf": [S.ref("ProvisioningKey"), ["required": ["key"]]]],
                    links: [
                        "revokeKey": link("revokeKey", ["fleet": "$response.body#/fleet", "key": "$response.body#/id"]),
                        "enrolDevice": ["operationId": "enrolDevice", "requestBody": ["provisioningKey": "$response.body#/key"]],
                    ]),
                "400": error("expiresInSeconds is not in 1...315360000 (10 years), or deviceLimit is below 1"),
                "404": error(noFleet),
            ]),
        Operation(
            method: "delete", path: "/v1/fleets/{fleet}/keys/{key}", id: "revokeKey",
            summary: "Revoke a provisioning key; devices it enrolled keep working", caller: .person(.manageKeys),
            parameters: [fleetParameter, path("key", "Key id")],
            responses: ["204": empty("Revoked"), "404": error(noFleet + ", or the fleet has no key of that id")]),

        Operation(
            method: "get", path: "/v1/fleets/{fleet}/releases", id: "listReleases", summary: "List a fleet's releases, newest first",
            caller: .person(.read), parameters: [fleetParameter],
            responses: ["200": json("The releases", S.array("Releases", of: S.ref("Release"))), "404": error(noFleet)]),
        Operation(
            method: "post", path: "/v1/fleets/{fleet}/releases", id: "createRelease",
            summary: "Create a release from a compose document; devices tracking the fleet move to it", caller: .person(.createRelease),
            parameters: [fleetParameter], body: "CreateRelease",
            responses: [
                "201": json(
                    "Created", S.ref("Release"), links: ["showRelease": link("showRelease", ["release": "$response.body#/id"])]),
                "400": error("The compose document is not valid (code invalid_compose; the message names the service and key)"),
                "404": error(noFleet),
            ]),
        Operation(
            method: "get", path: "/v1/releases/{release}", id: "showRelease",
            summary: "Show a release, with how it fares on the devices that tried it", caller: .person(.read),
            parameters: [path("release", "Release id, or a unique prefix of 6 or more characters")],
            responses: [
                "200": json("The release, with attempts", S.ref("Release")),
                "404": error("No such release in your organisation"),
                "409": error("The prefix names several releases"),
            ]),
    ]

    private static let devices: [Operation] = [
        Operation(
            method: "post", path: "/v1/devices", id: "enrolDevice",
            summary: "Enrol a device with a provisioning key: a new UUID and device API key", caller: .anyone, body: "RegisterDevice",
            responses: [
                "201": json("Enrolled", S.ref("RegisteredDevice"), links: deviceLinks),
                "400": error("The name is not 1-64 letters, digits, '.', '_' or '-'"),
                "401": error("The provisioning key is not valid, revoked or expired"),
                "403": error("The provisioning key has enrolled its limit of devices"),
                "409": error("The fleet has a device of that name"),
            ]),
        Operation(
            method: "get", path: "/v1/devices", id: "listDevices", summary: "List devices, by name, that match every filter given",
            caller: .person(.read),
            parameters: [
                query("fleet", ["type": "string"], "Only this fleet's devices (name or id)"),
                query(
                    "tag", ["type": "array", "items": ["type": "string", "pattern": "^[^=]+=.+$"]],
                    "KEY=VALUE; repeat for several, all must match"
                ).merging(["style": "form", "explode": true]),
                query("online", ["type": "boolean"], "Only devices that are (true) or are not (false) online"),
                query("status", ["type": "string"], "Only devices with this status, e.g. running, failed, 'update pending'"),
                query("q", ["type": "string", "maxLength": 256], "Only devices whose name contains this, in any case"),
                query("sort", ["type": "string", "enum": ["name", "status", "lastSeen", "release", "online"], "default": "name"], "The order of the list"),
                query("order", ["type": "string", "enum": ["asc", "desc"], "default": "asc"], "Ascending or descending"),
                query(
                    "limit", ["type": "integer", "minimum": 1, "maximum": .integer(DevicePage.maxLimit)],
                    "At most this many devices (one page); without it, all"),
                query("offset", ["type": "integer", "minimum": 0, "maximum": .integer(DevicePage.maxOffset), "default": 0], "Skip this many devices first"),
            ],
            responses: [
                "200": json(
                    "The devices (one page of them with limit)", S.array("Devices", of: S.ref("Device")),
                    headers: [
                        "X-Total-Count": [
                            "description": "How many devices match in all, across pages", "schema": ["type": "integer", "minimum": 0],
                        ]
                    ]),
                "400": error("A tag filter is not KEY=VALUE, online is not true or false, or sort, order, limit or offset is out of range"),
                "404": error(noFleet),
            ]),
        Operation(
            method: "get", path: "/v1/devices/{device}", id: "showDevice", summary: "Show a device", caller: .person(.read), parameters: [deviceParameter],
            responses: ["200": json("The device", S.ref("Device")), "404": error(noDevice), "409": error(ambiguousDevice)]),
        Operation(
            method: "patch", path: "/v1/devices/{device}", id: "updateDevice",
            summary: "Rename a device, move it to another fleet, pin it to a release or make it track its fleet again", caller: .person(.manageDevice),
            parameters: [deviceParameter], body: "UpdateDevice",
            responses: [
                "200": json("The device after the change", S.ref("Device")),
                "400": error("The name is not valid, or the release belongs to another fleet"),
                "404": error(noDevice + ", or no such fleet or release"),
                "409": error(ambiguousDevice + "; or the fleet has a device of the new name; or the release prefix is ambiguous"),
            ]),
        Operation(
            method: "delete", path: "/v1/devices/{device}", id: "deleteDevice", summary: "Delete a device; its key stops working at once",
            caller: .person(.deleteDevice), parameters: [deviceParameter],
            responses: ["204": empty("Deleted"), "404": error(noDevice), "409": error(ambiguousDevice)]),
        Operation(
            method: "post", path: "/v1/devices/{device}/actions", id: "actOnDevice",
            summary: "Ask a device to restart, stop, start, purge, update past locks, or retry a rolled-back release", caller: .person(.actOnDevice),
            parameters: [deviceParameter], body: "DeviceAction",
            responses: [
                "202": empty("Accepted: the device's target changed; the agent acts when it next hears from the server"),
                "400": error("Unknown action, or stop/start without a service"),
                "404": error(noDevice),
                "409": error(ambiguousDevice),
            ]),
        Operation(
            method: "put", path: "/v1/devices/{device}/tags", id: "setTags", summary: "Set some tags, then remove others", caller: .person(.tagDevice),
            parameters: [deviceParameter], body: "TagChange",
            responses: [
                "200": json("The device's tags after the change", S.ref("Tags")),
                "400": error("A tag key is not 1-64 letters, digits, '.', '_' or '-'"),
                "404": error(noDevice),
                "409": error(ambiguousDevice),
            ]),
        Operation(
            method: "get", path: "/v1/devices/{device}/sessions", id: "deviceSessions",
            summary: "A device's terminal sessions, newest first: who opened each, for what, when, and how it ended", caller: .person(.read),
            parameters: [deviceParameter],
            responses: [
                "200": json("The sessions, newest first (at most 200)", S.array("Sessions", of: S.ref("Session"))),
                "404": error(noDevice),
                "409": error(ambiguousDevice),
            ]),
        Operation(
            method: "get", path: "/v1/devices/{device}/logs", id: "deviceLogs",
            summary: "A device's log lines: the last 'limit', or with 'after' the next 'limit' after a sequence number (to follow)",
            caller: .person(.read),
            parameters: [
                deviceParameter,
                query("service", ["type": "string"], "Only this service's lines"),
                query("after", ["type": "integer", "format": "int64"], "Lines after this sequence number, oldest first"),
                query("since", ["type": "string", "format": "date-time"], "Lines written at or after this RFC 3339 time"),
                query("limit", ["type": "integer", "minimum": 1, "maximum": 10_000, "default": 100], "Most lines to return"),
            ],
            responses: [
                "200": json("The lines, oldest first", S.array("Lines", of: S.ref("LogEntry"))),
                "400": error("limit is not a number in 1...10000, or after is not an integer"),
                "404": error(noDevice),
                "409": error(ambiguousDevice),
            ]),
    ]

    private static let env: [Operation] = [
        Operation(
            method: "get", path: "/v1/env", id: "listEnv",
            summary: "List a fleet's variables (every scope), or a device's own and its fleet's", caller: .person(.read),
            parameters: [
                query("fleet", ["type": "string"], "Fleet name or id; this or device is required"),
                query("device", ["type": "string"], "Device name or UUID; this or fleet is required"),
            ],
            responses: [
                "200": json("The variables", S.array("Variables", of: S.ref("EnvVar"))),
                "400": error("Neither fleet nor device was given"),
                "404": error("No such fleet or device"),
                "409": error(ambiguousDevice),
            ]),
        Operation(
            method: "put", path: "/v1/env", id: "setEnv",
            summary: "Set a variable at fleet, fleet-service, device or device-service scope (device-service > device > fleet-service > fleet)",
            caller: .person(.writeEnv), body: "SetEnv",
            responses: [
                "200": json("The variable as stored", S.ref("EnvVar")),
                "400": error("The name is not valid, or neither fleet nor device was given"),
                "404": error("No such fleet or device"),
                "409": error(ambiguousDevice),
            ]),
        Operation(
            method: "delete", path: "/v1/env", id: "removeEnv", summary: "Remove a variable at exactly the scope given", caller: .person(.writeEnv),
            parameters: [
                query("name", ["type": "string"], "The variable", required: true),
                query("fleet", ["type": "string"], "Fleet name or id; this or device is required"),
                query("device", ["type": "string"], "Device name or UUID (device scope)"),
                query("service", ["type": "string"], "Service (service scope)"),
            ],
            responses: [
                "204": empty("Removed"),
                "400": error("name is missing, or neither fleet nor device was given"),
                "404": error("No such fleet or device, or no such variable at that scope"),
                "409": error(ambiguousDevice),
            ]),
    ]

    private static let etag: [String: Value] = [
        "ETag": ["required": true, "description": "The target's version, quoted; send it back as If-None-Match", "schema": ["type": "string"]]
    ]

    private static let deviceSide: [Operation] = [
        Operation(
            method: "get", path: "/v1/device/state", id: "deviceTarget",
            summary: "The calling device's target. With If-None-Match of the current ETag: 304, or with wait, held until it changes",
            caller: .device,
            parameters: [
                query(
                    "wait", ["type": "number", "minimum": 0, "maximum": 60],
                    "Seconds to hold the request while the If-None-Match ETag is current (long-poll); the server shortens it by up to 30% of jitter"),
                header("If-None-Match", ["type": "string"], "The ETag of the target the device has"),
            ],
            responses: [
                "200": json("The target", S.ref("TargetState"), headers: etag),
                "304": empty("The device has the current target (its If-None-Match)", headers: etag),
                "400": error("wait is not a number in 0...60"),
                "404": error("The device was deleted a moment ago"),
            ]),
        Operation(
            method: "patch", path: "/v1/device/state", id: "reportState",
            summary: "Report what the calling device runs; fields left out are unchanged", caller: .device, body: "StateReport", gzip: true,
            responses: [
                "204": empty("Stored durably"),
                "400": error("rollout.outcome is not started, healthy or rolled-back, or rollout.release is not a release"),
            ]),
        Operation(
            method: "post", path: "/v1/device/logs", id: "shipLogs", summary: "Ship a batch of the calling device's log lines", caller: .device,
            body: "LogBatch", gzip: true,
            responses: [
                "204": empty("Stored; the oldest lines beyond the last 10,000 of the device are dropped"),
                "400": error("More than 500 lines, or a field is too long or holds a NUL character"),
            ]),
        Operation(
            method: "post", path: "/v1/device/pull-auth", id: "pullAuth",
            summary:
                "What the calling device hands its engine to pull an image: a token for the server's registry (its own fleet's repositories), or its fleet's login to a private registry",
            caller: .device, body: "PullAuthRequest",
            responses: [
                "200": json("The X-Registry-Auth value, or none", S.ref("PullAuth")),
                "400": error("The image is not an image reference"),
            ]),
    ]
}
