import Foundation

/// Images pinned by digest, the registry's tokens, and the credentials of private registries.
extension API {
    /// One service's image as a release pins it: the repository, the digest of what its tag
    /// named when the release was made, and one manifest digest per platform.
    public struct ImagePin: Codable, Sendable, Equatable {
        /// `registry/repository`, e.g. `127.0.0.1:5000/default/sensors/web`.
        public var repository: String
        /// The digest the reference resolved to: an image index (several platforms) or a manifest.
        public var digest: String
        /// The manifest digest for each platform the image has, keyed by `os/arch[/variant]`.
        public var platforms: [String: String]
        /// Creates a pin.
        public init(repository: String, digest: String, platforms: [String: String]) {
            self.repository = repository
            self.digest = digest
            self.platforms = platforms
        }

        /// `repository@digest`: what the release's image is.
        public var reference: String { repository + "@" + digest }

        /// The platform's own manifest, `repository@digest`; nil when the image lacks it.
        public func reference(for platform: Platform) -> String? {
            for (text, digest) in platforms {
                if let listed = try? Platform(parsing: text), listed == platform { return repository + "@" + digest }
            }
            // An `arm` device without a variant runs what the image offers for arm.
            if platform.variant == nil {
                let candidates = platforms.filter {
                    (try? Platform(parsing: $0.key)).map { $0.os == platform.os && $0.architecture == platform.architecture } ?? false
                }
                if candidates.count == 1, let only = candidates.first { return repository + "@" + only.value }
            }
            return nil
        }

        /// Whether the image has a manifest for `platform`.
        public func has(_ platform: Platform) -> Bool { reference(for: platform) != nil }
    }

    /// `GET /v1/registry/token`, as the Docker registry token specification answers.
    public struct RegistryToken: Codable, Sendable {
        /// The bearer token (a JWT) the registry accepts.
        public var token: String
        /// The same token, under the name OAuth 2 clients read.
        public var accessToken: String
        /// Seconds it is valid for.
        public var expiresIn: Int
        /// When it was issued.
        public var issuedAt: Date
        /// Creates an answer.
        public init(token: String, expiresIn: Int, issuedAt: Date) {
            self.token = token
            accessToken = token
            self.expiresIn = expiresIn
            self.issuedAt = issuedAt
        }

        enum CodingKeys: String, CodingKey {
            case token
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case issuedAt = "issued_at"
        }
    }

    /// `GET /v1/registry`: the server's own registry, as the CLI needs it to push.
    public struct RegistryInfo: Codable, Sendable, Equatable {
        /// `host:port` as devices and people reach it; nil when the server has none.
        public var address: String?
        /// The registry's service name, the tokens' audience.
        public var service: String
        /// Whether releases pin images by digest.
        public var resolvesImages: Bool
        /// The caller's organisation: the first part of its repositories' names.
        public var organisation: String
        /// Creates an answer.
        public init(address: String?, service: String, resolvesImages: Bool, organisation: String) {
            self.address = address
            self.service = service
            self.resolvesImages = resolvesImages
            self.organisation = organisation
        }
    }

    /// `POST /v1/device/pull-auth`: the image a device is about to pull.
    public struct PullAuthRequest: Codable, Sendable {
        /// The image reference.
        public var image: String
        /// Creates a body.
        public init(image: String) { self.image = image }
    }

    /// What the device hands its engine as `X-Registry-Auth` for the image; nil when the
    /// registry is one the server holds nothing for (the engine pulls anonymously).
    public struct PullAuth: Codable, Sendable, Equatable {
        /// The `X-Registry-Auth` header's value, base64url JSON.
        public var registryAuth: String?
        /// Creates an answer.
        public init(registryAuth: String?) { self.registryAuth = registryAuth }
    }

