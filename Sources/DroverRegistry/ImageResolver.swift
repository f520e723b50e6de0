import DroverModel
import Foundation

/// Resolves image references to digests, one per platform, and writes multi-platform indexes.
public struct ImageResolver: Sendable {
    /// The registry client.
    public let client: RegistryClient

    /// A resolver over `client`.
    public init(client: RegistryClient) { self.client = client }

    /// What `reference` names now: an index's manifest per platform, or a single manifest and
    /// the platform its config states.
    public func resolve(_ reference: ImageReference, credentials: RegistryClient.Credentials) async throws(RegistryError) -> API.ImagePin {
        let fetched = try await client.manifest(reference.repository, reference.manifestReference, at: reference.registry, credentials: credentials)
        var platforms: [String: String] = [:]
        if ManifestMediaType.isIndex(fetched.mediaType) {
            let index = try RegistryClient.decode(ImageIndex.self, fetched.body, what: "the index of \(reference)")
            for entry in index.manifests {
                // BuildKit lists attestations as platform unknown/unknown: nothing runs them.
                guard let platform = entry.platform, platform.os != "unknown",
                    entry.annotations?["vnd.docker.reference.type"] != "attestation-manifest"
                else { continue }
                let key = platform.platform.description
                if platforms[key] == nil { platforms[key] = entry.digest }
            }
        } else {
            let manifest = try RegistryClient.decode(ImageManifest.self, fetched.body, what: "the manifest of \(reference)")
            let config = try await client.blob(reference.repository, manifest.config.digest, at: reference.registry, credentials: credentials)
            let stated = try RegistryClient.decode(ImageConfigPlatform.self, config, what: "the config of \(reference)")
            let platform = Platform(os: stated.os ?? "linux", architecture: stated.architecture ?? "amd64", variant: stated.variant)
            platforms[platform.description] = fetched.digest
        }
        return API.ImagePin(repository: reference.name, digest: fetched.digest, platforms: platforms)
    }

    /// Writes an OCI image index of `manifests` (each already in `repository`) under `tag`,
    /// as `docker buildx` would; returns the index's digest.
    public func publishIndex(
        _ manifests: [(platform: Platform, digest: String)], repository: String, tag: String, at registry: String,
        credentials: RegistryClient.Credentials
    ) async throws(RegistryError) -> String {
        var descriptors: [Descriptor] = []
        for (platform, digest) in manifests.sorted(by: { $0.platform < $1.platform }) {
            let fetched = try await client.manifest(repository, digest, at: registry, credentials: credentials)
            descriptors.append(
                Descriptor(mediaType: fetched.mediaType, digest: digest, size: Int64(fetched.body.count), platform: DescriptorPlatform(platform)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body: Data
        do {
            body = try encoder.encode(ImageIndex(manifests: descriptors))
        } catch {
            throw RegistryError(.rejected, "the index of \(repository) could not be encoded", cause: error)
        }
        return try await client.putManifest(repository, tag, mediaType: ManifestMediaType.ociIndex, body: body, at: registry, credentials: credentials)
    }
}
