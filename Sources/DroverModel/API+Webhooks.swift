import Foundation

extension API {
    /// What a webhook can be told. A webhook subscribes to some of these; `ping` is sent only
    /// when someone asks for a test delivery.
    public enum WebhookEvent: String, ProtocolWord {
        /// A device enrolled with a provisioning key.
        case deviceEnrolled = "device.enrolled"
        /// A device was heard from after being offline (or for the first time).
        case deviceOnline = "device.online"
        /// A device was not heard from for 75 s.
        case deviceOffline = "device.offline"
        /// A device refused a release that failed its health checks and runs the last good one.
        case deviceRolledBack = "device.rolled_back"
        /// A release was created.
        case releaseCreated = "release.created"
        /// Enough devices rolled a release back that it is no longer offered.
        case releaseFailing = "release.failing"
        /// Every device that tracks its fleet runs the release and passed its health window.
        case releaseCompleted = "release.completed"
        /// A node of a cluster went down (its engine stopped or its link dropped); the swarm
        /// moves its tasks to the other nodes.
        case clusterNodeDown = "cluster.node-down"
        /// A node of a cluster is ready again.
        case clusterNodeUp = "cluster.node-up"
        /// A test delivery (`POST /v1/webhooks/{webhook}/test`).
        case ping

        /// The events a webhook can subscribe to: all but `ping`.
        public static let subscribable = allCases.filter { $0 != .ping }
    }

    /// Where a delivery stands.
    public enum WebhookDeliveryStatus: String, ProtocolWord {
        /// Not delivered yet: waiting for its first or next attempt.
        case pending
        /// The receiver answered 2xx.
        case delivered
        /// Every attempt of about 24 hours failed; no more are made.
        case dead
    }

    /// `POST /v1/webhooks`: without `fleet` the webhook is the organisation's and hears every
    /// fleet's events.
    public struct CreateWebhook: Codable, Sendable {
        /// Where deliveries are POSTed: an http or https URL.
        public var url: String
        /// The events it hears; at least one.
        public var events: [WebhookEvent]
        /// The secret deliveries are signed with; the server makes one when absent. Shown only
        /// in the answer that creates the webhook.
        public var secret: String?
        /// The fleet (name or id) whose events it hears; absent: every fleet of the organisation.
        public var fleet: String?
        /// The organisation (name or id), to say so explicitly; it must be the caller's.
        public var org: String?

        /// Creates a body.
        public init(url: String, events: [WebhookEvent], secret: String? = nil, fleet: String? = nil, org: String? = nil) {
            self.url = url
            self.events = events
            self.secret = secret
            self.fleet = fleet
            self.org = org
        }
    }

    /// A webhook as the API shows it; its secret only in the answer that created it.
    public struct Webhook: Codable, Sendable, Equatable {
        /// Webhook id.
        public var id: String
        /// The organisation's name.
        public var org: String
        /// The fleet's name; absent for an organisation-wide webhook.
        public var fleet: String?
        /// Where deliveries go.
        public var url: String
        /// The events it hears, in the order of ``WebhookEvent``.
        public var events: [WebhookEvent]
        /// The signing secret: only in the answer to `POST /v1/webhooks`.
        public var secret: String?
        /// Creation time.
        public var createdAt: Date

        /// Creates a webhook.
        public init(id: String, org: String, fleet: String?, url: String, events: [WebhookEvent], secret: String? = nil, createdAt: Date) {
            self.id = id
            self.org = org
            self.fleet = fleet
            self.url = url
            self.events = events
            self.secret = secret
            self.createdAt = createdAt
        }
    }

