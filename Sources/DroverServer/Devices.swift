import DroverModel
import Foundation
import Logging

/// Devices: enrolment, how people see and change them, their tags and actions.
struct Devices: Sendable {
    let store: any DroverStore
    let targets: Targets
    let presence: Presence
    let credentials: Credentials
    let channels: ChannelHub
    let metrics: DeviceMetrics
    let events: WebhookEvents
    let logger: Logger

    /// Enrols a device with a provisioning key: a new UUID and API key.
    func register(_ body: API.RegisterDevice) async throws(ServerError) -> API.RegisteredDevice {
        try ControlPlane.validateText(body.provisioningKey, what: "body: provisioningKey", limit: API.Limits.secret)
        let keyHash = Secrets.hash(body.provisioningKey)
        if let name = body.name { try ControlPlane.validateName(name, what: "device name") }
        if let architecture = body.architecture { try ControlPlane.validateText(architecture, what: "body: architecture", limit: API.Limits.label) }
        let platform = try body.platform.map { text throws(ServerError) in try ControlPlane.platform(text, what: "body: platform") }
        // A wrong key is answered from a reader: anyone can send one, and it must not queue
        // for the writer ahead of everybody's writes. The transaction checks the key again.
        guard try await store.keyExists(hash: keyHash) else { throw ServerError(.unauthorized, "the provisioning key is not valid") }
        let uuid = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let apiKey = Secrets.mint(prefix: "drvd_")
        let device = try await store.enrol(
            Enrolment(
                keyHash: keyHash, uuid: uuid, name: body.name ?? "device-\(uuid.prefix(7))", architecture: body.architecture,
                platform: platform?.description, apiKeyHash: Secrets.hash(apiKey)))
        let fleet = try await store.fleet(id: device.fleetID)
        try await events.deviceEnrolled(device)
        logger.info("device enrolled", metadata: ["device": "\(uuid)", "fleet": "\(fleet.name)"])
        // Enrolment is a change no person makes: the key that allowed it is its actor.
        try? await store.appendAudit(
            AuditRecord(
                at: WallClock.now, orgID: fleet.orgID, actor: "provisioning-key", action: "enrolDevice", target: "device:\(device.name)",
                fleetID: fleet.id, result: "ok", status: 201))
        return API.RegisteredDevice(uuid: uuid, name: device.name, fleet: fleet.name, apiKey: apiKey)
    }

    /// Lists devices matching a filter, by name; with a page, only that page of them in its
    /// order. Also says how many match in all.
    func list(_ access: Access, _ filter: DeviceFilter, page: DevicePage? = nil) async throws(ServerError) -> (devices: [API.Device], total: Int) {
        var out: [API.Device]
        let total: Int
        if let page, let fleet = filter.fleet, page.key == .name, filter.tags.isEmpty, filter.online == nil, filter.status == nil {
            // Nothing to filter or sort by needs a device's view or tags: the store reads only
            // the page (the dashboard's fleet page asks this of 10,000 devices at every change).
            let fleetID = try await access.fleet(in: store, fleet).id
            let found = try await store.devicePage(
                fleetID: fleetID, nameContains: filter.nameContains, descending: page.descending, limit: page.limit, offset: page.offset)
            total = found.total
            out = try await views(found.records)
        } else {
            out = try await matching(access, filter)
            total = out.count
            if let page {
                page.sort(&out)
                out = page.slice(out)
            }
        }
        let latest = try await metrics.latest(out.map(\.uuid))
        for index in out.indices { out[index].metrics = Self.summary(latest[out[index].uuid]) }
        return (out, total)
    }

    /// The devices that match a filter, by name, without their metrics.
    func matching(_ access: Access, _ filter: DeviceFilter) async throws(ServerError) -> [API.Device] {
        try await views(try await candidates(access, filter)) { device in
            (filter.online.map { device.online == $0 } ?? true) && (filter.status.map { device.status == $0 } ?? true)
        }
    }

    /// The records that match what a filter asks of the store's own fields (fleet, name,
    /// tags), by name; online and status need each device's view.
    private func candidates(_ access: Access, _ filter: DeviceFilter) async throws(ServerError) -> [DeviceRecord] {
        var fleetID: String?
        if let name = filter.fleet { fleetID = try await access.fleet(in: store, name).id }
        var records = try await store.devices(org: access.org, fleetID: fleetID)
        // 10,000 records copied into a second array were most of what the checks cost.
        if !access.seesEveryFleet { records.removeAll { !access.sees($0.fleetID) } }
        if let text = filter.nameContains?.lowercased(), !text.isEmpty { records.removeAll { !$0.name.lowercased().contains(text) } }
        if !filter.tags.isEmpty {
            let tags = try await store.tags(deviceUUIDs: records.map(\.uuid))
            records.removeAll { record in filter.tags.contains { tags[record.uuid]?[$0.key] != $0.value } }
        }
        return records
    }

