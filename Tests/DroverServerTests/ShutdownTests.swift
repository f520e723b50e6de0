import DroverClient
import DroverModel
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import DroverServer

/// What a stopping server finishes before it ends.
@Suite("Stopping the server")
struct ShutdownTests {
    @Test("a graceful stop writes the last-seen times it still held, after its HTTP server stopped and before the store closes")
    func lastSeenWrittenOnStop() async throws {
        let directory = NSTemporaryDirectory() + "drover-stop-\(UUID().uuidString)"
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        // The background services would write only after an hour: the write seen here is the one made on stopping.
        let plane = ControlPlane(store: store, logger: Logger(label: "test"), tick: .seconds(3600))
        _ = try await plane.bootstrap()
        let device = try await StoreHardeningTests.enrol(plane: plane, org: try await plane.defaultOrg(), fleet: "lab", name: "pi")
        let port = Int.random(in: 40_000...49_000)
        let app = DroverServerApp.buildApplication(plane: plane, host: "127.0.0.1", port: port, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let client = DroverAPIClient(server: "http://127.0.0.1:\(port)", credential: device.apiKey)
        for _ in 0..<100 where (try? await client.send(.GET, "/v1/health")) == nil { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await client.send(.GET, "/v1/device/state").status == 200)
        #expect(try await store.device(uuid: device.uuid).lastSeen == nil)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await store.device(uuid: device.uuid).lastSeen != nil)
        try await client.shutdown()
        try await store.close()
    }

    @Test("a graceful stop closes the devices' open channels instead of waiting on them, and they are told to come back")
    func channelsClosedOnStop() async throws {
        let directory = NSTemporaryDirectory() + "drover-stop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
        let plane = ControlPlane(store: store, logger: Logger(label: "test"))
        _ = try await plane.bootstrap()
        let device = try await StoreHardeningTests.enrol(plane: plane, org: try await plane.defaultOrg(), fleet: "lab", name: "pi")
        let port = Int.random(in: 40_000...49_000)
        let app = DroverServerApp.buildApplication(plane: plane, host: "127.0.0.1", port: port, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let probe = DroverAPIClient(server: "http://127.0.0.1:\(port)", credential: nil)
        for _ in 0..<100 where (try? await probe.send(.GET, "/v1/health")) == nil { try await Task.sleep(for: .milliseconds(50)) }
        try await probe.shutdown()
        let channel = Task {
            await DeviceChannelClient.connect(
                server: "http://127.0.0.1:\(port)", credential: device.apiKey, logger: Logger(label: "test"), onOpen: {}, onFrame: { _ in })
        }
        for _ in 0..<200 where plane.connectedChannels == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(plane.connectedChannels == 1)
        await group.triggerGracefulShutdown()
        try await running.value
        // Lost, not refused: the agent comes back to whichever server answers next.
        let end = await channel.value
        guard case .lost = end else {
            Issue.record("the channel should end as lost, to be opened again; it ended as \(end)")
            return
        }
        try await store.close()
    }
}
