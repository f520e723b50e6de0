/// The one error type of `DroverModel`: what was wrong with a document, and where.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Code: String, Sendable, Codable {
        /// The text is not valid YAML or JSON.
        case syntax
        /// A key is not part of the Compose specification.
        case unknownKey
        /// A key is valid Compose but Drover does not support it yet.
        case unsupported
        /// A value has the wrong type or form.
        case invalidValue
        /// A reference names something that is not declared.
        case undeclared
        /// Services depend on each other in a circle.
        case dependencyCycle
        /// Something needed is missing.
        case missing
        /// The document, or what its aliases, merge keys, `extends` or port ranges expand to, is
        /// larger than Drover accepts.
        case tooLarge
    }

    /// What kind of problem this is.
    public var code: Code
    /// Where: a dotted path such as `services.web.ports[1]`; empty for the whole document.
    public var path: String
    /// The line in the document, 1-based, when known.
    public var line: Int?
    /// What is wrong, in words.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, at path: String, line: Int? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        var text = ""
        if let line { text += "line \(line): " }
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }
}
