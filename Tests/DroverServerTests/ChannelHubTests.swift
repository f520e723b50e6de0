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

    static let notice = API.ChannelFrame.notice(API.ChannelNotice(event: .targetChanged))

    @Test("a frame goes to its device only, once per target, and a detached device hears nothing more")
    func sendAndDetach() async {
        let hub = ChannelHub()
        let a = hub.attach(device: "a")
        let b = hub.attach(device: "b")
        #expect(hub.connectedCount == 2)
        hub.send(Self.notice, etag: "1", to: "a")
        hub.send(Self.notice, etag: "1", to: "a")  // the same target again: nothing to say
        hub.send(Self.notice, etag: "1", to: "b")
        hub.detach(device: "b", id: b.id)
        hub.send(Self.notice, etag: "2", to: "b")
        hub.send(Self.notice, etag: "2", to: "a")
        hub.detach(device: "a", id: a.id)
        #expect(await Self.drain(a.outbound) == ["target-changed", "target-changed"])
        #expect(await Self.drain(b.outbound) == ["target-changed"])
        #expect(hub.connectedCount == 0)
    }

    @Test(
        "a new release is sent to each connected device of its fleet as its own target, with the ETag a GET would give; other fleets' devices are sent nothing")
    func pushedTargets() async throws {
        let (directory, store, plane, org) = try await StoreHardeningTests.openPlane()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let device = try await StoreHardeningTests.enrol(plane: plane, org: org, fleet: "lab", name: "pi")
        let bystander = try await StoreHardeningTests.enrol(plane: plane, org: org, fleet: "other", name: "pi2")
        let channel = plane.channels.attach(device: device.uuid)
        let quiet = plane.channels.attach(device: bystander.uuid)
        _ = try await plane.createRelease(org, fleet: "other", compose: "services:\n  web:\n    image: nginx:1.26\n")
        let release = try await plane.createRelease(org, fleet: "lab", compose: "services:\n  web:\n    image: nginx:1.27\n")
        var iterator = channel.outbound.makeAsyncIterator()
        var received: (etag: String, body: [UInt8])?
        while received == nil, let item = await iterator.next() {
            if case .frame(.target(let etag, let body)) = item, String(decoding: body, as: UTF8.self).contains(release.id) { received = (etag, body) }
        }
        let served = try await plane.target(device: device.uuid)
        #expect(received?.etag == served.etag)
        #expect(received.map { Data($0.body) } == served.body)
        // Rounds of sending run one after another: once the device has a later release, the
        // round of the first one has reached every device.
        let later = try await plane.createRelease(org, fleet: "lab", compose: "services:\n  web:\n    image: nginx:1.28\n")
        var done = false
        while !done, let item = await iterator.next() {
            if case .frame(.target(_, let body)) = item { done = String(decoding: body, as: UTF8.self).contains(later.id) }
        }
        // The bystander heard its own release (and, at most, its first target); the lab's
        // releases changed nothing for it, so it was sent nothing more.
        plane.channels.detach(device: bystander.uuid, id: quiet.id)
        var heard: [String] = []
        for await item in quiet.outbound {
            if case .frame(.target(_, let body)) = item { heard.append(String(decoding: body, as: UTF8.self)) }
        }
        #expect(!heard.isEmpty && heard.allSatisfy { !$0.contains(release.id) }, "\(heard)")
        #expect(heard.count == Set(heard).count, "no target was sent twice: \(heard)")
        plane.channels.detach(device: device.uuid, id: channel.id)
        try await store.close()
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
        hub.send(Self.notice, etag: "1", to: "d")
        hub.detach(device: "d", id: new.id)
        #expect(await Self.drain(new.outbound) == ["target-changed"])
    }

    @Test("a device that reads slowly gets the newest notices, not an unbounded queue")
    func bounded() async {
        let hub = ChannelHub()
        let slow = hub.attach(device: "slow")
        for round in 0..<1000 { hub.send(Self.notice, etag: "\(round)", to: "slow") }
        hub.detach(device: "slow", id: slow.id)
        #expect(await Self.drain(slow.outbound).count == 16)
    }

    @Test("a session gets its own stream's frames; a device that sends past the window ends that session, not the channel")
    func streamsAndWindows() async throws {
        let hub = ChannelHub()
        let attached = hub.attach(device: "d")
        let first = try #require(hub.openStream(device: "d", API.StreamOpen(kind: .logs)))
        let second = try #require(hub.openStream(device: "d", API.StreamOpen(kind: .tunnel, port: 80)))
        #expect(first.stream != second.stream)
        #expect(hub.openStream(device: "elsewhere", API.StreamOpen(kind: .logs)) == nil, "a device not connected here has no stream")

        let window = Int(API.ChannelFrame.streamWindow)
        hub.deliver(.data(stream: second.stream, bytes: [1, 2, 3]), device: "d", id: attached.id)
        // The first stream's window, used up and then overrun by one byte.
        let chunk = [UInt8](repeating: 0, count: API.ChannelFrame.maxDataBytes)
        for _ in 0..<(window / chunk.count) { hub.deliver(.data(stream: first.stream, bytes: chunk), device: "d", id: attached.id) }
        hub.deliver(.data(stream: first.stream, bytes: [9]), device: "d", id: attached.id)

        var firstFrames: [API.ChannelFrame] = []
        for await frame in first.inbound { firstFrames.append(frame) }
        #expect(firstFrames.count == window / chunk.count + 1)
        guard case .close(_, let end)? = firstFrames.last else { return #expect(Bool(false), "the session was not ended") }
        #expect(end.error?.contains("window") == true)

        // Granted room counts: the second stream takes its window again after a grant.
        second.send(.window(stream: second.stream, bytes: 3))
        for _ in 0..<(window / chunk.count) { hub.deliver(.data(stream: second.stream, bytes: chunk), device: "d", id: attached.id) }
        hub.deliver(.close(stream: second.stream, API.StreamEnd()), device: "d", id: attached.id)
        var secondFrames = 0
        for await frame in second.inbound {
            secondFrames += 1
            if case .close(_, let end) = frame { #expect(end == API.StreamEnd(), "the second stream ended by the device, not by an overrun") }
        }
        #expect(secondFrames == 1 + window / chunk.count + 1)
        #expect(hub.connectedCount == 1, "the channel itself stays open")
        hub.detach(device: "d", id: attached.id)
    }
}
