import DroverModel
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /v1/events`: Server-Sent Events that tell an open page what changed, so that it reads
/// again only then and never polls. Each message is `event: KIND` and `data: {"fleet":…,
/// "device":…,"release":…}`; a `: keep-alive` comment comes every 15 s, and the stream ends
/// after `seconds` (a browser's EventSource opens it again by itself), when the credential
/// ends (logout, revocation, expiry: checked at each keep-alive), or when the server stops.
enum LiveEventsRoute {
    /// Seconds between keep-alive comments, and between checks that the credential still holds.
    static let keepAliveSeconds = 15
    /// How long a stream stays open by default, and at most.
    static let defaultSeconds = 600
    static let maxSeconds = 3600

    static func add(to v1: PeopleRoutes, plane: ControlPlane) {
        v1.get("events") { request, _, access in
            let query = request.uri.queryParameters
            let seconds = try APIRoutes.integer(query, "seconds", in: 1...maxSeconds) ?? defaultSeconds
            let fleet = query["fleet"].map(String.init)
            let device = query["device"].map(String.init)
            if fleet != nil && device != nil { throw ServerError(.badRequest, "give fleet or device, not both") }
            let listener = try await LiveListener.open(access, fleet: fleet, device: device, store: plane.fleets.store, hub: plane.live)
            let credential = Self.credential(of: request)
            let headers: HTTPFields = [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                // Proxies that buffer answers would hold the hints back.
                .named("X-Accel-Buffering"): "no",
            ]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await stream(listener, to: &writer, seconds: seconds, stillValid: { await valid(credential, plane: plane) })
                })
        }
    }

    private enum Beat: Sendable {
        case event(LiveEvent)
        case keepAlive
    }

    /// Writes hints until the time is up, the server stops, the credential ends or the page goes.
    private static func stream(
        _ listener: LiveListener, to writer: inout any ResponseBodyWriter, seconds: Int, stillValid: @escaping @Sendable () async -> Bool
    ) async throws {
        let (beats, beat) = AsyncStream.makeStream(of: Beat.self, bufferingPolicy: .bufferingNewest(LiveEvents.backlog))
        let hints = Task {
            for await event in listener.stream { beat.yield(.event(event)) }
            beat.finish()
        }
        let clock = Task {
            let end = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < end {
                try await Task.sleep(for: min(.seconds(keepAliveSeconds), end - ContinuousClock.now))
                beat.yield(.keepAlive)
            }
            beat.finish()
        }
        defer {
            hints.cancel()
            clock.cancel()
        }
        try await withGracefulShutdownHandler {
            try await writer.write(ByteBuffer(string: "retry: 2000\n\nevent: ready\ndata: {}\n\n"))
            for await next in beats {
                switch next {
                case .event(let event):
                    guard await listener.admits(event) else { continue }
                    try await writer.write(ByteBuffer(string: message(event)))
                case .keepAlive:
                    guard await stillValid() else { return }
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
        } onGracefulShutdown: {
            beat.finish()
        }
        try await writer.finish(nil)
    }

    /// One event, as the stream sends it.
    static func message(_ event: LiveEvent) -> String {
        var fields: [String] = []
        if let fleet = event.fleetID { fields.append(#""fleet":\#(quoted(fleet))"#) }
        if let device = event.deviceID { fields.append(#""device":\#(quoted(device))"#) }
        if let release = event.releaseID { fields.append(#""release":\#(quoted(release))"#) }
        return "event: \(event.kind.rawValue)\ndata: {\(fields.joined(separator: ","))}\n\n"
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data(#""""#.utf8), as: UTF8.self)
    }

    /// The request's credential: its bearer token or session cookie.
    private static func credential(of request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") { return String(header.dropFirst(7)) }
        return request.cookies[AuthMiddleware.sessionCookie]?.value
    }

    /// Whether the credential still names a person (not logged out, revoked or expired).
    private static func valid(_ credential: String?, plane: ControlPlane) async -> Bool {
        guard let credential else { return false }
        let identity: Identity?
        do {
            identity = try await plane.identity(credential: credential)
        } catch {
            // The store could not say: the stream goes on, and asks again at the next keep-alive.
            return true
        }
        guard case .user(let principal)? = identity else { return false }
        if let expiresAt = principal.expiresAt, expiresAt <= WallClock.now { return false }
        return true
    }
}
