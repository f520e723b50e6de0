import DroverModel
import Foundation

/// The registry's calls.
extension ControlPlane {
    /// A registry token for what of `scopes` the caller may have, issued at `now`.
    public func registryToken(for identity: Identity?, service: String?, scopes: [String], now: Date = Date()) async throws(ServerError)
        -> API.RegistryToken
    {
        try await registry.token(for: identity, service: service, scopes: scopes, now: now)
    }

    /// What a device hands its engine to pull `image`.
    public func pullAuth(device uuid: String, fleet fleetID: String, image: String) async throws(ServerError) -> API.PullAuth {
        try await registry.pullAuth(device: uuid, fleetID: fleetID, image: image)
    }

    /// The server's registry, as a person's CLI needs it to push.
    public func registryInfo(_ access: Access) async throws(ServerError) -> API.RegistryInfo {
        API.RegistryInfo(
            address: registry.issuer == nil ? nil : registry.settings.address, service: registry.settings.service,
            resolvesImages: registry.settings.resolveImages, organisation: try await registry.store.org(named: access.org).name)
    }

    /// Deletes the images no kept release uses from the server's registry.
    public func collectImages(_ access: Access, _ body: API.CollectImages) async throws(ServerError) -> API.CollectedImages {
        try await RegistryCollection(registry: registry, embedded: embeddedRegistry).collect(access, body)
    }

    /// A fleet's logins to private registries.
    public func registryLogins(_ access: Access, fleet: String) async throws(ServerError) -> [API.RegistryLogin] {
        try await registry.logins(access, fleet: fleet)
    }

    /// Stores a fleet's login to a private registry.
    public func setRegistryLogin(_ access: Access, fleet: String, _ body: API.SetRegistryLogin) async throws(ServerError) -> API.RegistryLogin {
        try await registry.setLogin(access, fleet: fleet, body)
    }

    /// Removes a fleet's login to a registry.
    public func removeRegistryLogin(_ access: Access, fleet: String, registry host: String) async throws(ServerError) {
        try await registry.removeLogin(access, fleet: fleet, registry: host)
    }
}
