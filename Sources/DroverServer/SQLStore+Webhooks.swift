import DroverModel
import Foundation
import SQLKit

/// Webhooks, their events and the queue of deliveries.
extension SQLStore {
    public func addWebhook(_ webhook: WebhookRecord, secret: String) async throws(ServerError) {
        try await transaction { db in
            if let fleetID = webhook.fleetID, try await db.raw("SELECT id FROM fleets WHERE id = \(bind: fleetID)").first() == nil {
                throw ServerError(.notFound, "no fleet named '\(webhook.fleetName ?? fleetID)'")
            }
            try await db.raw(
                """
                INSERT INTO webhooks (id, org_id, fleet_id, url, secret, created_at)
                VALUES (\(bind: webhook.id), \(bind: webhook.orgID), \(bind: webhook.fleetID), \(bind: webhook.url), \(bind: secret),
                  \(bind: webhook.createdAt))
                """
            ).run()
            for event in webhook.events {
                try await db.raw("INSERT INTO webhook_subscriptions (webhook_id, event) VALUES (\(bind: webhook.id), \(bind: event.rawValue))").run()
            }
        }
    }

    public func webhooks(org: String, fleetID: String?) async throws(ServerError) -> [WebhookRecord] {
        let fleetClause: SQLQueryString = fleetID.map { "AND w.fleet_id = \(bind: $0)" } ?? ""
        let hooks = try await records(
            """
            SELECT w.id, w.org_id, w.fleet_id, f.name AS fleet_name, w.url, w.created_at FROM webhooks w LEFT JOIN fleets f ON f.id = w.fleet_id
            WHERE w.org_id = \(bind: org) \(fleetClause) ORDER BY w.created_at, w.id
            """, Self.webhook(_:))
        let subscriptions = try await records(
            "SELECT s.webhook_id, s.event FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id WHERE w.org_id = \(bind: org)"
        ) { (webhook: try $0.string("webhook_id"), event: try $0.string("event")) }
        return try Self.withEvents(hooks, subscriptions)
    }

    public func webhook(org: String, id: String) async throws(ServerError) -> WebhookRecord {
        let found = try await records(
            """
            SELECT w.id, w.org_id, w.fleet_id, f.name AS fleet_name, w.url, w.created_at FROM webhooks w LEFT JOIN fleets f ON f.id = w.fleet_id
            WHERE w.org_id = \(bind: org) AND w.id = \(bind: id)
            """, Self.webhook(_:))
        guard let hook = found.first else { throw ServerError(.notFound, "no webhook '\(id)'") }
        let subscriptions = try await records("SELECT webhook_id, event FROM webhook_subscriptions WHERE webhook_id = \(bind: id)") {
            (webhook: try $0.string("webhook_id"), event: try $0.string("event"))
        }
        return try Self.withEvents([hook], subscriptions)[0]
    }

    public func deleteWebhook(id: String) async throws(ServerError) {
        try await transaction { db in
            for table in ["webhook_deliveries", "webhook_subscriptions"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE webhook_id = \(bind: id)").run()
            }
            try await db.raw("DELETE FROM webhooks WHERE id = \(bind: id)").run()
        }
    }

    /// Deletes a fleet's webhooks with their deliveries, inside the fleet's deletion.
    static func deleteWebhooks(fleetID: String, db: any SQLDatabase) async throws {
        for table in ["webhook_deliveries", "webhook_subscriptions"] {
            try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE webhook_id IN (SELECT id FROM webhooks WHERE fleet_id = \(bind: fleetID))").run()
        }
        try await db.raw("DELETE FROM webhooks WHERE fleet_id = \(bind: fleetID)").run()
    }

    public func orgName(id: String) async throws(ServerError) -> String {
        guard let row = try await rows("SELECT name FROM orgs WHERE id = \(bind: id)").first else {
            throw ServerError(.notFound, "no organisation '\(id)'")
        }
        return try decode(row) { try $0.string("name") }
    }

