/// The one error type of `DroverAgent`.
public struct AgentError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The target cannot be run as given (no image, missing external network, …).
        case invalidTarget
        /// A step failed more often than it may be retried.
        case stepFailed
        /// Convergence waited too long for something (a dependency's health).
        case timedOut
        /// The agent's own state directory cannot be read or written.
        case stateDirectory
        /// The engine failed.
        case engine
        /// A service cannot start because one it depends on failed (unhealthy, or exited with an error).
        case dependencyFailed
        /// An update lock holds the update back.
        case locked
        /// A lifecycle was asked to take an event its state cannot take.
        case illegalTransition
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human message.
    public var message: String
    /// The lower-level error, if any.
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
