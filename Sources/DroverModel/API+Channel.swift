import Foundation

extension API {
    /// One message of the device channel: the WebSocket that each agent keeps open to the
    /// server (`GET /v1/device/channel`, with the device key). Every message is one binary
    /// WebSocket message holding one frame:
    ///
    /// ```
    /// byte 0      kind: 1 notice, 2 target
    /// bytes 1-4   stream, big-endian: 0 for what concerns the device as a whole
    /// bytes 5...  payload: JSON for notice; for target, a big-endian UInt16 length, the ETag,
    ///             and the target's JSON exactly as `GET /v1/device/state` serves it
    /// ```
    ///
    /// A target is the device's new target itself, so that the device need not ask for it; a
    /// notice says only that it changed (sent when the target would not fit in a frame). The
    /// stream number is where the sessions to come (terminal, tunnels, live logs) will
    /// multiplex on the one socket; a kind this side does not know is refused by its number.
    public enum ChannelFrame: Sendable, Equatable {
        /// Something the server tells the device.
        case notice(ChannelNotice)
        /// The device's new target and its ETag, as `GET /v1/device/state` would answer.
        case target(etag: String, body: [UInt8])

        /// The largest frame a side sends or takes.
        public static let maxFrameBytes = 64 * 1024 + 5

        private enum Kind: UInt8 {
            case notice = 1, target
        }

        /// The frame as it goes on the wire.
        public func encoded() -> [UInt8] {
            func frame(_ kind: Kind, _ payload: [UInt8]) -> [UInt8] {
                var bytes: [UInt8] = [kind.rawValue, 0, 0, 0, 0]
                bytes.append(contentsOf: payload)
                return bytes
            }
            switch self {
            case .notice(let notice):
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                return frame(.notice, Array((try? encoder.encode(notice)) ?? Data("{}".utf8)))
            case .target(let etag, let body):
                let tag = Array(etag.utf8.prefix(Int(UInt16.max)))
                return frame(.target, withUnsafeBytes(of: UInt16(tag.count).bigEndian) { Array($0) } + tag + body)
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
                throw ModelError(.invalidValue, at: "channel frame", "unknown channel frame kind \(bytes[0]) (known: 1 notice, 2 target)")
            }
            let payload = bytes[5...]
            switch kind {
            case .notice:
                do {
                    self = .notice(try JSONDecoder().decode(ChannelNotice.self, from: Data(payload)))
                } catch {
                    throw ModelError(.invalidValue, at: "channel frame", "the notice frame is not valid JSON of its kind: \(error)")
                }
            case .target:
                let length = payload.count >= 2 ? Int(payload[5]) << 8 | Int(payload[6]) : -1
                guard length > 0, payload.count >= 2 + length else {
                    throw ModelError(.invalidValue, at: "channel frame", "the target frame carries no ETag of the length it states")
                }
                self = .target(etag: String(decoding: payload[7..<7 + length], as: UTF8.self), body: Array(payload[(7 + length)...]))
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
