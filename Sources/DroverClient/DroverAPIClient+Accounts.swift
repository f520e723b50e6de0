import DroverModel

/// People: logins, organisations, members, tokens and the audit log.
extension DroverAPIClient {
    /// `POST /v1/login`: needs no credential.
    public func login(_ body: API.Login) async throws(ClientError) -> API.LoginSession {
        try await call(API.LoginSession.self, .POST, Self.path("login"), body: body)
    }

    /// `POST /v1/logout`: ends the credential in use.
    public func logout() async throws(ClientError) {
        _ = try await send(.POST, Self.path("logout"))
    }

    /// `GET /v1/me`.
    public func me() async throws(ClientError) -> API.Me {
        try await call(API.Me.self, .GET, Self.path("me"))
    }

    /// `PUT /v1/me/password`.
    public func changePassword(_ password: String) async throws(ClientError) {
        _ = try await send(.PUT, Self.path("me", "password"), body: API.ChangePassword(password: password))
    }

    /// `POST /v1/orgs`.
    public func createOrg(name: String) async throws(ClientError) -> API.Org {
        try await call(API.Org.self, .POST, Self.path("orgs"), body: API.CreateOrg(name: name))
    }

    /// `GET /v1/users`.
    public func users() async throws(ClientError) -> [API.User] {
        try await call([API.User].self, .GET, Self.path("users"))
    }

    /// `POST /v1/users`: without a password the answer carries the invitation token.
    public func createUser(_ body: API.CreateUser) async throws(ClientError) -> API.CreatedUser {
        try await call(API.CreatedUser.self, .POST, Self.path("users"), body: body)
    }

    /// `DELETE /v1/users/{user}`.
    public func deleteUser(_ name: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("users", name))
    }

    /// `PUT /v1/users/{user}/roles`.
    public func setRole(_ name: String, _ body: API.SetRole) async throws(ClientError) -> API.User {
        try await call(API.User.self, .PUT, Self.path("users", name, "roles"), body: body)
    }

    /// `GET /v1/tokens`: the caller's API tokens.
    public func tokens() async throws(ClientError) -> [API.Token] {
        try await call([API.Token].self, .GET, Self.path("tokens"))
    }

    /// `POST /v1/tokens`: the answer is the only time the token is shown.
    public func createToken(_ body: API.CreateToken) async throws(ClientError) -> API.CreatedToken {
        try await call(API.CreatedToken.self, .POST, Self.path("tokens"), body: body)
    }

    /// `DELETE /v1/tokens/{token}`.
    public func deleteToken(_ id: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("tokens", id))
    }

    /// `GET /v1/audit`, newest first.
    public func audit(user: String? = nil, fleet: String? = nil, action: String? = nil, since: String? = nil, limit: Int? = nil)
        async throws(ClientError) -> [API.AuditEntry]
    {
        try await call(
            [API.AuditEntry].self, .GET,
            Self.path("audit", query: [("user", user), ("fleet", fleet), ("action", action), ("since", since), ("limit", limit.map(String.init))]))
    }
}
