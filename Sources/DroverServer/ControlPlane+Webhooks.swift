import DroverModel

/// Webhooks, as the routes call them.
extension ControlPlane {
    /// The organisation's webhooks, or only those of `fleet`.
    public func listWebhooks(_ access: Access, fleet: String?) async throws(ServerError) -> [API.Webhook] {
        try await webhooks.list(access, fleet: fleet)
    }
    /// Creates a webhook; its secret is in the answer only.
    public func createWebhook(_ access: Access, _ body: API.CreateWebhook) async throws(ServerError) -> API.Webhook {
        try await webhooks.create(access, body)
    }
    /// Deletes a webhook and its deliveries.
    public func deleteWebhook(_ access: Access, _ id: String) async throws(ServerError) { try await webhooks.delete(access, id) }
    /// Queues a ping to a webhook.
    public func testWebhook(_ access: Access, _ id: String) async throws(ServerError) -> API.WebhookDelivery { try await webhooks.test(access, id) }
    /// A webhook's newest deliveries.
    public func webhookDeliveries(_ access: Access, _ id: String) async throws(ServerError) -> [API.WebhookDelivery] {
        try await webhooks.deliveries(access, id)
    }
}
