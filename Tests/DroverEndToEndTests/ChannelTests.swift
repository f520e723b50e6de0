import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// The device channel between a real agent and a real server: new targets come over it, not
/// over a held long-poll; it survives a server restart; a deleted device is cut off.
@Suite("End to end: the device channel", .needsEngine, .serialized)
struct ChannelTests {
    let logger = Logger(label: "e2e-channel")

    static func compose(_ tag: String) -> String {
        """
        services:
          app:
            image: \(TestEngine.registry)/drover/busybox:1
            command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait; done"]
            environment: {TAG: "\(tag)"}
        """
    }

    /// An agent whose long-poll would hold a minute: a release that reaches it sooner came
    /// over the channel.
    func startAgent(_ name: String, server: LiveServer, key: String?, agents: AgentTasks) async {
        await agents.start(
            AgentConfig(
                server: server.url, provisioningKey: key, deviceName: name, engine: TestEnvironment.dockerHost,
                stateDir: agents.stateDirectory(name), pollInterval: 60),
            logger: logger)
    }

    func runs(_ release: String, _ name: String, api: DroverAPIClient) async throws {
        _ = try await eventually("\(name) runs \(release)", timeout: .seconds(120)) {
            try? await api.call(API.Device.self, .GET, "/v1/devices/\(name)")
        } until: {
            $0?.release == release && $0?.status == .running
        }
    }

    @Test("a release reaches a device over its channel, with no request and no long-poll, also after the server restarts")
    func releasesArriveOverTheChannel() async throws {
        try await LiveRig.run(channel: true) { server, api, _, agents in
            let key = try await LiveRig.fleetWithKey("ch", api: api)
            await startAgent("c1", server: server, key: key, agents: agents)
            try await eventually("c1's channel open") {
                try await server.plane().connectedChannels
            } until: {
                $0 == 1
            }
            let first = try await api.call(API.Release.self, .POST, "/v1/fleets/ch/releases", body: API.CreateRelease(compose: Self.compose("one")))
            try await runs(first.id, "c1", api: api)
            // The next release comes over the channel itself: the device does not ask for it.
            let credential = try deviceCredential(stateDirectory: agents.stateDirectory("c1"))
            let asked = await server.targetRequests(by: credential)
            let second = try await api.call(API.Release.self, .POST, "/v1/fleets/ch/releases", body: API.CreateRelease(compose: Self.compose("two")))
            try await runs(second.id, "c1", api: api)
            #expect(await server.targetRequests(by: credential) == asked, "the release was sent to the device; it did not ask")
            #expect(try await server.plane().heldLongPolls == 0, "a device with an open channel holds no long-poll")

            // The server restarts on the same port and data; the agent opens its channel again.
            try await server.stop()
            try await server.start()
            try await eventually("c1's channel open again", timeout: .seconds(60)) {
                try await server.plane().connectedChannels
            } until: {
                $0 == 1
            }
            let third = try await api.call(API.Release.self, .POST, "/v1/fleets/ch/releases", body: API.CreateRelease(compose: Self.compose("three")))
            try await runs(third.id, "c1", api: api)
            #expect(try await server.plane().heldLongPolls == 0, "after the restart the release came over the channel too")
        }
    }

    @Test("deleting a device closes its channel at once, and its agent removes the device's containers")
    func deletedDeviceIsCutOff() async throws {
        try await LiveRig.run(channel: true) { server, api, engine, agents in
            let key = try await LiveRig.fleetWithKey("cut", api: api)
            await startAgent("c2", server: server, key: key, agents: agents)
            let release = try await api.call(API.Release.self, .POST, "/v1/fleets/cut/releases", body: API.CreateRelease(compose: Self.compose("one")))
            try await runs(release.id, "c2", api: api)
            let uuid = try await api.call(API.Device.self, .GET, "/v1/devices/c2").uuid
            try await eventually("c2's channel open") {
                try await server.plane().connectedChannels
            } until: {
                $0 == 1
            }

            _ = try await api.send(.DELETE, "/v1/devices/c2")
            try await eventually("c2's channel closed") {
                try await server.plane().connectedChannels
            } until: {
                $0 == 0
            }
            let left = try await eventually("c2's containers gone", timeout: .seconds(45)) {
                try await engine.listContainers(all: true, filters: DeviceIdentity(id: uuid).labelFilter(app: nil))
            } until: {
                $0.isEmpty
            }
            #expect(left.isEmpty)
            // The agent did not come back in the seconds that took (a lost channel is tried
            // again within 2 s): its key no longer opens one.
            #expect(try await server.plane().connectedChannels == 0)
        }
    }
}
