import DroverModel

/// Webhooks, as the routes call them.
extension ControlPlane {
    /// The organisation's webhooks, or only those of `fleet`.
    public func listWebhooks(org: String, fleet: String?) async throws(ServerError) -> [API.Webhook] {
        try await webhooks.list(org: org, fleet: fleet)
    }
    /// Creates a webhook; its secret is in the answer only.
    public func createWebhook(org: String, _ body: API.CreateWebhook) async throws(ServerError) -> API.Webhook {
        try await webhooks.create(org: org, body)
    }
    /// Deletes a webhook and its deliveries.
    public func deleteWebhook(org: String, _ id: String) async throws(ServerError) { try await webhooks.delete(org: org, id) }
    /// Queues a ping to a webhook.
    public func testWebhook(org: String, _ id: String) async throws(ServerError) -> API.WebhookDelivery { try await webhooks.test(org: org, id) }
    /// A webhook's newest deliveries.
    public func webhookDeliveries(org: String, _ id: String) async throws(ServerError) -> [API.WebhookDelivery] {
        try await webhooks.deliveries(org: org, id)
    }
}
