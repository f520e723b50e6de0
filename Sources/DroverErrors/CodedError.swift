/// The words of one module's closed set of failure kinds, spelled as their raw values so they
/// read the same in logs, messages and JSON.
public protocol ErrorCode: RawRepresentable, Sendable, Hashable where RawValue == String {}

/// The one shape of every module's error type: a code to branch on, a message for people, and
/// the lower-level error that caused it. Mapping it to an HTTP status or an exit code happens
/// only at the edge that needs one.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    /// The module's kinds of failure.
    associatedtype Code: ErrorCode
    /// What kind of failure this is.
    var code: Code { get }
    /// A human message.
    var message: String { get }
    /// The lower-level error, if any.
    var cause: (any Error & Sendable)? { get }
}

extension CodedError {
    /// The message, followed by its cause when there is one.
    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}

/// A module error that carries nothing beyond the shared shape; modules name their own
/// (`typealias ServerError = ModuleError<ServerErrorCode>`), so a `catch` still says whose error
/// it expects.
public struct ModuleError<Code: ErrorCode>: CodedError {
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
}
