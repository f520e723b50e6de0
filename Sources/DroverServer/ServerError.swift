import DroverErrors

/// The one error type of `DroverServer`: a code, a human message and an optional cause. It
/// knows nothing of HTTP: the routes' edge (`ServerError+HTTP.swift`) maps its code to a
/// status and a JSON body.
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
    /// An image cannot be pinned: its registry has no such image, or refuses the server.
    case imageUnavailable = "image_unavailable"
    /// An image lacks a platform that devices of the fleet run.
    case missingPlatform = "missing_platform"
    /// Building an image failed; the message quotes the builder.
    case buildFailed = "build_failed"
    /// The server is not set up for this (it runs no registry, or has no builder).
    case unavailable
    /// Too many attempts (logins) in a short time.
    case tooManyRequests = "too_many_requests"
    /// The store failed.
    case storage
    /// Something else on the server failed.
    case internalFailure = "internal"
}
