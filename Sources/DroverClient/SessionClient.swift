import DroverModel
import Foundation
import HTTPTypes
import Logging
import Synchronization
import NIOCore
import WSClient

/// A person's end of a session on a device (`GET /v1/devices/{device}/session`): a terminal,
/// one tunnel connection, or the live logs. See ``API/SessionControl`` for the messages.
public enum SessionClient {
    /// What the device's side sends.
    public enum Output: Sendable, Equatable {
        case stdout([UInt8])
        case stderr([UInt8])
        /// The device's side sends nothing more (a tunnel's remote end closed its half).
        case eof
    }

    /// Sends the person's side of a session.
    public struct Input: Sendable {
        let writer: WebSocketOutboundWriter

        /// Sends bytes (standard input, a tunnel's bytes); they are passed on as fast as the
        /// device takes them, and this waits while it does not.
        public func send(_ bytes: some Collection<UInt8>) async throws {
            // One message per data frame's worth, well within the server's frame limit.
            var rest = bytes[...]
            while !rest.isEmpty {
                let chunk = rest.prefix(API.ChannelFrame.maxDataBytes)
                rest = rest.dropFirst(chunk.count)
                var buffer = ByteBuffer()
                buffer.reserveCapacity(chunk.count + 1)
                buffer.writeInteger(API.SessionControl.mainStream)
                buffer.writeBytes(chunk)
                try await writer.write(.binary(buffer))
            }
        }

        /// Says the local terminal's new size.
        public func resize(columns: Int, rows: Int) async throws {
            try await control(API.SessionControl(columns: columns, rows: rows))
        }

        /// Says that nothing more comes from this side.
        public func eof() async throws {
            try await control(API.SessionControl(eof: true))
        }

        private func control(_ message: API.SessionControl) async throws {
            try await writer.write(.text(String(decoding: try JSONEncoder().encode(message), as: UTF8.self)))
        }
    }

    /// Opens a session and runs it: `input` sends the person's side (and may return early:
    /// the session goes on until the device's side ends), `output` takes the device's. Returns
    /// how the session ended: the remote command's exit code, or why it could not go on.
    public static func run(
        server: String, credential: String, device: String, _ request: API.StreamOpen, logger: Logger = Logger(label: "drover.session"),
        input: @escaping @Sendable (Input) async -> Void, output: @escaping @Sendable (Output) async -> Void
    ) async throws(ClientError) -> API.StreamEnd {
        let path = "/v1/devices/\(device.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? device)/session"
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: 1 << 20, additionalHeaders: [.authorization: "Bearer \(credential)"], closeTimeout: .seconds(5))
        let opening: String
        do {
            opening = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        } catch {
            throw ClientError(code: .badRequest, message: "cannot encode the session request: \(error)")
        }
        let ended = EndBox()
        do {
            _ = try await ProxyEnvironment.webSocket(webSocketURL(server: server, path: path), server: server, configuration: configuration, logger: logger) {
                inbound, outbound, _ in
                try await outbound.write(.text(opening))
                let sending = Task { await input(Input(writer: outbound)) }
                defer { sending.cancel() }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    switch message {
                    case .binary(var buffer):
                        let stream = buffer.readInteger(as: UInt8.self)
                        let bytes = Array(buffer.readableBytesView)
                        await output(stream == API.SessionControl.errorStream ? .stderr(bytes) : .stdout(bytes))
                    case .text(let text):
                        guard let control = try? JSONDecoder().decode(API.SessionControl.self, from: Data(text.utf8)) else { continue }
                        if control.eof == true { await output(.eof) }
                        if let end = control.end { ended.set(end) }
                    }
                }
            }
        } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
            throw ClientError(
                code: "unauthorized", message: "the server did not open the session: is the API token valid (and a person's, not a device's)?")
        } catch {
            if let end = ended.get() { return end }
            throw ClientError(code: .unreachable, message: "the session's connection to \(server) failed: \(error)", cause: error)
        }
        return ended.get() ?? API.StreamEnd(error: "the server closed the session without saying how it ended")
    }
}

/// How a session ended, set from the socket's handler.
private final class EndBox: Sendable {
    private let end = Mutex<API.StreamEnd?>(nil)

    func set(_ end: API.StreamEnd) { self.end.withLock { $0 = end } }
    func get() -> API.StreamEnd? { end.withLock { $0 } }
}
