import DroverModel
import Foundation
import Testing

@testable import DroverServer

/// The server's side of the devices' channels, without sockets: what each channel is asked to
/// send, and when it ends.
@Suite("Channel hub: which device hears what")
struct ChannelHubTests {
    /// Everything `stream` yields until it finishes.
    static func drain(_ stream: AsyncStream<ChannelHub.Outbound>) async -> [String] {
        var seen: [String] = []
        for await item in stream {
            switch item {
            case .frame(.notice(let notice)): seen.append(notice.event.rawValue)
            case .frame(let frame): seen.append("\(frame)")
            case .close(let reason): seen.append("close: \(reason.rawValue)")
            }
        }
        return seen
    }

    @Test("a target change is told to every connected device, and a detached one hears nothing more")
    func notices() async {
        let hub = ChannelHub()
        let a = hub.attach(device: "a")
        let b = hub.attach(device: "b")
        #expect(hub.connectedCount == 2)
        hub.targetsChanged()
        hub.detach(device: "b", id: b.id)
        hub.targetsChanged()
        hub.closeAll()
        #expect(await Self.drain(a.outbound) == ["target-changed", "target-changed", "close: the server is stopping"])
        #expect(await Self.drain(b.outbound) == ["target-changed"])
        #expect(hub.connectedCount == 0)
    }

    @Test("a deleted device's channel is closed as deleted; the others stay open")
    func cut() async {
        let hub = ChannelHub()
        let gone = hub.attach(device: "gone")
        _ = hub.attach(device: "kept")
        hub.cut(device: "gone")
        hub.cut(device: "never-connected")
        #expect(await Self.drain(gone.outbound) == ["close: the device was deleted"])
        #expect(hub.connectedDevices == ["kept"])
    }

    @Test("a device that connects again replaces its old channel, and the old one's end does not close the new")
    func reconnect() async {
        let hub = ChannelHub()
        let old = hub.attach(device: "d")
        let new = hub.attach(device: "d")
        #expect(await Self.drain(old.outbound) == ["close: the device connected again"])
        // The old socket's handler ends after the new one attached: it must not detach the new.
        hub.detach(device: "d", id: old.id)
        #expect(hub.connectedCount == 1)
        hub.targetsChanged()
        hub.detach(device: "d", id: new.id)
        #expect(await Self.drain(new.outbound) == ["target-changed"])
    }

    @Test("a device that reads slowly gets the newest notices, not an unbounded queue")
    func bounded() async {
        let hub = ChannelHub()
        let slow = hub.attach(device: "slow")
        for _ in 0..<1000 { hub.targetsChanged() }
        hub.detach(device: "slow", id: slow.id)
        #expect(await Self.drain(slow.outbound).count == 16)
    }
}
