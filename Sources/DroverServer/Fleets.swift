import DroverModel
import Foundation

/// Fleets and their provisioning keys.
struct Fleets: Sendable {
    let store: any DroverStore
    let targets: Targets

    /// Lists the organisation's fleets.
    func list(_ access: Access) async throws(ServerError) -> [API.Fleet] {
        var out: [API.Fleet] = []
        for record in try await access.fleets(in: store) { out.append(try await view(record)) }
        return out
    }

    /// One fleet.
    func fleet(_ access: Access, _ name: String) async throws(ServerError) -> API.Fleet {
        try await view(try await access.fleet(in: store, name))
    }

    /// Creates a fleet.
    func create(_ access: Access, name: String) async throws(ServerError) -> API.Fleet {
        try ControlPlane.validateName(name, what: "fleet name")
        let record = try await store.createFleet(org: access.org, name: name)
        // Targets are computed from one snapshot of fleets per generation: without a new
        // generation, a device enrolled into this fleet would find no fleet and get 404.
        try await targets.changed()
        return try await view(record)
    }

    /// Renames a fleet and/or changes the release it tracks and when its releases fail.
    func update(_ access: Access, _ name: String, _ update: API.UpdateFleet) async throws(ServerError) -> API.Fleet {
        let fleet = try await access.fleet(in: store, name)
        var change = FleetChange()
        if let newName = update.name {
            try ControlPlane.validateName(newName, what: "fleet name")
            change.name = newName
        }
        if let track = update.trackRelease {
            let tracked: String? = track == "latest" || track.isEmpty ? nil : try await store.release(id: track).id
            if let tracked, try await store.release(id: tracked).fleetID != fleet.id {
                throw ServerError(.badRequest, "release \(tracked) belongs to another fleet")
            }
            change.trackedRelease = .some(tracked)
        }
        if let share = update.failingShare {
            guard share > 0 && share <= 1 else {
                throw ServerError(.badRequest, "failingShare must be above 0 and at most 1 (a share of devices, e.g. 0.2), got \(share)")
            }
            change.failingShare = share
        }
        if let minimum = update.failingMinDevices {
            guard minimum >= 1 else { throw ServerError(.badRequest, "failingMinDevices must be at least 1, got \(minimum)") }
            change.failingMin = minimum
        }
        change.production = update.production
        try await store.updateFleet(id: fleet.id, change)
        try await targets.changed()
        return try await view(try await store.fleet(id: fleet.id))
    }

    /// Deletes a fleet that has no devices.
    func delete(_ access: Access, _ name: String) async throws(ServerError) {
        let fleet = try await access.fleet(in: store, name)
        let count = try await store.deviceCount(fleetID: fleet.id)
        guard count == 0 else {
            throw ServerError(.conflict, "fleet '\(fleet.name)' still has \(count) device(s); move or delete them first")
        }
        try await store.deleteFleet(fleet)
        try await targets.changed()
    }

    private func view(_ record: FleetRecord) async throws(ServerError) -> API.Fleet {
        let target = try await TargetSnapshot.offeredRelease(of: record, stack: try await store.cluster(fleetID: record.id) != nil, in: store)
        var fleet = API.Fleet(
            id: record.id, name: record.name, trackedRelease: record.trackedRelease, targetRelease: target?.id,
            deviceCount: try await store.deviceCount(fleetID: record.id), createdAt: Date(timeIntervalSince1970: record.createdAt))
        fleet.failingShare = record.failingShare
        fleet.failingMinDevices = record.failingMin
        fleet.production = record.production
        return fleet
    }

    // MARK: Provisioning keys

    /// Creates a provisioning key; the secret is in the answer only.
    func createKey(_ access: Access, fleet name: String, _ body: API.CreateKey) async throws(ServerError) -> API.ProvisioningKey {
        let fleet = try await access.fleet(in: store, name)
        if let limit = body.deviceLimit, limit < 1 { throw ServerError(.badRequest, "deviceLimit must be at least 1") }
        // A far-off expiry has no four-digit year, so its ISO 8601 answer would be invalid; ten years is plenty.
        if let seconds = body.expiresInSeconds, !(1...315_360_000).contains(seconds) {
            throw ServerError(.badRequest, "expiresInSeconds must be 1 to 315360000 (10 years), got \(seconds)")
        }
        let secret = Secrets.mint(prefix: "drvk_")
        let expires = body.expiresInSeconds.map { WallClock.now + Double($0) }
        let id = try await store.addKey(fleet: fleet, hash: Secrets.hash(secret), expiresAt: expires, deviceLimit: body.deviceLimit)
        return API.ProvisioningKey(
            id: id, fleet: fleet.name, key: secret, expiresAt: expires.map { Date(timeIntervalSince1970: $0) }, deviceLimit: body.deviceLimit,
            devicesEnrolled: 0, revoked: false)
    }

    /// Lists a fleet's keys (without secrets).
    func listKeys(_ access: Access, fleet name: String) async throws(ServerError) -> [API.ProvisioningKey] {
        let fleet = try await access.fleet(in: store, name)
        return try await store.keys(fleetID: fleet.id).map { key in
            API.ProvisioningKey(
                id: key.id, fleet: fleet.name, key: nil, expiresAt: key.expiresAt.map { Date(timeIntervalSince1970: $0) },
                deviceLimit: key.deviceLimit, devicesEnrolled: key.used, revoked: key.revoked)
        }
    }

    /// Revokes a key.
    func revokeKey(_ access: Access, fleet name: String, id: String) async throws(ServerError) {
        let fleet = try await access.fleet(in: store, name)
        guard try await store.revokeKey(id: id, fleetID: fleet.id) else { throw ServerError(.notFound, "fleet '\(fleet.name)' has no key '\(id)'") }
    }
}
