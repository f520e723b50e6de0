import DroverModel

/// What the routes (and the server command) call, each handed to the domain service it belongs to.
extension ControlPlane {
    /// Creates the default organisation and, on a store without tokens, an admin token
    /// (returned once; nil when tokens exist).
    public func bootstrap() async throws(ServerError) -> String? { try await credentials.bootstrap() }
    /// The default organisation's id (the one the admin token belongs to).
    public func defaultOrg() async throws(ServerError) -> String { try await credentials.defaultOrg() }
    /// Mints another admin token for the default organisation.
    public func createToken(label: String) async throws(ServerError) -> String { try await credentials.createToken(label: label) }
    /// Resolves a bearer credential.
    public func identity(credential: String) async throws(ServerError) -> Identity? { try await credentials.identity(credential: credential) }

    /// Lists the organisation's fleets.
    public func listFleets(org: String) async throws(ServerError) -> [API.Fleet] { try await fleets.list(org: org) }
    /// One fleet.
    public func fleet(org: String, _ name: String) async throws(ServerError) -> API.Fleet { try await fleets.fleet(org: org, name) }
    /// Creates a fleet.
    public func createFleet(org: String, name: String) async throws(ServerError) -> API.Fleet { try await fleets.create(org: org, name: name) }
    /// Renames a fleet and/or changes the release it tracks.
    public func updateFleet(org: String, _ name: String, _ update: API.UpdateFleet) async throws(ServerError) -> API.Fleet {
        try await fleets.update(org: org, name, update)
    }
    /// Deletes a fleet that has no devices.
    public func deleteFleet(org: String, _ name: String) async throws(ServerError) { try await fleets.delete(org: org, name) }
    /// Creates a provisioning key; the secret is in the answer only.
    public func createKey(org: String, fleet: String, _ body: API.CreateKey) async throws(ServerError) -> API.ProvisioningKey {
        try await fleets.createKey(org: org, fleet: fleet, body)
    }
    /// Lists a fleet's keys (without secrets).
    public func listKeys(org: String, fleet: String) async throws(ServerError) -> [API.ProvisioningKey] {
        try await fleets.listKeys(org: org, fleet: fleet)
    }
    /// Revokes a key.
    public func revokeKey(org: String, fleet: String, id: String) async throws(ServerError) { try await fleets.revokeKey(org: org, fleet: fleet, id: id) }

    /// Enrols a device with a provisioning key: a new UUID and API key.
    public func register(_ body: API.RegisterDevice) async throws(ServerError) -> API.RegisteredDevice { try await devices.register(body) }
    /// Lists devices matching a filter.
    public func listDevices(org: String, _ filter: DeviceFilter) async throws(ServerError) -> [API.Device] { try await devices.list(org: org, filter) }
    /// One device by name or UUID.
    public func device(org: String, _ reference: String) async throws(ServerError) -> API.Device { try await devices.device(org: org, reference) }
    /// Renames, moves, pins or unpins a device.
    public func updateDevice(org: String, _ reference: String, _ update: API.UpdateDevice) async throws(ServerError) -> API.Device {
        try await devices.update(org: org, reference, update)
    }
    /// Deletes a device; its key stops working at once.
    public func deleteDevice(org: String, _ reference: String) async throws(ServerError) { try await devices.delete(org: org, reference) }
    /// Runs a device action.
    public func act(org: String, _ reference: String, _ action: API.DeviceAction) async throws(ServerError) {
        try await devices.act(org: org, reference, action)
    }
    /// Sets or removes tags.
    public func setTags(org: String, _ reference: String, set: [String: String], remove: [String]) async throws(ServerError) -> [String: String] {
        try await devices.setTags(org: org, reference, set: set, remove: remove)
    }

    /// Creates a release from a compose document.
    public func createRelease(org: String, fleet: String, compose: String) async throws(ServerError) -> API.Release {
        try await releases.create(org: org, fleet: fleet, compose: compose)
    }
    /// A fleet's releases, newest first.
    public func listReleases(org: String, fleet: String) async throws(ServerError) -> [API.Release] { try await releases.list(org: org, fleet: fleet) }
    /// One release, checked to belong to the organisation.
    public func release(org: String, _ id: String) async throws(ServerError) -> API.Release { try await releases.release(org: org, id) }