    /// The records as people see them, with their tags; only those `keep` keeps (filtered as
    /// they are made: a second array of 10,000 views costs as much as making them).
    private func views(_ records: [DeviceRecord], keep: (API.Device) -> Bool = { _ in true }) async throws(ServerError) -> [API.Device] {
        let tags = try await store.tags(deviceUUIDs: records.map(\.uuid))
        var out: [API.Device] = []
        for record in records {
            let device = try await view(record, tags: tags[record.uuid] ?? [:])
            if keep(device) { out.append(device) }
        }
        return out
    }

    /// How the devices of each of `targets`' fleets stand; `targets` is each fleet's offered
    /// release by id. One fleet's summary reads only that fleet's devices, and no tags.
    func summaries(_ access: Access, targets: [String: String?]) async throws(ServerError) -> [String: API.FleetSummary] {
        var byFleet: [String: API.FleetSummary] = [:]
        let only = targets.count == 1 ? targets.keys.first : nil
        for record in try await candidates(access, DeviceFilter(fleet: only)) {
            guard let target = targets[record.fleetID] else { continue }
            byFleet[record.fleetID, default: API.FleetSummary()].count(try await view(record, tags: [:]), target: target)
        }
        return byFleet
    }

    /// Every device of every organisation as people see it, with its newest sample: what
    /// `/metrics` counts.
    func census() async throws(ServerError) -> [(device: API.Device, sample: API.MetricSample?)] {
        let records = try await store.allDevices()
        var devices: [API.Device] = []
        for record in records { devices.append(try await view(record, tags: [:])) }
        let latest = try await metrics.latest(devices.map(\.uuid))
        return devices.map { ($0, latest[$0.uuid]) }
    }

    /// A sample as a device listing shows it: without its containers.
    static func summary(_ sample: API.MetricSample?) -> API.MetricSample? {
        var sample = sample
        sample?.containers = nil
        return sample
    }

    /// One device by name or UUID.
    func device(_ access: Access, _ reference: String) async throws(ServerError) -> API.Device {
        let record = try await access.device(in: store, reference)
        var device = try await view(record, tags: try await store.tags(deviceUUIDs: [record.uuid])[record.uuid] ?? [:])
        device.metrics = Self.summary(try await metrics.latest([record.uuid])[record.uuid])
        return device
    }

    /// Renames, moves, pins or unpins a device.
    func update(_ access: Access, _ reference: String, _ update: API.UpdateDevice) async throws(ServerError) -> API.Device {
        let record = try await access.device(in: store, reference)
        if let name = update.name { try ControlPlane.validateName(name, what: "device name") }
        var change = DeviceChange(name: update.name)
        if let name = update.fleet { change.fleet = try await access.fleet(in: store, name) }
        if let wanted = update.pinRelease {
            change.pinnedRelease = .some(wanted.isEmpty ? nil : try await access.release(in: store, wanted).0.id)
        }
        do {
            try await store.updateDevice(uuid: record.uuid, reference: reference, change)
        } catch  where error.code == .conflict {
            let fleetName = try await store.fleet(id: change.fleet?.id ?? record.fleetID).name
            throw ServerError(.conflict, "fleet '\(fleetName)' already has a device named '\(update.name ?? record.name)'")
        }
        try await targets.changed()
        return try await device(access, record.uuid)
    }

    /// Deletes a device; its key stops working and its channel is closed at once.
    func delete(_ access: Access, _ reference: String) async throws(ServerError) {
        let record = try await access.device(in: store, reference)
        try await store.deleteDevice(uuid: record.uuid)
        await targets.forget(device: record.uuid)
        await credentials.forget(device: record.uuid)
        channels.cut(device: record.uuid)
        try await targets.changed()
    }

    /// A device as people see it. Its fleet and the release that fleet offers come from the
    /// same per-generation snapshot as targets, so listing N devices costs no query per device.
    func view(_ record: DeviceRecord, tags: [String: String]) async throws(ServerError) -> API.Device {
        let placement = try await targets.placement(of: record)
        let fleet: FleetRecord
        if let known = placement.fleet {
            fleet = known
        } else {
            fleet = try await store.fleet(id: record.fleetID)
        }
        let target = placement.release
        // Last-seen times reach the store once a second; this server's newest ones count at once.
        let heard = await presence.lastSeen(record.uuid)
        let lastSeen = [record.lastSeen, heard].compactMap { $0 }.max()
        let online = lastSeen.map { WallClock.now - $0 < ControlPlane.onlineGraceSeconds } ?? false
        let report = record.report
        var status = report?.status ?? .provisioned
        if let target, report?.release != target, status == .running { status = .updatePending }
        return API.Device(
            uuid: record.uuid, name: record.name, fleet: fleet.name, architecture: record.architecture ?? report?.architecture,
            platform: record.platform ?? report?.platform, tags: tags,
            online: online, lastSeen: lastSeen.map { Date(timeIntervalSince1970: $0) }, release: report?.release, targetRelease: target,
            pinnedRelease: record.pinnedRelease, status: status, statusDetail: report?.statusDetail, services: report?.services,
            rollout: report?.rollout)
    }

