import DroverModel
import Foundation

/// Fleets' secrets and configs, and the device's fetch of the values its apps mount.
extension DroverAPIClient {
    /// `GET /v1/fleets/{fleet}/secrets` or `configs`.
    public func fleetFiles(fleet: String, kind: AppFileKind) async throws(ClientError) -> [API.FleetFile] {
        try await call([API.FleetFile].self, .GET, Self.path("fleets", fleet, kind.section))
    }

    /// `GET /v1/fleets/{fleet}/configs/{name}`: a config with its value.
    public func fleetConfig(fleet: String, name: String) async throws(ClientError) -> API.FleetFile {
        try await call(API.FleetFile.self, .GET, Self.path("fleets", fleet, "configs", name))
    }

    /// `PUT /v1/fleets/{fleet}/secrets/{name}` or `configs/{name}`.
    public func setFleetFile(fleet: String, kind: AppFileKind, name: String, value: Data) async throws(ClientError) -> API.FleetFile {
        try await call(
            API.FleetFile.self, .PUT, Self.path("fleets", fleet, kind.section, name), body: API.SetFleetFile(value: value.base64EncodedString()))
    }

    /// `DELETE /v1/fleets/{fleet}/secrets/{name}` or `configs/{name}`.
    public func removeFleetFile(fleet: String, kind: AppFileKind, name: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("fleets", fleet, kind.section, name))
    }

    /// `GET /v1/device/files`: the values the calling device's target mounts.
    public func deviceFiles() async throws(ClientError) -> API.DeviceFiles {
        try await call(API.DeviceFiles.self, .GET, Self.path("device", "files"))
    }
}
