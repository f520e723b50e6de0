import DroverModel
import Foundation
import Synchronization

/// Sends every device with an open channel its new target when targets change, so that a
/// release reaches a fleet without a request per device; a device whose target did not change
/// is sent nothing. A target too large for one frame goes as a plain "target changed" notice
/// and the device asks. A device whose target cannot be computed (just deleted) is skipped.
///
/// Changes that land while a round of sending runs are gathered into one more round.
final class ChannelPush: Sendable {
    private struct State {
        var running = false
        var again = false
    }

    private let state = Mutex(State())
    private let channels: ChannelHub

    init(channels: ChannelHub) {
        self.channels = channels
    }

    /// `targets` changed: sends them, now or right after the round under way.
    func changed(_ targets: Targets) {
        let start = state.withLock { state -> Bool in
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        if start { Task { await self.send(targets) } }
    }

    private func send(_ targets: Targets) async {
        repeat {
            for uuid in channels.connectedDevices {
                guard let served = try? await targets.target(device: uuid) else { continue }
                let fits = 7 + served.etag.utf8.count + served.body.count <= API.ChannelFrame.maxFrameBytes
                let frame = fits ? API.ChannelFrame.target(etag: served.etag, body: Array(served.body)) : .notice(API.ChannelNotice(event: .targetChanged))
                channels.send(frame, etag: served.etag, to: uuid)
            }
        } while state.withLock { state in
            defer { state.again = false }
            state.running = state.again
            return state.again
        }
    }
}
