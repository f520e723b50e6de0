import DroverModel
import Hummingbird

/// The `/v1/webhooks` routes: people's, checked against the role table like every `v1` route of theirs.
struct WebhookRoutes {
    let plane: ControlPlane

    /// Adds the routes to people's.
    func register(on v1: PeopleRoutes) {
        v1.get("webhooks") { request, context, access in
            JSONBody.response(try await plane.listWebhooks(access, fleet: request.uri.queryParameters["fleet"].map(String.init)))
        }
        v1.post("webhooks") { request, context, access in
            let body = try await JSONBody.decode(API.CreateWebhook.self, from: request)
            return JSONBody.response(try await plane.createWebhook(access, body), status: .created)
        }
        v1.delete("webhooks/:webhook") { _, context, access in
            try await plane.deleteWebhook(access, try context.parameters.require("webhook"))
            return Response(status: .noContent)
        }
        v1.post("webhooks/:webhook/test") { _, context, access in
            JSONBody.response(try await plane.testWebhook(access, try context.parameters.require("webhook")), status: .created)
        }
        v1.get("webhooks/:webhook/deliveries") { _, context, access in
            JSONBody.response(try await plane.webhookDeliveries(access, try context.parameters.require("webhook")))
        }
    }
}
