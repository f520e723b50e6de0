import DroverModel
import Hummingbird

// `HTTPResponseError` is a conditional conformance of the generic `ModuleError`, and those
// must state the protocol it refines as well.
extension ServerError: ResponseGenerator {}

/// The edge: a domain error's code becomes an HTTP status here and nowhere else.
extension ServerError: HTTPResponseError {
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
        case .tooManyRequests: .tooManyRequests
        case .imageUnavailable, .missingPlatform, .buildFailed: .unprocessableContent
        case .unavailable: .serviceUnavailable
        case .storage, .internalFailure: .internalServerError
        }
    }

    /// The JSON error body with the code's status.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON error body with the code's status.
    func response() -> Response {
        JSONBody.response(API.ErrorBody(code: code.rawValue, message: message), status: status)
    }
}
