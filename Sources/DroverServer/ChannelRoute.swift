import DroverModel
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The request context of WebSocket upgrades.
public struct ChannelRequestContext: RequestContext, WebSocketRequestContext {
    /// Hummingbird's own per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// Where the upgrade's handler is left for the WebSocket.
    public let webSocket: WebSocketHandlerReference<Self>

    /// Creates a context for an upgrade request.
    /// The client's address, for the audit log.
    public let address: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        address = source.channel.remoteAddress?.ipAddress
    }
}

/// `GET /v1/device/channel`: the device's WebSocket, authenticated with its key like every
/// device request. The server writes the frames the ``ChannelHub`` gives it (notices now) and
/// reads the device's; WebSocket pings every ``pingSeconds`` keep NAT mappings open and find
/// dead peers.
enum ChannelRoute {
    /// Seconds between the server's pings. A ping and its pong (16 bytes of payload each)
    /// cost about 200 bytes on the wire with TCP/IP headers and the ACK: 3.4 MB per device per
    /// month at this interval. Cellular NATs keep idle TCP mappings for several minutes; most
    /// home routers for hours.
    static let pingSeconds: Int64 = 150

    static let path = "/v1/device/channel"

    /// The router that answers upgrade requests.
    static func router(plane: ControlPlane) -> Router<ChannelRequestContext> {
        let router = Router(context: ChannelRequestContext.self)
        router.ws(RouterPath(path)) { request, _ in
            _ = try await device(request, plane: plane)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            // The upgrade was authenticated a moment ago; a device deleted in between is cut
            // off here, where its channel is known.
            guard let uuid = try? await device(context.request, plane: plane) else {
                try await outbound.close(.policyViolation, reason: "the device key is not valid")
                return
            }
            let attached = plane.channels.attach(device: uuid)
            defer { plane.channels.detach(device: uuid, id: attached.id) }
            var logger = context.logger
            logger[metadataKey: "device"] = "\(uuid)"
            logger.debug("channel open")
            // A stopping server: the WebSocket layer closes every socket itself (normal
            // closure), and the agents come back with jitter to whichever server answers.
            try await relay(attached, device: uuid, hub: plane.channels, inbound: inbound, outbound: outbound, logger: logger)
            logger.debug("channel closed")
        }
        SessionRoute.add(to: router, plane: plane)
        return router
    }

    /// Writes the hub's frames to the socket and reads the device's, until either side ends.
    private static func relay(
        _ attached: ChannelHub.Attached, device uuid: String, hub: ChannelHub, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter, logger: Logger
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in attached.streamFrames {
                    try await outbound.write(.binary(ByteBuffer(bytes: frame.encoded())))
                }
            }
            group.addTask {
                for await item in attached.outbound {
                    switch item {
                    case .frame(let frame):
                        try await outbound.write(.binary(ByteBuffer(bytes: frame.encoded())))
                    case .close(let reason):
                        // A deleted device hears "policy violation" and stops coming back; a
                        // replaced socket hears "going away".
                        try await outbound.close(reason == .deleted ? .policyViolation : .goingAway, reason: reason.rawValue)
                        return
                    }
                }
            }
            group.addTask {
                // The device's frames belong to sessions' streams (pongs and closes are
                // answered by the WebSocket layer). A frame that does not read is dropped and
                // logged: it is the device's bug, not a reason to cut its channel.
                for try await message in inbound.messages(maxSize: API.ChannelFrame.maxFrameBytes) {
                    guard case .binary(let buffer) = message else { continue }
                    do {
                        let frame = try API.ChannelFrame(decoding: buffer.readableBytesView)
                        if frame.stream != 0 { hub.deliver(frame, device: uuid, id: attached.id) }
                    } catch {
                        logger.info("dropping a channel frame the device sent", metadata: ["error": "\(error)"])
                    }
                }
            }
            // Either side ending ends the channel.
            try await group.next()
            group.cancelAll()
        }
    }

    /// The device a request's `Authorization: Bearer KEY` names; anything else is refused.
    private static func device(_ request: Request, plane: ControlPlane) async throws(ServerError) -> String {
        switch try await AuthMiddleware.identity(of: request, plane: plane) {
        case .device(let uuid, _): return uuid
        case .user: throw ServerError(.forbidden, "the device channel is for devices: send the device's API key")
        case nil: throw ServerError(.unauthorized, "the device channel needs the device's API key: send 'Authorization: Bearer KEY'")
        }
    }
}
