import DroverModel
import Foundation
import Synchronization

/// The devices' channels held by this server: one WebSocket per device, over which the server
/// sends the device its new target at once (``ChannelPush``; the long-poll stays as the
/// fallback).
///
/// A channel is a stream of frames to send; the WebSocket handler writes them out. A device
/// that connects again replaces its older channel, and a deleted device's channel is closed.
/// Everything is behind one lock with no suspension, so that it can be used from any actor's
/// turn.
final class ChannelHub: Sendable {
    /// What the socket writer is asked to do.
    enum Outbound: Sendable {
        /// Send this frame.
        case frame(API.ChannelFrame)
        /// Close the socket, for this reason.
        case close(CloseReason)
    }

    /// Why the server closes a channel.
    enum CloseReason: String, Sendable {
        case deleted = "the device was deleted"
        case replaced = "the device connected again"
    }

    private struct Channel {
        var id: UUID
        var outbound: AsyncStream<Outbound>.Continuation
        /// The frames of sessions' streams, in order: never dropped, and bounded by the
        /// streams' windows rather than by the buffer.
        var streamFrames: AsyncStream<API.ChannelFrame>.Continuation
        /// The ETag of the target last sent on this channel.
        var sentETag: String?
        /// The sessions open on this channel, by stream: where the device's frames go.
        var sessions: [UInt32: Session] = [:]
        var lastStream: UInt32 = 0

        /// Ends the channel's streams and its sessions: they see their frames end.
        func finish() {
            outbound.finish()
            streamFrames.finish()
            for session in sessions.values { session.frames.finish() }
        }
    }

    /// A session's end of a stream: where the device's frames for it go, and how many more
    /// bytes of data the device may send on it (the window the server granted).
    private struct Session {
        var frames: AsyncStream<API.ChannelFrame>.Continuation
        var allowance = Int(API.ChannelFrame.streamWindow)
    }

    /// A channel as its socket's handler gets it.
    struct Attached {
        let id: UUID
        /// Notices, targets and closes, newest kept when the device reads slowly.
        let outbound: AsyncStream<Outbound>
        /// Frames of the sessions' streams.
        let streamFrames: AsyncStream<API.ChannelFrame>
    }

    /// A session's stream on a device's channel, as the server's end of it sees it.
    struct DeviceStream: Sendable {
        let device: String
        let channel: UUID
        let stream: UInt32
        /// The device's frames for this stream, until it closes it or the channel goes.
        let inbound: AsyncStream<API.ChannelFrame>
        let hub: ChannelHub

        /// Sends the device a frame of this stream.
        func send(_ frame: API.ChannelFrame) {
            hub.sendStreamFrame(frame, device: device, channel: channel)
        }

        /// Forgets the stream: frames the device still sends for it are dropped.
        func release() {
            hub.release(device: device, channel: channel, stream: stream)
        }
    }

    private let channels = Mutex<[String: Channel]>([:])

    /// Takes the channel of device `uuid`; its frames to send come out of the returned stream
    /// until it is detached or replaced. Notices coalesce: a device that reads slowly gets the
    /// newest few, never an unbounded queue.
    func attach(device uuid: String) -> Attached {
        let (stream, continuation) = AsyncStream<Outbound>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let (frames, framesContinuation) = AsyncStream<API.ChannelFrame>.makeStream()
        let id = UUID()
        let replaced = channels.withLock { channels in
            defer { channels[uuid] = Channel(id: id, outbound: continuation, streamFrames: framesContinuation) }
            return channels[uuid]
        }
        if let replaced {
            replaced.outbound.yield(.close(.replaced))
            replaced.finish()
        }
        return Attached(id: id, outbound: stream, streamFrames: frames)
    }

    /// Ends channel `id` of device `uuid`, unless a newer one replaced it.
    func detach(device uuid: String, id: UUID) {
        let removed = channels.withLock { channels -> Channel? in
            guard channels[uuid]?.id == id else { return nil }
            return channels.removeValue(forKey: uuid)
        }
        removed?.finish()
    }

