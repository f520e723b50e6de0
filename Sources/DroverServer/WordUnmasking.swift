import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// Unmasks what clients send, eight bytes at a time, before the WebSocket layer sees it.
///
/// RFC 6455 has every client mask its frames, and SwiftNIO unmasks them one byte at a time:
/// about 2.5 ns a byte here, a third of the server's time while a tunnel carries a download
/// (`perf` on `bench/sessions`). Unmasked here, the frame reaches the WebSocket layer with no
/// key, and it takes the bytes as they are. Nothing changes on the wire, so no client has to
/// agree to it: the agent, the CLI and a browser all benefit.
struct WordUnmasking: WebSocketExtension {
    var name: String { "drover-word-unmasking" }

    func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
        Self.unmasked(frame)
    }

    /// The frame with its bytes unmasked and no key; a frame with no key as it is.
    static func unmasked(_ frame: WebSocketFrame) -> WebSocketFrame {
        guard let key = frame.maskKey else { return frame }
        var frame = frame
        frame.data.unmask(key)
        frame.maskKey = nil
        return frame
    }

    func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame { frame }

    func shutdown() async {}
}

extension ByteBuffer {
    /// XORs the readable bytes with the four-byte key repeated, a word at a time.
    mutating func unmask(_ key: WebSocketMaskingKey) {
        withUnsafeMutableReadableBytes { bytes in
            let keyBytes = [key[0], key[1], key[2], key[3]]
            var word: UInt64 = 0
            withUnsafeMutableBytes(of: &word) { word in
                for index in 0..<8 { word[index] = keyBytes[index % 4] }
            }
            var offset = 0
            while offset + 8 <= bytes.count {
                let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                bytes.storeBytes(of: value ^ word, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < bytes.count {
                bytes[offset] ^= keyBytes[offset % 4]
                offset += 1
            }
        }
    }
}
