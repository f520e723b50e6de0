import Foundation

extension API {
    /// One message of the device channel: the WebSocket that each agent keeps open to the
    /// server (`GET /v1/device/channel`, with the device key). Every message is one binary
    /// WebSocket message holding one frame:
    ///
    /// ```
    /// byte 0      kind
    /// bytes 1-4   stream, big-endian: 0 for what concerns the device as a whole
    /// bytes 5...  payload, by kind:
    ///   1 notice   JSON (ChannelNotice)                              server → device
    ///   2 target   UInt16 length, the ETag, the target's JSON         server → device
    ///   3 open     JSON (StreamOpen): start a session on this stream  server → device
    ///   4 data     bytes: stdin, stdout, a tunnel's bytes, log lines   both ways
    ///   5 stderr   bytes of the remote command's standard error        device → server
    ///   6 window   UInt32: the receiver takes this many more bytes     both ways
    ///   7 eof      nothing: the sender sends no more data (half-close) both ways
    ///   8 close    JSON (StreamEnd): the stream is over, both ways     both ways
    ///   9 resize   UInt16 columns, UInt16 rows of the terminal         server → device
    /// ```
    ///
    /// A target is the device's new target itself, so that the device need not ask for it; a
    /// notice says only that it changed (sent when the target would not fit in a frame).
    ///
    /// Streams are numbered by the server, from 1. Each direction of a stream has its own
    /// window: a side sends `data`/`stderr` only while the other side has granted bytes for
    /// them (``streamWindow`` at open, then each `window` frame adds to it), and grants more
    /// once it has passed what it received on. A slow reader so stalls its own stream and no
    /// other: the socket never holds more than a window per stream. A kind this side does not
    /// know is refused by its number.
    public enum ChannelFrame: Sendable, Equatable {
        /// Something the server tells the device.
        case notice(ChannelNotice)
        /// The device's new target and its ETag, as `GET /v1/device/state` would answer.
        case target(etag: String, body: [UInt8])
        /// Starts a session on a new stream.
        case open(stream: UInt32, StreamOpen)
        /// Bytes of a stream's main direction.
        case data(stream: UInt32, bytes: [UInt8])
        /// Bytes of a remote command's standard error.
        case stderr(stream: UInt32, bytes: [UInt8])
        /// More bytes the sender of this frame takes on the stream.
        case window(stream: UInt32, bytes: UInt32)
        /// The sender sends nothing more on the stream; it still reads.
        case eof(stream: UInt32)
        /// The stream is over.
        case close(stream: UInt32, StreamEnd)
        /// The terminal of a session changed size.
        case resize(stream: UInt32, columns: UInt16, rows: UInt16)

        /// The largest frame a side sends or takes.
        public static let maxFrameBytes = 64 * 1024 + 5
        /// The most bytes of data in one frame.
        public static let maxDataBytes = 32 * 1024
        /// The bytes each direction of a stream may send before the first `window` frame.
        public static let streamWindow: UInt32 = 512 * 1024

        private enum Kind: UInt8 {
            case notice = 1, target, open, data, stderr, window, eof, close, resize
        }

        /// The header of a data (or standard error) frame of `stream`: the wire form is this
        /// header and then the bytes, so a sender may write the two without building a frame.
        public static func dataHeader(stream: UInt32, stderr: Bool) -> [UInt8] {
            [stderr ? Kind.stderr.rawValue : Kind.data.rawValue] + bigEndian(stream)
        }

        /// The stream the frame belongs to (0: the device as a whole).
        public var stream: UInt32 {
            switch self {
            case .notice, .target: 0
            case .open(let stream, _), .data(let stream, _), .stderr(let stream, _), .window(let stream, _), .eof(let stream),
                .close(let stream, _), .resize(let stream, _, _):
                stream
            }
        }

