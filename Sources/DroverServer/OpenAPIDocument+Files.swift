import DroverModel

/// Secrets and configs in the document: people's routes to keep a fleet's own, and the
/// device's route to fetch the values its apps mount.
extension OpenAPIDocument {
    private typealias S = Schema

    /// The secrets' and configs' operations, the device's among them.
    static let fileOperations: [Operation] =
        AppFileKind.allCases.flatMap { kind -> [Operation] in
            let fleet = path("fleet", "Fleet name or id")
            let name = path("name", "The \(kind.rawValue)'s name")
            let plural = kind.section
            var operations = [
                Operation(
                    method: "get", path: "/v1/fleets/{fleet}/\(plural)", id: "list\(kind == .secret ? "Secrets" : "Configs")",
                    summary: "A fleet's own \(plural): names, sizes and dates" + (kind == .secret ? ", never values" : ""), caller: .person(.read),
                    parameters: [fleet],
                    responses: [
                        "200": json("By name", S.array("FleetFiles", of: S.ref("FleetFile"))),
                        "404": error("No fleet of that name or id in your organisation"),
                    ]),
                Operation(
                    method: "put", path: "/v1/fleets/{fleet}/\(plural)/{name}", id: "set\(kind == .secret ? "Secret" : "Config")",
                    summary: "Store (or replace) a fleet's \(kind.rawValue), sealed at rest; releases name it with external: true, and a new value "
                        + "recreates exactly the services that mount it",
                    caller: .person(.manageFleet), parameters: [fleet, name], body: "SetFleetFile",
                    responses: [
                        "200": json("Stored", S.ref("FleetFile")),
                        "400": error("The name is malformed, or the value is not base64 or larger than 500 KiB"),
                        "404": error("No fleet of that name or id in your organisation"),
                    ]),
                Operation(
                    method: "delete", path: "/v1/fleets/{fleet}/\(plural)/{name}", id: "remove\(kind == .secret ? "Secret" : "Config")",
                    summary: "Remove a fleet's \(kind.rawValue); services that mount it wait for it until it is stored again",
                    caller: .person(.manageFleet), parameters: [fleet, name],
                    responses: ["204": empty("Removed"), "404": error("No such fleet, or it has no \(kind.rawValue) of that name")]),
            ]
            if kind == .config {
                operations.insert(
                    Operation(
                        method: "get", path: "/v1/fleets/{fleet}/configs/{name}", id: "showConfig",
                        summary: "A fleet's config with its value (configs are not secret)", caller: .person(.read), parameters: [fleet, name],
                        responses: ["200": json("The config", S.ref("FleetFile")), "404": error("No such fleet, or it has no config of that name")]),
                    at: 1)
            }
            return operations
        } + [
            Operation(
                method: "get", path: "/v1/device/files", id: "deviceFiles",
                summary:
                    "The values of the secrets and configs the calling device's target mounts, at the versions it names, and no others "
                    + "(a cluster's manager: those its stack mounts)",
                caller: .device, responses: ["200": json("The values", S.ref("DeviceFiles"))])
        ]

    /// The schemas of secrets and configs.
    static var fileSchemas: [String: Value] {
        let kind = S.oneOf("Secret or config", ["secret", "config"])
        return [
            "FleetFile": S.object(
                "A fleet's secret or config; a secret's value is never shown", .response,
                [
                    S.required("fleet", S.string("Fleet name")), S.required("kind", kind), S.required("name", S.string("Name")),
                    S.required("size", S.integer("The value's size in bytes", minimum: 0)),
                    S.required("createdAt", S.dateTime("When it was first stored")), S.required("updatedAt", S.dateTime("When its value last changed")),
                    S.optional("value", S.string("A config's value, base64 (showConfig only)")),
                ]),
            "SetFleetFile": S.object(
                "PUT /v1/fleets/{fleet}/secrets/{name} or configs/{name}", .request,
                [S.required("value", S.string("The value, base64, at most 500 KiB decoded"))]),
            "DeviceFiles": S.object(
                "GET /v1/device/files", .response,
                [
                    S.required(
                        "files",
                        S.array(
                            "DeviceFileList",
                            of: S.object(
                                "One value", .response,
                                [
                                    S.required("app", S.string("The app that mounts it")), S.required("kind", kind),
                                    S.required("name", S.string("The app's name for it")), S.required("version", S.string("Its version")),
                                    S.required("value", S.string("The value, base64")),
                                ])))
                ]),
        ]
    }
}
