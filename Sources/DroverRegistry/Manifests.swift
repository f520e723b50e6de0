import DroverModel
import Foundation

/// The manifest formats registries serve, and the parts of them Drover reads.
public enum ManifestMediaType {
    /// An OCI image index: one manifest per platform.
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    /// Docker's manifest list, the index's predecessor.
    public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// An OCI image manifest.
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    /// Docker's image manifest, schema 2.
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    /// Every type Drover accepts, for `Accept`.
    public static let accepted = [ociIndex, dockerList, ociManifest, dockerManifest]

    /// Whether `type` names an index or manifest list.
    public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerList }
}

/// A content descriptor: what a manifest or index points at.
public struct Descriptor: Codable, Sendable, Equatable {
    /// Its media type.
    public var mediaType: String
    /// Its digest.
    public var digest: String
    /// Its size in bytes.
    public var size: Int64
    /// The platform, in an index.
    public var platform: DescriptorPlatform?
    /// Annotations (attestation manifests carry some).
    public var annotations: [String: String]?

    /// Creates a descriptor.
    public init(mediaType: String, digest: String, size: Int64, platform: DescriptorPlatform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
    }
}

/// A platform as an index's descriptor or an image config states it.
public struct DescriptorPlatform: Codable, Sendable, Equatable {
    /// The architecture.
    public var architecture: String
    /// The operating system.
    public var os: String
    /// The variant, e.g. `v7`.
    public var variant: String?

    /// Creates one from a platform.
    public init(_ platform: Platform) {
        architecture = platform.architecture
        os = platform.os
        variant = platform.variant
    }

    /// As a Drover platform.
    public var platform: Platform { Platform(os: os, architecture: architecture, variant: variant) }
}

/// An image index or manifest list.
public struct ImageIndex: Codable, Sendable {
    /// Always 2.
    public var schemaVersion: Int
    /// Its media type.
    public var mediaType: String?
    /// One entry per platform (and, from BuildKit, per attestation).
    public var manifests: [Descriptor]

    /// An OCI index of `manifests`.
    public init(manifests: [Descriptor]) {
        schemaVersion = 2
        mediaType = ManifestMediaType.ociIndex
        self.manifests = manifests
    }
}

/// An image manifest: its config and layers.
public struct ImageManifest: Codable, Sendable {
    /// Always 2.
    public var schemaVersion: Int
    /// Its media type.
    public var mediaType: String?
    /// The image config blob.
    public var config: Descriptor
    /// The layers, bottom first.
    public var layers: [Descriptor]
}

/// The part of an image config that names its platform.
struct ImageConfigPlatform: Codable, Sendable {
    var architecture: String?
    var os: String?
    var variant: String?
}

/// A manifest as fetched: its type, digest and bytes.
public struct FetchedManifest: Sendable {
    /// The media type the registry named.
    public var mediaType: String
    /// Its digest (the registry's `Docker-Content-Digest`, checked against the bytes).
    public var digest: String
    /// The bytes.
    public var body: Data
}
