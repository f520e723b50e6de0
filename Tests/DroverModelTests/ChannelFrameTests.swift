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
            .open(stream: 1, API.StreamOpen(kind: .terminal, service: "web", command: ["sh", "-c", "exit 3"], tty: true, columns: 80, rows: 24)),
            .open(stream: 7, API.StreamOpen(kind: .tunnel, port: 8080)),
            .data(stream: 2, bytes: Array("hello".utf8)),
            .data(stream: UInt32.max, bytes: []),
            .stderr(stream: 3, bytes: [0, 255]),
            .window(stream: 4, bytes: 512 * 1024),
            .eof(stream: 5),
            .close(stream: 6, API.StreamEnd(exitCode: 3)),
            .close(stream: 6, API.StreamEnd(error: "nothing listens on port 9")),
            .resize(stream: 8, columns: 120, rows: 40),
        ])
    func roundTrip(frame: API.ChannelFrame) throws {
        #expect(try API.ChannelFrame(decoding: frame.encoded()) == frame)
    }

    @Test("the layout is the documented one: kind, stream, payload")
    func layout() {
        #expect(API.ChannelFrame.target(etag: "\"e\"", body: [0x7B, 0x7D]).encoded() == [2, 0, 0, 0, 0, 0, 3, 0x22, 0x65, 0x22, 0x7B, 0x7D])
        let notice: [UInt8] = Array(#"{"event":"target-changed"}"#.utf8)
        #expect(API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged)).encoded() == [1, 0, 0, 0, 0] + notice)
        #expect(API.ChannelFrame.data(stream: 0x0102_0304, bytes: [9]).encoded() == [4, 1, 2, 3, 4, 9])
        #expect(API.ChannelFrame.window(stream: 1, bytes: 0x10000).encoded() == [6, 0, 0, 0, 1, 0, 1, 0, 0])
        #expect(API.ChannelFrame.resize(stream: 1, columns: 80, rows: 24).encoded() == [9, 0, 0, 0, 1, 0, 80, 0, 24])
        #expect(API.ChannelFrame.eof(stream: 2).encoded() == [7, 0, 0, 0, 2])
    }

    static let damagedFrames: [(bytes: [UInt8], message: String)] = {
        let badNotice: [UInt8] = Array(#"{"event":"reboot"}"#.utf8)
        return [
            ([], "at least 5 bytes"),
            ([2, 0, 0], "at least 5 bytes"),
            ([10, 0, 0, 0, 1], "unknown channel frame kind 10"),
            ([4, 0, 0, 0, 0, 1], "names stream 0"),
            ([1, 0, 0, 0, 1] + Array(#"{"event":"target-changed"}"#.utf8), "is for stream 0"),
            ([6, 0, 0, 0, 1, 0, 1], "a window frame carries 4 bytes"),
            ([7, 0, 0, 0, 1, 0], "an eof frame carries nothing"),
            ([9, 0, 0, 0, 1, 0, 80], "a resize frame carries 4 bytes"),
            ([3, 0, 0, 0, 1] + Array(#"{"kind":"teleport"}"#.utf8), "open frame is not valid JSON"),
            ([8, 0, 0, 0, 1] + Array("[]".utf8), "close frame is not valid JSON"),
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
        // Data frames carry at most a window's slice, so one stream cannot hog the socket.
        let data = [UInt8](repeating: 1, count: API.ChannelFrame.maxDataBytes + 1)
        #expect(throws: ModelError.self) { try API.ChannelFrame(decoding: [4, 0, 0, 0, 1] + data) }
    }

    @Test(
        "a session request a device could not act on is refused, naming the field",
        arguments: [
            (API.StreamOpen(kind: .tunnel), "port"),
            (API.StreamOpen(kind: .tunnel, port: 70000), "port"),
            (API.StreamOpen(kind: .tunnel, command: ["ls"], port: 80), "command"),
            (API.StreamOpen(kind: .terminal, port: 80), "port"),
            (API.StreamOpen(kind: .terminal, command: []), "command"),
            (API.StreamOpen(kind: .terminal, command: ["a\u{0}b"]), "command"),
            (API.StreamOpen(kind: .terminal, columns: 0, rows: 24), "columns"),
            (API.StreamOpen(kind: .terminal, columns: 80, rows: Int.max), "rows"),
            (API.StreamOpen(kind: .logs, service: ""), "service"),
        ])
    func badRequests(request: API.StreamOpen, field: String) {
        let error = #expect(throws: ModelError.self) { try request.validate() }
        #expect(error?.path == field)
    }
}

@Suite("A stream's send window")
struct ChannelCreditTests {
    @Test("a sender takes what the window allows, waits while it is empty, and goes on when the receiver grants more")
    func waitsForGrants() async {
        let credit = ChannelCredit(10)
        #expect(await credit.take(upTo: 4) == 4)
        #expect(await credit.take(upTo: 100) == 6)
        let waiting = Task { await credit.take(upTo: 100) }
        credit.add(3)
        #expect(await waiting.value == 3)
    }

    @Test("closing the window wakes a waiting sender, which then sends nothing")
    func closeWakesTheSender() async {
        let credit = ChannelCredit(0)
        let waiting = Task { await credit.take(upTo: 100) }
        credit.close()
        #expect(await waiting.value == 0)
        credit.add(5)
        #expect(await credit.take(upTo: 5) == 0)
    }

    @Test("a peer that grants without end is not believed past 1 GiB")
    func boundedGrants() async {
        let credit = ChannelCredit(0)
        for _ in 0..<10 { credit.add(UInt32.max) }
        #expect(await credit.take(upTo: Int.max) == 1 << 30)
    }
}
