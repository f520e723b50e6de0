import DroverModel

/// People in the document: logins, organisations, members, tokens and the audit log.
extension OpenAPIDocument {
    private typealias S = Schema

    private static let userParameter = path("user", "User name")
    private static let noUser = "No user of that name in your organisation"

    static let accountOperations: [Operation] = [
        Operation(
            method: "post", path: "/v1/login", id: "login",
            summary: "Log in with a name and password (or take an invitation); sets the session cookie for browsers", caller: .anyone,
            body: "Login",
            responses: [
                "200": json("A session: its token, expiry and CSRF token", S.ref("LoginSession")),
                "401": error("The user name or password is wrong (the same answer whether or not the user exists)"),
                "429": error("Too many failed logins for this name or from this address; the message says when to try again"),
            ]),
        Operation(
            method: "post", path: "/v1/logout", id: "logout", summary: "End the session or token used for this request",
            caller: .person(.ownTokens), responses: ["204": empty("Ended; the session cookie is cleared")]),
        Operation(
            method: "get", path: "/v1/me", id: "me", summary: "Who the credential belongs to, and what it may do", caller: .person(.ownTokens),
            responses: ["200": json("The user, the token's name and the organisation-wide permissions", S.ref("Me"))]),
        Operation(
            method: "put", path: "/v1/me/password", id: "changePassword", summary: "Set your own password", caller: .person(.ownTokens),
            body: "ChangePassword", responses: ["204": empty("Set; sessions and tokens go on working")]),
        Operation(
            method: "post", path: "/v1/orgs", id: "createOrg", summary: "Create an organisation (owners of the server's first organisation)",
            caller: .person(.createOrg), body: "CreateOrg",
            responses: ["201": json("Created", S.ref("Org")), "409": error("An organisation of that name exists")]),
        Operation(
            method: "get", path: "/v1/users", id: "listUsers", summary: "List the organisation's members and their roles", caller: .person(.read),
            responses: ["200": json("The members by name", S.array("Users", of: S.ref("User")))]),
        Operation(
            method: "post", path: "/v1/users", id: "createUser",
            summary: "Add a member with a role in the organisation or one fleet; without a password the answer has an invitation token",
            caller: .person(.manageMembers), body: "CreateUser",
            responses: [
                "201": json("Created; the invitation token is shown only here", S.ref("CreatedUser")),
                "404": error("No fleet or organisation of that name"), "409": error("A user of that name exists"),
            ]),
        Operation(
            method: "delete", path: "/v1/users/{user}", id: "deleteUser", summary: "Remove a member with their tokens and sessions",
            caller: .person(.manageMembers), parameters: [userParameter],
            responses: ["204": empty("Removed"), "404": error(noUser), "409": error("You cannot remove yourself")]),
        Operation(
            method: "put", path: "/v1/users/{user}/roles", id: "setRole",
            summary: "Set or (with a null role) remove a member's role in the organisation or one fleet", caller: .person(.manageMembers),
            parameters: [userParameter], body: "SetRole",
            responses: ["200": json("The member", S.ref("User")), "404": error(noUser), "409": error("You cannot change your own role")]),
        Operation(
            method: "get", path: "/v1/tokens", id: "listTokens", summary: "List your API tokens (never their secrets)", caller: .person(.ownTokens),
            responses: ["200": json("Your tokens, oldest first", S.array("Tokens", of: S.ref("Token")))]),
        Operation(
            method: "post", path: "/v1/tokens", id: "createToken",
            summary: "Create an API token, optionally limited to one fleet, a lower role and a lifetime", caller: .person(.ownTokens),
            body: "CreateToken",
            responses: [
                "201": json("Created; the token is shown only here", S.ref("CreatedToken")),
                "404": error("No fleet of that name that you see"),
            ]),
        Operation(
            method: "delete", path: "/v1/tokens/{token}", id: "deleteToken", summary: "Revoke one of your API tokens", caller: .person(.ownTokens),
            parameters: [path("token", "Token id")], responses: ["204": empty("Revoked; it stops working at once"), "404": error("No such token of yours")]
        ),
        Operation(
            method: "get", path: "/v1/audit", id: "listAudit",
            summary: "The audit log, newest first: every change, session and login, kept 90 days", caller: .person(.readAudit),
            parameters: [
                query("user", ["type": "string"], "Only this user's entries"),
                query("fleet", ["type": "string"], "Only this fleet's entries"),
                query("action", ["type": "string"], "Only this action (an operationId, session.terminal, login, login.failed, ...)"),
                query("device", ["type": "string"], "Only what was done to this device (name or id) through its routes, and its sessions"),
                query("since", ["type": "string"], "Only entries from this time on: RFC 3339, or seconds since 1970"),
                query("before", ["type": "integer", "minimum": 1], "Only entries older than this id (the next page)"),
                query("limit", ["type": "integer", "minimum": 1, "maximum": 10000], "At most this many (default 100)"),
            ],
            responses: [
                "200": json("The entries", S.array("AuditEntries", of: S.ref("AuditEntry"))),
                "400": error("A filter is malformed; the message names it"),
                "404": error("No fleet or device of that name that you see"),
                "409": error("The device reference names several devices; use the UUID"),
            ]),
    ]

