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
    /// A real server on 127.0.0.1 with one enrolled device, answering once this returns.
    struct Running {
        let directory = NSTemporaryDirectory() + "drover-stop-\(UUID().uuidString)"
        let store: SQLStore
        let plane: ControlPlane
        let device: API.RegisteredDevice
        let url: String
        let group: ServiceGroup
        let task: Task<Void, any Error>

        init(tick: Duration = .seconds(1)) async throws {
            store = try await DroverServerApp.openStore(dataDirectory: directory, logger: Logger(label: "test"))
            plane = ControlPlane(store: store, logger: Logger(label: "test"), tick: tick)
            _ = try await plane.bootstrap()
            device = try await StoreHardeningTests.enrol(plane: plane, org: try await plane.ownerAccess(), fleet: "lab", name: "pi")
            let port = Int.random(in: 40_000...49_000)
            url = "http://127.0.0.1:\(port)"
            let app = DroverServerApp.buildApplication(plane: plane, host: "127.0.0.1", port: port, logger: Logger(label: "test"))
            let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
            self.group = group
            task = Task { try await group.run() }
            let probe = DroverAPIClient(server: url, credential: nil)
            for _ in 0..<100 where (try? await probe.send(.GET, "/v1/health")) == nil { try await Task.sleep(for: .milliseconds(50)) }
            try await probe.shutdown()
        }

        /// Stops gracefully and waits until the server has ended.
        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
        }

        func close() async throws {
            try await store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test("a graceful stop writes the last-seen times it still held, after its HTTP server stopped and before the store closes")
    func lastSeenWrittenOnStop() async throws {
        // The background services would write only after an hour: the write seen here is the one made on stopping.
        let server = try await Running(tick: .seconds(3600))
        let client = DroverAPIClient(server: server.url, credential: server.device.apiKey)
        #expect(try await client.send(.GET, "/v1/device/state").status == 200)
        #expect(try await server.store.device(uuid: server.device.uuid).lastSeen == nil)
        try await server.stop()
        #expect(try await server.store.device(uuid: server.device.uuid).lastSeen != nil)
        try await client.shutdown()
        try await server.close()
    }

    @Test("a graceful stop closes the devices' open channels instead of waiting on them, and they are told to come back")
    func channelsClosedOnStop() async throws {
        let server = try await Running()
        let channel = Task {
            await DeviceChannelClient.connect(
                server: server.url, credential: server.device.apiKey, logger: Logger(label: "test"), onOpen: { _ in }, onFrame: { _ in })
        }
        for _ in 0..<200 where server.plane.connectedChannels == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(server.plane.connectedChannels == 1)
        try await server.stop()
        // Lost, not refused: the agent comes back to whichever server answers next.
        let end = await channel.value
        if case .refused = end { Issue.record("the channel should end as lost, to be opened again; it ended as \(end)") }
        try await server.close()
    }
}
