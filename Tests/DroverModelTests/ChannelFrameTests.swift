import DroverModel
import Testing

@Suite("Device channel frames")
struct ChannelFrameTests {
    @Test(
        "every kind of frame reads back as it was written",
        arguments: [
            API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged)),
            .target(etag: "\"x\"", body: []),
            .target(etag: "\"0a1b2c3d4e5f\"", body: Array(#"{"apps":{}}"#.utf8)),
        ])
    func roundTrip(frame: API.ChannelFrame) throws {
        #expect(try API.ChannelFrame(decoding: frame.encoded()) == frame)
    }

    @Test("the layout is the documented one: kind, stream, payload")
    func layout() {
        #expect(API.ChannelFrame.target(etag: "\"e\"", body: [0x7B, 0x7D]).encoded() == [2, 0, 0, 0, 0, 0, 3, 0x22, 0x65, 0x22, 0x7B, 0x7D])
        let notice: [UInt8] = Array(#"{"event":"target-changed"}"#.utf8)
        #expect(API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged)).encoded() == [1, 0, 0, 0, 0] + notice)
    }

    static let damagedFrames: [(bytes: [UInt8], message: String)] = {
        let badNotice: [UInt8] = Array(#"{"event":"reboot"}"#.utf8)
        return [
            ([], "at least 5 bytes"),
            ([2, 0, 0], "at least 5 bytes"),
            ([9, 0, 0, 0, 1], "unknown channel frame kind 9"),
            ([0, 0, 0, 0, 1], "unknown channel frame kind 0"),
            ([1, 0, 0, 0, 0] + badNotice, "notice frame is not valid JSON"),
            ([1, 0, 0, 0, 0], "notice frame is not valid JSON"),
            ([2, 0, 0, 0, 0, 0, 9, 0x22], "no ETag of the length it states"),
            ([2, 0, 0, 0, 0, 0, 0], "no ETag of the length it states"),
            ([2, 0, 0, 0, 0, 1], "no ETag of the length it states"),
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
        #expect(throws: ModelError.self) { try API.ChannelFrame(decoding: [2, 0, 0, 0, 0, 0, 1, 0x45] + bytes) }
        #expect((try? API.ChannelFrame(decoding: [2, 0, 0, 0, 0, 0, 1, 0x45] + bytes.prefix(API.ChannelFrame.maxFrameBytes - 8))) != nil)
    }
}
