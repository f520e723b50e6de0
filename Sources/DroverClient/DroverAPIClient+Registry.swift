import DroverModel

/// The server's registry and fleets' logins to private registries.
extension DroverAPIClient {
    /// `GET /v1/registry`.
    public func registryInfo() async throws(ClientError) -> API.RegistryInfo {
        try await call(API.RegistryInfo.self, .GET, Self.path("registry"))
    }

    /// `GET /v1/registry/token`: a token for `scopes` (`repository:NAME:pull,push`).
    public func registryToken(service: String, scopes: [String]) async throws(ClientError) -> API.RegistryToken {
        try await call(
            API.RegistryToken.self, .GET, Self.path("registry", "token", query: [("service", service as String?)] + scopes.map { ("scope", $0 as String?) }))
    }

    /// `GET /v1/fleets/{fleet}/registry-logins`.
    public func registryLogins(fleet: String) async throws(ClientError) -> [API.RegistryLogin] {
        try await call([API.RegistryLogin].self, .GET, Self.path("fleets", fleet, "registry-logins"))
    }

    /// `PUT /v1/fleets/{fleet}/registry-logins`.
    public func setRegistryLogin(fleet: String, _ body: API.SetRegistryLogin) async throws(ClientError) -> API.RegistryLogin {
        try await call(API.RegistryLogin.self, .PUT, Self.path("fleets", fleet, "registry-logins"), body: body)
    }

    /// `DELETE /v1/fleets/{fleet}/registry-logins/{registry}`.
    public func removeRegistryLogin(fleet: String, registry: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("fleets", fleet, "registry-logins", registry))
    }
}

extension DroverAPIClient {
    /// `POST /v1/registry/gc`.
    public func collectImages(_ body: API.CollectImages) async throws(ClientError) -> API.CollectedImages {
        try await call(API.CollectedImages.self, .POST, Self.path("registry", "gc"), body: body, timeout: .seconds(600))
    }
}
