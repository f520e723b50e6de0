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

    @Test("secret and config commands store values from a file; release create reads a file secret beside the compose file and an environment one")
    func secrets() async throws {
        try await withLiveServer { server in
            try await run(["fleet", "create", "sec"], server: server)
            let directory = NSTemporaryDirectory() + "cli-secrets-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "s3cret-token".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
            try await run(["secret", "create", "api", "--fleet", "sec", "--from-file", directory + "/token"], server: server)
            try await run(["config", "create", "motd", "--fleet", "sec", "--from-file", directory + "/token"], server: server)
            let plane = try await server.plane()
            let org = try await server.org()
            #expect(try await plane.fleetFiles(org, fleet: "sec", kind: .secret).map(\.name) == ["api"])
            #expect(try await plane.fleetFiles(org, fleet: "sec", kind: .secret).first?.value == nil)
            #expect(try await plane.fleetConfig(org, fleet: "sec", name: "motd").value == Data("s3cret-token".utf8).base64EncodedString())

            // The file secret is read relative to the compose file, the environment one from the
            // CLI's environment; without the file, the CLI says which file it could not read.
            try "pw".write(toFile: directory + "/db.txt", atomically: true, encoding: .utf8)
            let compose = directory + "/compose.yml"
            try """
            services:
              web: {image: "x:1", secrets: [db, api, home]}
            secrets:
              db: {file: ./db.txt}
              api: {external: true}
              home: {environment: HOME}
            """.write(toFile: compose, atomically: true, encoding: .utf8)
            try await run(["release", "create", "--fleet", "sec", "-f", compose], server: server)
            let release = try #require(try await plane.listReleases(org, fleet: "sec").first)
            #expect(release.status != .failing)
            try FileManager.default.removeItem(atPath: directory + "/db.txt")
            let missing = await #expect(throws: (any Error).self) { try await run(["release", "create", "--fleet", "sec", "-f", compose], server: server) }
            #expect("\(missing.map { "\($0)" } ?? "")".contains("secrets.db: cannot read file \(directory)/./db.txt"))
            // The variables the document refers to (from .env beside it), the env_file it names
            // and the profiles travel with the release, so the server reads the document as the CLI did.
            try "TAG=7\nexport LEVEL='debug'\n".write(toFile: directory + "/.env", atomically: true, encoding: .utf8)
            try "FROM_FILE=yes # a comment\n".write(toFile: directory + "/app.env", atomically: true, encoding: .utf8)
            let inputs = directory + "/inputs.yml"
            try """
            services:
              web: {image: "x:${TAG}", env_file: app.env, environment: {LEVEL: "${LEVEL}"}}
              debug: {image: "x:1", profiles: [debug]}
            """.write(toFile: inputs, atomically: true, encoding: .utf8)
            try await run(["release", "create", "--fleet", "sec", "-f", inputs, "--profile", "debug"], server: server)
            let made = try #require(try await plane.listReleases(org, fleet: "sec").first)
            #expect(made.services.sorted() == ["debug", "web"])
            #expect(made.images["web"] == "x:7")
            let shown = try await plane.release(org, made.id)
            #expect(shown.compose?.contains("${TAG}") == true)
            try await run(["secret", "rm", "api", "--fleet", "sec"], server: server)
            #expect(try await plane.fleetFiles(org, fleet: "sec", kind: .secret).isEmpty)
        }
    }
}
