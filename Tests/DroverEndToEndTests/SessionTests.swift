import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Sessions over the device channel between a real agent, a real server and the real engine,
/// driven through the client a person's CLI uses.
@Suite("End to end: sessions over the device channel", .needsEngine, .serialized)
struct SessionTests {
    let logger = Logger(label: "e2e-sessions")

    static let compose = """
        services:
          web:
            image: \(TestEngine.registry)/drover/busybox:1
            command: ["sh", "-c", "trap 'exit 0' TERM; while true; do echo tick; sleep 0.2 & wait; done"]
        """

    /// What the device's side sent, kept apart by stream.
    final class Received: Sendable {
        let output = Mutex<(stdout: [UInt8], stderr: [UInt8], eof: Bool)>(([], [], false))
        func take(_ piece: SessionClient.Output) {
            output.withLock { output in
                switch piece {
                case .stdout(let bytes): output.stdout += bytes
                case .stderr(let bytes): output.stderr += bytes
                case .eof: output.eof = true
                }
            }
        }
        var stdout: String { String(decoding: output.withLock { $0.stdout }, as: UTF8.self) }
        var stderr: String { String(decoding: output.withLock { $0.stderr }, as: UTF8.self) }
    }

    /// A device `name` in fleet `name` running ``compose``, its channel open.
    func device(_ name: String, server: LiveServer, api: DroverAPIClient, agents: AgentTasks) async throws {
        let key = try await LiveRig.fleetWithKey(name, api: api)
        await agents.start(
            AgentConfig(
                server: server.url, provisioningKey: key, deviceName: name, engine: TestEnvironment.dockerHost,
                stateDir: agents.stateDirectory(name), pollInterval: 60),
            logger: logger)
        let release = try await api.call(API.Release.self, .POST, "/v1/fleets/\(name)/releases", body: API.CreateRelease(compose: Self.compose))
        _ = try await eventually("\(name) runs its release", timeout: .seconds(60)) {
            try? await api.device(name)
        } until: {
            $0?.release == release.id && $0?.status == .running
        }
        try await eventually("\(name)'s channel open") {
            try await server.plane().connectedChannels
        } until: {
            $0 >= 1
        }
    }

    func run(
        _ request: API.StreamOpen, on device: String, server: LiveServer, input: [UInt8] = [], received: Received = Received()
    ) async throws -> API.StreamEnd {
        try await SessionClient.run(server: server.url, credential: await server.token, device: device, request) { session in
            if !input.isEmpty { try? await session.send(input) }
            try? await session.eof()
        } output: {
            received.take($0)
        }
    }

    @Test("a command in a service's container gets standard input, keeps standard output and error apart, and ends with its exit code")
    func commandInContainer() async throws {
        try await LiveRig.run(channel: true) { server, api, _, agents in
            try await device("s1", server: server, api: api, agents: agents)
            let received = Received()
            let end = try await run(
                API.StreamOpen(kind: .terminal, service: "web", command: ["sh", "-c", "cat; echo to-error >&2; exit 3"]), on: "s1",
                server: server, input: Array("piped in\n".utf8), received: received)
            #expect(end == API.StreamEnd(exitCode: 3))
            #expect(received.stdout == "piped in\n")
            #expect(received.stderr == "to-error\n")

            let sessions = try await api.sessions(device: "s1")
            #expect(sessions.count == 1)
            #expect(sessions.first?.service == "web")
            #expect(sessions.first?.exitCode == 3)
            #expect(sessions.first?.endedAt != nil)
            #expect(sessions.first?.user == "admin")
            // The session is in the audit log once, with who opened it on which device.
            let audit = try await api.audit(action: "session.terminal")
            #expect(audit.count == 1 && audit.first?.actor == "admin" && audit.first?.target == "device:s1/web" && audit.first?.fleet != nil)

            // A service with no container, and an unknown device, say so.
            let missing = try await run(API.StreamOpen(kind: .terminal, service: "nope", command: ["true"]), on: "s1", server: server)
            #expect(missing.error?.contains("service nope has no running container") == true, "\(missing)")
            let unknown = try await run(API.StreamOpen(kind: .terminal, service: "web", command: ["true"]), on: "ghost", server: server)
            #expect(unknown.error?.contains("ghost") == true, "\(unknown)")
        }
    }

    @Test("a shell on the host is refused until DROVER_HOST_SHELL=1 is set for the device or its fleet")
    func hostShellNeedsConsent() async throws {
        try await LiveRig.run(channel: true) { server, api, _, agents in
            try await device("s2", server: server, api: api, agents: agents)
            let request = API.StreamOpen(kind: .terminal, command: ["sh", "-c", "echo on-the-host; exit 4"])
            let refused = try await run(request, on: "s2", server: server)
            #expect(refused.error?.contains("DROVER_HOST_SHELL=1") == true, "\(refused)")

            // Allowed once the server and the device both have the new config (the device
            // gets it with its target, over its channel, in a moment).
            _ = try await api.setEnv(API.SetEnv(fleet: "s2", device: nil, service: nil, name: "DROVER_HOST_SHELL", value: "1"))
            let received = try await eventually("the host shell allowed", timeout: .seconds(30)) { () async throws -> Received in
                let received = Received()
                _ = try await run(request, on: "s2", server: server, received: received)
                return received
            } until: {
                $0.stdout == "on-the-host\n"
            }
            #expect(received.stdout == "on-the-host\n")
            #expect(try await api.sessions(device: "s2").first?.exitCode == 4)

            // The device's own variable overrides its fleet's.
            _ = try await api.setEnv(API.SetEnv(fleet: nil, device: "s2", service: nil, name: "DROVER_HOST_SHELL", value: "0"))
            #expect(try await run(request, on: "s2", server: server).error?.contains("DROVER_HOST_SHELL") == true)
        }
    }

