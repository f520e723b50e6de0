import DroverModel
import Hummingbird

/// The `/v1/webhooks` routes: people's, with a user token, like every `v1` route of theirs.
struct WebhookRoutes {
    let plane: ControlPlane

    /// Adds the routes to the group of routes that need a user token.
    func register(on v1: RouterGroup<DroverContext>) {
        v1.get("webhooks") { request, context in
            JSONBody.response(try await plane.listWebhooks(org: try context.requireUser(), fleet: request.uri.queryParameters["fleet"].map(String.init)))
        }
        v1.post("webhooks") { request, context in
            let body = try await JSONBody.decode(API.CreateWebhook.self, from: request)
            return JSONBody.response(try await plane.createWebhook(org: try context.requireUser(), body), status: .created)
        }
        v1.delete("webhooks/:webhook") { _, context in
            try await plane.deleteWebhook(org: try context.requireUser(), try context.parameters.require("webhook"))
            return Response(status: .noContent)
        }
        v1.post("webhooks/:webhook/test") { _, context in
            JSONBody.response(try await plane.testWebhook(org: try context.requireUser(), try context.parameters.require("webhook")), status: .created)
        }
        v1.get("webhooks/:webhook/deliveries") { _, context in
            JSONBody.response(try await plane.webhookDeliveries(org: try context.requireUser(), try context.parameters.require("webhook")))
        }
    }
}
