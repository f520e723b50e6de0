import DroverModel

/// The registry in the document: its token service, and fleets' logins to private registries.
extension OpenAPIDocument {
    private typealias S = Schema

    /// The registry's operations.
    static let registryOperations: [Operation] = [
        Operation(
            method: "get", path: "/v1/registry/token", id: "registryToken",
            summary: "The Docker registry token specification's token service for the server's registry: a JWT granting what of each scope the caller may have "
                + "(pull on its own fleet's repositories for a device key; pull where a person may read, push where they may create releases). "
                + "Credentials: Bearer, or Basic with an API token or device key as the password (docker login)",
            caller: .anyone,
            parameters: [
                query("service", ["type": "string"], "The registry's service name; another is refused"),
                query("scope", ["type": "string"], "TYPE:NAME:ACTIONS, e.g. repository:default/sensors/web:pull,push; may be repeated"),
                query("account", ["type": "string"], "The user name docker login sends; not used"),
            ],
            responses: [
                "200": json("A token; scopes the caller may not have are left out of it, and the registry refuses them", S.ref("RegistryToken")),
                "400": error("A scope is malformed, names an unknown resource type or action, or service is not this registry's"),
                "503": error("The server runs no registry of its own"),
            ]),
        Operation(
            method: "get", path: "/v1/registry", id: "registryInfo", summary: "The server's registry: its address, and whether releases pin images",
            caller: .person(.read), responses: ["200": json("The registry", S.ref("RegistryInfo"))]),
        Operation(
            method: "post", path: "/v1/fleets/{fleet}/builds/{service}", id: "buildImage",
            summary: "Build a service's image on the server's builder from the build context in the body (a tar, up to 4 GiB), for each platform asked, "
                + "and push it to the server's registry as ORG/FLEET/SERVICE:TAG (several platforms under one index). drover push calls it",
            caller: .person(.createRelease),
            parameters: [
                path("fleet", "Fleet name or id"), path("service", "The service whose image this is"),
                query("tag", ["type": "string"], "The tag to push (default latest)"),
                query("platform", ["type": "string"], "os/arch[/variant], comma-separated; default the builder's own"),
                query("dockerfile", ["type": "string"], "The Dockerfile's path in the context (default Dockerfile)"),
                query("target", ["type": "string"], "The stage to build"),
                query("nocache", ["type": "string", "enum": ["0", "1", "true", "false"]], "Build without the cache"),
                query("args", ["type": "string"], "Build arguments, a JSON object of strings"),
                query("labels", ["type": "string"], "Labels, a JSON object of strings"),
            ],
            responses: [
                "200": [
                    "description":
                        "Newline-delimited JSON: {\"output\": LINE} for each line the builder prints, then {\"image\": {reference, digest, platforms}}, or {\"error\": {code, message}, \"step\": N} when it failed",
                    "content": ["application/x-ndjson": ["schema": ["type": "string"]]],
                ],
                "400": error("The tag, a platform, args or labels are malformed, the body is empty, or the names cannot make a repository name"),
                "404": error("No fleet of that name or id in your organisation"),
                "413": error("The build context is over 4 GiB"),
                "503": error("The server runs no registry of its own, or has no builder engine"),
            ]),
        Operation(
            method: "post", path: "/v1/registry/gc", id: "collectImages",
            summary: "Delete from the server's registry the organisation's images that no kept release pins (each fleet's newest releases, "
                + "what it offers, and every release a device is pinned to or runs), then free their storage",
            caller: .person(.pruneImages), body: "CollectImages",
            responses: [
                "200": json("What was deleted and kept", S.ref("CollectedImages")),
                "400": error("keep is out of range"),
                "503": error("The server runs no registry of its own, or it did not answer"),
            ]),
        Operation(
            method: "get", path: "/v1/fleets/{fleet}/registry-logins", id: "listRegistryLogins",
            summary: "A fleet's logins to private registries (never their passwords)", caller: .person(.read), parameters: [path("fleet", "Fleet name or id")],
            responses: [
                "200": json("The logins, by registry", S.array("RegistryLogins", of: S.ref("RegistryLogin"))),
                "404": error("No fleet of that name or id in your organisation"),
            ]),
        Operation(
            method: "put", path: "/v1/fleets/{fleet}/registry-logins", id: "setRegistryLogin",
            summary: "Store (or replace) a fleet's login to a private registry; its devices are given it to pull, and releases use it to pin images",
            caller: .person(.manageFleet), parameters: [path("fleet", "Fleet name or id")], body: "SetRegistryLogin",
            responses: [
                "200": json("Stored", S.ref("RegistryLogin")),
                "400": error("The registry is not a host, is the server's own, or the user name or password is empty or too long"),
                "404": error("No fleet of that name or id in your organisation"),
            ]),
        Operation(
            method: "delete", path: "/v1/fleets/{fleet}/registry-logins/{registry}", id: "removeRegistryLogin",
            summary: "Remove a fleet's login to a registry", caller: .person(.manageFleet),
            parameters: [path("fleet", "Fleet name or id"), path("registry", "Registry host")],
            responses: [
                "204": empty("Removed"), "400": error("The registry is not a registry host"),
                "404": error("No such fleet, or it has no login to that registry"),
            ]),
    ]
}
