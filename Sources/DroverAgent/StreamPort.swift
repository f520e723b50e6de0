import DroverClient
import DroverModel

/// The agent's end of one stream of the device channel: what a session reads from the server
/// and how it sends back, within the window the server grants (see ``API/ChannelFrame``).
final class StreamPort: Sendable {
    let stream: UInt32
    let sender: ChannelSender
    /// The server's frames for this stream: data, eof, resize and close (windows are taken
    /// here), ending when the stream closes or the channel goes.
    let inbound: AsyncStream<API.ChannelFrame>
    let credit = ChannelCredit()

    init(stream: UInt32, sender: ChannelSender, inbound: AsyncStream<API.ChannelFrame>) {
        self.stream = stream
        self.sender = sender
        self.inbound = inbound
    }

    /// Sends bytes as data (or standard error) frames, each when the window allows; false
    /// once the stream or the channel is gone.
    @discardableResult
    func send(_ bytes: some Collection<UInt8>, stderr: Bool = false) async -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            let taken = await credit.take(upTo: min(rest.count, API.ChannelFrame.maxDataBytes))
            guard taken > 0 else { return false }
            guard await sender.sendData(stream: stream, stderr: stderr, rest.prefix(taken)) else { return false }
            rest = rest.dropFirst(taken)
        }
        return true
    }

    /// Grants the server `bytes` more: what it sent has been passed on.
    func granted(_ bytes: Int) async {
        guard bytes > 0 else { return }
        _ = await sender.send(.window(stream: stream, bytes: UInt32(clamping: bytes)))
    }

    /// Says that nothing more comes from this side.
    func eof() async {
        _ = await sender.send(.eof(stream: stream))
    }

    /// Ends the stream with an exit code or an error.
    func close(_ end: API.StreamEnd) async {
        credit.close()
        _ = await sender.send(.close(stream: stream, end))
    }
}

/// The streams open on one connection of the device channel: opens each session the server
/// asks for, hands each its frames, and ends them all when the connection goes.
actor ChannelStreams {
    let sender: ChannelSender
    /// Opens sessions; none: each is refused.
    let sessions: DeviceSessions?
    private var open: [UInt32: (continuation: AsyncStream<API.ChannelFrame>.Continuation, port: StreamPort, task: Task<Void, Never>)] = [:]

    init(sender: ChannelSender, sessions: DeviceSessions?) {
        self.sender = sender
        self.sessions = sessions
    }

    /// Takes one frame of a stream (not stream 0).
    func received(_ frame: API.ChannelFrame) {
        switch frame {
        case .open(let stream, let request):
            guard open[stream] == nil else { return }
            guard let sessions else {
                let sender = self.sender
                Task { _ = await sender.send(.close(stream: stream, API.StreamEnd(error: "this agent takes no sessions"))) }
                return
            }
            let (inbound, continuation) = AsyncStream<API.ChannelFrame>.makeStream()
            let port = StreamPort(stream: stream, sender: sender, inbound: inbound)
            let task = Task {
                await sessions.run(request, on: port)
                self.finished(stream)
            }
            open[stream] = (continuation, port, task)
        case .window(let stream, let bytes):
            open[stream]?.port.credit.add(bytes)
        case .close(let stream, _):
            guard let entry = open.removeValue(forKey: stream) else { return }
            entry.continuation.yield(frame)
            entry.continuation.finish()
            entry.port.credit.close()
        case .data(let stream, _), .eof(let stream), .resize(let stream, _, _):
            open[stream]?.continuation.yield(frame)
        case .notice, .target, .stderr:
            break
        }
    }

    private func finished(_ stream: UInt32) {
        guard let entry = open.removeValue(forKey: stream) else { return }
        entry.continuation.finish()
        entry.port.credit.close()
    }

    /// The connection went: every session ends.
    func closeAll() {
        for entry in open.values {
            entry.continuation.finish()
            entry.port.credit.close()
            entry.task.cancel()
        }
        open = [:]
    }
}
