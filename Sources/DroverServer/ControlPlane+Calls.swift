import DroverModel

/// What the routes (and the server command) call, each handed to the domain service it belongs to.
extension ControlPlane {
    /// On a store without users, creates the first organisation and its owner ('admin') and
    /// returns the owner's first API token (once; nil when users exist).
    public func bootstrap() async throws(ServerError) -> String? { try await credentials.bootstrap() }
    /// Mints another API token for the first owner.
    public func createToken(label: String) async throws(ServerError) -> String { try await credentials.createToken(label: label) }
    /// What the first owner ('admin') may do, for the server's own tools and tests that call
    /// the control plane without a request.
    public func ownerAccess() async throws(ServerError) -> Access {
        guard let owner = try await credentials.firstOwner() else { throw ServerError(.notFound, "the first owner was removed") }
        return Access(principal: owner, permission: .read, homeOrg: try await homeOrg())
    }
    /// The server's first organisation, whose owners may create others.
    public func homeOrg() async throws(ServerError) -> String? { try await credentials.homeOrg() }
    /// Resolves a bearer credential.
    public func identity(credential: String) async throws(ServerError) -> Identity? { try await credentials.identity(credential: credential) }

    /// Lists the organisation's fleets.
    public func listFleets(_ access: Access) async throws(ServerError) -> [API.Fleet] { try await summarised(try await fleets.list(access), access) }
    /// One fleet.
    public func fleet(_ access: Access, _ name: String) async throws(ServerError) -> API.Fleet {
        var fleet = try await summarised([try await fleets.fleet(access, name)], access)[0]
        fleet.platforms = try await fleets.store.platforms(fleetID: fleet.id)
        return fleet
    }
    /// Fleets with how their devices stand.
    private func summarised(_ list: [API.Fleet], _ access: Access) async throws(ServerError) -> [API.Fleet] {
        let targets = Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0.targetRelease) })
        let summaries = try await devices.summaries(access, targets: targets)
        return list.map { fleet in
            var fleet = fleet
            fleet.summary = summaries[fleet.id] ?? API.FleetSummary()
            return fleet
        }
    }
    /// Creates a fleet.
    public func createFleet(_ access: Access, name: String) async throws(ServerError) -> API.Fleet {
        let fleet = try await fleets.create(access, name: name)
        live.publish(.fleet, fleet: fleet.id)
        return fleet
    }
    /// Renames a fleet and/or changes the release it tracks.
    public func updateFleet(_ access: Access, _ name: String, _ update: API.UpdateFleet) async throws(ServerError) -> API.Fleet {
        let fleet = try await fleets.update(access, name, update)
        live.publish(.fleet, fleet: fleet.id)
        return fleet
    }
    /// Deletes a fleet that has no devices.
    public func deleteFleet(_ access: Access, _ name: String) async throws(ServerError) {
        let id = try await access.fleet(in: fleets.store, name).id
        try await fleets.delete(access, name)
        live.publish(.fleet, fleet: id)
    }
    /// Creates a provisioning key; the secret is in the answer only.
    public func createKey(_ access: Access, fleet: String, _ body: API.CreateKey) async throws(ServerError) -> API.ProvisioningKey {
        let id = try await access.fleet(in: fleets.store, fleet).id
        let key = try await fleets.createKey(access, fleet: fleet, body)
        live.publish(.fleet, fleet: id)
        return key
    }
    /// Lists a fleet's keys (without secrets).
    public func listKeys(_ access: Access, fleet: String) async throws(ServerError) -> [API.ProvisioningKey] {
        try await fleets.listKeys(access, fleet: fleet)
    }
    /// Revokes a key.
    public func revokeKey(_ access: Access, fleet: String, id: String) async throws(ServerError) {
        let fleetID = try await access.fleet(in: fleets.store, fleet).id
        try await fleets.revokeKey(access, fleet: fleet, id: id)
        live.publish(.fleet, fleet: fleetID)
    }

    /// Enrols a device with a provisioning key: a new UUID and API key.
    public func register(_ body: API.RegisterDevice) async throws(ServerError) -> API.RegisteredDevice {
        let device = try await devices.register(body)
        // The enrolment is made: a failed read here only means no page hears of it at once.
        if let fleetID = try? await devices.store.device(uuid: device.uuid).fleetID { live.publish(.device, fleet: fleetID, device: device.uuid) }
        return device
    }
    /// Lists devices matching a filter.
    public func listDevices(_ access: Access, _ filter: DeviceFilter) async throws(ServerError) -> [API.Device] {
        try await devices.list(access, filter).devices
    }
    /// One page of the devices matching a filter, in the page's order, and how many match in all.
    public func listDevices(_ access: Access, _ filter: DeviceFilter, page: DevicePage?) async throws(ServerError) -> (devices: [API.Device], total: Int) {
        try await devices.list(access, filter, page: page)
    }
    /// One device by name or UUID.
    public func device(_ access: Access, _ reference: String) async throws(ServerError) -> API.Device {
        var device = try await devices.device(access, reference)
        device.clusterNode = try await clusters.node(of: device.uuid, fleet: device.fleet, access)
        return device
    }
    /// Renames, moves, pins or unpins a device.
    public func updateDevice(_ access: Access, _ reference: String, _ update: API.UpdateDevice) async throws(ServerError) -> API.Device {
        let before = try await access.device(in: devices.store, reference)
        let joined = try await update.fleet.asyncMap { name throws(ServerError) in try await access.fleet(in: fleets.store, name).id }
        let device = try await devices.update(access, reference, update)
        // A move shows in the fleet it left and in the one it joined.
        for fleetID in Set([before.fleetID, joined ?? before.fleetID]) { live.publish(.device, fleet: fleetID, device: device.uuid) }
        return device
    }
    /// Deletes a device; its key stops working at once.
    public func deleteDevice(_ access: Access, _ reference: String) async throws(ServerError) {
        let record = try await access.device(in: devices.store, reference)
        try await devices.delete(access, reference)
        live.publish(.device, fleet: record.fleetID, device: record.uuid)
    }
    /// Runs a device action.
    public func act(_ access: Access, _ reference: String, _ action: API.DeviceAction) async throws(ServerError) {
        let record = try await access.device(in: devices.store, reference)
        try await devices.act(access, reference, action)
        live.publish(.device, fleet: record.fleetID, device: record.uuid)
    }
    /// Sets or removes tags.
    public func setTags(_ access: Access, _ reference: String, set: [String: String], remove: [String]) async throws(ServerError) -> [String: String] {
        let record = try await access.device(in: devices.store, reference)
        let tags = try await devices.setTags(access, reference, set: set, remove: remove)
        live.publish(.device, fleet: record.fleetID, device: record.uuid)
        return tags
    }

    /// Creates a release from a compose document.
    public func createRelease(_ access: Access, fleet: String, compose: String) async throws(ServerError) -> API.Release {
        try await createRelease(access, fleet: fleet, API.CreateRelease(compose: compose))
    }

    /// Creates a release from a compose document, its images pinned by digest.
    public func createRelease(_ access: Access, fleet: String, _ body: API.CreateRelease) async throws(ServerError) -> API.Release {
        let fleetID = try await access.fleet(in: releases.store, fleet).id
        let release = try await releases.create(access, fleet: fleet, body)
        live.publish(.release, fleet: fleetID, release: release.id)
        return release
    }
    /// A fleet's releases, newest first.
    public func listReleases(_ access: Access, fleet: String) async throws(ServerError) -> [API.Release] { try await releases.list(access, fleet: fleet) }
    /// One release, checked to belong to the organisation.
    public func release(_ access: Access, _ id: String) async throws(ServerError) -> API.Release { try await releases.release(access, id) }

    /// Sets a variable at fleet, fleet-service, device or device-service scope.
    public func setEnv(_ access: Access, _ body: API.SetEnv) async throws(ServerError) -> API.EnvVar {
        let scope = try await envScope(access, fleet: body.fleet, device: body.device)
        let variable = try await environment.set(access, body)
        live.publish(.env, fleet: scope.fleetID, device: scope.deviceID)
        return variable
    }
    /// Lists variables of a fleet (all scopes) or of one device (its own and its fleet's).
    public func listEnv(_ access: Access, fleet: String?, device: String?) async throws(ServerError) -> [API.EnvVar] {
        try await environment.list(access, fleet: fleet, device: device)
    }
    /// Removes a variable at exactly the given scope.
    public func removeEnv(_ access: Access, fleet: String?, device: String?, service: String?, name: String) async throws(ServerError) {
        let scope = try await envScope(access, fleet: fleet, device: device)
        try await environment.remove(access, fleet: fleet, device: device, service: service, name: name)
        live.publish(.env, fleet: scope.fleetID, device: scope.deviceID)
    }

    /// The fleet and device an env change is at, for the pages that show it; looked up before
    /// the change, so that a change made is never answered with an error.
    private func envScope(_ access: Access, fleet: String?, device: String?) async throws(ServerError) -> (fleetID: String?, deviceID: String?) {
        if let device {
            let record = try await access.device(in: devices.store, device)
            return (record.fleetID, record.uuid)
        }
        if let fleet { return (try await access.fleet(in: fleets.store, fleet).id, nil) }
        return (nil, nil)
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
    public func report(device uuid: String, fleet fleetID: String, _ report: API.StateReport) async throws(ServerError) {
        try await reports.report(device: uuid, report)
        metrics.reports.increment()
        live.publish(.device, fleet: fleetID, device: uuid)
        // A rollout's outcome may have changed its release's counts or status.
        if let rollout = report.rollout { live.publish(.release, fleet: fleetID, release: rollout.release) }
    }

    /// Stores a batch of a device's log lines, keeping at most the retention cap.
    public func appendLogs(device uuid: String, fleet fleetID: String, _ lines: [API.LogEntry]) async throws(ServerError) {
        try await deviceLogs.append(device: uuid, lines)
        live.publish(.logs, fleet: fleetID, device: uuid)
    }
    /// A device's log lines: after a sequence number, or the last `limit`, optionally one service's.
    public func logs(_ access: Access, device: String, service: String?, after: Int64?, since: String?, limit: Int) async throws(ServerError)
        -> [API.LogEntry]
    {
        try await deviceLogs.lines(access, device: device, LogQuery(service: service, after: after, since: since, limit: limit))
    }

    /// Checks and stores a batch of a device's metric samples.
    public func recordMetrics(device uuid: String, fleet fleetID: String, _ batch: API.MetricBatch) async throws(ServerError) {
        try await deviceMetrics.record(device: uuid, batch)
        live.publish(.metrics, fleet: fleetID, device: uuid)
    }
    /// A device's newest metrics sample and its per-minute history since `since` (at most a day).
    public func metrics(_ access: Access, device: String, since: Double?) async throws(ServerError) -> API.DeviceMetrics {
        try await deviceMetrics.metrics(access, device: device, since: since)
    }
}
