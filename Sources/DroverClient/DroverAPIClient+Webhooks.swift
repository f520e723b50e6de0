import DroverModel

/// Webhooks and their deliveries.
extension DroverAPIClient {
    /// `GET /v1/webhooks`: the organisation's webhooks, or only `fleet`'s.
    public func webhooks(fleet: String? = nil) async throws(ClientError) -> [API.Webhook] {
        try await call([API.Webhook].self, .GET, Self.path("webhooks", query: [("fleet", fleet)]))
    }

    /// `POST /v1/webhooks`: the answer is the only time the secret is shown.
    public func createWebhook(_ webhook: API.CreateWebhook) async throws(ClientError) -> API.Webhook {
        try await call(API.Webhook.self, .POST, Self.path("webhooks"), body: webhook)
    }

    /// `DELETE /v1/webhooks/{webhook}`.
    public func deleteWebhook(_ id: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("webhooks", id))
    }

    /// `POST /v1/webhooks/{webhook}/test`: queues a ping; its delivery.
    public func testWebhook(_ id: String) async throws(ClientError) -> API.WebhookDelivery {
        try await call(API.WebhookDelivery.self, .POST, Self.path("webhooks", id, "test"))
    }

    /// `GET /v1/webhooks/{webhook}/deliveries`, newest first.
    public func webhookDeliveries(_ id: String) async throws(ClientError) -> [API.WebhookDelivery] {
        try await call([API.WebhookDelivery].self, .GET, Self.path("webhooks", id, "deliveries"))
    }
}
