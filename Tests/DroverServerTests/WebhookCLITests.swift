import ArgumentParser
import DroverCLI
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Testing

/// `drover webhook` against a live server on loopback.
@Suite("drover webhook against a live server")
struct WebhookCLITests {
    func run(_ arguments: [String], server: LiveServer) async throws {
        var command = try DroverCommand.parseAsRoot(arguments + ["--server", server.url, "--token", await server.token])
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }

    @Test("create for a fleet or the organisation, list, test, deliveries and rm act on the server; errors carry its message")
    func commands() async throws {
        try await withLiveServer { server in
            let plane = try await server.plane()
            let org = try await server.org()
            _ = try await plane.createFleet(org, name: "ci")
            try await run(
                ["webhook", "create", "--fleet", "ci", "--url", "http://127.0.0.1:9/ci", "--events", "release.failing,release.completed"], server: server)
            try await run(["webhook", "create", "--org", "default", "--url", "https://127.0.0.1:9/all", "--events", "device.offline"], server: server)
            let hooks = try await plane.listWebhooks(org, fleet: nil)
            #expect(hooks.map(\.fleet) == ["ci", nil])
            #expect(hooks.map(\.events) == [[.releaseFailing, .releaseCompleted], [.deviceOffline]])
            try await run(["webhook", "list", "-o", "json"], server: server)
            try await run(["webhook", "test", hooks[0].id], server: server)
            try await run(["webhook", "deliveries", hooks[0].id], server: server)
            #expect(try await plane.webhookDeliveries(org, hooks[0].id).map(\.event) == [.ping])

            let refused = await #expect(throws: (any Error).self) {
                try await run(["webhook", "create", "--org", "default", "--url", "ftp://127.0.0.1/", "--events", "device.online"], server: server)
            }
            #expect("\(refused.map { "\($0)" } ?? "")".contains("only http and https URLs can receive webhooks"))
            let foreign = await #expect(throws: (any Error).self) {
                try await run(["webhook", "create", "--org", "elsewhere", "--url", "http://127.0.0.1:9/", "--events", "device.online"], server: server)
            }
            #expect("\(foreign.map { "\($0)" } ?? "")".contains("no organisation 'elsewhere'"))
            try await run(["webhook", "rm", hooks[0].id], server: server)
            #expect(try await plane.listWebhooks(org, fleet: nil).map(\.id) == [hooks[1].id])
        }
    }
}
