import ArgumentParser
import DroverCLI
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The `drover` commands against a live server on loopback (no engine needed).
@Suite("drover CLI against a live server", .serialized)
struct CLITests {
    func run(_ arguments: [String], server: LiveServer) async throws {
        let token = await server.token
        var command = try DroverCommand.parseAsRoot(arguments + ["--server", server.url, "--token", token])
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }

    @Test("fleet, key, release and env commands act on the server; errors carry the server's message")
    func commands() async throws {
        // The server is stopped and its data removed also when a command or expectation fails.
        try await withLiveServer(commands(server:))
    }

    func commands(server: LiveServer) async throws {
        try await run(["fleet", "create", "cli"], server: server)
        try await run(["key", "create", "--fleet", "cli"], server: server)
        let file = NSTemporaryDirectory() + "cli-\(UUID().uuidString).yml"
        try "services:\n  web:\n    image: x:1\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await run(["release", "create", "--fleet", "cli", "-f", file], server: server)
        try await run(["env", "set", "LEVEL=debug", "--fleet", "cli"], server: server)
        let plane = try await server.plane()
        let fleet = try await plane.fleet(try await server.org(), "cli")
        #expect(fleet.targetRelease != nil)
        #expect(try await plane.listEnv(try await server.org(), fleet: "cli", device: nil).map(\.name) == ["LEVEL"])

        let duplicate = await #expect(throws: (any Error).self) { try await run(["fleet", "create", "cli"], server: server) }
        #expect("\(duplicate.map { "\($0)" } ?? "")".contains("a fleet named 'cli' already exists"))
        try "services:\n  web:\n    image: x\n    ports: [\"99999:80\"]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let invalid = await #expect(throws: (any Error).self) { try await run(["release", "create", "--fleet", "cli", "-f", file], server: server) }
        #expect("\(invalid.map { "\($0)" } ?? "")".contains("99999 is outside the valid TCP/UDP port range"))
        try await run(["fleet", "failing", "cli", "--share", "0.3", "--min-devices", "4"], server: server)
        let tuned = try await plane.fleet(try await server.org(), "cli")
        #expect(tuned.failingShare == 0.3 && tuned.failingMinDevices == 4)
        let unforced = await #expect(throws: (any Error).self) { try await run(["device", "update", "ghost"], server: server) }
        #expect("\(unforced.map { "\($0)" } ?? "")".contains("add --force"))
        let missing = await #expect(throws: (any Error).self) { try await run(["device", "show", "ghost"], server: server) }
        #expect("\(missing.map { "\($0)" } ?? "")".contains("no device named 'ghost'"))
    }
}