    /// Closes the device's channel at once: it was deleted.
    func cut(device uuid: String) {
        guard let channel = channels.withLock({ $0.removeValue(forKey: uuid) }) else { return }
        channel.outbound.yield(.close(.deleted))
        channel.finish()
    }

    /// Sends device `uuid` the frame that carries its target with `etag` (the target, or a
    /// notice when it is too large for one frame), unless its channel is closed or was last
    /// sent that very target: a change elsewhere in the fleet, or in another fleet, costs a
    /// device nothing on its link.
    func send(_ frame: API.ChannelFrame, etag: String, to uuid: String) {
        channels.withLock { channels in
            guard var channel = channels[uuid], channel.sentETag != etag else { return }
            channel.sentETag = etag
            channels[uuid] = channel
            channel.outbound.yield(.frame(frame))
        }
    }

    /// Opens a session's stream on the device's channel and sends the device the `open`
    /// frame; nil when the device's channel is not connected to this server.
    func openStream(device uuid: String, _ open: API.StreamOpen) -> DeviceStream? {
        let (inbound, continuation) = AsyncStream<API.ChannelFrame>.makeStream()
        let opened = channels.withLock { channels -> (UUID, UInt32)? in
            guard var channel = channels[uuid] else { return nil }
            channel.lastStream = channel.lastStream == UInt32.max ? 1 : channel.lastStream + 1
            let stream = channel.lastStream
            channel.sessions[stream] = Session(frames: continuation)
            channels[uuid] = channel
            channel.streamFrames.yield(.open(stream: stream, open))
            return (channel.id, stream)
        }
        guard let (channel, stream) = opened else { return nil }
        return DeviceStream(device: uuid, channel: channel, stream: stream, inbound: inbound, hub: self)
    }

    /// Hands a frame the device sent on channel `id` to the session of its stream; a close
    /// ends the session's frames. Frames of a stream that no session holds are dropped. A
    /// device that sends more data than the stream's window allows is not buffered without
    /// end: the session ends with an error, and the device is told to close the stream.
    func deliver(_ frame: API.ChannelFrame, device uuid: String, id: UUID) {
        let (session, overrun) = channels.withLock { channels -> (AsyncStream<API.ChannelFrame>.Continuation?, Bool) in
            guard var channel = channels[uuid], channel.id == id, var session = channel.sessions[frame.stream] else { return (nil, false) }
            defer { channels[uuid] = channel }
            switch frame {
            case .close:
                channel.sessions[frame.stream] = nil
                return (session.frames, false)
            case .data(_, let bytes), .stderr(_, let bytes):
                session.allowance -= bytes.count
                guard session.allowance >= 0 else {
                    channel.sessions[frame.stream] = nil
                    channel.streamFrames.yield(.close(stream: frame.stream, API.StreamEnd(error: "the device sent past the stream's window")))
                    return (session.frames, true)
                }
                channel.sessions[frame.stream] = session
                return (session.frames, false)
            default:
                return (session.frames, false)
            }
        }
        if overrun {
            session?.yield(.close(stream: frame.stream, API.StreamEnd(error: "the device sent more than the stream's window; the session was ended")))
            session?.finish()
            return
        }
        session?.yield(frame)
        if case .close = frame { session?.finish() }
    }

    fileprivate func sendStreamFrame(_ frame: API.ChannelFrame, device uuid: String, channel id: UUID) {
        channels.withLock { channels in
            guard var channel = channels[uuid], channel.id == id else { return }
            if case .window(let stream, let bytes) = frame, var session = channel.sessions[stream] {
                session.allowance += Int(bytes)
                channel.sessions[stream] = session
                channels[uuid] = channel
            }
            channel.streamFrames.yield(frame)
        }
    }

    fileprivate func release(device uuid: String, channel id: UUID, stream: UInt32) {
        let session = channels.withLock { channels -> Session? in
            guard var channel = channels[uuid], channel.id == id else { return nil }
            defer { channels[uuid] = channel }
            return channel.sessions.removeValue(forKey: stream)
        }
        session?.frames.finish()
    }

    /// The devices connected now.
    var connectedDevices: [String] { channels.withLock { Array($0.keys) } }

    /// How many devices are connected now.
    var connectedCount: Int { channels.withLock { $0.count } }
}
