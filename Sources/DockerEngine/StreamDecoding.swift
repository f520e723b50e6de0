import NIOCore

/// Splits a byte stream into newline-terminated lines, holding partial lines across chunks.
public struct LineSplitter: Sendable {
    private var pending = ByteBuffer()

    /// Creates an empty splitter.
    public init() {}

    /// Feeds one chunk and returns the complete lines it finished (without their newline).
    public mutating func feed(_ chunk: ByteBuffer) -> [ByteBuffer] {
        var chunk = chunk
        pending.writeBuffer(&chunk)
        var lines: [ByteBuffer] = []
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            if let line = pending.readSlice(length: length), line.readableBytes > 0 {
                lines.append(line)
            }
            pending.moveReaderIndex(forwardBy: 1)
        }
        pending.discardReadBytes()
        return lines
    }

    /// The unterminated last line, if the stream ended without a newline.
    public mutating func finish() -> ByteBuffer? {
        defer { pending.clear() }
        return pending.readableBytes > 0 ? pending : nil
    }
}

/// Which output stream a log line came from.
public enum LogStream: String, Sendable, Codable {
    /// Standard input (echoed when attached).
    case stdin
    /// Standard output.
    case stdout
    /// Standard error.
    case stderr
}

/// One line of container output.
public struct LogLine: Sendable, Equatable {
    /// The stream it came from.
    public var stream: LogStream
    /// The engine's RFC 3339 timestamp, when asked for.
    public var timestamp: String?
    /// The text, without the trailing newline.
    public var text: String

    /// Creates a line.
    public init(stream: LogStream, timestamp: String?, text: String) {
        self.stream = stream
        self.timestamp = timestamp
        self.text = text
    }
}

/// Demultiplexes the engine's log framing (8-byte header: stream, 3 zero bytes, big-endian
/// length) into lines, holding partial frames and partial lines across chunks.
public struct LogFrameDecoder: Sendable {
    private var pending = ByteBuffer()
    private var partial: [LogStream: String] = [:]
    private let timestamps: Bool
    private let framed: Bool

    /// Creates a decoder. `framed` is false for containers with a TTY, whose output is raw.
    public init(timestamps: Bool, framed: Bool = true) {
        self.timestamps = timestamps
        self.framed = framed
    }

    /// Feeds one chunk and returns the lines it completed.
    public mutating func feed(_ chunk: ByteBuffer) -> [LogLine] {
        var chunk = chunk
        guard framed else {
            return split(String(buffer: chunk), stream: .stdout)
        }
        pending.writeBuffer(&chunk)
        var lines: [LogLine] = []
        while pending.readableBytes >= 8 {
            let start = pending.readerIndex
            guard let kind = pending.getInteger(at: start, as: UInt8.self),
                let length = pending.getInteger(at: start + 4, endianness: .big, as: UInt32.self)
            else { break }
            guard pending.readableBytes >= 8 + Int(length) else { break }
            pending.moveReaderIndex(forwardBy: 8)
            let payload = pending.readString(length: Int(length)) ?? ""
            let stream: LogStream = kind == 2 ? .stderr : (kind == 0 ? .stdin : .stdout)
            lines += split(payload, stream: stream)
        }
        pending.discardReadBytes()
        return lines
    }

    /// Lines left unterminated when the stream ended.
    public mutating func finish() -> [LogLine] {
        defer { partial.removeAll() }
        return partial.sorted { $0.key.rawValue < $1.key.rawValue }.compactMap { stream, text in
            text.isEmpty ? nil : line(text, stream: stream)
        }
    }

    private mutating func split(_ payload: String, stream: LogStream) -> [LogLine] {
        var text = (partial[stream] ?? "") + payload
        var lines: [LogLine] = []
        while let newline = text.firstIndex(of: "\n") {
            var content = String(text[..<newline])
            if content.hasSuffix("\r") { content.removeLast() }
            lines.append(line(content, stream: stream))
            text = String(text[text.index(after: newline)...])
        }
        partial[stream] = text
        return lines
    }

    private func line(_ content: String, stream: LogStream) -> LogLine {
        guard timestamps, let space = content.firstIndex(of: " ") else {
            return LogLine(stream: stream, timestamp: nil, text: content)
        }
        return LogLine(stream: stream, timestamp: String(content[..<space]), text: String(content[content.index(after: space)...]))
    }
}
