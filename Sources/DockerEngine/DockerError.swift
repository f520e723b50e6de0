import DroverErrors

/// The one error type of the `DockerEngine` module.
///
/// It keeps the engine's own message and HTTP status so that a caller can show the user exactly
/// what dockerd said (for example `pull access denied for x, repository does not exist`).
public struct DockerError: CodedError {
    /// What kind of failure this is, for callers that branch on it.
    public enum Code: String, ErrorCode {
        /// The engine could not be reached (socket missing, connection refused, timeout).
        case unreachable
        /// The engine answered with an error status.
        case engine
        /// The engine's answer could not be decoded.
        case badResponse
        /// The engine speaks an API version older than Drover supports.
        case unsupportedVersion
        /// The address of the engine could not be understood.
        case badEndpoint
        /// A streamed operation (pull, build) reported an error inside its stream.
        case streamError
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human message, the engine's own where it sent one.
    public var message: String
    /// The HTTP status the engine answered with, when it answered.
    public var status: Int?
    /// The lower-level error that caused this one, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, status: Int? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.cause = cause
    }

    /// True when the engine said the object does not exist (HTTP 404).
    public var isNotFound: Bool { status == 404 }
    /// True when the engine said the operation conflicts with the object's state (HTTP 409).
    public var isConflict: Bool { status == 409 }
    /// True when the engine said nothing had to be done (HTTP 304, e.g. starting a running container).
    public var isNotModified: Bool { status == 304 }

    /// The message, the engine's status and the cause: what a person needs to see.
    public var description: String {
        var text = message
        if let status { text += " (engine status \(status))" }
        if let cause { text += ": \(cause)" }
        return text
    }
}