    public func eventScope(fleetID: String) async throws(ServerError) -> EventScope {
        guard
            let row = try await rows(
                "SELECT f.id, f.name, f.org_id, o.name AS org_name FROM fleets f JOIN orgs o ON o.id = f.org_id WHERE f.id = \(bind: fleetID)"
            ).first
        else { throw ServerError(.notFound, "no fleet with id '\(fleetID)'") }
        return try decode(row) {
            EventScope(orgID: try $0.string("org_id"), orgName: try $0.string("org_name"), fleetID: try $0.string("id"), fleetName: try $0.string("name"))
        }
    }

    public func queueEvent(_ event: WebhookEventRecord) async throws(ServerError) -> [String] {
        try await transaction { db in try await Self.queue(event, at: Self.now, db: db) }
    }

    /// Queues `event` through the transaction's `db`: a pending delivery, due at once, for each
    /// webhook that hears it.
    static func queue(_ event: WebhookEventRecord, at now: Double, db: any SQLDatabase) async throws -> [String] {
        if let fact = event.fact {
            guard try await db.raw("SELECT fact FROM webhook_facts WHERE fact = \(bind: fact)").first() == nil else { return [] }
            try await db.raw("INSERT INTO webhook_facts (fact, queued_at) VALUES (\(bind: fact), \(bind: now))").run()
        }
        let hearing: SQLQueryString =
            event.webhookID.map { "SELECT id FROM webhooks WHERE id = \(bind: $0)" }
                ?? """
                SELECT w.id FROM webhooks w JOIN webhook_subscriptions s ON s.webhook_id = w.id
                WHERE w.org_id = \(bind: event.scope.orgID) AND s.event = \(bind: event.kind.rawValue)
                  AND (w.fleet_id IS NULL OR w.fleet_id = \(bind: event.scope.fleetID)) ORDER BY w.id
                """
        var queued: [String] = []
        for row in try await db.raw(hearing).all() {
            let id = newID()
            try await db.raw(
                """
                INSERT INTO webhook_deliveries (id, webhook_id, event, body, status, attempts, created_at, next_attempt_at)
                VALUES (\(bind: id), \(bind: try row.string("id")), \(bind: event.kind.rawValue), \(bind: event.body(deliveryID: id)),
                  \(bind: API.WebhookDeliveryStatus.pending.rawValue), 0, \(bind: now), \(bind: now))
                """
            ).run()
            queued.append(id)
        }
        return queued
    }

    public func announcePresence(
        onlineSince cutoff: Double, offline: Bool, limit: Int, _ announce: @escaping @Sendable (PresenceChange) -> WebhookEventRecord
    ) async throws(ServerError) -> Int {
        let changed: SQLQueryString = """
            SELECT d.uuid, d.name, d.last_seen, d.announced_online, d.fleet_id, f.name AS fleet_name, f.org_id, o.name AS org_name
            FROM devices d JOIN fleets f ON f.id = d.fleet_id JOIN orgs o ON o.id = f.org_id
            WHERE (d.announced_online = 0 AND d.last_seen >= \(bind: cutoff))
              OR (\(bind: offline ? 1 : 0) = 1 AND d.announced_online = 1 AND d.last_seen < \(bind: cutoff))
            ORDER BY d.last_seen LIMIT \(bind: limit)
            """
        // Most rounds find nothing: that is answered by a reader, without the writer.
        guard try await !rows(changed).isEmpty else { return 0 }
        return try await transaction { db in
            let rows = try await db.raw(changed).all()
            for row in rows {
                let change = PresenceChange(
                    device: API.WebhookDevice(uuid: try row.string("uuid"), name: try row.string("name")),
                    scope: EventScope(
                        orgID: try row.string("org_id"), orgName: try row.string("org_name"), fleetID: try row.string("fleet_id"),
                        fleetName: try row.string("fleet_name")),
                    online: try row.int("announced_online") == 0, lastSeen: try row.optionalDouble("last_seen"))
                try await db.raw("UPDATE devices SET announced_online = \(bind: change.online ? 1 : 0) WHERE uuid = \(bind: change.device.uuid)").run()
                _ = try await Self.queue(announce(change), at: Self.now, db: db)
            }
            return rows.count
        }
    }

