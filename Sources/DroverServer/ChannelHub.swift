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
        /// The ETag of the target last sent on this channel.
        var sentETag: String?
    }

    private let channels = Mutex<[String: Channel]>([:])

    /// Takes the channel of device `uuid`; its frames to send come out of the returned stream
    /// until it is detached or replaced. Notices coalesce: a device that reads slowly gets the
    /// newest few, never an unbounded queue.
    func attach(device uuid: String) -> (id: UUID, outbound: AsyncStream<Outbound>) {
        let (stream, continuation) = AsyncStream<Outbound>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = UUID()
        let replaced = channels.withLock { channels in
            defer { channels[uuid] = Channel(id: id, outbound: continuation) }
            return channels[uuid]
        }
        if let replaced {
            replaced.outbound.yield(.close(.replaced))
            replaced.outbound.finish()
        }
        return (id, stream)
    }

    /// Ends channel `id` of device `uuid`, unless a newer one replaced it.
    func detach(device uuid: String, id: UUID) {
        let removed = channels.withLock { channels -> Channel? in
            guard channels[uuid]?.id == id else { return nil }
            return channels.removeValue(forKey: uuid)
        }
        removed?.outbound.finish()
    }

    /// Closes the device's channel at once: it was deleted.
    func cut(device uuid: String) {
        guard let channel = channels.withLock({ $0.removeValue(forKey: uuid) }) else { return }
        channel.outbound.yield(.close(.deleted))
        channel.outbound.finish()
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

    /// The devices connected now.
    var connectedDevices: [String] { channels.withLock { Array($0.keys) } }

    /// How many devices are connected now.
    var connectedCount: Int { channels.withLock { $0.count } }
}
