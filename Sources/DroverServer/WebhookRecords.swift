import DroverModel
import Foundation

/// A webhook as stored. Its secret is not part of it: only the courier reads secrets, with
/// the deliveries it claims (``DeliveryClaim``).
public struct WebhookRecord: Sendable, Equatable {
    /// Its id.
    public var id: String
    /// The organisation it belongs to.
    public var orgID: String
    /// The fleet whose events it hears; nil: every fleet of the organisation.
    public var fleetID: String?
    /// The fleet's name, when it has one.
    public var fleetName: String?
    /// Where deliveries go.
    public var url: String
    /// The events it hears, in the order of ``API/WebhookEvent``.
    public var events: [API.WebhookEvent]
    /// When it was created (seconds since 1970).
    public var createdAt: Double

    /// Creates a record.
    public init(id: String, orgID: String, fleetID: String?, fleetName: String?, url: String, events: [API.WebhookEvent], createdAt: Double) {
        self.id = id
        self.orgID = orgID
        self.fleetID = fleetID
        self.fleetName = fleetName
        self.url = url
        self.events = events
        self.createdAt = createdAt
    }
}

/// Whom an event concerns: an organisation and, for every event but an organisation-wide
/// ping, one of its fleets. Names are as they are when the event happens.
public struct EventScope: Sendable, Equatable {
    /// The organisation's id.
    public var orgID: String
    /// The organisation's name.
    public var orgName: String
    /// The fleet's id.
    public var fleetID: String?
    /// The fleet's name.
    public var fleetName: String?

    /// Creates a scope.
    public init(orgID: String, orgName: String, fleetID: String? = nil, fleetName: String? = nil) {
        self.orgID = orgID
        self.orgName = orgName
        self.fleetID = fleetID
        self.fleetName = fleetName
    }
}

/// An event to queue for the webhooks that hear it (see ``WebhookEvents``).
public struct WebhookEventRecord: Sendable {
    /// What happened.
    public var kind: API.WebhookEvent
    /// Whom it concerns: the fleet's webhooks and the organisation's hear it.
    public var scope: EventScope
    /// When it happened (seconds since 1970).
    public var at: Double
    /// What it is about.
    public var data: API.WebhookData
    /// For a fact announced once however often it is noticed (a release failing, a release
    /// completed): its name. A second event with the same fact is not queued.
    public var fact: String?
    /// Only this webhook gets it (a ping), whatever it subscribes to.
    public var webhookID: String?

    /// Creates an event.
    public init(kind: API.WebhookEvent, scope: EventScope, at: Double, data: API.WebhookData, fact: String? = nil, webhookID: String? = nil) {
        self.kind = kind
        self.scope = scope
        self.at = at
        self.data = data
        self.fact = fact
        self.webhookID = webhookID
    }

    /// The body a delivery of it carries: ``API/WebhookPayload`` as JSON with sorted keys, the
    /// same bytes on every attempt.
    public func body(deliveryID: String) -> String {
        let payload = API.WebhookPayload(
            id: deliveryID, event: kind, at: Date(timeIntervalSince1970: at), org: scope.orgName, fleet: scope.fleetName, data: data)
        return String(decoding: (try? Self.encoder.encode(payload)) ?? Data("{}".utf8), as: UTF8.self)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

/// A device whose presence changed since it was last announced.
public struct PresenceChange: Sendable, Equatable {
    /// The device.
    public var device: API.WebhookDevice
    /// Its fleet and organisation.
    public var scope: EventScope
    /// Whether it is online now.
    public var online: Bool
    /// When it was last heard from (seconds since 1970).
    public var lastSeen: Double?

    /// Creates a change.
    public init(device: API.WebhookDevice, scope: EventScope, online: Bool, lastSeen: Double?) {
        self.device = device
        self.scope = scope
        self.online = online
        self.lastSeen = lastSeen
    }
}

/// A delivery the courier has claimed for one attempt, with what it needs to make it.
public struct DeliveryClaim: Sendable, Equatable {
    /// The delivery's id.
    public var id: String
    /// The webhook's id.
    public var webhookID: String
    /// The event.
    public var event: API.WebhookEvent
    /// Where it goes.
    public var url: String
    /// The webhook's signing secret.
    public var secret: String
    /// The body, as queued.
    public var body: String
    /// Attempts made before this one.
    public var attempts: Int
    /// When it was queued (seconds since 1970).
    public var createdAt: Double

    /// Creates a claim.
    public init(
        id: String, webhookID: String, event: API.WebhookEvent, url: String, secret: String, body: String, attempts: Int, createdAt: Double
    ) {
        self.id = id
        self.webhookID = webhookID
        self.event = event
        self.url = url
        self.secret = secret
        self.body = body
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// How one attempt at a delivery ended.
public struct DeliveryAttempt: Sendable, Equatable {
    /// What became of it.
    public enum Outcome: Sendable, Equatable {
        /// The receiver answered 2xx.
        case delivered(statusCode: Int, latencyMs: Double)
        /// It failed: another attempt at `retryAt`, or none (the delivery is dead).
        case failed(statusCode: Int?, latencyMs: Double, error: String, retryAt: Double?)
        /// The server stopped before it ended: due again at once, not counted as an attempt.
        case released
    }

    /// The delivery's id.
    public var id: String
    /// When the attempt ended (seconds since 1970).
    public var at: Double
    /// How it ended.
    public var outcome: Outcome

    /// Creates an attempt.
    public init(id: String, at: Double, outcome: Outcome) {
        self.id = id
        self.at = at
        self.outcome = outcome
    }
}