    public func claimDeliveries(limit: Int, perWebhook: Int, inFlight: [String: Int], now: Double, lease: Double) async throws(ServerError)
        -> (claims: [DeliveryClaim], more: Bool)
    {
        // Webhooks at their cap are left out in SQL, so one receiver's backlog cannot fill every
        // candidate row; the cap within this claim is kept below.
        let busy = inFlight.filter { $0.value >= perWebhook }.keys.sorted()
        let notBusy: SQLQueryString = busy.isEmpty ? "" : "AND d.webhook_id NOT IN (\(binds: busy))"
        let due: SQLQueryString = """
            SELECT d.id, d.webhook_id, d.event, d.body, d.attempts, d.created_at, w.url, w.secret
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status = \(bind: API.WebhookDeliveryStatus.pending.rawValue) AND d.next_attempt_at <= \(bind: now) \(notBusy)
            ORDER BY d.next_attempt_at, d.id LIMIT \(bind: limit)
            """
        // Most rounds find nothing due: that is answered by a reader, without the writer.
        let anyDue: SQLQueryString = """
            SELECT id FROM webhook_deliveries WHERE status = \(bind: API.WebhookDeliveryStatus.pending.rawValue) AND next_attempt_at <= \(bind: now) LIMIT 1
            """
        guard limit > 0, try await !rows(anyDue).isEmpty else { return ([], false) }
        return try await transaction { db in
            let candidates = try await db.raw(due).all().map(Self.claim(_:))
            var taken = inFlight
            var claims: [DeliveryClaim] = []
            for candidate in candidates where taken[candidate.webhookID, default: 0] < perWebhook {
                taken[candidate.webhookID, default: 0] += 1
                claims.append(candidate)
                try await db.raw("UPDATE webhook_deliveries SET next_attempt_at = \(bind: now + lease) WHERE id = \(bind: candidate.id)").run()
            }
            return (claims, claims.count < candidates.count)
        }
    }

    public func recordAttempt(_ attempt: DeliveryAttempt) async throws(ServerError) {
        let pending = API.WebhookDeliveryStatus.pending.rawValue
        switch attempt.outcome {
        case .delivered(let status, let latency):
            try await run(
                """
                UPDATE webhook_deliveries SET status = \(bind: API.WebhookDeliveryStatus.delivered.rawValue), attempts = attempts + 1,
                  last_status = \(bind: status), last_latency_ms = \(bind: latency), last_error = NULL, last_attempt_at = \(bind: attempt.at),
                  next_attempt_at = NULL, delivered_at = \(bind: attempt.at)
                WHERE id = \(bind: attempt.id) AND status = \(bind: pending)
                """)
        case .failed(let status, let latency, let error, let retryAt):
            let next = retryAt == nil ? API.WebhookDeliveryStatus.dead : .pending
            try await run(
                """
                UPDATE webhook_deliveries SET status = \(bind: next.rawValue), attempts = attempts + 1, last_status = \(bind: status),
                  last_latency_ms = \(bind: latency), last_error = \(bind: error), last_attempt_at = \(bind: attempt.at), next_attempt_at = \(bind: retryAt)
                WHERE id = \(bind: attempt.id) AND status = \(bind: pending)
                """)
        case .released:
            try await run("UPDATE webhook_deliveries SET next_attempt_at = \(bind: attempt.at) WHERE id = \(bind: attempt.id) AND status = \(bind: pending)")
        }
    }

    public func deliveries(webhookID: String, limit: Int) async throws(ServerError) -> [API.WebhookDelivery] {
        try await records(
            "SELECT * FROM webhook_deliveries WHERE webhook_id = \(bind: webhookID) ORDER BY created_at DESC, id LIMIT \(bind: limit)",
            Self.delivery(_:))
    }

    public func pruneWebhookHistory(before: Double, factsBefore: Double) async throws(ServerError) {
        try await transaction { db in
            try await db.raw(
                "DELETE FROM webhook_deliveries WHERE status <> \(bind: API.WebhookDeliveryStatus.pending.rawValue) AND created_at < \(bind: before)"
            ).run()
            try await db.raw("DELETE FROM webhook_facts WHERE queued_at < \(bind: factsBefore)").run()
        }
    }