    /// One delivery of one event to one webhook, and how its attempts went.
    public struct WebhookDelivery: Codable, Sendable, Equatable {
        /// Delivery id: the body's `id` and the `Drover-Delivery` header; the same on every attempt.
        public var id: String
        /// Webhook id.
        public var webhook: String
        /// The event.
        public var event: WebhookEvent
        /// Where it stands.
        public var status: WebhookDeliveryStatus
        /// Attempts made so far.
        public var attempts: Int
        /// When the event was queued.
        public var createdAt: Date
        /// The last attempt's HTTP status, when the receiver answered.
        public var lastStatusCode: Int?
        /// The last attempt's time from sending to the answer (or failure), milliseconds.
        public var lastLatencyMs: Double?
        /// Why the last attempt failed.
        public var lastError: String?
        /// When the last attempt was made.
        public var lastAttemptAt: Date?
        /// When the next attempt is due (pending only).
        public var nextAttemptAt: Date?
        /// When the receiver accepted it.
        public var deliveredAt: Date?

        /// Creates a delivery.
        public init(
            id: String, webhook: String, event: WebhookEvent, status: WebhookDeliveryStatus, attempts: Int, createdAt: Date,
            lastStatusCode: Int? = nil, lastLatencyMs: Double? = nil, lastError: String? = nil, lastAttemptAt: Date? = nil,
            nextAttemptAt: Date? = nil, deliveredAt: Date? = nil
        ) {
            self.id = id
            self.webhook = webhook
            self.event = event
            self.status = status
            self.attempts = attempts
            self.createdAt = createdAt
            self.lastStatusCode = lastStatusCode
            self.lastLatencyMs = lastLatencyMs
            self.lastError = lastError
            self.lastAttemptAt = lastAttemptAt
            self.nextAttemptAt = nextAttemptAt
            self.deliveredAt = deliveredAt
        }
    }

    /// The JSON body of every delivery, as a receiver reads it.
    public struct WebhookPayload: Codable, Sendable, Equatable {
        /// The delivery id (also `Drover-Delivery`): a receiver that sees it twice has it already.
        public var id: String
        /// The event.
        public var event: WebhookEvent
        /// When it happened.
        public var at: Date
        /// The organisation's name.
        public var org: String
        /// The fleet's name; absent for a ping to an organisation-wide webhook.
        public var fleet: String?
        /// What happened, by event.
        public var data: WebhookData

        /// Creates a body.
        public init(id: String, event: WebhookEvent, at: Date, org: String, fleet: String?, data: WebhookData) {
            self.id = id
            self.event = event
            self.at = at
            self.org = org
            self.fleet = fleet
            self.data = data
        }
    }

    /// What an event is about; each event fills the fields that concern it (see the README).
    public struct WebhookData: Codable, Sendable, Equatable {
        /// device.*: the device.
        public var device: WebhookDevice?
        /// device.rolled_back and release.*: the release id.
        public var release: String?
        /// release.created: its services.
        public var services: [String]?
        /// device.rolled_back: why the device refused the release.
        public var reason: String?
        /// release.failing: why the release is failing.
        public var detail: String?
        /// release.failing and release.completed: how the release fares on devices.
        public var attempts: ReleaseAttempts?
        /// device.online, device.offline: when the device was last heard from.
        public var lastSeen: Date?
        /// ping: the webhook tested.
        public var webhook: String?

        /// Creates data.
        public init(
            device: WebhookDevice? = nil, release: String? = nil, services: [String]? = nil, reason: String? = nil, detail: String? = nil,
            attempts: ReleaseAttempts? = nil, lastSeen: Date? = nil, webhook: String? = nil
        ) {
            self.device = device
            self.release = release
            self.services = services
            self.reason = reason
            self.detail = detail
            self.attempts = attempts
            self.lastSeen = lastSeen
            self.webhook = webhook
        }
    }

    /// A device as a delivery names it.
    public struct WebhookDevice: Codable, Sendable, Equatable {
        /// Its UUID.
        public var uuid: String
        /// Its name.
        public var name: String

        /// Creates a device reference.
        public init(uuid: String, name: String) {
            self.uuid = uuid
            self.name = name
        }
    }
}
