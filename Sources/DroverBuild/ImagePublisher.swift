import AsyncHTTPClient
import DockerEngine
import DroverModel
import DroverRegistry
import Foundation
import NIOCore
import NIOFoundationCompat

/// What a service's build is made of, from its compose `build:`.
public struct BuildRecipe: Sendable {
    /// The context directory.
    public var context: String
    /// The Dockerfile's path inside the context.
    public var dockerfile: String
    /// Build arguments.
    public var args: [String: String]
    /// Labels.
    public var labels: [String: String]
    /// The stage to build.
    public var target: String?
    /// Do not use the cache.
    public var noCache: Bool

    /// A recipe.
    public init(
        context: String, dockerfile: String = "Dockerfile", args: [String: String] = [:], labels: [String: String] = [:], target: String? = nil,
        noCache: Bool = false
    ) {
        self.context = context
        self.dockerfile = dockerfile
        self.args = args
        self.labels = labels
        self.target = target
        self.noCache = noCache
    }
}

/// An image built and pushed: its reference, and its manifest per platform.
public struct PublishedImage: Sendable, Equatable {
    /// `registry/repository:tag`.
    public var reference: String
    /// The digest the tag names: an index for several platforms, else the one manifest.
    public var digest: String
    /// The manifest of each platform.
    public var platforms: [String: String]
}

/// Builds an image on an engine for each platform asked, pushes each to a registry, and for
/// several platforms writes the index that names them all under the tag, as `docker buildx
/// --platform a,b --push` does (the engine's classic builder has no buildx).
public struct ImagePublisher: Sendable {
    /// The builder engine.
    public let engine: DockerClient
    /// The registry's client, for the index.
    public let registry: RegistryClient

    /// A publisher.
    public init(engine: DockerClient, registry: RegistryClient) {
        self.engine = engine
        self.registry = registry
    }

    /// Builds `context` (a tar) per platform, pushes it as `repository:tag`, and returns what
    /// was pushed. `engineAuth` is the `X-Registry-Auth` the engine pushes with, `credentials`
    /// what the index is written with. A failing step throws ``BuildFailure`` with its line.
    public func publish(
        context: BuildContext, recipe: BuildRecipe, platforms: [Platform], repository: ImageReference, tag: String, engineAuth: String,
        credentials: RegistryClient.Credentials, output: @escaping @Sendable (String) -> Void
    ) async throws -> PublishedImage {
        let reference = repository.name + ":" + tag
        var manifests: [(platform: Platform, digest: String)] = []
        let targets: [Platform?] = platforms.isEmpty ? [nil] : platforms
        for platform in targets {
            let platformTag = targets.count > 1 ? reference + "-" + (platform.map(Self.tagSuffix) ?? "native") : reference
            var arguments = recipe.args
            if let platform {
                output("building \(reference) for \(platform)")
                arguments = Self.platformArguments(platform).merging(arguments) { _, given in given }
            }
            let options = BuildOptions(
                tag: platformTag, dockerfile: recipe.dockerfile, buildArgs: arguments, labels: recipe.labels, target: recipe.target,
                noCache: recipe.noCache, platform: platform?.description)
            let made = try await build(context, options: options, platform: platform, output: output)
            output("pushing \(platformTag)")
            guard let digest = try await engine.pushImage(platformTag, registryAuth: engineAuth) else {
                throw BuildError("the engine pushed \(platformTag) without saying its digest")
            }
            manifests.append((made, digest))
        }
        if manifests.count == 1 {
            return PublishedImage(reference: reference, digest: manifests[0].digest, platforms: [manifests[0].platform.description: manifests[0].digest])
        }
        let index = try await ImageResolver(client: registry).publishIndex(
            manifests, repository: repository.repository, tag: tag, at: repository.registry, credentials: credentials)
        output("pushed the index of \(manifests.count) platforms as \(reference)")
        return PublishedImage(
            reference: reference, digest: index, platforms: Dictionary(uniqueKeysWithValues: manifests.map { ($0.platform.description, $0.digest) }))
    }

    /// Builds one image and returns the platform it was made for, as the engine says. The
    /// classic builder's cache ignores the platform of a step whose parent is `scratch`: it may
    /// offer another platform's layer, and then fail on it or make an image of the wrong
    /// platform. Either way the build runs once more without the cache.
    private func build(_ context: BuildContext, options: BuildOptions, platform: Platform?, output: @escaping @Sendable (String) -> Void)
        async throws -> Platform
    {
        var options = options
        while true {
            var made: Platform?
            do {
                made = try await platformOf(try await engine.build(context: try context.requestBody(), options: options, output: output))
            } catch let failure as BuildFailure where failure.message.contains("does not match the specified platform") && !options.noCache {
                made = nil
            }
            if let made, platform.map({ Self.platform(made, is: $0) }) ?? true { return made }
            guard !options.noCache else {
                throw BuildError(
                    "the builder made an image that is not \(platform?.description ?? "its own platform") for \(options.tag), even without its cache")
            }
            output(
                "the builder's cache held another platform's layers (a fault of the classic builder with FROM scratch); building \(platform?.description ?? "it") again without the cache"
            )
            options.noCache = true
        }
    }

    /// The platform of the engine's image `id`.
    private func platformOf(_ id: String) async throws -> Platform {
        guard let image = try await engine.inspectImage(id) else { throw BuildError("the built image \(id) is gone from the builder") }
        return Platform(os: image.os ?? "linux", architecture: image.architecture ?? "", variant: image.variant)
    }

    /// Whether an image made for `made` serves `asked` (an unvaried ask takes any variant).
    static func platform(_ made: Platform, is asked: Platform) -> Bool {
        made.os == asked.os && made.architecture == asked.architecture && (asked.variant == nil || made.variant == asked.variant)
    }

    /// The arguments BuildKit gives every build and the engine's classic builder does not:
    /// a Dockerfile that declares `ARG TARGETARCH` builds the same under both.
    static func platformArguments(_ platform: Platform) -> [String: String] {
        var arguments = ["TARGETPLATFORM": platform.description, "TARGETOS": platform.os, "TARGETARCH": platform.architecture]
        if let variant = platform.variant { arguments["TARGETVARIANT"] = variant }
        return arguments
    }

    /// `arm64`, `arm-v7`: a tag's suffix for a platform's own image.
    static func tagSuffix(_ platform: Platform) -> String {
        [platform.architecture, platform.variant].compactMap { $0 }.joined(separator: "-")
    }
}
