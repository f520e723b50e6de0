/// An image reference as Docker reads it: `[registry/]path[:tag][@digest]`, with Docker Hub's
/// defaults made explicit (`busybox` is `docker.io/library/busybox:latest`).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The registry's host and port, `docker.io` for Docker Hub.
    public var registry: String
    /// The repository's path in the registry, `library/busybox` for an official image.
    public var repository: String
    /// The tag, when one is named.
    public var tag: String?
    /// The digest, `sha256:…`, when one is named.
    public var digest: String?

    /// Parses a reference, refusing one that Docker would refuse, with the reason.
    public init(parsing text: String) throws(ModelError) {
        func refuse(_ why: String) -> ModelError {
            ModelError(.invalidValue, at: "image", "'\(text)' is not an image reference: \(why)")
        }
        guard !text.isEmpty, text.count <= 1024 else { throw refuse("it is empty or longer than 1,024 characters") }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = String(rest[rest.index(after: at)...])
            guard Self.isDigest(digest) else { throw refuse("'\(digest)' is not a digest such as sha256: and 64 hex digits") }
            self.digest = digest
            rest = rest[..<at]
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tag = String(rest[rest.index(after: colon)...])
            guard Self.isTag(tag) else { throw refuse("'\(tag)' is not a tag (letters, digits, '_', '.', '-', up to 128)") }
            self.tag = tag
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, let first = components.first, first.contains(".") || first.contains(":") || first == "localhost" {
            registry = first
            components.removeFirst()
        } else {
            registry = "docker.io"
        }
        guard !components.isEmpty, components.allSatisfy(Self.isPathComponent) else {
            throw refuse("a name is lowercase letters and digits, separated by '.', '_', '__', '-' or '/'")
        }
        if registry == "docker.io", components.count == 1 { components.insert("library", at: 0) }
        repository = components.joined(separator: "/")
        guard registry.count + repository.count < 256 else { throw refuse("its name is longer than 255 characters") }
    }

    /// Creates a reference from its parts.
    public init(registry: String, repository: String, tag: String? = nil, digest: String? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// `registry/repository`, the name a digest is appended to.
    public var name: String { registry + "/" + repository }

    /// The full reference.
    public var description: String {
        name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }

    /// What the registry's manifest endpoint is asked for: the digest, else the tag, else `latest`.
    public var manifestReference: String { digest ?? tag ?? "latest" }

    /// `name@digest`.
    public func pinned(_ digest: String) -> String { name + "@" + digest }

    /// Whether `text` is `algorithm:hex`, as registries name content (sha256 and sha512).
    public static func isDigest(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let hex = parts[1]
        let lengths = ["sha256": 64, "sha512": 128]
        guard let length = lengths[String(parts[0])] else { return false }
        return hex.count == length && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    private static func isTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first.isASCII, first.isLetter || first.isNumber || first == "_" else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    /// Whether `component` is one element of a repository's path: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    public static func isPathComponent(_ component: String) -> Bool {
        let characters = Array(component)
        guard let first = characters.first, let last = characters.last, Self.isAlphanumeric(first), Self.isAlphanumeric(last) else { return false }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if Self.isAlphanumeric(character) {
                index += 1
                continue
            }
            var run = index
            while run < characters.count, !Self.isAlphanumeric(characters[run]) { run += 1 }
            let separator = String(characters[index..<run])
            guard separator == "." || separator == "_" || separator == "__" || separator.allSatisfy({ $0 == "-" }) else { return false }
            index = run
        }
        return true
    }

    private static func isAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber)
    }
}
