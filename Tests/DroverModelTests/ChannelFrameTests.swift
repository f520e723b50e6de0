import DroverModel
import Testing

@Suite("Device channel frames")
struct ChannelFrameTests {
    @Test(
        "every kind of frame reads back as it was written",
        arguments: [
            API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged)),
            .open(stream: 7, ["kind": "exec", "service": "web"]),
            .data(stream: 0xFFFF_FFFF, Array("echo $((6*7))\n".utf8)),
            .data(stream: 1, []),
            .window(stream: 3, credit: 262_144),
            .close(stream: 9, API.ChannelClose(exitCode: 3)),
            .close(stream: 2, API.ChannelClose(error: "nothing listens on port 8080")),
            .target(etag: "\"0a1b2c3d4e5f\"", body: Array(#"{"apps":{}}"#.utf8)),
        ])
    func roundTrip(frame: API.ChannelFrame) throws {
        #expect(try API.ChannelFrame(decoding: frame.encoded()) == frame)
    }

    @Test("the layout is the documented one: kind, big-endian stream, payload")
    func layout() {
        #expect(API.ChannelFrame.data(stream: 0x0102_0304, [0xAA]).encoded() == [3, 1, 2, 3, 4, 0xAA])
        #expect(API.ChannelFrame.window(stream: 1, credit: 0x0000_0100).encoded() == [4, 0, 0, 0, 1, 0, 0, 1, 0])
        let notice: [UInt8] = Array(#"{"event":"target-changed"}"#.utf8)
        #expect(API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged)).encoded() == [1, 0, 0, 0, 0] + notice)
    }

    static let damagedFrames: [(bytes: [UInt8], message: String)] = {
        let notJSON: [UInt8] = Array("not json".utf8)
        let badNotice: [UInt8] = Array(#"{"event":"reboot"}"#.utf8)
        let badClose: [UInt8] = Array(#"{"exitCode":"three"}"#.utf8)
        return [
            ([], "at least 5 bytes"),
            ([3, 0, 0], "at least 5 bytes"),
            ([9, 0, 0, 0, 1], "unknown channel frame kind 9"),
            ([0, 0, 0, 0, 1], "unknown channel frame kind 0"),
            ([4, 0, 0, 0, 1, 0, 1], "4 bytes of credit, not 2"),
            ([2, 0, 0, 0, 5] + notJSON, "open frame of stream 5 is not valid JSON"),
            ([1, 0, 0, 0, 0] + badNotice, "notice frame of stream 0 is not valid JSON"),
            ([5, 0, 0, 0, 2] + badClose, "close frame of stream 2 is not valid JSON"),
            ([6, 0, 0, 0, 0, 0, 9, 0x22], "no ETag of the length it states"),
            ([6, 0, 0, 0, 0, 0, 0], "no ETag of the length it states"),
            ([6, 0, 0, 0, 0, 1], "no ETag of the length it states"),
        ]
    }()

    @Test("a damaged frame is refused with what is wrong, never trusted", arguments: damagedFrames)
    func damaged(frame: (bytes: [UInt8], message: String)) {
        let error = #expect(throws: ModelError.self) { try API.ChannelFrame(decoding: frame.bytes) }
        #expect(error?.message.contains(frame.message) == true, "\(String(describing: error))")
    }

    @Test("a frame larger than the limit is refused before it is read")
    func oversized() {
        let bytes = [UInt8](repeating: 0, count: API.ChannelFrame.maxFrameBytes + 1)
        #expect(throws: ModelError.self) { try API.ChannelFrame(decoding: [3, 0, 0, 0, 1] + bytes) }
        #expect((try? API.ChannelFrame(decoding: [3, 0, 0, 0, 1] + bytes.prefix(API.ChannelFrame.maxFrameBytes - 5))) != nil)
    }
}
