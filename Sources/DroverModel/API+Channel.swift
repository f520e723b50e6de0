import Foundation

extension API {
    /// One message of the device channel: the WebSocket that each agent keeps open to the
    /// server (`GET /v1/device/channel`, with the device key). Every message is one binary
    /// WebSocket message holding one frame:
    ///
    /// ```
    /// byte 0      kind: 1 notice, 2 open, 3 data, 4 window, 5 close, 6 target
    /// bytes 1-4   stream, big-endian (0 for a notice or a target)
    /// bytes 5...  payload: JSON for notice, open and close; raw bytes for data; a big-endian
    ///             UInt32 of credit for window; for target, a big-endian UInt16 length, the
    ///             ETag, and the target's JSON exactly as `GET /v1/device/state` serves it
    /// ```
    ///
    /// A notice and a target concern the device as a whole: "your target changed", or the new
    /// target itself, so that the device need not ask for it. The other kinds carry
    /// streams, which several sessions multiplex on the one socket: the side that opens a
    /// stream picks its number, each side may send as many data bytes as the other has granted
    /// with window frames (``ChannelFrame/initialWindow`` to start with), and a close ends the
    /// stream in both directions.
    public enum ChannelFrame: Sendable, Equatable {
        /// Something the server tells the device.
        case notice(ChannelNotice)
        /// A new stream, and what it is for.
        case open(stream: UInt32, [String: String])
        /// Bytes on a stream.
        case data(stream: UInt32, [UInt8])
        /// More bytes the receiver of a stream is ready to take.
        case window(stream: UInt32, credit: UInt32)
        /// The end of a stream, and how it ended.
        case close(stream: UInt32, ChannelClose)
        /// The device's new target and its ETag, as `GET /v1/device/state` would answer.
        case target(etag: String, body: [UInt8])

        /// The credit each side of a new stream starts with.
        public static let initialWindow: UInt32 = 256 * 1024
        /// The largest frame a side sends or takes (a data frame's payload is smaller).
        public static let maxFrameBytes = 64 * 1024 + 5

        private enum Kind: UInt8 {
            case notice = 1, open, data, window, close, target
        }

        /// The frame as it goes on the wire.
        public func encoded() -> [UInt8] {
            func frame(_ kind: Kind, _ stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
                var bytes: [UInt8] = [kind.rawValue]
                bytes.reserveCapacity(5 + payload.count)
                withUnsafeBytes(of: stream.bigEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: payload)
                return bytes
            }
            func json(_ value: some Encodable) -> [UInt8] {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
            }
            switch self {
            case .notice(let notice): return frame(.notice, 0, json(notice))
            case .open(let stream, let request): return frame(.open, stream, json(request))
            case .data(let stream, let bytes): return frame(.data, stream, bytes)
            case .window(let stream, let credit): return frame(.window, stream, withUnsafeBytes(of: credit.bigEndian) { Array($0) })
            case .close(let stream, let close): return frame(.close, stream, json(close))
            case .target(let etag, let body):
                let tag = Array(etag.utf8.prefix(Int(UInt16.max)))
                return frame(.target, 0, withUnsafeBytes(of: UInt16(tag.count).bigEndian) { Array($0) } + tag + body)
            }
        }

        /// Reads one frame; the error says what is wrong with it.
        public init(decoding bytes: some Collection<UInt8>) throws(ModelError) {
            let bytes = Array(bytes)
            guard bytes.count >= 5 else {
                throw ModelError(.invalidValue, at: "channel frame", "a channel frame has at least 5 bytes (kind and stream); this one has \(bytes.count)")
            }
            guard bytes.count <= Self.maxFrameBytes else {
                throw ModelError(.tooLarge, at: "channel frame", "a channel frame has at most \(Self.maxFrameBytes) bytes; this one has \(bytes.count)")
            }
            guard let kind = Kind(rawValue: bytes[0]) else {
                throw ModelError(.invalidValue, at: "channel frame", "unknown channel frame kind \(bytes[0]) (known: 1 to 6)")
            }
            let stream = bytes[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let payload = Array(bytes[5...])
            func json<T: Decodable>(_ type: T.Type, _ what: String) throws(ModelError) -> T {
                do {
                    return try JSONDecoder().decode(type, from: Data(payload))
                } catch {
                    throw ModelError(.invalidValue, at: "channel frame", "the \(what) frame of stream \(stream) is not valid JSON of its kind: \(error)")
                }
            }
            switch kind {
            case .notice: self = .notice(try json(ChannelNotice.self, "notice"))
            case .open: self = .open(stream: stream, try json([String: String].self, "open"))
            case .data: self = .data(stream: stream, payload)
            case .window:
                guard payload.count == 4 else {
                    throw ModelError(.invalidValue, at: "channel frame", "the window frame of stream \(stream) carries 4 bytes of credit, not \(payload.count)")
                }
                self = .window(stream: stream, credit: payload.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            case .close: self = .close(stream: stream, try json(ChannelClose.self, "close"))
            case .target:
                let length = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : -1
                guard length >= 0, payload.count >= 2 + length, case let etag = String(decoding: payload[2..<2 + length], as: UTF8.self),
                    !etag.isEmpty
                else {
                    throw ModelError(.invalidValue, at: "channel frame", "the target frame carries no ETag of the length it states")
                }
                self = .target(etag: etag, body: Array(payload[(2 + length)...]))
            }
        }
    }

    /// What the server tells a device over its channel.
    public struct ChannelNotice: Codable, Sendable, Equatable {
        /// The kinds of notice.
        public enum Event: String, Codable, Sendable {
            /// The device's target may have changed: fetch it (`GET /v1/device/state`).
            case targetChanged = "target-changed"
        }
        /// What happened.
        public var event: Event

        /// Creates a notice.
        public init(event: Event) {
            self.event = event
        }
    }

    /// How a stream ended.
    public struct ChannelClose: Codable, Sendable, Equatable {
        /// The exit code of a command that ran on the stream.
        public var exitCode: Int?
        /// Why the stream failed, when it did.
        public var error: String?

        /// Creates a close.
        public init(exitCode: Int? = nil, error: String? = nil) {
            self.exitCode = exitCode
            self.error = error
        }
    }
}
