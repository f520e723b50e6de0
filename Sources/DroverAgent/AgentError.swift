import DroverErrors

/// The one error type of `DroverAgent`.
public typealias AgentError = ModuleError<AgentErrorCode>

/// What kind of failure the agent met.
public enum AgentErrorCode: String, ErrorCode {
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