        /// The frame as it goes on the wire.
        public func encoded() -> [UInt8] {
            func frame(_ kind: Kind, _ payload: [UInt8]) -> [UInt8] {
                var bytes: [UInt8] = [kind.rawValue]
                bytes.reserveCapacity(5 + payload.count)
                bytes.append(contentsOf: Self.bigEndian(stream))
                bytes.append(contentsOf: payload)
                return bytes
            }
            switch self {
            case .notice(let notice): return frame(.notice, Self.json(notice))
            case .target(let etag, let body):
                let tag = Array(etag.utf8.prefix(Int(UInt16.max)))
                return frame(.target, Self.bigEndian(UInt16(tag.count)) + tag + body)
            case .open(_, let open): return frame(.open, Self.json(open))
            case .data(_, let bytes): return frame(.data, bytes)
            case .stderr(_, let bytes): return frame(.stderr, bytes)
            case .window(_, let bytes): return frame(.window, Self.bigEndian(bytes))
            case .eof: return frame(.eof, [])
            case .close(_, let end): return frame(.close, Self.json(end))
            case .resize(_, let columns, let rows): return frame(.resize, Self.bigEndian(columns) + Self.bigEndian(rows))
            }
        }

        /// Reads one frame; the error says what is wrong with it.
        public init(decoding bytes: some Collection<UInt8>) throws(ModelError) {
            // The header is read in place and the payload copied once: data frames are the
            // hot path of every session.
            let count = bytes.count
            guard count >= 5 else {
                throw Self.bad("a channel frame has at least 5 bytes (kind and stream); this one has \(count)")
            }
            guard count <= Self.maxFrameBytes else {
                throw ModelError(.tooLarge, at: "channel frame", "a channel frame has at most \(Self.maxFrameBytes) bytes; this one has \(count)")
            }
            let header = Array(bytes.prefix(5))
            guard let kind = Kind(rawValue: header[0]) else {
                throw Self.bad("unknown channel frame kind \(header[0]) (known: 1 to 9)")
            }
            let stream = Self.number(header[1..<5])
            let payload = Array(bytes.dropFirst(5))
            guard (stream == 0) == (kind == .notice || kind == .target) else {
                throw Self.bad("a \(kind) frame is for \(stream == 0 ? "a stream from 1 up" : "stream 0"); this one names stream \(stream)")
            }
            switch kind {
            case .notice: self = .notice(try Self.decode(ChannelNotice.self, payload, kind))
            case .target:
                let length = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : -1
                guard length > 0, payload.count >= 2 + length else { throw Self.bad("the target frame carries no ETag of the length it states") }
                self = .target(etag: String(decoding: payload[2..<2 + length], as: UTF8.self), body: Array(payload[(2 + length)...]))
            case .open: self = .open(stream: stream, try Self.decode(StreamOpen.self, payload, kind))
            case .data, .stderr:
                guard payload.count <= Self.maxDataBytes else {
                    throw ModelError(.tooLarge, at: "channel frame", "a \(kind) frame carries at most \(Self.maxDataBytes) bytes; this one \(payload.count)")
                }
                self = kind == .data ? .data(stream: stream, bytes: payload) : .stderr(stream: stream, bytes: payload)
            case .window:
                guard payload.count == 4 else { throw Self.bad("a window frame carries 4 bytes; this one \(payload.count)") }
                self = .window(stream: stream, bytes: Self.number(payload[...]))
            case .eof:
                guard payload.isEmpty else { throw Self.bad("an eof frame carries nothing; this one \(payload.count) bytes") }
                self = .eof(stream: stream)
            case .close: self = .close(stream: stream, try Self.decode(StreamEnd.self, payload, kind))
            case .resize:
                guard payload.count == 4 else { throw Self.bad("a resize frame carries 4 bytes; this one \(payload.count)") }
                self = .resize(
                    stream: stream, columns: UInt16(payload[0]) << 8 | UInt16(payload[1]), rows: UInt16(payload[2]) << 8 | UInt16(payload[3]))
            }
        }

        private static func bad(_ message: String) -> ModelError {
            ModelError(.invalidValue, at: "channel frame", message)
        }

        private static func number(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            bytes.reduce(0) { $0 << 8 | UInt32($1) }
        }

        private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            withUnsafeBytes(of: value.bigEndian) { Array($0) }
        }

        private static func json(_ value: some Encodable) -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
        }

        private static func decode<T: Decodable>(_ type: T.Type, _ payload: [UInt8], _ kind: Kind) throws(ModelError) -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(payload))
            } catch {
                throw bad("the \(kind) frame is not valid JSON of its kind: \(error)")
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
}
