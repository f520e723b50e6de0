import DroverModel
import DroverRegistry
import Foundation

/// `drover registry gc`: deletes from the server's registry the manifests of an organisation
/// that no kept release pins, then (for the embedded registry) runs Distribution's garbage
/// collection, which frees the blobs no manifest uses any more.
///
/// Kept: each fleet's `keep` newest releases, the release it tracks or offers, and every
/// release one of its devices is pinned to, reports running, or keeps while it is failing;
/// for each, the digest it pinned and every platform's manifest.
struct RegistryCollection: Sendable {
    /// Releases kept per fleet by default.
    static let defaultKeep = 10

    let registry: Registry
    let embedded: EmbeddedRegistry?

    func collect(_ access: Access, _ body: API.CollectImages) async throws(ServerError) -> API.CollectedImages {
        try access.checkOrganisation()
        guard let address = registry.settings.address, registry.issuer != nil else {
            throw ServerError(.unavailable, "this server runs no registry of its own")
        }
        let keep = body.keep ?? Self.defaultKeep
        guard (0...100_000).contains(keep) else { throw ServerError(.badRequest, "body: keep must be from 0 to 100000, got \(keep)") }
        let store = registry.store
        let org = try await store.org(named: access.org)
        var referenced: Set<String> = []
        var keptReleases = 0
        let devices = try await store.devices(org: org.id, fleetID: nil)
        for fleet in try await store.fleets(org: org.id) {
            let releases = try await store.releases(fleetID: fleet.id)
            var kept = Set(releases.prefix(keep).map(\.id))
            if let tracked = fleet.trackedRelease { kept.insert(tracked) }
            for stack in [false, true] {
                if let offered = try await store.newestUsableRelease(fleetID: fleet.id, stack: stack) { kept.insert(offered.id) }
            }
            for device in devices where device.fleetID == fleet.id {
                if let pinned = device.pinnedRelease { kept.insert(pinned) }
                if let running = device.report?.release { kept.insert(running) }
                if let rollout = device.report?.rollout?.release { kept.insert(rollout) }
            }
            for release in releases where kept.contains(release.id) {
                keptReleases += 1
                for pin in release.pins.values {
                    referenced.insert(pin.digest)
                    referenced.formUnion(pin.platforms.values)
                }
            }
        }
        let prefix = org.name.lowercased() + "/"
        let client = registry.client
        let catalogToken = try await registry.ownToken([RegistryAccess(type: "registry", name: "catalog", actions: ["*"])])
        let repositories: [String]
        do {
            repositories = try await client.catalog(at: address, credentials: .bearer(catalogToken)).filter { $0.hasPrefix(prefix) }
        } catch {
            throw ServerError(.unavailable, "the registry at \(address) did not list its repositories: \(error.message)")
        }
        var deleted: [API.DeletedImage] = []
        var keptCount = 0
        for repository in repositories.sorted() {
            let token = try await registry.ownToken([RegistryAccess(type: "repository", name: repository, actions: ["pull", "delete"])])
            do {
                var byDigest: [String: [String]] = [:]
                for tag in try await client.tags(repository, at: address, credentials: .bearer(token)) {
                    let manifest = try await client.manifest(repository, tag, at: address, credentials: .bearer(token))
                    byDigest[manifest.digest, default: []].append(tag)
                }
                for (digest, tags) in byDigest.sorted(by: { $0.key < $1.key }) {
                    guard !referenced.contains(digest) else {
                        keptCount += 1
                        continue
                    }
                    if body.dryRun != true { try await client.deleteManifest(repository, digest, at: address, credentials: .bearer(token)) }
                    deleted.append(API.DeletedImage(repository: repository, digest: digest, tags: tags.sorted()))
                }
            } catch {
                throw ServerError(.unavailable, "cleaning \(repository) failed: \(error.message)")
            }
        }
        var collected: String?
        if let embedded, body.dryRun != true, !deleted.isEmpty {
            do {
                let said = try await embedded.garbageCollect()
                collected =
                    said.split(separator: "\n").last(where: { $0.contains("eligible") || $0.contains("marked") }).map(String.init)
                    ?? "garbage collection ran"
            } catch {
                throw ServerError(.internalFailure, "the manifests were deleted, but the registry's garbage collection failed: \(error)")
            }
        }
        return API.CollectedImages(deleted: deleted, kept: keptCount, keptReleases: keptReleases, collected: collected)
    }
}
