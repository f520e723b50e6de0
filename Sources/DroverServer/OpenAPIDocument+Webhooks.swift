import DroverModel

/// Webhooks in the document: `/v1/webhooks` and what a delivery carries.
extension OpenAPIDocument {
    private typealias S = Schema

    private static let webhookParameter = path("webhook", "Webhook id")
    private static let noWebhook = "No webhook of that id in your organisation"
    /// Once a webhook exists, what can be done with it.
    private static let webhookLinks: [String: Value] = [
        "deleteWebhook": link("deleteWebhook", ["webhook": "$response.body#/id"]),
        "testWebhook": link("testWebhook", ["webhook": "$response.body#/id"]),
        "webhookDeliveries": link("webhookDeliveries", ["webhook": "$response.body#/id"]),
    ]

    /// The `/v1/webhooks` operations.
    static let webhookOperations: [Operation] = [
        Operation(
            method: "get", path: "/v1/webhooks", id: "listWebhooks",
            summary: "List the organisation's webhooks (organisation-wide and per fleet), or one fleet's; secrets are never shown", caller: .person(.read),
            parameters: [query("fleet", ["type": "string"], "Only this fleet's webhooks (name or id)")],
            responses: [
                "200": json("The webhooks, oldest first", S.array("Webhooks", of: S.ref("Webhook"))),
                "404": error("No fleet of that name or id in your organisation"),
            ]),
        Operation(
            method: "post", path: "/v1/webhooks", id: "createWebhook",
            summary: "Create a webhook for a fleet, or without one for the whole organisation; its secret is in this answer only. "
                + "Each delivery POSTs a WebhookPayload signed in Drover-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>",
            caller: .person(.manageWebhooks), body: "CreateWebhook",
            responses: [
                "201": json("Created, with its secret", S.ref("Webhook"), links: webhookLinks),
                "400": error(
                    "The URL is not http or https, has no host, carries a user or password, or (with --webhook-block-private) reaches a private "
                        + "address; no events, or ping among them; or a secret of the wrong length"),
                "404": error("No fleet of that name or id in your organisation, or org names another organisation"),
                "409": error("The organisation has 100 webhooks, the most it may have"),
            ]),
        Operation(
            method: "delete", path: "/v1/webhooks/{webhook}", id: "deleteWebhook", summary: "Delete a webhook; its pending deliveries are dropped",
            caller: .person(.manageWebhooks), parameters: [webhookParameter], responses: ["204": empty("Deleted"), "404": error(noWebhook)]),
        Operation(
            method: "post", path: "/v1/webhooks/{webhook}/test", id: "testWebhook",
            summary: "Queue a ping to the webhook, whatever events it hears; it is delivered like any event", caller: .person(.manageWebhooks),
            parameters: [webhookParameter],
            responses: ["201": json("The ping's delivery, pending", S.ref("WebhookDelivery")), "404": error(noWebhook)]),
        Operation(
            method: "get", path: "/v1/webhooks/{webhook}/deliveries", id: "webhookDeliveries",
            summary: "A webhook's newest 100 deliveries: status, attempts, last status code, latency and error, next attempt", caller: .person(.read),
            parameters: [webhookParameter],
            responses: [
                "200": json("The deliveries, newest first", S.array("Deliveries", of: S.ref("WebhookDelivery"))), "404": error(noWebhook),
            ]),
    ]

    /// The webhook bodies, and the body of a delivery.
    static var webhookSchemas: [String: Value] {
        let event = S.word("An event", API.WebhookEvent.self)
        let subscribable = S.oneOf("An event a webhook can hear", API.WebhookEvent.subscribable.map(\.rawValue))
        let time = { (what: String) in S.dateTime(what) }
        return [
            "CreateWebhook": S.object(
                "POST /v1/webhooks", .request,
                [
                    S.required(
                        "url",
                        S.string(
                            "Where deliveries are POSTed: an http or https URL with a host and no user or password, at most 2048 bytes",
                            pattern: #"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/%-]*)?(\?[A-Za-z0-9._~=&%-]*)?$"#
                        ).merging(["minLength": 1, "maxLength": 2048])),
                    S.required("events", S.array("The events it hears", of: subscribable).merging(["minItems": 1])),
                    S.optional(
                        "secret",
                        S.string("The signing secret, 16 to 256 bytes; the server makes one when absent").merging(["minLength": 16, "maxLength": 256])),
                    S.optional("fleet", S.string("The fleet (name or id) whose events it hears; absent: every fleet of the organisation")),
                    S.optional("org", S.string("The organisation (name or id), to say so explicitly; it must be the caller's")),
                ]),
            "Webhook": S.object(
                "A webhook", .response,
                [
                    S.required("id", S.string("Webhook id")),
                    S.required("org", S.string("The organisation's name")),
                    S.optional("fleet", S.string("The fleet's name; absent for an organisation-wide webhook")),
                    S.required("url", S.string("Where deliveries go")),
                    S.required("events", S.array("The events it hears", of: event)),
                    S.optional("secret", S.string("The signing secret: only in the answer that created the webhook")),
                    S.required("createdAt", time("Creation time")),
                ]),
            "WebhookDelivery": S.object(
                "One event's delivery to one webhook", .response,
                [
                    S.required("id", S.string("Delivery id: the body's id and the Drover-Delivery header, the same on every attempt")),
                    S.required("webhook", S.string("Webhook id")),
                    S.required("event", event),
                    S.required(
                        "status",
                        S.word("pending: waiting for an attempt; delivered: answered 2xx; dead: 24 hours of attempts failed", API.WebhookDeliveryStatus.self)),
                    S.required("attempts", S.integer("Attempts made", minimum: 0)),
                    S.required("createdAt", time("When the event was queued")),
                    S.optional("lastStatusCode", S.integer("The last attempt's HTTP status")),
                    S.optional("lastLatencyMs", ["type": "number", "minimum": 0, "description": "The last attempt's latency, milliseconds"]),
                    S.optional("lastError", S.string("Why the last attempt failed")),
                    S.optional("lastAttemptAt", time("When the last attempt was made")),
                    S.optional("nextAttemptAt", time("When the next attempt is due (pending only)")),
                    S.optional("deliveredAt", time("When the receiver accepted it")),
                ]),
            "WebhookPayload": S.object(
                "The JSON body of a delivery (POSTed to the webhook's URL, not served by the API)", .response,
                [
                    S.required("id", S.string("The delivery id; a receiver that has seen it already has this event")),
                    S.required("event", event),
                    S.required("at", time("When it happened")),
                    S.required("org", S.string("The organisation's name")),
                    S.optional("fleet", S.string("The fleet's name")),
                    S.required("data", S.ref("WebhookData")),
                ]),
            "WebhookData": S.object(
                "What an event is about; each event fills the fields that concern it", .response,
                [
                    S.optional(
                        "device",
                        S.object(
                            "device.*: the device", .response, [S.required("uuid", S.string("Device UUID")), S.required("name", S.string("Name"))])),
                    S.optional("release", S.string("device.rolled_back, release.*: the release id")),
                    S.optional("services", S.array("release.created: its services", of: S.string("Service"))),
                    S.optional("reason", S.string("device.rolled_back: why the device refused the release")),
                    S.optional("detail", S.string("release.failing: why the release is failing")),
                    S.optional("attempts", S.ref("ReleaseAttempts")),
                    S.optional("lastSeen", time("device.online, device.offline: when the device was last heard from")),
                    S.optional("webhook", S.string("ping: the webhook tested")),
                ]),
        ]
    }
}
