import DroverModel
import Foundation
import Hummingbird

/// Adds people's routes so that none can skip the role table: each route is looked up in the
/// OpenAPI document by method and path when it is added, and every request to it is checked
/// against the permission the document names before its handler runs. The handler gets the
/// ``Access`` that the control plane checks each fleet against. Changes are audited: the entry
/// is written with the change (``AuditDraft``), or alone when nothing changed or it failed.
struct PeopleRoutes {
    let group: RouterGroup<DroverContext>
    let plane: ControlPlane

    typealias Handler = @Sendable (Request, DroverContext, Access) async throws -> Response

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { add(.put, path, handler) }
    func patch(_ path: String, _ handler: @escaping Handler) { add(.patch, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { add(.delete, path, handler) }

    /// The operation of the document for a route: a route the document does not describe as
    /// a person's is a programming error, caught by the first test that builds the router.
    static func operation(_ method: HTTPRequest.Method, _ path: String) -> OpenAPIDocument.Operation {
        let documented = "/v1/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        guard let operation = OpenAPIDocument.operations.first(where: { $0.method == method.rawValue.lowercased() && $0.path == documented }),
            case .person = operation.caller
        else {
            preconditionFailure("\(method) \(documented) is not in the OpenAPI document as a person's route")
        }
        return operation
    }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let operation = Self.operation(method, path)
        guard case .person(let permission) = operation.caller else { return }
        let plane = self.plane
        group.on(RouterPath(path), method: method) { request, context in
            let principal = try context.requirePerson()
            let access = Access(principal: principal, permission: permission, homeOrg: try await plane.homeOrg())
            // A refused change is audited too: who tried what, and that it was refused.
            let run = { () async throws -> Response in
                guard access.allowedAnywhere else {
                    let roles = principal.anyRoles.map(\.rawValue).sorted().joined(separator: ", ")
                    throw ServerError(
                        .forbidden,
                        "'\(operation.id)' needs a role that grants '\(permission.rawValue)' (\(OpenAPIDocument.roles(permission))); yours: \(roles.isEmpty ? "none" : roles)"
                    )
                }
                return try await handler(request, context, access)
            }
            guard method != .get else { return try await run() }
            return try await Self.audited(operation: operation, request: request, context: context, access: access, plane: plane, run)
        }
    }

    /// Runs a change with its audit entry: written with the change, with the success the
    /// document gives the operation, and settled only when the answer was another; or written
    /// alone when the request changed nothing or failed.
    private static func audited(
        operation: OpenAPIDocument.Operation, request: Request, context: DroverContext, access: Access, plane: ControlPlane, _ body: () async throws -> Response
    ) async throws -> Response {
        let principal = access.principal
        let draft = AuditDraft(
            AuditRecord(
                at: WallClock.now, orgID: principal.org, actor: principal.userName, token: principal.tokenName, address: context.address,
                action: operation.id, target: request.uri.path, requestID: context.logger[metadataKey: "hb.request.id"]?.description, result: "ok",
                status: operation.successStatus))
        let outcome: Result<Response, any Error>
        do {
            outcome = .success(try await AuditDraft.$current.withValue(draft) { try await body() })
        } catch {
            outcome = .failure(error)
        }
        let (status, result): (Int, String)
        switch outcome {
        case .success(let response): (status, result) = (Int(response.status.code), response.status.code < 400 ? "ok" : "error")
        case .failure(let error as ServerError): (status, result) = (Int(error.status.code), error.code.rawValue)
        case .failure: (status, result) = (500, "internal")
        }
        let (entry, written) = draft.snapshot
        if let written {
            if result != entry.result || status != entry.status { try? await plane.accounts.store.settleAudit(id: written, result: result, status: status) }
        } else {
            var entry = entry
            entry.result = result
            entry.status = status
            await plane.accounts.record(entry)
        }
        plane.live.publish(LiveEvent(kind: .audit, fleetID: entry.fleetID, orgID: principal.org))
        return try outcome.get()
    }
}
