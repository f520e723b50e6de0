import DockerEngine
import NIOCore
import Testing

@Suite("Stream decoding")
struct StreamDecodingTests {
    func frame(_ stream: UInt8, _ text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(stream)
        buffer.writeBytes([0, 0, 0])
        buffer.writeInteger(UInt32(text.utf8.count), endianness: .big)
        buffer.writeString(text)
        return buffer
    }

    @Test("log frames are demultiplexed into stdout and stderr lines, even split across chunks")
    func logFrames() {
        var all = frame(1, "2026-01-01T00:00:00Z hello\n2026-01-01T00:00:01Z wor")
        var second = frame(1, "ld\n")
        var third = frame(2, "2026-01-01T00:00:02Z oops\n")
        all.writeBuffer(&second)
        all.writeBuffer(&third)
        var decoder = LogFrameDecoder(timestamps: true)
        var lines: [LogLine] = []
        // Feed in 5-byte pieces: headers and payloads cut anywhere.
        while all.readableBytes > 0 {
            let piece = all.readSlice(length: min(5, all.readableBytes)) ?? ByteBuffer()
            lines += decoder.feed(piece)
        }
        lines += decoder.finish()
        #expect(
            lines == [
                LogLine(stream: .stdout, timestamp: "2026-01-01T00:00:00Z", text: "hello"),
                LogLine(stream: .stdout, timestamp: "2026-01-01T00:00:01Z", text: "world"),
                LogLine(stream: .stderr, timestamp: "2026-01-01T00:00:02Z", text: "oops"),
            ])
    }

    @Test("JSON lines split across chunks come out whole")
    func lineSplitter() {
        var splitter = LineSplitter()
        #expect(splitter.feed(ByteBuffer(string: "{\"a\":1}\n{\"b\"")).map { String(buffer: $0) } == ["{\"a\":1}"])
        #expect(splitter.feed(ByteBuffer(string: ":2}\n")).map { String(buffer: $0) } == ["{\"b\":2}"])
        #expect(splitter.finish() == nil)
    }

    @Test(
        "engine addresses",
        arguments: [
            ("unix:///var/run/docker.sock", EngineEndpoint.unix(path: "/var/run/docker.sock")),
            ("/tmp/d.sock", .unix(path: "/tmp/d.sock")),
            ("tcp://127.0.0.1:2375", .tcp(host: "127.0.0.1", port: 2375)),
            ("tcp://[::1]:2375", .tcp(host: "::1", port: 2375)),
        ])
    func endpoints(text: String, expected: EngineEndpoint) throws {
        #expect(try EngineEndpoint(parsing: text) == expected)
    }

    @Test("bad engine addresses say how to write one", arguments: ["docker.sock", "tcp://host", "tcp://host:99999", "unix://relative"])
    func badEndpoints(text: String) {
        let error = #expect(throws: DockerError.self) { try EngineEndpoint(parsing: text) }
        #expect(error?.code == .badEndpoint)
        #expect(error?.message.contains(text) == true)
    }
}
