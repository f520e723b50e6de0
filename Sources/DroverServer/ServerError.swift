import DroverErrors
import Hummingbird

/// The one error type of `DroverServer`: a code, a human message and an optional cause. It
/// becomes an HTTP status and a JSON body only at the edge (`response(from:context:)`).
public typealias ServerError = ModuleError<ServerErrorCode>

/// What went wrong on the server: the `code` of its JSON error body.
public enum ServerErrorCode: String, ErrorCode {
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

extension ServerError {
    /// The HTTP status for the code.
    public var status: HTTPResponse.Status {
        switch code {
        case .badRequest, .invalidCompose: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .methodNotAllowed: .methodNotAllowed
        case .storage: .internalServerError
        }
    }
}

// `HTTPResponseError` (in DroverContext.swift) is a conditional conformance of the generic
// `ModuleError`, and those must state the protocol it refines as well.
extension ServerError: ResponseGenerator {}
