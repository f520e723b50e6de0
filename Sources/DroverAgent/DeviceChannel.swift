import DroverClient
import DroverModel
import Foundation
import Logging

/// The agent's device channel: it keeps one WebSocket open to the server, which sends the new
/// target over it (or says that it changed), so that ``ServerLink`` takes it at once instead of
/// holding a long-poll open. While the channel is down the long-poll is the path, as before.
///
/// "May have changed" is said for every notice from the server and whenever the channel
/// opens or closes: on opening, so that a change made while the agent was away is fetched;
/// on closing, so that the link goes back to long-polling without waiting.
actor DeviceChannel {
    let server: String
    let credential: String
    let logger: Logger
    /// Opens the sessions the server asks for; none: every stream is refused.
    let sessions: DeviceSessions?
    /// The streams open on the connection of now.
    private var streams: ChannelStreams?
    /// Whether the socket is open now.
    private(set) var connected = false
    /// A change was signalled and the link has not yet taken it.
    private var pending = false
    /// A target the server sent, not yet taken.
    private var pushed: (etag: String, body: [UInt8])?
    private var waiter: (id: UUID, continuation: CheckedContinuation<Void, Never>)?

    /// Seconds before trying again after the server refused the channel (a wrong key, or a
    /// server without one); the long-poll carries on meanwhile and finds a deleted device.
    static let refusedRetrySeconds: Double = 600

    init(server: String, credential: String, logger: Logger, sessions: DeviceSessions? = nil) {
        self.server = server
        self.credential = credential
        self.logger = logger
        self.sessions = sessions
    }

    /// Connects, and connects again after each loss with a jittered backoff (1 s doubling to
    /// a minute, reset by a connection that lasted), until cancelled.
    func run() async {
        var failures = 0
        while !Task.isCancelled {
            let opened = ContinuousClock.now
            let end = await DeviceChannelClient.connect(
                server: server, credential: credential, logger: logger, onOpen: { await self.opened($0) },
                onFrame: { await self.received($0) })
            closed()
            let seconds: Double
            switch end {
            case .refused(let reason):
                logger.info("the server refused the channel; long-polling", metadata: ["reason": "\(reason)"])
                seconds = Self.refusedRetrySeconds * Double.random(in: 0.5...1)
            case .lost(let reason):
                failures = ContinuousClock.now - opened > .seconds(60) ? 1 : failures + 1
                seconds = min(60, pow(2, Double(min(failures, 6)))) * Double.random(in: 0.5...1)
                logger.debug("channel lost; connecting again", metadata: ["reason": "\(reason)", "in": "\(Int(seconds)) s"])
            }
            try? await Task.sleep(for: .seconds(seconds))
        }
    }

    /// Waits until a change is signalled; returns at once if one was signalled and not yet
    /// taken (``takeSignal()``), and when the task is cancelled.
    func nextChange() async {
        if pending { return }
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiter = (id, continuation)
                }
            }
        } onCancel: {
            Task { await self.endWait(id) }
        }
    }

    /// Whether a change was signalled since the last take, and forgets it: the link is about
    /// to ask for the target.
    func takeSignal() -> Bool {
        defer { pending = false }
        return pending
    }

    private func endWait(_ id: UUID) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }

    private func signal() {
        pending = true
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume()
        }
    }

    private func opened(_ sender: ChannelSender) {
        streams = ChannelStreams(sender: sender, sessions: sessions)
        connected = true
        logger.debug("channel open")
        signal()
    }

    private func closed() {
        if let streams { Task { await streams.closeAll() } }
        streams = nil
        guard connected else { return }
        connected = false
        signal()
    }

    private func received(_ frame: API.ChannelFrame) async {
        guard frame.stream == 0 else {
            await streams?.received(frame)
            return
        }
        switch frame {
        case .notice(let notice) where notice.event == .targetChanged:
            signal()
        case .target(let etag, let body):
            // Only the newest counts; an older one not yet taken is replaced.
            pushed = (etag, body)
            signal()
        default:
            break
        }
    }

    /// The newest target the server sent and the link has not yet taken.
    func takeTarget() -> (etag: String, body: [UInt8])? {
        defer { pushed = nil }
        return pushed
    }
}
