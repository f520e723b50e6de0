import DroverErrors

/// The kinds of failure of a registry conversation.
public enum RegistryErrorCode: String, ErrorCode {
    /// The registry (or its token service) could not be reached, or broke off.
    case unreachable
    /// The registry wants credentials that were not given, or refused those given.
    case unauthorized
    /// The credentials are good but do not allow this.
    case denied
    /// No such repository, tag, manifest or blob.
    case notFound = "not-found"
    /// The registry answered something Drover cannot read.
    case invalidResponse = "invalid-response"
    /// The registry refused what was sent.
    case rejected
}

/// The one error type of `DroverRegistry`.
public typealias RegistryError = ModuleError<RegistryErrorCode>