    static var accountSchemas: [String: Value] {
        let role = S.word("A role", API.Role.self)
        let user = S.object(
            "A member of an organisation", .response,
            [
                S.required("id", S.string("User id")), S.required("name", S.string("Name, unique on the server")),
                S.required("org", S.string("Organisation name")), S.optional("role", role),
                S.required("fleetRoles", S.map("Roles in single fleets, by fleet name", of: role)),
                S.required("invited", S.boolean("An invitation is open: no password yet")),
                S.required("createdAt", S.dateTime("When the user was added")),
            ])
        let token = S.object(
            "An API token, without its secret", .response,
            [
                S.required("id", S.string("Token id")), S.required("name", S.string("What it is for")),
                S.required("prefix", S.string("The token's first characters")), S.required("user", S.string("Whose it is")),
                S.optional("fleet", S.string("The one fleet it reaches")), S.optional("role", role),
                S.optional("expiresAt", S.dateTime("When it stops working")), S.required("createdAt", S.dateTime("When it was made")),
            ])
        return [
            "Login": S.object(
                "A login", .request,
                [
                    S.required("username", S.string("User name")), S.required("password", S.string("Password (8 to 1024 bytes)")),
                    S.optional("invitation", S.string("An invitation token: sets this password")),
                ]),
            "LoginSession": S.object(
                "A login session", .response,
                [
                    S.required("token", S.string("Session token: a bearer credential for the CLI")),
                    S.required("expiresAt", S.dateTime("When it ends")),
                    S.required("csrf", S.string("Send as X-CSRF-Token with every change made with the session cookie")),
                    S.required("user", S.ref("User")),
                ]),
            "ChangePassword": S.object("A new password", .request, [S.required("password", S.string("8 to 1024 bytes"))]),
            "CreateOrg": S.object("A new organisation", .request, [S.required("name", S.string("Name"))]),
            "Org": S.object(
                "An organisation", .response,
                [S.required("id", S.string("Id")), S.required("name", S.string("Name")), S.required("createdAt", S.dateTime("Creation"))]),
            "User": user,
            "CreateUser": S.object(
                "A new member", .request,
                [
                    S.required("name", S.string("Name, unique on the server")), S.required("role", role),
                    S.optional("fleet", S.string("The fleet the role holds in; none: the whole organisation")),
                    S.optional("org", S.string("Organisation name; none: yours")),
                    S.optional("password", S.string("Password; none: an invitation token is returned")),
                ]),
            "CreatedUser": S.object(
                "The new member", .response,
                [S.required("user", S.ref("User")), S.optional("invitation", S.string("Invitation token, shown once"))]),
            "SetRole": S.object(
                "A role to grant, or null to take away", .request,
                [S.optional("role", role), S.optional("fleet", S.string("The fleet; none: the whole organisation"))]),
            "Token": token,
            "CreateToken": S.object(
                "A new API token", .request,
                [
                    S.required("name", S.string("What it is for")), S.optional("fleet", S.string("Only this fleet")),
                    S.optional("role", role), S.optional("expiresIn", number("Seconds it lives", minimum: 1)),
                ]),
            "CreatedToken": S.object(
                "The new token", .response, [S.required("token", S.string("The token, shown once")), S.required("info", S.ref("Token"))]),
            "Me": S.object(
                "The caller", .response,
                [
                    S.required("user", S.ref("User")), S.optional("token", S.string("The API token's name; none for a login session")),
                    S.required("permissions", S.array("Permissions", of: S.word("A permission", API.Permission.self))),
                    S.optional("csrf", S.string("A login session's CSRF token, to send as X-CSRF-Token with every change; none for an API token")),
                ]),
            "AuditEntry": S.object(
                "One audit entry", .response,
                [
                    S.required("id", S.integer("Entry id", minimum: 1)), S.required("at", S.dateTime("When")),
                    S.required("actor", S.string("The user")), S.optional("token", S.string("The API token's name")),
                    S.optional("address", S.string("The client's address")), S.required("action", S.string("What was done")),
                    S.required("target", S.string("What it was done to")), S.optional("fleet", S.string("The fleet")),
                    S.optional("requestID", S.string("The request's id")), S.required("result", S.string("ok, or the error's code")),
                    S.required("status", S.integer("The HTTP status", minimum: 100, maximum: 599)),
                ]),
        ]
    }
}