    /// A private registry's login for one fleet's devices, as listed: never its password.
    public struct RegistryLogin: Codable, Sendable, Equatable {
        /// Fleet name.
        public var fleet: String
        /// The registry's host, e.g. `ghcr.io`.
        public var registry: String
        /// The user name.
        public var username: String
        /// When it was stored.
        public var createdAt: Date
        /// Creates a listing entry.
        public init(fleet: String, registry: String, username: String, createdAt: Date) {
            self.fleet = fleet
            self.registry = registry
            self.username = username
            self.createdAt = createdAt
        }
    }

    /// `PUT /v1/fleets/{fleet}/registry-logins`: stores (or replaces) a fleet's login to a registry.
    public struct SetRegistryLogin: Codable, Sendable {
        /// The registry's host, e.g. `ghcr.io` or `harbor.example.com:8443`.
        public var registry: String
        /// The user name.
        public var username: String
        /// The password or access token; stored encrypted, never shown again.
        public var password: String
        /// Creates a body.
        public init(registry: String, username: String, password: String) {
            self.registry = registry
            self.username = username
            self.password = password
        }
    }
}

/// Images built by the server's builder (`drover push`).
extension API {
    /// An image built and pushed to the server's registry.
    public struct BuiltImage: Codable, Sendable, Equatable {
        /// `registry/repository:tag`.
        public var reference: String
        /// What the tag names: an index for several platforms, else the manifest.
        public var digest: String
        /// The manifest of each platform.
        public var platforms: [String: String]
        /// Creates one.
        public init(reference: String, digest: String, platforms: [String: String]) {
            self.reference = reference
            self.digest = digest
            self.platforms = platforms
        }
    }

    /// One line of `POST /v1/fleets/{fleet}/builds/{service}`'s answer (newline-delimited JSON):
    /// a line of the builder's output, then the image, or the error that ended the build.
    public struct BuildProgress: Codable, Sendable {
        /// A line the builder printed.
        public var output: String?
        /// The image, in the last line of a build that worked.
        public var image: BuiltImage?
        /// Why the build failed, in the last line of one that did.
        public var error: ErrorBody.Detail?
        /// The step that failed (the Dockerfile's Nth instruction), when known.
        public var step: Int?
        /// Creates a line.
        public init(output: String? = nil, image: BuiltImage? = nil, error: ErrorBody.Detail? = nil, step: Int? = nil) {
            self.output = output
            self.image = image
            self.error = error
            self.step = step
        }
    }
}

/// Cleaning the server's registry (`drover registry gc`).
extension API {
    /// `POST /v1/registry/gc`.
    public struct CollectImages: Codable, Sendable {
        /// How many of each fleet's newest releases keep their images (default 10); the release
        /// each fleet offers and every release a device is pinned to, runs or is to run are kept
        /// as well.
        public var keep: Int?
        /// Say what would be deleted, and delete nothing.
        public var dryRun: Bool?
        /// Creates a body.
        public init(keep: Int? = nil, dryRun: Bool? = nil) {
            self.keep = keep
            self.dryRun = dryRun
        }
    }

    /// What `registry gc` deleted, or would.
    public struct CollectedImages: Codable, Sendable, Equatable {
        /// Each manifest deleted: `repository@digest`, with the tags that named it.
        public var deleted: [DeletedImage]
        /// How many tagged manifests were kept.
        public var kept: Int
        /// How many releases kept their images.
        public var keptReleases: Int
        /// What the registry's own garbage collection said it freed (embedded registry only).
        public var collected: String?
        /// Creates a report.
        public init(deleted: [DeletedImage], kept: Int, keptReleases: Int, collected: String?) {
            self.deleted = deleted
            self.kept = kept
            self.keptReleases = keptReleases
            self.collected = collected
        }
    }

    /// One manifest `registry gc` deleted.
    public struct DeletedImage: Codable, Sendable, Equatable {
        /// The repository.
        public var repository: String
        /// The manifest's digest.
        public var digest: String
        /// The tags that named it.
        public var tags: [String]
        /// Creates an entry.
        public init(repository: String, digest: String, tags: [String]) {
            self.repository = repository
            self.digest = digest
            self.tags = tags
        }
    }
}
