import DockerEngine
import DroverBuild
import DroverModel
import DroverRegistry
import Foundation
import Logging

/// The server's builder: `drover push` sends each service's build context here, and the
/// server builds it on its builder engine (for each platform asked), pushes it to its own
/// registry as `ORG/FLEET/SERVICE:TAG`, and answers with the digests. People need no engine
/// of their own, and the registry is written only by the server and by those whose role
/// allows pushing.
struct ImageBuilds: Sendable {
    /// What one build is asked to do.
    struct Request: Sendable {
        var service: String
        var tag: String
        var platforms: [Platform]
        var recipe: BuildRecipe
    }

    let registry: Registry
    /// The engine builds run on; nil when the server has none.
    let builder: EngineEndpoint?
    let logger: Logger

    /// Checks the request against the fleet and the server, before the context is read.
    func prepare(_ access: Access, fleet reference: String, service: String) async throws(ServerError) -> (FleetRecord, ImageReference) {
        let fleet = try await access.fleet(in: registry.store, reference)
        guard let address = registry.settings.address, registry.issuer != nil else {
            throw ServerError(.unavailable, "this server runs no registry of its own, so it has nowhere to push images (start it with --registry)")
        }
        guard builder != nil else {
            throw ServerError(.unavailable, "this server has no builder engine (start it with --builder, or push with --builder URL)")
        }
        let repository = try await registry.repository(fleet: fleet, service: service)
        return (fleet, ImageReference(registry: address, repository: repository))
    }

    /// Builds and pushes; `output` hears each line of the builder's.
    func build(_ request: Request, repository: ImageReference, context: BuildContext, output: @escaping @Sendable (String) -> Void) async throws
        -> API.BuiltImage
    {
        guard let builder else { throw ServerError(.unavailable, "this server has no builder engine") }
        let engine = try await DockerClient.connect(to: builder, logger: logger)
        let client = RegistryClient(logger: logger, insecureRegistries: registry.settings.insecureRegistries)
        do {
            let token = try await registry.ownToken([RegistryAccess(type: "repository", name: repository.repository, actions: ["pull", "push"])])
            let published = try await ImagePublisher(engine: engine, registry: client).publish(
                context: context, recipe: request.recipe, platforms: request.platforms, repository: repository, tag: request.tag,
                engineAuth: RegistryClient.engineAuth(["registrytoken": token]), credentials: .bearer(token), output: output)
            try? await engine.shutdown()
            try? await client.shutdown()
            return API.BuiltImage(reference: published.reference, digest: published.digest, platforms: published.platforms)
        } catch {
            try? await engine.shutdown()
            try? await client.shutdown()
            throw error
        }
    }
}
