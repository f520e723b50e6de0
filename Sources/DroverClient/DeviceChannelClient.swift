import DroverModel
import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import WSClient

/// The agent's end of the device channel: one WebSocket to `GET /v1/device/channel`, opened
/// with the device key, through the HTTP proxy that `HTTPS_PROXY` / `HTTP_PROXY` name (and
/// `NO_PROXY` exempts), carrying ``API/ChannelFrame``s.
public enum DeviceChannelClient {
    /// How a connection ended.
    public enum End: Sendable, Equatable {
        /// The server shut the door for good: the device was deleted, or its key is not valid.
        case refused(String)
        /// The link broke or the server went away: connect again later.
        case lost(String)
    }

    /// Connects once and hands every frame the server sends to `onFrame`, until the socket
    /// closes. `onOpen` runs once the socket is up, before any frame, with what sends frames
    /// back.
    public static func connect(
        server: String, credential: String, logger: Logger, onOpen: @escaping @Sendable (ChannelSender) async -> Void,
        onFrame: @escaping @Sendable (API.ChannelFrame) async -> Void
    ) async -> End {
        let url = webSocketURL(server: server, path: "/v1/device/channel")
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: API.ChannelFrame.maxFrameBytes, additionalHeaders: [.authorization: "Bearer \(credential)"],
            closeTimeout: .seconds(5))
        do {
            let close = try await ProxyEnvironment.webSocket(url, server: server, configuration: configuration, logger: logger) { inbound, outbound, _ in
                await onOpen(ChannelSender(writer: outbound))
                for try await message in inbound.messages(maxSize: API.ChannelFrame.maxFrameBytes) {
                    guard case .binary(let buffer) = message else { continue }
                    do {
                        await onFrame(try API.ChannelFrame(decoding: buffer.readableBytesView))
                    } catch {
                        // A frame this agent does not understand (a newer server) is skipped.
                        logger.debug("skipping a channel frame", metadata: ["error": "\(error)"])
                    }
                }
            }
            let reason = close?.reason ?? "the server closed the channel"
            return close?.closeCode == .policyViolation ? .refused(reason) : .lost(reason)
        } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
            // The server answered, but not with a WebSocket: a wrong key (401), or a server
            // that has no channel (an older version). Either way the long-poll carries on.
            return .refused("the server did not open a channel: \(error)")
        } catch {
            return .lost("\(error)")
        }
    }
}

/// Sends frames on an open device channel.
public struct ChannelSender: Sendable {
    let writer: WebSocketOutboundWriter

    /// Sends one frame; false once the socket is closed (or the sending task cancelled).
    public func send(_ frame: API.ChannelFrame) async -> Bool {
        do {
            try await writer.write(.binary(ByteBuffer(bytes: frame.encoded())))
            return true
        } catch {
            return false
        }
    }

    /// Sends bytes as one data (or standard error) frame of `stream`, written straight into the
    /// socket's buffer; at most ``API/ChannelFrame/maxDataBytes``.
    public func sendData(stream: UInt32, stderr: Bool, _ bytes: some Collection<UInt8>) async -> Bool {
        let header = API.ChannelFrame.dataHeader(stream: stream, stderr: stderr)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(header.count + bytes.count)
        buffer.writeBytes(header)
        buffer.writeBytes(bytes)
        do {
            try await writer.write(.binary(buffer))
            return true
        } catch {
            return false
        }
    }
}

/// The WebSocket URL of a path on a server given by its HTTP URL.
func webSocketURL(server: String, path: String) -> String {
    var url = server
    while url.hasSuffix("/") { url.removeLast() }
    if url.hasPrefix("https://") {
        url = "wss://" + url.dropFirst("https://".count)
    } else if url.hasPrefix("http://") {
        url = "ws://" + url.dropFirst("http://".count)
    }
    return url + path
}