    /// Runs a device action: `restart` (recreate the app's or one service's containers),
    /// `stop` / `start` a service, `purge` (remove the app and its volumes, then reinstall),
    /// `update` (past update locks) or `retry` (a rolled-back release).
    func act(_ access: Access, _ reference: String, _ action: API.DeviceAction) async throws(ServerError) {
        let record = try await access.device(in: store, reference)
        // A service is named as in compose.
        if let service = action.service { try ControlPlane.validateName(service, what: "service") }
        switch action.action {
        case .restart: try await store.record(.restart(service: action.service), uuid: record.uuid)
        case .stop, .start:
            guard let service = action.service, !service.isEmpty else {
                throw ServerError(.badRequest, "\(action.action.rawValue) needs a service")
            }
            try await store.setStopped(action.action == .stop, service: service, uuid: record.uuid)
        case .purge: try await store.record(.purge, uuid: record.uuid)
        case .update: try await store.record(.forceUpdate, uuid: record.uuid)
        case .retry: try await store.record(.retry, uuid: record.uuid)
        }
        try await targets.changed()
    }

    /// Sets or removes tags.
    func setTags(_ access: Access, _ reference: String, set: [String: String], remove: [String]) async throws(ServerError) -> [String: String] {
        let record = try await access.device(in: store, reference)
        guard set.count + remove.count <= API.Limits.tagsPerChange else {
            throw ServerError(.badRequest, "body: set and remove name \(set.count + remove.count) tags; at most \(API.Limits.tagsPerChange) at once")
        }
        for (key, value) in set {
            try ControlPlane.validateName(key, what: "tag key")
            try ControlPlane.validateText(value, what: "tag '\(key)' value", limit: API.Limits.tagValue)
        }
        for key in remove { try ControlPlane.validateName(key, what: "tag key") }
        try await store.changeTags(uuid: record.uuid, set: set, remove: remove)
        // A node's labels mirror its device's tags.
        if try await store.cluster(fleetID: record.fleetID) != nil { try await targets.changed() }
        return try await store.tags(deviceUUIDs: [record.uuid])[record.uuid] ?? [:]
    }
}

/// Filters for listing devices.
public struct DeviceFilter: Sendable {
    /// Fleet name.
    public var fleet: String?
    /// `key=value` tags that must all match.
    public var tags: [String: String] = [:]
    /// Online state.
    public var online: Bool?
    /// Reported status.
    public var status: API.DeviceStatus?
    /// Text the name contains, in any case.
    public var nameContains: String?
    /// Creates a filter.
    public init(
        fleet: String? = nil, tags: [String: String] = [:], online: Bool? = nil, status: API.DeviceStatus? = nil, nameContains: String? = nil
    ) {
        self.fleet = fleet
        self.tags = tags
        self.online = online
        self.status = status
        self.nameContains = nameContains
    }
}

/// One page of a device listing: its order, and which part of it.
public struct DevicePage: Sendable, Equatable {
    /// What the listing is ordered by.
    public enum Key: String, Sendable, CaseIterable {
        case name, status, lastSeen, release, online
    }
    /// The most devices one page holds, and the furthest a page may start.
    public static let maxLimit = 1000
    public static let maxOffset = 10_000_000

    public var key: Key
    public var descending: Bool
    /// At most this many; nil for all the rest.
    public var limit: Int?
    public var offset: Int

    /// Creates a page.
    public init(key: Key = .name, descending: Bool = false, limit: Int? = nil, offset: Int = 0) {
        self.key = key
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }

    /// Orders devices by the key; ties go by name, then id, so that pages never overlap.
    func sort(_ devices: inout [API.Device]) {
        let key = self.key
        let descending = self.descending
        devices.sort { a, b in
            let order = Self.compare(a, b, by: key)
            if order != .orderedSame { return descending ? order == .orderedDescending : order == .orderedAscending }
            return Self.byName((a.name, a.uuid), (b.name, b.uuid), descending: false)
        }
    }

    /// The order by name, ties by id (which is never descending): the same for views and records.
    static func byName(_ a: (name: String, uuid: String), _ b: (name: String, uuid: String), descending: Bool) -> Bool {
        if a.name != b.name { return descending ? a.name > b.name : a.name < b.name }
        return a.uuid < b.uuid
    }

    /// This page of a sorted list.
    func slice<Element>(_ list: [Element]) -> [Element] { Array(list.dropFirst(offset).prefix(limit ?? list.count)) }

    private static func compare(_ a: API.Device, _ b: API.Device, by key: Key) -> ComparisonResult {
        func order<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult { x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        switch key {
        case .name: return order(a.name, b.name)
        case .status: return order(a.status.rawValue, b.status.rawValue)
        // Never seen sorts before any time.
        case .lastSeen: return order(a.lastSeen ?? .distantPast, b.lastSeen ?? .distantPast)
        case .release: return order(a.release ?? "", b.release ?? "")
        case .online: return order(a.online ? 1 : 0, b.online ? 1 : 0)
        }
    }
}
