import DroverModel
import Foundation
import Logging
import Synchronization

/// Where the domain says "this happened" for webhooks. Each method makes the event's body
/// and queues it in the store, one delivery per webhook that hears it (the fleet's and its
/// organisation's), then tells the courier. A domain service calls it once the fact is stored
/// and before it answers whoever caused it, so nothing acknowledged lacks its event. Facts
/// that are noticed more than once (a release failing or completed) are queued once.
struct WebhookEvents: Sendable {
    let store: any DroverStore
    let courier: WebhookCourier
    let logger: Logger
    /// When this server started. Devices have had no chance to reach it before, so none is
    /// announced offline until the online grace has passed since.
    let startedAt: Double
    /// Open pages hear of presence changes too.
    let live: LiveEvents

    /// device.enrolled.
    func deviceEnrolled(_ device: DeviceRecord) async throws(ServerError) {
        let scope = try await store.eventScope(fleetID: device.fleetID)
        try await queue(.deviceEnrolled, scope, API.WebhookData(device: API.WebhookDevice(uuid: device.uuid, name: device.name)))
    }

    /// release.created.
    func releaseCreated(_ release: ReleaseRecord) async throws(ServerError) {
        let scope = try await store.eventScope(fleetID: release.fleetID)
        let services = release.api(fleet: scope.fleetName ?? "").services
        try await queue(.releaseCreated, scope, API.WebhookData(release: release.id, services: services))
    }

    /// device.rolled_back: the device refused `rollout.release` and runs the last good one.
    func deviceRolledBack(device uuid: String, _ rollout: API.Rollout) async throws(ServerError) {
        let device = try await store.device(uuid: uuid)
        let scope = try await store.eventScope(fleetID: device.fleetID)
        let data = API.WebhookData(device: API.WebhookDevice(uuid: device.uuid, name: device.name), release: rollout.release, reason: rollout.reason)
        try await queue(.deviceRolledBack, scope, data)
    }

    /// release.failing, once per release.
    func releaseFailing(_ release: ReleaseRecord, attempts: API.ReleaseAttempts, detail: String) async throws(ServerError) {
        let scope = try await store.eventScope(fleetID: release.fleetID)
        let data = API.WebhookData(release: release.id, detail: detail, attempts: attempts)
        try await queue(.releaseFailing, scope, data, fact: "release.failing \(release.id)")
    }

    /// release.completed, once per release.
    func releaseCompleted(_ release: ReleaseRecord, attempts: API.ReleaseAttempts) async throws(ServerError) {
        let scope = try await store.eventScope(fleetID: release.fleetID)
        try await queue(.releaseCompleted, scope, API.WebhookData(release: release.id, attempts: attempts), fact: "release.completed \(release.id)")
    }

    /// cluster.node-down and cluster.node-up, as a manager's observation gives rise to them.
    func clusterNode(_ event: API.ClusterEvent, fleetID: String, cluster: String) async throws(ServerError) {
        let kind: API.WebhookEvent
        switch event.kind {
        case "node-down": kind = .clusterNodeDown
        case "node-up": kind = .clusterNodeUp
        default: return
        }
        let scope = try await store.eventScope(fleetID: fleetID)
        var device: API.WebhookDevice?
        if let uuid = event.device, let record = try? await store.device(uuid: uuid) { device = API.WebhookDevice(uuid: record.uuid, name: record.name) }
        try await queue(kind, scope, API.WebhookData(device: device, detail: "cluster \(cluster): \(event.detail)"))
    }

    /// A ping to one webhook, whatever it hears; the delivery's id.
    func ping(_ webhook: WebhookRecord) async throws(ServerError) -> String {
        let scope = EventScope(
            orgID: webhook.orgID, orgName: try await store.orgName(id: webhook.orgID), fleetID: webhook.fleetID, fleetName: webhook.fleetName)
        let event = WebhookEventRecord(kind: .ping, scope: scope, at: WallClock.now, data: API.WebhookData(webhook: webhook.id), webhookID: webhook.id)
        guard let id = try await store.queueEvent(event).first else { throw ServerError(.notFound, "no webhook '\(webhook.id)'") }
        courier.ring()
        return id
    }

    /// device.online and device.offline for every device whose presence changed since it
    /// was last announced; the change and its deliveries are one transaction.
    func announcePresence() async {
        let now = WallClock.now
        let grace = ControlPlane.onlineGraceSeconds
        do {
            var changed = 0
            repeat {
                let seen = Seen()
                changed = try await store.announcePresence(onlineSince: now - grace, offline: now - startedAt >= grace, limit: 500) { change in
                    seen.changes.withLock { $0.append(change) }
                    let data = API.WebhookData(device: change.device, lastSeen: change.lastSeen.map(Date.init(timeIntervalSince1970:)))
                    return WebhookEventRecord(kind: change.online ? .deviceOnline : .deviceOffline, scope: change.scope, at: now, data: data)
                }
                if changed > 0 { courier.ring() }
                // Once stored: open pages hear each change of presence too.
                for change in seen.changes.withLock({ $0 }) { live.publish(.device, fleet: change.scope.fleetID, device: change.device.uuid) }
            } while changed == 500
        } catch {
            logger.warning("announcing devices' presence failed; will try again", metadata: ["error": "\(error)"])
        }
    }

    private func queue(_ kind: API.WebhookEvent, _ scope: EventScope, _ data: API.WebhookData, fact: String? = nil) async throws(ServerError) {
        let queued = try await store.queueEvent(WebhookEventRecord(kind: kind, scope: scope, at: WallClock.now, data: data, fact: fact))
        if !queued.isEmpty { courier.ring() }
    }
}

/// The presence changes a round announced, told to open pages once it is stored.
private final class Seen: Sendable {
    let changes = Mutex<[PresenceChange]>([])
}
