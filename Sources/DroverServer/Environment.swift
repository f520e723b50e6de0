import DroverModel

/// Environment variables at fleet, fleet-service, device and device-service scope. Which one a
/// service sees is ``EnvironmentScope/resolve(_:service:)``'s to say.
struct Environment: Sendable {
    let store: any DroverStore
    let targets: Targets

    /// Sets a variable at fleet, fleet-service, device or device-service scope.
    func set(_ access: Access, _ body: API.SetEnv) async throws(ServerError) -> API.EnvVar {
        guard !body.name.isEmpty, body.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !(body.name.first?.isNumber ?? true) else {
            throw ServerError(.badRequest, "variable name '\(body.name)' must be letters, digits and '_', not starting with a digit")
        }
        try ControlPlane.validateText(body.name, what: "name", limit: API.Limits.label)
        try ControlPlane.validateText(body.value, what: "value of \(body.name)", limit: API.Limits.envValue)
        if let service = body.service { try ControlPlane.validateText(service, what: "service", limit: API.Limits.label) }
        let (fleet, device) = try await scope(access, fleet: body.fleet, device: body.device)
        let variable = EnvRecord(fleetID: fleet.id, deviceUUID: device?.uuid ?? "", service: body.service ?? "", name: body.name, value: body.value)
        try await store.setEnv(variable, fleet: fleet, device: device)
        try await targets.changed()
        return API.EnvVar(fleet: fleet.name, device: device?.uuid, service: body.service, name: body.name, value: body.value)
    }

    /// Lists variables of a fleet (all scopes) or of one device (its own and its fleet's).
    func list(_ access: Access, fleet: String?, device: String?) async throws(ServerError) -> [API.EnvVar] {
        let (fleetRecord, deviceRecord) = try await scope(access, fleet: fleet, device: device)
        return try await store.envVars(fleetID: fleetRecord.id).filter { deviceRecord == nil || $0.deviceUUID.isEmpty || $0.deviceUUID == deviceRecord?.uuid }
            .map {
                API.EnvVar(
                    fleet: fleetRecord.name, device: $0.deviceUUID.isEmpty ? nil : $0.deviceUUID, service: $0.service.isEmpty ? nil : $0.service,
                    name: $0.name, value: $0.value)
            }
    }

    /// Removes a variable at exactly the given scope.
    func remove(_ access: Access, fleet: String?, device: String?, service: String?, name: String) async throws(ServerError) {
        let (fleetRecord, deviceRecord) = try await scope(access, fleet: fleet, device: device)
        let variable = EnvRecord(fleetID: fleetRecord.id, deviceUUID: deviceRecord?.uuid ?? "", service: service ?? "", name: name, value: "")
        guard try await store.removeEnv(variable) else { throw ServerError(.notFound, "no variable \(name) at that scope") }
        try await targets.changed()
    }

    private func scope(_ access: Access, fleet: String?, device: String?) async throws(ServerError) -> (FleetRecord, DeviceRecord?) {
        if let device {
            let record = try await access.device(in: store, device)
            return (try await store.fleet(id: record.fleetID), record)
        }
        guard let fleet else { throw ServerError(.badRequest, "name a fleet or a device") }
        return (try await access.fleet(in: store, fleet), nil)
    }
}