    /// Sets a variable at fleet, fleet-service, device or device-service scope.
    public func setEnv(org: String, _ body: API.SetEnv) async throws(ServerError) -> API.EnvVar { try await environment.set(org: org, body) }
    /// Lists variables of a fleet (all scopes) or of one device (its own and its fleet's).
    public func listEnv(org: String, fleet: String?, device: String?) async throws(ServerError) -> [API.EnvVar] {
        try await environment.list(org: org, fleet: fleet, device: device)
    }
    /// Removes a variable at exactly the given scope.
    public func removeEnv(org: String, fleet: String?, device: String?, service: String?, name: String) async throws(ServerError) {
        try await environment.remove(org: org, fleet: fleet, device: device, service: service, name: name)
    }

    /// The store generation as this server last saw it.
    public func generation() async throws(ServerError) -> Int64 { try await targets.generation() }
    /// The device's target, computed once per store generation and cached with its ETag.
    public func target(device uuid: String) async throws(ServerError) -> CachedTarget { try await targets.target(device: uuid) }
    /// Waits until the store generation moves past `generation` or `seconds` pass (long-poll).
    public func waitForChange(after generation: Int64, seconds: Double) async throws(ServerError) {
        try await targets.waitForChange(after: generation, seconds: seconds)
    }
    /// How many device requests are being held for a target change.
    public var heldLongPolls: Int { get async { await targets.heldLongPolls } }
    /// How many devices hold their channel to this server.
    public var connectedChannels: Int { channels.connectedCount }
    /// Terminal sessions open on this server's channels.
    public var openTerminals: Int { sessions.counts.open(.terminal) }
    /// Tunnel connections open on this server's channels.
    public var openTunnels: Int { sessions.counts.open(.tunnel) }
    /// Answers every held long-poll now and holds no more.
    public func releaseLongPolls() async { await targets.releaseLongPolls() }

    /// The device's side of `GET /v1/device/state`: note the device as seen, and when it already
    /// has the current target and asked to wait, hold until the target changes or the wait
    /// ends. Jitter spreads the timeouts of devices that started waiting together (after a release).
    public func deviceTarget(device uuid: String, knownETag: String?, wait: Double?) async throws(ServerError) -> CachedTarget {
        await presence.touch(uuid)
        let generation = try await targets.generation()
        let target = try await targets.target(device: uuid)
        guard let wait, knownETag == target.etag else { return target }
        // The route refuses anything else, but a wait that is not a finite number of seconds in
        // range must never reach `Duration` here: it traps.
        guard wait.isFinite, wait > 0 else { return target }
        try await targets.waitForChange(after: generation, seconds: min(wait, API.Limits.longPollSeconds) * Double.random(in: 0.7...1.0))
        return try await targets.target(device: uuid)
    }
    /// Records that a device was heard from.
    public func touch(device uuid: String) async { await presence.touch(uuid) }
    /// Merges a state report into the device's last one.
    public func report(device uuid: String, _ report: API.StateReport) async throws(ServerError) {
        try await reports.report(device: uuid, report)
        metrics.reports.increment()
    }

    /// Stores a batch of a device's log lines, keeping at most the retention cap.
    public func appendLogs(device uuid: String, _ lines: [API.LogEntry]) async throws(ServerError) { try await deviceLogs.append(device: uuid, lines) }
    /// A device's log lines: after a sequence number, or the last `limit`, optionally one service's.
    public func logs(org: String, device: String, service: String?, after: Int64?, since: String?, limit: Int) async throws(ServerError)
        -> [API.LogEntry]
    {
        try await deviceLogs.lines(org: org, device: device, LogQuery(service: service, after: after, since: since, limit: limit))
    }

    /// Checks and stores a batch of a device's metric samples.
    public func recordMetrics(device uuid: String, _ batch: API.MetricBatch) async throws(ServerError) {
        try await deviceMetrics.record(device: uuid, batch)
    }
    /// A device's newest metrics sample and its per-minute history since `since` (at most a day).
    public func metrics(org: String, device: String, since: Double?) async throws(ServerError) -> API.DeviceMetrics {
        try await deviceMetrics.metrics(org: org, device: device, since: since)
    }
}
