import DroverModel
import Foundation
import Synchronization

/// Sends every device with an open channel its new target when targets change, so that a
/// release reaches a fleet without a request per device. A target too large for one frame, or
/// one that cannot be computed, goes as a plain "target changed" notice and the device asks.
///
/// Changes that land while a round of sending runs are gathered into one more round.
final class ChannelPush: Sendable {
    private struct State {
        var targets: Targets?
        var running = false
        var again = false
    }

    private let state = Mutex(State())
    private let channels: ChannelHub

    init(channels: ChannelHub) {
        self.channels = channels
    }

    /// The targets to send; set once, after both were made.
    func use(_ targets: Targets) {
        state.withLock { $0.targets = targets }
    }

    /// Targets changed: sends them, now or right after the round under way.
    func changed() {
        let targets = state.withLock { state -> Targets? in
            guard let targets = state.targets else { return nil }
            if state.running {
                state.again = true
                return nil
            }
            state.running = true
            return targets
        }
        guard let targets else { return }
        Task { await self.send(targets) }
    }

    private func send(_ targets: Targets) async {
        repeat {
            for uuid in channels.connectedDevices {
                channels.send(await frame(for: uuid, targets), to: uuid)
            }
        } while state.withLock { state in
            defer { state.again = false }
            state.running = state.again
            return state.again
        }
    }

    private func frame(for uuid: String, _ targets: Targets) async -> API.ChannelFrame {
        let notice = API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged))
        guard let served = try? await targets.target(device: uuid) else { return notice }
        guard 7 + served.etag.utf8.count + served.body.count <= API.ChannelFrame.maxFrameBytes else { return notice }
        return .target(etag: served.etag, body: Array(served.body))
    }
}
