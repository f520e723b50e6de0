import DroverModel
import Foundation

/// Webhooks as people manage them: which URL hears which events of which fleet (or of the
/// whole organisation), test deliveries, and the delivery log.
struct Webhooks: Sendable {
    let store: any DroverStore
    let events: WebhookEvents
    let settings: WebhookSettings

    /// Deliveries listed per webhook, newest first.
    static let deliveriesShown = 100
    /// Webhooks an organisation may have.
    static let perOrganisation = 100
    /// A signing secret's length in bytes: long enough to resist guessing, short enough for a header.
    static let secretBytes = 16...256

    /// The organisation's webhooks, or only those of `fleet`, oldest first.
    /// The organisation-wide ones are listed to people with an organisation-wide role only.
    func list(_ access: Access, fleet: String?) async throws(ServerError) -> [API.Webhook] {
        let org = access.org
        let fleetID = try await fleet.asyncMap { name throws(ServerError) in try await access.fleet(in: store, name).id }
        let orgName = try await store.orgName(id: org)
        return try await store.webhooks(org: org, fleetID: fleetID).filter { Self.sees(access, $0) }.map { Self.api($0, orgName: orgName) }
    }

    /// Whether the person sees a webhook: its fleet's, or the organisation's with a role there.
    static func sees(_ access: Access, _ webhook: WebhookRecord) -> Bool {
        webhook.fleetID.map(access.sees) ?? (access.principal.organisationRole != nil)
    }

    /// A webhook the person may act on with the route's permission; any other is "not found".
    private func webhook(_ access: Access, _ id: String) async throws(ServerError) -> WebhookRecord {
        let webhook = try await store.webhook(org: access.org, id: id)
        guard Self.sees(access, webhook) else { throw ServerError(.notFound, "no webhook '\(id)'") }
        if let fleetID = webhook.fleetID {
            try access.check(try await store.fleet(id: fleetID))
        } else {
            try access.checkOrganisation()
        }
        return webhook
    }

    /// Creates a webhook; the answer is the only one that shows its secret.
    func create(_ access: Access, _ body: API.CreateWebhook) async throws(ServerError) -> API.Webhook {
        let org = access.org
        let address = try WebhookAddress.check(body.url)
        guard !body.events.isEmpty else {
            throw ServerError(.badRequest, "body: events must name at least one of \(API.WebhookEvent.subscribable.map(\.rawValue).joined(separator: ", "))")
        }
        if let index = body.events.firstIndex(of: .ping) {
            throw ServerError(.badRequest, "body: events[\(index)]: ping is not an event to subscribe to; POST /v1/webhooks/{webhook}/test sends one")
        }
        let secret = body.secret ?? Secrets.mint(prefix: "whsec_")
        guard Self.secretBytes.contains(secret.utf8.count) else {
            throw ServerError(
                .badRequest, "body: secret is \(secret.utf8.count) bytes; a signing secret has \(Self.secretBytes.lowerBound) to \(Self.secretBytes.upperBound)"
            )
        }
        let orgName = try await store.orgName(id: org)
        if let named = body.org, named != org, named != orgName {
            throw ServerError(.notFound, "no organisation '\(named)'; your token belongs to '\(orgName)'")
        }
        let fleet = try await body.fleet.asyncMap { name throws(ServerError) in try await access.fleet(in: store, name) }
        if fleet == nil { try access.checkOrganisation() }
        if settings.blockPrivateAddresses { try await WebhookAddress.refusePrivate(host: address.host, field: "body: url") }
        guard try await store.webhooks(org: org, fleetID: nil).count < Self.perOrganisation else {
            throw ServerError(.conflict, "the organisation has \(Self.perOrganisation) webhooks, the most it may have; remove one first")
        }
        let record = WebhookRecord(
            id: UUID().uuidString.lowercased(), orgID: org, fleetID: fleet?.id, fleetName: fleet?.name, url: address.url,
            events: API.WebhookEvent.allCases.filter(body.events.contains), createdAt: WallClock.now)
        try await store.addWebhook(record, secret: secret)
        var created = Self.api(record, orgName: orgName)
        created.secret = secret
        return created
    }

    /// Deletes a webhook; its pending deliveries are dropped.
    func delete(_ access: Access, _ id: String) async throws(ServerError) {
        let webhook = try await webhook(access, id)
        try await store.deleteWebhook(id: webhook.id)
    }

    /// Queues a ping to the webhook and returns its delivery.
    func test(_ access: Access, _ id: String) async throws(ServerError) -> API.WebhookDelivery {
        let webhook = try await webhook(access, id)
        let delivery = try await events.ping(webhook)
        guard let queued = try await store.deliveries(webhookID: webhook.id, limit: Self.deliveriesShown).first(where: { $0.id == delivery }) else {
            throw ServerError(.notFound, "no webhook '\(id)'")
        }
        return queued
    }

    /// The webhook's newest deliveries, newest first.
    func deliveries(_ access: Access, _ id: String) async throws(ServerError) -> [API.WebhookDelivery] {
        let webhook = try await webhook(access, id)
        return try await store.deliveries(webhookID: webhook.id, limit: Self.deliveriesShown)
    }

    static func api(_ record: WebhookRecord, orgName: String) -> API.Webhook {
        API.Webhook(
            id: record.id, org: orgName, fleet: record.fleetName, url: record.url, events: record.events,
            createdAt: Date(timeIntervalSince1970: record.createdAt))
    }
}
