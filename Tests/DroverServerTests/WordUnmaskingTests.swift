import NIOCore
import NIOWebSocket
import Testing

@testable import DroverServer

/// The server unmasks what clients send a word at a time; the bytes must come out exactly as
/// the WebSocket layer's own byte-wise unmasking gives them.
@Suite("Word unmasking of client frames")
struct WordUnmaskingTests {
    static let key: WebSocketMaskingKey = [0x9C, 0x01, 0xF3, 0x5A]

    /// A buffer of `count` bytes that do not repeat with the key's period, read from `skip` on.
    static func buffer(count: Int, skip: Int) -> ByteBuffer {
        var buffer = ByteBuffer(bytes: (0..<(count + skip)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        buffer.moveReaderIndex(forwardBy: skip)
        return buffer
    }

    @Test("every length, from any reader index, unmasks as SwiftNIO does", arguments: [0, 3])
    func sameAsNIO(skip: Int) {
        for count in Array(0...40) + [32 * 1024, 32 * 1024 + 5] {
            var ours = Self.buffer(count: count, skip: skip)
            var theirs = ours
            ours.unmask(Self.key)
            theirs.webSocketUnmask(Self.key)
            #expect(ours == theirs, "\(count) bytes")
            #expect(count < 4 || ours != Self.buffer(count: count, skip: skip), "\(count) bytes changed")
        }
    }

    @Test("a masked frame arrives with its bytes unmasked and no key; a frame with no key is left as it is")
    func frames() {
        let plain = Self.buffer(count: 1000, skip: 0)
        var masked = plain
        masked.webSocketMask(Self.key)
        let received = WordUnmasking.unmasked(WebSocketFrame(fin: true, opcode: .binary, maskKey: Self.key, data: masked))
        #expect(received.maskKey == nil)
        #expect(received.data == plain)
        let unmasked = WordUnmasking.unmasked(WebSocketFrame(fin: true, opcode: .binary, data: plain))
        #expect(unmasked.data == plain)
    }
}
