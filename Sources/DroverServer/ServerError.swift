/// The one error type of `DroverServer`: a code, a human message and an optional cause. It
/// knows nothing of HTTP: the routes' edge (`ServerError+HTTP.swift`) maps its code to a
/// status and a JSON body.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The request body or parameters are malformed.
        case badRequest = "bad_request"
        /// The compose document is invalid.
        case invalidCompose = "invalid_compose"
        /// No or a wrong credential.
        case unauthorized
        /// The credential may not do this.
        case forbidden
        /// The named thing does not exist.
        case notFound = "not_found"
        /// The change conflicts with what exists (a duplicate name).
        case conflict
        /// The request body is larger than the server accepts.
        case payloadTooLarge = "payload_too_large"
        /// The path exists, but not with this method.
        case methodNotAllowed = "method_not_allowed"
        /// The store failed.
        case storage
    }

    /// What went wrong.
    public var code: Code
    /// A human message.
    public var message: String
    /// The lower-level error.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }
}
