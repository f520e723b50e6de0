import DroverModel

/// Fleets, their provisioning keys and their releases.
extension DroverAPIClient {
    /// `GET /v1/fleets`.
    public func fleets() async throws(ClientError) -> [API.Fleet] {
        try await call([API.Fleet].self, .GET, Self.path("fleets"))
    }

    /// `GET /v1/fleets/{fleet}`: a fleet by name or id.
    public func fleet(_ fleet: String) async throws(ClientError) -> API.Fleet {
        try await call(API.Fleet.self, .GET, Self.path("fleets", fleet))
    }

    /// `POST /v1/fleets`.
    public func createFleet(name: String) async throws(ClientError) -> API.Fleet {
        try await call(API.Fleet.self, .POST, Self.path("fleets"), body: API.CreateFleet(name: name))
    }

    /// `PATCH /v1/fleets/{fleet}`: rename, track a release, or tune when a release is failing.
    public func updateFleet(_ fleet: String, _ change: API.UpdateFleet) async throws(ClientError) -> API.Fleet {
        try await call(API.Fleet.self, .PATCH, Self.path("fleets", fleet), body: change)
    }

    /// `DELETE /v1/fleets/{fleet}`: only a fleet without devices.
    public func deleteFleet(_ fleet: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("fleets", fleet))
    }

    /// `GET /v1/fleets/{fleet}/keys`.
    public func keys(fleet: String) async throws(ClientError) -> [API.ProvisioningKey] {
        try await call([API.ProvisioningKey].self, .GET, Self.path("fleets", fleet, "keys"))
    }

    /// `POST /v1/fleets/{fleet}/keys`: the answer is the only time the key's secret is shown.
    public func createKey(fleet: String, _ key: API.CreateKey) async throws(ClientError) -> API.ProvisioningKey {
        try await call(API.ProvisioningKey.self, .POST, Self.path("fleets", fleet, "keys"), body: key)
    }

    /// `DELETE /v1/fleets/{fleet}/keys/{key}`.
    public func revokeKey(fleet: String, id: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("fleets", fleet, "keys", id))
    }

    /// `GET /v1/fleets/{fleet}/releases`, newest first.
    public func releases(fleet: String) async throws(ClientError) -> [API.Release] {
        try await call([API.Release].self, .GET, Self.path("fleets", fleet, "releases"))
    }

    /// `POST /v1/fleets/{fleet}/releases`: a release from a compose document.
    public func createRelease(fleet: String, compose: String) async throws(ClientError) -> API.Release {
        try await createRelease(fleet: fleet, API.CreateRelease(compose: compose))
    }

    /// `POST /v1/fleets/{fleet}/releases` with images named for services, and pinning choices.
    public func createRelease(fleet: String, _ body: API.CreateRelease) async throws(ClientError) -> API.Release {
        // Pinning asks each image's registry: allow for slow ones.
        try await call(API.Release.self, .POST, Self.path("fleets", fleet, "releases"), body: body, timeout: .seconds(120))
    }

    /// `GET /v1/releases/{release}`.
    public func release(_ id: String) async throws(ClientError) -> API.Release {
        try await call(API.Release.self, .GET, Self.path("releases", id))
    }
}
