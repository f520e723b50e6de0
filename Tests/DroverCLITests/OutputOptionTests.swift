import ArgumentParser
import Testing

@testable import DroverCLI

/// Every command that shows or lists something takes `-o json|table`.
@Suite("-o on show and list commands")
struct OutputOptionTests {
    static let commands: [[String]] = [
        ["fleet", "list"], ["fleet", "show", "lobby"], ["key", "list", "--fleet", "lobby"], ["key", "create", "--fleet", "lobby"],
        ["release", "list", "--fleet", "lobby"], ["release", "show", "r1"], ["device", "list"], ["device", "show", "kiosk-1"],
        ["env", "list", "--fleet", "lobby"], ["tag", "list", "kiosk-1"], ["webhook", "list"], ["webhook", "list", "--fleet", "lobby"],
        ["webhook", "deliveries", "w1"], ["webhook", "test", "w1"],
        ["webhook", "create", "--org", "default", "--url", "http://127.0.0.1:9/", "--events", "release.created"],
    ]

    @Test("takes -o json and -o table", arguments: commands)
    func accepts(command: [String]) throws {
        for format in ["json", "table"] {
            _ = try DroverCommand.parseAsRoot(command + ["-o", format])
        }
    }

    @Test("logs print text lines, or JSON lines with -o json")
    func logs() throws {
        _ = try DroverCommand.parseAsRoot(["logs", "kiosk-1", "-o", "json"])
        _ = try DroverCommand.parseAsRoot(["logs", "kiosk-1", "-o", "text"])
        #expect(throws: (any Error).self) { try DroverCommand.parseAsRoot(["logs", "kiosk-1", "-o", "yaml"]) }
    }

    @Test("refuses a format it does not know", arguments: commands)
    func refuses(command: [String]) {
        #expect(throws: (any Error).self) { try DroverCommand.parseAsRoot(command + ["-o", "yaml"]) }
    }

    @Test("device list refuses a status that is not one, naming the ones there are")
    func status() async throws {
        let parsed = try DroverCommand.parseAsRoot(["device", "list", "--status", "broken", "--server", "http://127.0.0.1:9"])
        var command = try #require(parsed as? any AsyncParsableCommand)
        do {
            try await command.run()
            Issue.record("device list ran with --status broken")
        } catch let error as ValidationError {
            #expect(error.message.contains("'broken'") && error.message.contains("rolled-back"))
        }
    }
}
