import DroverErrors

/// A failure talking to the Drover server: the server's own error code and message when it
/// answered, or why it could not be reached.
public struct ClientError: CodedError {
    /// The server's error code (`not_found`, `invalid_compose`, …), or one of the client's own
    /// (`unreachable`, `bad_response`, `bad_request`). The server may add codes, so this is open:
    /// compare it with a string literal or a named code.
    public struct Code: ErrorCode, ExpressibleByStringLiteral, CustomStringConvertible {
        /// The word.
        public var rawValue: String
        /// Creates a code from its word.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Creates a code from a literal word.
        public init(stringLiteral value: String) { rawValue = value }
        /// The word.
        public var description: String { rawValue }

        /// The server could not be reached, or did not answer in time.
        public static let unreachable: Code = "unreachable"
        /// The server's answer is not what this client understands.
        public static let badResponse: Code = "bad_response"
        /// The request could not be built (encoded or compressed).
        public static let badRequest: Code = "bad_request"
    }

    /// What went wrong.
    public var code: Code
    /// The message to show.
    public var message: String
    /// HTTP status, when the server answered.
    public var status: Int?
    /// The lower-level error, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(code: Code, message: String, status: Int? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.cause = cause
    }

    /// The server refused this very request (malformed, or too large): sending it again would be
    /// refused again, unlike a failure to reach the server.
    public var isRefusal: Bool { status == 400 || status == 413 }

    /// The server did not accept the credential: the device was deleted, or the token revoked.
    public var isUnauthorized: Bool { status == 401 }
}
