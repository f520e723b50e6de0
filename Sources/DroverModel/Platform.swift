/// An OCI platform, `os/architecture[/variant]`, as image indexes and the engine name it.
/// Names are normalised as containerd does: `x86_64` is `amd64`, `aarch64` is `arm64`, and
/// `arm64/v8` is plain `arm64`.
public struct Platform: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// `linux`, `windows`, ….
    public var os: String
    /// `amd64`, `arm64`, `arm`, `386`, `riscv64`, ….
    public var architecture: String
    /// `v6`, `v7` for `arm`; nil where it says nothing.
    public var variant: String?

    /// Creates a platform, normalising its names.
    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os.lowercased()
        let (architecture, implied) = Self.normalised(architecture: architecture.lowercased())
        self.architecture = architecture
        var variant = variant?.lowercased() ?? implied
        if architecture == "arm64", variant == "v8" { variant = nil }
        if variant?.isEmpty == true { variant = nil }
        self.variant = variant
    }

    /// Parses `linux/arm64`, `linux/arm/v7` or `linux/amd64`.
    public init(parsing text: String) throws(ModelError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy(Self.isWord) else {
            throw ModelError(.invalidValue, at: "platform", "'\(text)' is not a platform; write os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The platform an engine reports in `/info`: its `OSType` and its `Architecture` (the
    /// kernel's machine name, such as `x86_64`, `aarch64` or `armv7l`).
    public init(engineOS: String, machine: String) {
        self.init(os: engineOS.isEmpty ? "linux" : engineOS, architecture: machine)
    }

    /// `os/architecture[/variant]`.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// Orders by text, for listings.
    public static func < (lhs: Platform, rhs: Platform) -> Bool { lhs.description < rhs.description }

    /// Decodes from its text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    /// Encodes as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func isWord(_ part: String) -> Bool {
        !part.isEmpty && part.count <= 32 && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// Kernel machine names and aliases to OCI architecture names, with the variant they imply.
    private static func normalised(architecture: String) -> (String, String?) {
        switch architecture {
        case "x86_64", "x86-64", "amd64": ("amd64", nil)
        case "aarch64", "arm64", "armv8", "armv8l": ("arm64", nil)
        case "armv7l", "armv7", "armhf": ("arm", "v7")
        case "armv6l", "armv6", "armel": ("arm", "v6")
        case "armv5tel", "armv5": ("arm", "v5")
        case "i386", "i486", "i586", "i686", "x86": ("386", nil)
        default: (architecture, nil)
        }
    }
}