    @Test("a person who stops reading one session holds up only that session: another on the same device goes on")
    func slowReaderStallsOnlyItsStream() async throws {
        try await LiveRig.run(channel: true) { server, api, _, agents in
            try await device("s3", server: server, api: api, agents: agents)
            let token = await server.token
            let firstBytes = Mutex(0)
            // A command that prints without end, to a person who takes one piece and then
            // nothing more: its stream's window fills and the device stops sending on it.
            let stalled = Task {
                try await SessionClient.run(
                    server: server.url, credential: token, device: "s3",
                    API.StreamOpen(kind: .terminal, service: "web", command: ["cat", "/dev/zero"])
                ) { _ in
                } output: { _ in
                    firstBytes.withLock { $0 += 1 }
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
            defer { stalled.cancel() }
            try await eventually("the stalled session started") {
                firstBytes.withLock { $0 }
            } until: {
                $0 > 0
            }
            // Several round trips on other streams of the same channel, each complete.
            for round in 1...3 {
                let received = Received()
                let end = try await run(
                    API.StreamOpen(kind: .terminal, service: "web", command: ["echo", "round \(round)"]), on: "s3", server: server, received: received)
                #expect(end == API.StreamEnd(exitCode: 0))
                #expect(received.stdout == "round \(round)\n")
            }
            #expect(firstBytes.withLock { $0 } == 1, "the stalled person took nothing more")
            #expect(try await server.plane().openTerminals == 1, "the stalled session is still open")
            let scrape = try await api.send(.GET, "/metrics")
            #expect(String(decoding: scrape.body, as: UTF8.self).contains(#"drover_sessions_open{kind="terminal"} 1"#))
            stalled.cancel()
            try await eventually("the stalled session ended once its person went") {
                try await server.plane().openTerminals
            } until: {
                $0 == 0
            }
            // Its command does not run on in the container once its person went.
            let left = try await eventually("the stalled command stopped", timeout: .seconds(30)) { () async throws -> String in
                let received = Received()
                _ = try await run(
                    API.StreamOpen(kind: .terminal, service: "web", command: ["sh", "-c", "ps | grep -c '[c]at /dev/zero'"]), on: "s3", server: server,
                    received: received)
                return received.stdout
            } until: {
                $0 == "0\n"
            }
            #expect(left == "0\n")
        }
    }

    @Test("a tunnel to a port where nothing listens ends at once with a clear error")
    func refusedTunnel() async throws {
        try await LiveRig.run(channel: true) { server, api, _, agents in
            try await device("s4", server: server, api: api, agents: agents)
            for service in [nil, "web"] as [String?] {
                let end = try await run(API.StreamOpen(kind: .tunnel, service: service, port: 9), on: "s4", server: server)
                #expect(end.error?.contains("nothing listens on port 9") == true, "\(end)")
                #expect(end.error?.contains("connection refused") == true, "\(end)")
            }
        }
    }

    @Test("live logs carry each line as the container prints it, within a second")
    func liveLogs() async throws {
        try await LiveRig.run(channel: true) { server, api, _, agents in
            try await device("s5", server: server, api: api, agents: agents)
            let token = await server.token
            let delays = Mutex<[Double]>([])
            let pending = Mutex<[UInt8]>([])
            let watching = Task {
                try await SessionClient.run(server: server.url, credential: token, device: "s5", API.StreamOpen(kind: .logs, service: "web")) { _ in
                } output: { piece in
                    guard case .stdout(let bytes) = piece else { return }
                    let now = Date()
                    let lines = pending.withLock { pending -> [Data] in
                        pending += bytes
                        var lines: [Data] = []
                        while let newline = pending.firstIndex(of: 10) {
                            lines.append(Data(pending[..<newline]))
                            pending.removeSubrange(...newline)
                        }
                        return lines
                    }
                    for line in lines {
                        guard let entry = try? JSONDecoder().decode(API.LogEntry.self, from: line), entry.message == "tick",
                            let printed = Self.date(entry.timestamp)
                        else { continue }
                        delays.withLock { $0.append(now.timeIntervalSince(printed)) }
                    }
                }
            }
            defer { watching.cancel() }
            let seen = try await eventually("ten live lines", timeout: .seconds(30)) {
                delays.withLock { $0 }
            } until: {
                $0.count >= 10
            }
            // The container prints every 0.2 s; by polling the store they would come a second
            // or more late. The best of ten shows the path's own delay, not the machine's load.
            #expect(seen.min().map { $0 < 1 } == true, "delays: \(seen)")
        }
    }

    /// An engine timestamp (`2026-11-26T15:03:49.003025588Z`) as a date.
    static func date(_ text: String) -> Date? {
        let parts = text.dropLast().split(separator: ".")
        guard parts.count == 2, let whole = try? Date(String(parts[0]) + "Z", strategy: .iso8601), let fraction = Double("0." + parts[1]) else {
            return nil
        }
        return whole.addingTimeInterval(fraction)
    }
}
