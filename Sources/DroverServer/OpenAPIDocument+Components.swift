import DroverModel
extension OpenAPIDocument {
    /// The bodies of `/v1`, one schema per Codable type of `DroverModel.API`. Types that travel
    /// both ways have a response schema (`Name`) and a request schema (`NameInput`).
    static var schemas: [String: Value] {
        typealias S = Schema
        let releaseID = S.string("Release id (12 hex digits); a unique prefix of 6 or more characters is accepted where a release is named")
        let deviceStatus = S.word(
            "Device status: 'provisioned' before its first report, 'update pending' while it runs a release other than its target, "
                + "otherwise what the agent reported last; 'rolled-back' runs the last good release after refusing the one in 'rollout'",
            API.DeviceStatus.self)
        var schemas: [String: Value] = [
            "ErrorBody": S.object(
                "The body of every failed request", .response,
                [
                    S.required(
                        "error",
                        S.object(
                            "What went wrong", .response,
                            [
                                S.required(
                                    "code",
                                    S.string(
                                        "Machine-readable: bad_request, invalid_compose, unauthorized, forbidden, not_found, conflict, storage, "
                                            + "internal, or the snake_case name of the HTTP status (method_not_allowed, content_too_large, ...)")),
                                S.required("message", S.string("What was wrong, for people; names the field or parameter at fault")),
                            ]))
                ]),
            "Health": S.object("The server answers", .response, [S.required("status", S.oneOf("Always ok", ["ok"]))]),
            "OpenAPI": [
                "type": "object", "description": "An OpenAPI 3.1 document (this one)", "required": ["openapi", "info", "paths"],
                "additionalProperties": true,
            ],

            // Fleets
            "Fleet": S.object(
                "A fleet: a named group of devices that run one app", .response,
                [
                    S.required("id", S.string("Fleet id")),
                    S.required("name", S.string("Unique in the organisation; also the app's name on devices")),
                    S.optional("trackedRelease", S.string("The release the fleet tracks; absent when it tracks the newest")),
                    S.optional("targetRelease", S.string("The release devices are offered: the tracked one, else the newest that is not failing")),
                    S.optional(
                        "failingShare",
                        ["type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": "Share of rolled-back devices that marks a release failing"]),
                    S.optional("failingMinDevices", S.integer("Fewest rolled-back devices that mark a release failing", minimum: 1)),
                    S.optional("production", S.boolean("Marked production: developers open no terminals or tunnels on its devices")),
                    S.required("deviceCount", S.integer("Devices in the fleet", minimum: 0)),
                    S.required("createdAt", S.dateTime("Creation time")),
                    S.optional("summary", S.ref("FleetSummary")),
                    S.optional(
                        "platforms", S.map("How many of its devices run each platform (GET /v1/fleets/{fleet} only)", of: S.integer("Devices", minimum: 1))),
                ]),
            "FleetSummary": S.object(
                "How a fleet's devices stand", .response,
                [
                    S.required("running", S.integer("Online, running their release (or idle)", minimum: 0)),
                    S.required("updating", S.integer("Online, enrolled without a report yet or on the way to a release", minimum: 0)),
                    S.required("failed", S.integer("Online, failed or rolled back", minimum: 0)),
                    S.required("offline", S.integer("Not heard from within the online grace (75 s)", minimum: 0)),
                    S.required("onTarget", S.integer("Devices that run the release the fleet offers", minimum: 0)),
                ]),
            "CreateFleet": S.object("POST /v1/fleets", .request, [S.required("name", S.name("Fleet name"))]),
            "UpdateFleet": S.object(
                "PATCH /v1/fleets/{fleet}: fields left out are unchanged", .request,
                [
                    S.optional("name", S.name("New name")),
                    S.optional("trackRelease", S.string("Release to track (id or unique prefix); 'latest' or '' tracks the newest")),
                    S.optional(
                        "failingShare",
                        ["type": "number", "exclusiveMinimum": 0, "maximum": 1, "description": "Share of rolled-back devices that marks a release failing"]),
                    S.optional("failingMinDevices", S.integer("Fewest rolled-back devices that mark a release failing", minimum: 1)),
                    S.optional("production", S.boolean("Marked production: developers open no terminals or tunnels on its devices")),
                ]),

            // Provisioning keys
            "ProvisioningKey": S.object(
                "A provisioning key: lets devices enrol into its fleet", .response,
                [
                    S.required("id", S.string("Key id")),
                    S.required("fleet", S.string("Fleet name")),
                    S.optional("key", S.string("The secret; present only in the answer that created the key")),
                    S.optional("expiresAt", S.dateTime("Expiry")),
                    S.optional("deviceLimit", S.integer("Most devices it may enrol", minimum: 1)),
                    S.required("devicesEnrolled", S.integer("Devices enrolled with it", minimum: 0)),
                    S.required("revoked", S.boolean("A revoked key enrols nothing")),
                ]),
            "CreateKey": S.object(
                "POST /v1/fleets/{fleet}/keys", .request,
                [
                    S.optional("expiresInSeconds", S.integer("Seconds until the key expires, at most 10 years", minimum: 1, maximum: 315_360_000)),
                    S.optional("deviceLimit", S.integer("Most devices the key may enrol", minimum: 1)),
                ]),

            // Releases
            "Release": S.object(
                "An immutable release of a fleet's app", .response,
                [
                    S.required("id", S.string("Release id")),
                    S.required("fleet", S.string("Fleet name")),
                    S.required("createdAt", S.dateTime("Creation time")),
                    S.required("services", S.array("Service names, sorted", of: S.string("Service"))),
                    S.required("images", S.map("Image by service: repository@digest where pinned", of: S.string("Image reference"))),
                    S.optional("pins", S.map("Each pinned service's image, with its manifest per platform", of: S.ref("ImagePin"))),
                    S.optional("warnings", S.array("What could not be checked when it was made (a registry that did not answer)", of: S.string("Warning"))),
                    S.required("status", S.word("Failing releases are no longer offered to devices that have not started them", API.ReleaseStatus.self)),
                    S.optional("statusDetail", S.string("Why it is failing")),
                    S.optional("attempts", S.ref("ReleaseAttempts")),
                    S.optional("compose", S.string("The compose document it was made from, as sent (GET /v1/releases/{release} only)")),
                    S.optional("cluster", S.ref("ClusterServices")),
                ]),
            "ReleaseAttempts": S.object(
                "How a release fares on the devices that tried it (GET /v1/releases/{release} only)", .response,
                [
                    S.required("started", S.integer("Devices that started it", minimum: 0)),
                    S.required("healthy", S.integer("Devices on which it passed its health window", minimum: 0)),
                    S.required("rolledBack", S.integer("Devices that rolled it back", minimum: 0)),
                ]),
            "CreateRelease": S.object(
                "POST /v1/fleets/{fleet}/releases", .request,
                [
                    S.required("compose", S.string("The compose document (YAML), validated with the agent's own parser")),
                    S.optional("images", S.map("Images by service over the document's (drover push names those it built)", of: S.string("Image reference"))),
                    S.optional(
                        "allowMissingPlatforms",
                        S.boolean("Create it even when an image lacks a platform that devices of the fleet run; those devices report it")),
                    S.optional("resolve", S.boolean("Pin each image by digest, per platform (default true where the server resolves images)")),
                    S.optional("dryRun", S.boolean("Check and pin, answer the release it would be (status 201 all the same), and create nothing")),
                    S.optional(
                        "secrets",
                        S.map("Values of the document's secrets read from a file or the environment, by name (drover push reads them)", of: S.string("Base64"))),
                    S.optional("configs", S.map("Values of the document's configs read from a file or the environment, by name", of: S.string("Base64"))),
                    S.optional("variables", S.map("Values for the document's ${NAME} references (the CLI's environment and .env)", of: S.string("Value"))),
                    S.optional("files", S.map("Files the document names (env_file, extends file), by the name it gives them", of: S.string("Text"))),
                    S.optional("profiles", S.array("Profiles to activate", of: S.string("Profile"))),
                ]),
            "ImagePin": S.object(
                "A service's image pinned by digest", .response,
                [
                    S.required("repository", S.string("registry/repository")),
                    S.required("digest", S.string("The digest its reference resolved to: an index or a manifest", pattern: "^sha(256|512):[0-9a-f]+$")),
                    S.required("platforms", S.map("The manifest digest for each platform, by os/arch[/variant]", of: S.string("Digest"))),
                ]),
            "RegistryLogin": S.object(
                "A fleet's login to a private registry; the password is never shown", .response,
                [
                    S.required("fleet", S.string("Fleet name")),
                    S.required("registry", S.string("Registry host, e.g. ghcr.io")),
                    S.required("username", S.string("User name")),
                    S.required("createdAt", S.dateTime("When it was stored")),
                ]),
            "SetRegistryLogin": S.object(
                "PUT /v1/fleets/{fleet}/registry-logins: stores (or replaces) the fleet's login to a registry", .request,
                [
                    S.required("registry", S.string("Registry host, e.g. ghcr.io or harbor.example.com:8443")),
                    S.required("username", S.string("User name")),
                    S.required("password", S.string("Password or access token; stored encrypted, never shown again")),
                ]),
            "RegistryToken": S.object(
                "A registry token, as the Docker registry token specification answers", .response,
                [
                    S.required("token", S.string("The bearer token (a JWT) the registry accepts")),
                    S.required("access_token", S.string("The same token")),
                    S.required("expires_in", S.integer("Seconds it is valid for", minimum: 1)),
                    S.required("issued_at", S.dateTime("When it was issued")),
                ]),
            "RegistryInfo": S.object(
                "The server's own registry", .response,
                [
                    S.optional("address", S.string("host:port of the server's registry as devices and people reach it; absent when it has none")),
                    S.required("service", S.string("The registry's service name (the tokens' audience)")),
                    S.required("resolvesImages", S.boolean("Whether releases pin each image by digest")),
                    S.required("organisation", S.string("Your organisation's name: the first part of its repositories")),
                ]),
            "CollectImages": S.object(
                "POST /v1/registry/gc", .request,
                [
                    S.optional("keep", S.integer("How many of each fleet's newest releases keep their images (default 10)", minimum: 0, maximum: 100_000)),
                    S.optional("dryRun", S.boolean("Say what would be deleted; delete nothing")),
                ]),
            "CollectedImages": S.object(
                "What registry gc deleted", .response,
                [
                    S.required("deleted", S.array("Manifests deleted", of: S.ref("DeletedImage"))),
                    S.required("kept", S.integer("Tagged manifests kept", minimum: 0)),
                    S.required("keptReleases", S.integer("Releases whose images were kept", minimum: 0)),
                    S.optional("collected", S.string("What the registry's garbage collection said")),
                ]),
            "DeletedImage": S.object(
                "A manifest registry gc deleted", .response,
                [
                    S.required("repository", S.string("Repository")),
                    S.required("digest", S.string("Digest")),
                    S.required("tags", S.array("The tags that named it", of: S.string("Tag"))),
                ]),
            "PullAuthRequest": S.object(
                "POST /v1/device/pull-auth", .request, [S.required("image", S.string("The image reference the device is about to pull"))]),
            "PullAuth": S.object(
                "What the device hands its engine as X-Registry-Auth", .response,
                [S.optional("registryAuth", S.string("base64url JSON for X-Registry-Auth; absent to pull anonymously"))]),

            // Devices
            "RegisterDevice": S.object(
                "POST /v1/devices: a device enrols with a provisioning key", .request,
                [
                    S.required("provisioningKey", S.string("The provisioning key's secret")),
                    S.optional("name", S.name("Device name, unique in the fleet; defaults to 'device-' and the UUID's first 7 digits")),
                    S.optional("architecture", S.string("CPU architecture, e.g. amd64, arm64")),
                    S.optional("platform", S.string("The platform its engine runs, os/arch[/variant], e.g. linux/arm/v7")),
                ]),
            "RegisteredDevice": S.object(
                "An enrolled device's identity and API key", .response,
                [
                    S.required("uuid", S.string("Device UUID: 32 lowercase hex digits", pattern: "^[0-9a-f]{32}$")),
                    S.required("name", S.string("Name")),
                    S.required("fleet", S.string("Fleet name (the app's name)")),
                    S.required("apiKey", S.string("The device's API key (a bearer credential); shown only here")),
                ]),
            "Device": S.object(
                "A device as people see it", .response,
                [
                    S.required("uuid", S.string("Device UUID")),
                    S.required("name", S.string("Name")),
                    S.required("fleet", S.string("Fleet name")),
                    S.optional("architecture", S.string("CPU architecture")),
                    S.optional("platform", S.string("The platform its engine runs, os/arch[/variant]: which of an image's manifests it pulls")),
                    S.required("tags", S.map("Tags", of: S.string("Value"))),
                    S.required("online", S.boolean("Heard from within the last 75 seconds")),
                    S.optional("lastSeen", S.dateTime("When it was last heard from")),
                    S.optional("release", S.string("The release it runs, as it reported")),
                    S.optional("targetRelease", S.string("The release it should run")),
                    S.optional("pinnedRelease", S.string("The release it is pinned to")),
                    S.required("status", deviceStatus),
                    S.optional("statusDetail", S.string("Why, when failed or pending")),
                    S.optional("services", S.map("Per-service state from its last report", of: S.ref("ServiceState"))),
                    S.optional("rollout", S.ref("RolloutState")),
                    S.optional("metrics", S.ref("MetricSample")),
                    S.optional("clusterNode", S.ref("DeviceClusterNode")),
                ]),
            "UpdateDevice": S.object(
                "PATCH /v1/devices/{device}: rename, move, pin or track; fields left out are unchanged", .request,
                [
                    S.optional("name", S.name("New name, unique in the fleet")),
                    S.optional("fleet", S.string("Fleet (name or id) to move to; device-scoped variables and the pin are dropped")),
                    S.optional("pinRelease", S.string("Release of the device's fleet to pin to (id or unique prefix); '' unpins")),
                ]),
            "DeviceAction": S.object(
                "POST /v1/devices/{device}/actions", .request,
                [
                    S.required(
                        "action",
                        S.word(
                            "restart the app or one service; stop or start a service; purge the app and its volumes; "
                                + "update past update locks; retry a rolled-back release",
                            API.DeviceActionKind.self)),
                    S.optional("service", S.string("Service; the whole app when absent. stop and start need one")),
                ]
            ).merging([
                "if": ["properties": ["action": ["enum": ["stop", "start"]]], "required": ["action"]],
                "then": ["required": ["service"], "properties": ["service": ["type": "string", "minLength": 1]]],
            ]),
            "TagChange": S.object(
                "PUT /v1/devices/{device}/tags: tags to set, then tag keys to remove", .request,
                [
                    S.optional("set", S.map("Tags to set", of: S.string("Value")).merging(["propertyNames": ["pattern": .string(S.namePattern)]])),
                    S.optional("remove", S.array("Tag keys to remove", of: S.string("Tag key"))),
                ]),
            "Tags": S.map("A device's tags after the change", of: S.string("Value")),

            // Env
            "EnvVar": S.object(
                "An environment variable at fleet, fleet-service, device or device-service scope", .response,
                [
                    S.required("fleet", S.string("Fleet name")),
                    S.optional("device", S.string("Device UUID, for device scope")),
                    S.optional("service", S.string("Service, for service scope")),
                    S.required("name", S.string("Name")),
                    S.required("value", S.string("Value")),
                ]),
            "SetEnv": S.object(
                "PUT /v1/env: name a fleet, or a device (device scope); add a service for service scope", .request,
                [
                    S.optional("fleet", S.string("Fleet name or id")),
                    S.optional("device", S.string("Device name or UUID (device scope; the fleet is the device's)")),
                    S.optional("service", S.string("Service (service scope)")),
                    S.required("name", S.string("Letters, digits and '_', not starting with a digit", pattern: "^[A-Za-z_][A-Za-z0-9_]*$")),
                    S.required("value", S.string("Value")),
                ]
            ).merging([
                "anyOf": [
                    ["required": ["fleet"], "properties": ["fleet": ["type": "string"]]],
                    ["required": ["device"], "properties": ["device": ["type": "string"]]],
                ]
            ]),

            // The device's own endpoints
            "StateReport": S.object(
                "PATCH /v1/device/state: what the device runs; fields left out are unchanged", .request,
                [
                    S.optional("release", S.string("Release the device runs, when converged")),
                    S.optional("status", S.word("What the device does", API.DeviceStatus.self)),
                    S.optional("statusDetail", S.string("Why, when failed or pending; cleared by a report with a status and no detail")),
                    S.optional("services", S.map("Every service's state (replaces the last report's)", of: S.ref("ServiceStateInput"))),
                    S.optional("architecture", S.string("CPU architecture")),
                    S.optional("platform", S.string("The platform its engine runs, os/arch[/variant]")),
                    S.optional("droppedLogLines", S.integer("Log lines dropped while offline because the buffer was full", minimum: 0)),
                    S.optional("rollout", S.ref("Rollout")),
                ]),
            "LogBatch": S.object(
                "POST /v1/device/logs", .request,
                [S.required("lines", S.array("Lines, oldest first; at most 500 a batch", of: S.ref("LogEntryInput")).merging(["maxItems": 500]))]),
            "TargetState": targetStateSchema,
        ]
        for (name, direction) in [("Rollout", S.Direction.request), ("RolloutState", .response)] {
            schemas[name] = S.object(
                "How the device's latest update went", direction,
                [
                    S.required("release", releaseID),
                    S.required(
                        "outcome",
                        S.word("started: installing or inside its health window; healthy: the window passed", API.RolloutOutcome.self)),
                    S.optional("reason", S.string("Why it was rolled back")),
                ])
        }
        for (name, direction) in [("ServiceState", S.Direction.response), ("ServiceStateInput", .request)] {
            schemas[name] = S.object(
                "One service's state on a device", direction,
                [
                    S.optional("release", S.string("Release the container was created for")),
                    S.required("status", S.word("The container's state", API.ContainerState.self)),
                    S.optional("containerID", S.string("Container id")),
                    S.optional("health", S.word("Health, when the service has a check (the worst of its replicas')", API.ContainerHealth.self)),
                    S.optional(
                        "replicas",
                        S.integer("How many containers the service should run; absent for one", minimum: 0, maximum: ServiceLimits.replicas.upperBound)),
                    S.optional("running", S.integer("How many of them are up; present with replicas", minimum: 0, maximum: ServiceLimits.replicas.upperBound)),
                    S.optional("failure", S.string("Why the service does not run as asked, when the device refuses it (no such device driver or runtime)")),
                ])
        }
        for (name, direction) in [("LogEntry", S.Direction.response), ("LogEntryInput", .request)] {
            schemas[name] = S.object(
                "One log line of a device", direction,
                [
                    S.required("timestamp", S.string("When the container wrote it (RFC 3339, from the engine)")),
                    S.required("service", S.string("Service")),
                    S.required("stream", S.word("Where the container wrote it", API.LogStream.self)),
                    S.required("message", S.string("The text")),
                    // The server numbers lines as it stores them; a number a device sends is ignored.
                    direction == .response
                        ? S.required("sequence", S.integer("Server-assigned sequence number, for paging (?after=) and following", minimum: 1))
                        : S.optional("sequence", S.integer("Ignored: the server assigns sequence numbers")),
                ])
        }
        schemas["Session"] = S.object(
            "A terminal session on a device", .response,
            [
                S.required("id", S.string("Session id")),
                S.required("device", S.string("The device's name")),
                S.required("user", S.string("The label of the API token that opened it")),
                S.optional("service", S.string("The service whose container it ran in; absent: the device's host")),
                S.optional("command", S.array("The command; absent: a shell", of: S.string("A word"))),
                S.required("startedAt", S.string("When it started (RFC 3339)")),
                S.optional("endedAt", S.string("When it ended (RFC 3339); absent while it runs")),
                S.optional("exitCode", S.integer("The command's exit code")),
                S.optional("error", S.string("What ended it, when not the command's own exit")),
            ])
        schemas.merge(metricSchemas) { own, _ in own }
        schemas.merge(accountSchemas) { own, _ in own }
        schemas.merge(webhookSchemas) { own, _ in own }
        schemas.merge(clusterSchemas) { own, _ in own }
        schemas.merge(fileSchemas) { own, _ in own }
        return schemas
    }
}
