import DroverModel
import Foundation
import Logging
import Synchronization

/// People's sessions on devices — terminals, tunnels, live logs — relayed over the devices'
/// channels (``ChannelHub``) by the server that holds the device's socket. Terminal sessions
/// are recorded: who, which device and service, what command, when, and how they ended.
struct Sessions: Sendable {
    let store: any DroverStore
    let channels: ChannelHub
    let logger: Logger
    /// Open pages hear that a session started or ended.
    let live: LiveEvents
    /// Sessions open now, by kind (for `/metrics`).
    let counts = SessionCounts()

    /// A device variable (or a fleet variable the device does not override) that, set to `1`,
    /// lets people open a shell on the device's host rather than in a container.
    static let hostShellVariable = "DROVER_HOST_SHELL"
    /// Sessions listed per device.
    static let listLimit = 200

    /// A session, open on a device's channel.
    struct Opened: Sendable {
        let kind: API.StreamOpen.Kind
        let stream: ChannelHub.DeviceStream
        /// The recorded session's id (terminals only).
        let recordID: String?
        /// The device and its fleet, for the pages that show its sessions.
        var device: String = ""
        var fleetID: String = ""
    }

    /// Opens a session on a device for a person: checks the request, the host shell's
    /// permission, that the device is connected, records a terminal session, and sends the
    /// device the `open` frame.
    func open(_ access: Access, address: String?, device reference: String, _ request: API.StreamOpen) async throws(ServerError) -> Opened {
        do {
            try request.validate()
        } catch {
            throw ServerError(.badRequest, "\(error.path): \(error.message)")
        }
        let device = try await access.device(in: store, reference)
        if request.kind == .terminal, request.service == nil, try await !hostShellAllowed(device) {
            throw ServerError(
                .forbidden,
                "a shell on device \(device.name)'s host is off: set \(Self.hostShellVariable)=1 for the device or its fleet to allow it, or name a service"
            )
        }
        var recordID: String?
        if request.kind == .terminal {
            let id = UUID().uuidString.lowercased()
            try await store.startSession(
                SessionRow(
                    id: id, deviceUUID: device.uuid, user: access.principal.userName, service: request.service, command: request.command,
                    startedAt: WallClock.now,
                    endedAt: nil, exitCode: nil, error: nil))
            recordID = id
        }
        guard let stream = channels.openStream(device: device.uuid, request) else {
            let message = "device \(device.name) is not connected (its agent is offline, or reaches the server only by long-poll)"
            if let recordID { try await store.endSession(id: recordID, at: WallClock.now, exitCode: nil, error: message) }
            throw ServerError(.conflict, message)
        }
        logger.info(
            "session opened",
            metadata: [
                "device": "\(device.uuid)", "kind": "\(request.kind.rawValue)", "service": "\(request.service ?? "host")",
                "user": "\(access.principal.userName)",
            ])
        counts.change(request.kind, by: 1)
        if request.kind != .logs {
            let principal = access.principal
            try? await store.appendAudit(
                AuditRecord(
                    at: WallClock.now, orgID: principal.org, actor: principal.userName, token: principal.tokenName, address: address,
                    action: "session.\(request.kind.rawValue)", target: "device:\(device.name)" + (request.service.map { "/\($0)" } ?? ""),
                    fleetID: device.fleetID, result: "ok", status: 101))
            live.publish(.audit, fleet: device.fleetID, device: device.uuid)
        }
        return Opened(kind: request.kind, stream: stream, recordID: recordID, device: device.uuid, fleetID: device.fleetID)
    }

    /// Records how a session ended.
    func ended(_ session: Opened, _ end: API.StreamEnd) async {
        session.stream.release()
        counts.change(session.kind, by: -1)
        guard let id = session.recordID else { return }
        do {
            try await store.endSession(id: id, at: WallClock.now, exitCode: end.exitCode, error: end.error.map { API.Limits.clip($0, to: API.Limits.detail) })
            live.publish(.audit, fleet: session.fleetID, device: session.device)
        } catch {
            logger.warning("cannot record a session's end", metadata: ["session": "\(id)", "error": "\(error)"])
        }
    }

    /// A device's recorded terminal sessions, newest first.
    func list(_ access: Access, device reference: String) async throws(ServerError) -> [API.SessionRecord] {
        let device = try await access.device(in: store, reference)
        return try await store.sessions(device: device.uuid, limit: Self.listLimit).map { row in
            API.SessionRecord(
                id: row.id, device: device.name, user: row.user, service: row.service, command: row.command, startedAt: Self.iso(row.startedAt),
                endedAt: row.endedAt.map(Self.iso), exitCode: row.exitCode, error: row.error)
        }
    }

    /// Whether the device's own variable, or else its fleet's, enables the host shell.
    private func hostShellAllowed(_ device: DeviceRecord) async throws(ServerError) -> Bool {
        let variables = try await store.envVars(fleetID: device.fleetID).filter { $0.name == Self.hostShellVariable && $0.service.isEmpty }
        let value = variables.first { $0.deviceUUID == device.uuid }?.value ?? variables.first { $0.deviceUUID.isEmpty }?.value
        return value == "1"
    }

    private static func iso(_ time: Double) -> String {
        Date(timeIntervalSince1970: time).ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// How many sessions of each kind are open on this server.
final class SessionCounts: Sendable {
    private let counts = Mutex<[API.StreamOpen.Kind: Int]>([:])

    func change(_ kind: API.StreamOpen.Kind, by delta: Int) {
        counts.withLock { $0[kind, default: 0] += delta }
    }

    /// Open sessions of `kind`.
    func open(_ kind: API.StreamOpen.Kind) -> Int {
        counts.withLock { $0[kind] ?? 0 }
    }
}
