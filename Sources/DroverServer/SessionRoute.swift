import DroverModel
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// `GET /v1/devices/{device}/session`: a person's WebSocket for one session on a device — a
/// terminal, one tunnel connection, or the live logs — authenticated with the person's token.
///
/// The first message is the ``API/StreamOpen`` as JSON text. After it, binary messages carry
/// bytes (first byte 1: the main stream, 2: standard error) and text messages are
/// ``API/SessionControl``s: a resize or an end of input from the person, and the session's end
/// (an exit code or an error) from the server, after which the server closes the socket.
///
/// The server relays between this socket and a stream of the device's channel. It reads the
/// person's bytes only while the device has window for them, and grants the device more
/// window only once the person's socket took what came: a person who reads slowly holds up
/// their own session, never the device's other streams.
enum SessionRoute {
    static let path = "/v1/devices/:device/session"
    /// The largest message a person may send.
    static let maxMessageBytes = 1 << 20

    static func add(to router: Router<ChannelRequestContext>, plane: ControlPlane) {
        router.ws(RouterPath(path)) { request, _ in
            _ = try await person(request, plane: plane)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            await serve(inbound, outbound, context: context, plane: plane)
        }
    }

    /// Opens the session and relays it; returns how it ended.
    private static func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<ChannelRequestContext>,
        plane: ControlPlane
    ) async {
        let opened: Sessions.Opened
        var messages = inbound.messages(maxSize: maxMessageBytes).makeAsyncIterator()
        do {
            guard let principal = try await person(context.request, plane: plane) else {
                return await finish(outbound, API.StreamEnd(error: "a session needs a person's API token"))
            }
            guard let device = context.requestContext.parameters.get("device") else {
                return await finish(outbound, API.StreamEnd(error: "no device named"))
            }
            guard case .text(let text)? = try await messages.next() else {
                return await finish(outbound, API.StreamEnd(error: "the first message of a session is its request, as JSON text"))
            }
            let request: API.StreamOpen
            do {
                request = try JSONDecoder().decode(API.StreamOpen.self, from: Data(text.utf8))
            } catch {
                return await finish(outbound, API.StreamEnd(error: "the session request is not valid JSON of its kind: \(error)"))
            }
            let access = Access(
                principal: principal, permission: request.kind == .logs ? .read : .session, homeOrg: try await plane.homeOrg())
            opened = try await plane.sessions.open(access, address: context.requestContext.address, device: device, request)
        } catch let error as ServerError {
            return await finish(outbound, API.StreamEnd(error: error.message))
        } catch {
            return await finish(outbound, API.StreamEnd(error: "\(error)"))
        }
        await relay(opened.stream, messages: &messages, outbound: outbound) { end in
            await plane.sessions.ended(opened, end)
        }
    }

    /// Tells the person how the session ended, and closes their socket.
    private static func finish(_ outbound: WebSocketOutboundWriter, _ end: API.StreamEnd) async {
        let text = String(decoding: (try? JSONEncoder().encode(API.SessionControl(end: end))) ?? Data("{}".utf8), as: UTF8.self)
        try? await outbound.write(.text(text))
        try? await outbound.close(.normalClosure, reason: nil)
    }

    /// Passes bytes both ways until the device ends the stream, the person goes, or the
    /// device's channel closes; `record` takes how it ended before the person hears it.
    private static func relay(
        _ stream: ChannelHub.DeviceStream, messages: inout WebSocketInboundMessageStream.AsyncIterator, outbound: WebSocketOutboundWriter,
        record: @escaping @Sendable (API.StreamEnd) async -> Void
    ) async {
        let credit = ChannelCredit()
        let ended = Mutex<API.StreamEnd?>(nil)
        // Passes the device's bytes to the person, then grants the device that much again.
        @Sendable func pass(_ bytes: [UInt8], _ kind: UInt8) async -> Bool {
            var buffer = ByteBuffer()
            buffer.writeInteger(kind)
            buffer.writeBytes(bytes)
            guard (try? await outbound.write(.binary(buffer))) != nil else { return false }
            stream.send(.window(stream: stream.stream, bytes: UInt32(bytes.count)))
            return true
        }
        // The device's side: its bytes to the person, its grants of window, its end.
        let deviceSide = Task {
            var end = API.StreamEnd(error: "the device's channel closed during the session")
            loop: for await frame in stream.inbound {
                switch frame {
                case .data(_, let bytes):
                    guard await pass(bytes, API.SessionControl.mainStream) else { return }
                case .stderr(_, let bytes):
                    guard await pass(bytes, API.SessionControl.errorStream) else { return }
                case .window(_, let bytes): credit.add(bytes)
                case .eof: try? await outbound.write(.text(#"{"eof":true}"#))
                case .close(_, let deviceEnd):
                    end = deviceEnd
                    break loop
                default: break
                }
            }
            if Task.isCancelled { return }
            ended.withLock { $0 = end }
            credit.close()
            await record(end)
            await finish(outbound, end)
        }
        // The person's side, until their socket closes (or is closed once the device ended).
        do {
            while let message = try await messages.next() {
                switch message {
                case .binary(var buffer):
                    guard buffer.readInteger(as: UInt8.self) == API.SessionControl.mainStream else { continue }
                    while buffer.readableBytes > 0 {
                        let taken = await credit.take(upTo: min(buffer.readableBytes, API.ChannelFrame.maxDataBytes))
                        guard taken > 0, let bytes = buffer.readBytes(length: taken) else { break }
                        stream.send(.data(stream: stream.stream, bytes: bytes))
                    }
                case .text(let text):
                    guard let control = try? JSONDecoder().decode(API.SessionControl.self, from: Data(text.utf8)) else { continue }
                    let sides = 1...API.StreamOpen.maxTerminalSide
                    if let columns = control.columns, let rows = control.rows, sides.contains(columns), sides.contains(rows) {
                        stream.send(.resize(stream: stream.stream, columns: UInt16(columns), rows: UInt16(rows)))
                    }
                    if control.eof == true { stream.send(.eof(stream: stream.stream)) }
                }
            }
        } catch {}
        if ended.withLock({ $0 }) != nil {
            await deviceSide.value
            return
        }
        // The person went first: the device ends its side.
        deviceSide.cancel()
        credit.close()
        let end = API.StreamEnd(error: "the person closed the session")
        stream.send(.close(stream: stream.stream, end))
        await record(end)
    }

    /// The person of `Authorization: Bearer TOKEN` (or of the session cookie, for a browser:
    /// a WebSocket's upgrade is a GET, so no CSRF token applies); a device key is refused.
    private static func person(_ request: Request, plane: ControlPlane) async throws(ServerError) -> Principal? {
        var identity = try await AuthMiddleware.identity(of: request, plane: plane)
        if identity == nil, let cookie = request.cookies[AuthMiddleware.sessionCookie]?.value, !cookie.isEmpty {
            // Another site's page may open a WebSocket to this server, and the browser sends the
            // cookie with it: only a page of this server's own origin may use the cookie here.
            if let origin = request.headers[.origin], URL(string: origin)?.host != request.head.authority?.split(separator: ":").first.map(String.init) {
                throw ServerError(.forbidden, "a session cookie is taken only from a page of this server (Origin \(origin))")
            }
            identity = try await AuthMiddleware.session(cookie, request: request, plane: plane)
        }
        switch identity {
        case .user(let principal): return principal
        case .device: throw ServerError(.forbidden, "sessions are opened by people: send a person's API token, not a device key")
        case nil: throw ServerError(.unauthorized, "a session needs an API token: send 'Authorization: Bearer TOKEN'")
        }
    }
}
