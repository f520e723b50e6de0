import DroverModel

/// Secrets and configs, for callers in process (tests, tools).
extension ControlPlane {
    /// A fleet's own secrets or configs, never a secret's value.
    public func fleetFiles(_ access: Access, fleet: String, kind: AppFileKind) async throws(ServerError) -> [API.FleetFile] {
        try await files.list(access, fleet: fleet, kind: kind)
    }

    /// A fleet's config with its value.
    public func fleetConfig(_ access: Access, fleet: String, name: String) async throws(ServerError) -> API.FleetFile {
        try await files.showConfig(access, fleet: fleet, name: name)
    }
}