    public func trackingProgress(release: String, fleetID: String) async throws(ServerError) -> (tracking: Int, healthy: Int) {
        guard
            let row = try await rows(
                """
                SELECT COUNT(*) AS n, SUM(CASE WHEN EXISTS (SELECT 1 FROM release_attempts a WHERE a.release_id = \(bind: release)
                  AND a.device_uuid = d.uuid AND a.outcome = \(bind: API.RolloutOutcome.healthy.rawValue)) THEN 1 ELSE 0 END) AS healthy
                FROM devices d WHERE d.fleet_id = \(bind: fleetID) AND d.pinned_release IS NULL
                """
            ).first
        else { return (0, 0) }
        return try decode(row) { (try $0.int("n"), try $0.optionalInt("healthy") ?? 0) }
    }

    public func attemptOutcome(device uuid: String, release: String) async throws(ServerError) -> API.RolloutOutcome? {
        guard
            let row = try await rows("SELECT outcome FROM release_attempts WHERE release_id = \(bind: release) AND device_uuid = \(bind: uuid)").first
        else { return nil }
        let word = try decode(row) { try $0.string("outcome") }
        guard let outcome = API.RolloutOutcome(rawValue: word) else {
            throw ServerError(.storage, "a release attempt has outcome '\(word)' in the store, which is not one of \(API.RolloutOutcome.words)")
        }
        return outcome
    }

    // MARK: Rows

    private static func webhook(_ row: any SQLRow) throws -> WebhookRecord {
        WebhookRecord(
            id: try row.string("id"), orgID: try row.string("org_id"), fleetID: try row.optionalString("fleet_id"),
            fleetName: try row.optionalString("fleet_name"), url: try row.string("url"), events: [], createdAt: try row.double("created_at"))
    }

    /// The webhooks with the events they subscribe to, in the order of ``API/WebhookEvent``.
    private static func withEvents(_ hooks: [WebhookRecord], _ subscriptions: [(webhook: String, event: String)]) throws(ServerError) -> [WebhookRecord] {
        var events: [String: Set<API.WebhookEvent>] = [:]
        for subscription in subscriptions {
            guard let event = API.WebhookEvent(rawValue: subscription.event) else {
                throw ServerError(
                    .storage, "webhook \(subscription.webhook) hears '\(subscription.event)' in the store, which is not one of \(API.WebhookEvent.words)")
            }
            events[subscription.webhook, default: []].insert(event)
        }
        return hooks.map { hook in
            var hook = hook
            hook.events = API.WebhookEvent.allCases.filter { events[hook.id]?.contains($0) == true }
            return hook
        }
    }

    private static func event(_ row: any SQLRow) throws -> API.WebhookEvent {
        let word = try row.string("event")
        guard let event = API.WebhookEvent(rawValue: word) else {
            throw ServerError(.storage, "a delivery has event '\(word)' in the store, which is not one of \(API.WebhookEvent.words)")
        }
        return event
    }

    private static func claim(_ row: any SQLRow) throws -> DeliveryClaim {
        DeliveryClaim(
            id: try row.string("id"), webhookID: try row.string("webhook_id"), event: try event(row), url: try row.string("url"),
            secret: try row.string("secret"),
            body: try row.string("body"), attempts: try row.int("attempts"), createdAt: try row.double("created_at"))
    }

    private static func delivery(_ row: any SQLRow) throws -> API.WebhookDelivery {
        let word = try row.string("status")
        guard let status = API.WebhookDeliveryStatus(rawValue: word) else {
            throw ServerError(.storage, "a delivery has status '\(word)' in the store, which is not one of \(API.WebhookDeliveryStatus.words)")
        }
        let date = { (column: String) throws -> Date? in try row.optionalDouble(column).map(Date.init(timeIntervalSince1970:)) }
        return API.WebhookDelivery(
            id: try row.string("id"), webhook: try row.string("webhook_id"), event: try event(row), status: status, attempts: try row.int("attempts"),
            createdAt: Date(timeIntervalSince1970: try row.double("created_at")), lastStatusCode: try row.optionalInt("last_status"),
            lastLatencyMs: try row.optionalDouble("last_latency_ms"), lastError: try row.optionalString("last_error"),
            lastAttemptAt: try date("last_attempt_at"), nextAttemptAt: status == .pending ? try date("next_attempt_at") : nil,
            deliveredAt: try date("delivered_at"))
    }
}
