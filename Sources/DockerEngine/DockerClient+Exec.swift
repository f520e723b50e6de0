import Foundation
import NIOCore

/// Running a command in a container (`docker exec`): create, attach over a hijacked
/// connection, resize, and read the exit code.
extension DockerClient {
    /// Creates an exec instance of `command` in a running container; returns its id.
    public func createExec(
        container: String, command: [String], tty: Bool, environment: [String] = [], columns: Int? = nil, rows: Int? = nil, user: String? = nil,
        privileged: Bool? = nil, workingDir: String? = nil
    ) async throws(DockerError) -> String {
        struct Body: Encodable {
            var AttachStdin = true
            var AttachStdout = true
            var AttachStderr = true
            var Tty: Bool
            var Cmd: [String]
            var Env: [String]
            var ConsoleSize: [Int]?
            var User: String?
            var Privileged: Bool?
            var WorkingDir: String?
        }
        struct Created: Decodable { var Id: String }
        let size = columns.flatMap { columns in rows.map { [$0, columns] } }
        let body = Body(
            Tty: tty, Cmd: command, Env: environment, ConsoleSize: apiVersion < APIVersion(1, 42) ? nil : size, User: user, Privileged: privileged,
            WorkingDir: workingDir)
        return try await send(
            Created.self, .POST, "/containers/\(Self.percentEncodeQuery(container))/exec", body: try Self.encode(body)
        ).Id
    }

    /// Sets the size of an exec's terminal.
    public func resizeExec(_ id: String, columns: Int, rows: Int) async throws(DockerError) {
        _ = try await send(.POST, "/exec/\(Self.percentEncodeQuery(id))/resize", query: [("h", String(rows)), ("w", String(columns))])
    }

    /// Whether an exec still runs, its process id on the engine's host (0 once it ended), and
    /// its exit code once it ended.
    public func inspectExec(_ id: String) async throws(DockerError) -> (running: Bool, pid: Int, exitCode: Int?) {
        struct Inspect: Decodable {
            var Running: Bool
            var Pid: Int?
            var ExitCode: Int?
        }
        let inspect = try await send(Inspect.self, .GET, "/exec/\(Self.percentEncodeQuery(id))/json")
        return (inspect.Running, inspect.Pid ?? 0, inspect.ExitCode)
    }

    /// Starts an exec attached: `body` gets what the command prints (standard output and error
    /// apart when it has no TTY) and a writer to its standard input, whose `finish()` closes
    /// that input. The connection is the engine's own, hijacked (`Upgrade: tcp`), as the
    /// docker CLI does it; it closes when `body` returns.
    public func attachExec<Result: Sendable>(
        _ id: String, tty: Bool, _ body: (_ output: ExecOutput, _ input: ByteStream.Outbound) async throws -> Result
    ) async throws -> Result {
        let stream = try await ByteStream.connect(to: endpoint)
        let json = "{\"Detach\":false,\"Tty\":\(tty)}"
        let request =
            "POST /v\(apiVersion)/exec/\(Self.percentEncodeQuery(id))/start HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\(json)"
        return try await stream.run { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var iterator = inbound.makeAsyncIterator()
            var head = ByteBuffer()
            while true {
                guard var chunk = try await iterator.next() else {
                    throw DockerError(.badResponse, "the engine closed the exec connection before answering")
                }
                head.writeBuffer(&chunk)
                if let end = head.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let headText = String(decoding: head.readableBytesView[..<end.lowerBound], as: UTF8.self)
                    head.moveReaderIndex(to: end.upperBound)
                    let status = headText.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
                    guard status == 101 || status == 200 else {
                        throw DockerError(.engine, "starting the exec failed: \(headText.split(separator: "\r\n").first ?? "")", status: status)
                    }
                    break
                }
                guard head.readableBytes < 64 << 10 else { throw DockerError(.badResponse, "the engine's answer to an exec start has no end") }
            }
            return try await body(ExecOutput(iterator: iterator, pending: head, framed: !tty), outbound)
        }
    }
}

/// What an attached exec prints, in the order it arrives. It may be handed to another task
/// (hence `Sendable`), but only one task may iterate it, once: it reads one connection.
public struct ExecOutput: AsyncSequence, @unchecked Sendable {
    /// One piece of output.
    public enum Chunk: Sendable, Equatable {
        case stdout([UInt8])
        case stderr([UInt8])
    }

    var iterator: ByteStream.Inbound.AsyncIterator
    var pending: ByteBuffer
    /// Without a TTY the engine frames each piece: a byte for the stream, three zeros, and a
    /// big-endian UInt32 length.
    let framed: Bool

    public func makeAsyncIterator() -> Iterator {
        Iterator(source: iterator, buffer: pending, framed: framed)
    }

    /// Reads the pieces.
    public struct Iterator: AsyncIteratorProtocol {
        var source: ByteStream.Inbound.AsyncIterator
        var buffer: ByteBuffer
        let framed: Bool

        public mutating func next() async throws -> Chunk? {
            while true {
                if !framed, buffer.readableBytes > 0 {
                    defer { buffer.clear() }
                    return .stdout(Array(buffer.readableBytesView))
                }
                if framed, buffer.readableBytes >= 8, let header = buffer.getBytes(at: buffer.readerIndex, length: 8) {
                    let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
                    guard length <= 1 << 24 else { throw DockerError(.badResponse, "an exec output frame claims \(length) bytes") }
                    if buffer.readableBytes >= 8 + length {
                        buffer.moveReaderIndex(forwardBy: 8)
                        let bytes = buffer.readBytes(length: length) ?? []
                        buffer.discardReadBytes()
                        if bytes.isEmpty { continue }
                        return header[0] == 2 ? .stderr(bytes) : .stdout(bytes)
                    }
                }
                guard var chunk = try await source.next() else { return nil }
                buffer.writeBuffer(&chunk)
            }
        }
    }
}
