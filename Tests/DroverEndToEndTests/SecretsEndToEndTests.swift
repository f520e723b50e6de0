import DockerEngine
import DroverAgent
import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// Secrets and configs against the real thing: a server, agents and the test engine.
@Suite("End to end: secrets and configs", .needsEngine, .serialized)
struct SecretsEndToEndTests {
    let logger = Logger(label: "e2e-secrets")

    static func compose(_ registry: String) -> String {
        let command = #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait; done"]"#
        return """
            services:
              reader:
                image: \(registry)/drover/busybox:1
                command: \(command)
                restart: always
                secrets:
                  - db_password
                  - source: api_token
                    target: token
                    uid: "1000"
                    gid: "1001"
                    mode: 0400
                configs:
                  - source: settings
                    target: /etc/app/settings.conf
                    mode: 0440
              bystander:
                image: \(registry)/drover/busybox:1
                command: \(command)
                secrets: [db_password]
            secrets:
              db_password:
                file: ./db_password.txt
              api_token:
                external: true
            configs:
              settings:
                content: |
                  level=debug
            """
    }

    /// What `command` prints in `container`.
    static func run(_ engine: DockerClient, _ container: String, _ command: [String]) async throws -> String {
        let exec = try await engine.createExec(container: container, command: command, tty: false)
        return try await engine.attachExec(exec, tty: false) { output, input in
            input.finish()
            var text = ""
            for try await chunk in output {
                if case .stdout(let bytes) = chunk { text += String(decoding: bytes, as: UTF8.self) }
            }
            return text
        }
    }

    /// The running container of `service` of the device's app.
    static func container(_ engine: DockerClient, device: String, service: String) async throws -> String? {
        try await engine.listContainers(all: true, filters: DeviceIdentity(id: device).labelFilter(app: "sec"))
            .first { $0.labels[DroverLabel.service] == service && $0.state == "running" }?.id
    }

    /// Every file under `directory` whose bytes contain `needle`.
    static func files(under directory: String, containing needle: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        for case let relative as String in walker {
            let path = directory + "/" + relative
            if let data = FileManager.default.contents(atPath: path), data.range(of: Data(needle.utf8)) != nil { found.append(path) }
        }
        return found
    }

    @Test(
        "a file secret, an external fleet secret and an inline config reach the container with their owner and mode; no value is on disk, in the API or the audit; a new value recreates only its service; another fleet's device gets nothing"
    )
    func secretsAndConfigs() async throws {
        try await LiveRig.run { server, api, engine, agents in
            let unique = UUID().uuidString.prefix(8)
            let password = "pw-\(unique)-file", token1 = "tok-\(unique)-one", token2 = "tok-\(unique)-two"
            let key = try await LiveRig.fleetWithKey("sec", api: api)
            let otherKey = try await LiveRig.fleetWithKey("other", api: api)
            _ = try await api.setFleetFile(fleet: "sec", kind: .secret, name: "api_token", value: Data(token1.utf8))
            await agents.start("s1", server: server, key: key, logger: logger)
            await agents.start("o1", server: server, key: otherKey, logger: logger)

            // The CLI reads db_password.txt where the release is made and sends it along.
            let document = try ComposeParser().parse(Self.compose(TestEngine.registry))
            #expect(document.app.secrets?["db_password"] == AppFile(source: .file, from: "./db_password.txt"))
            var body = API.CreateRelease(compose: Self.compose(TestEngine.registry))
            body.secrets = ["db_password": Data(password.utf8).base64EncodedString()]
            let release = try await api.createRelease(fleet: "sec", body)
            try await DroverTestSupport.eventually("s1 runs the release", timeout: .seconds(90)) {
                try await api.call([API.Device].self, .GET, "/v1/devices?fleet=sec")
            } until: {
                $0.first?.release == release.id && $0.first?.status == .running
            }
            let s1 = try #require(try await api.call([API.Device].self, .GET, "/v1/devices?fleet=sec").first?.uuid)
            let reader = try #require(try await Self.container(engine, device: s1, service: "reader"))
            let bystander = try #require(try await Self.container(engine, device: s1, service: "bystander"))

            // The container reads both values and the config, with the spec's owner and mode.
            let seen = try await Self.run(engine, reader, ["cat", "/run/secrets/db_password", "/run/secrets/token", "/etc/app/settings.conf"])
            #expect(seen == password + token1 + "level=debug")
            let modes = try await Self.run(engine, reader, ["stat", "-c", "%a %u %g", "/run/secrets/token", "/etc/app/settings.conf"])
            #expect(modes == "400 1000 1001\n440 0 0\n")
            #expect(try await Self.run(engine, reader, ["sh", "-c", "echo x > /run/secrets/token 2>&1 || echo refused"]).contains("refused"))

            // Neither value is in the server's data directory, the agent's state directory, the
            // release as shown, the fleet's listing or the audit log.
            for value in [password, token1] {
                #expect(Self.files(under: server.directory, containing: value).isEmpty, "server data directory holds \(value)")
                #expect(Self.files(under: agents.stateDirectory("s1"), containing: value).isEmpty, "agent state directory holds \(value)")
                for path in ["/v1/releases/\(release.id)", "/v1/fleets/sec/secrets", "/v1/audit?fleet=sec", "/v1/devices/\(s1)"] {
                    let answer = String(decoding: try await api.send(.GET, path).body, as: UTF8.self)
                    #expect(!answer.contains(value), "\(path) shows \(value)")
                }
            }
            // They are on the agent's tmpfs only.
            #expect(!Self.files(under: agents.secretsRoot, containing: token1).isEmpty)

            // A device of another fleet asks for the values and gets none; the device itself gets exactly its own.
            let other = DroverAPIClient(server: server.url, credential: try deviceCredential(stateDirectory: agents.stateDirectory("o1")))
            let own = DroverAPIClient(server: server.url, credential: try deviceCredential(stateDirectory: agents.stateDirectory("s1")))
            #expect(try await other.deviceFiles().files.isEmpty)
            #expect(Set(try await own.deviceFiles().files.map(\.name)) == ["db_password", "api_token", "settings"])
            try await other.shutdown()
            try await own.shutdown()

            // A new value of the fleet secret recreates the reader, which mounts it, and only it.
            _ = try await api.setFleetFile(fleet: "sec", kind: .secret, name: "api_token", value: Data(token2.utf8))
            let newReader = try await DroverTestSupport.eventually("the reader recreated", timeout: .seconds(90)) {
                try await Self.container(engine, device: s1, service: "reader")
            } until: {
                $0 != nil && $0 != reader
            }
            #expect(try await Self.run(engine, try #require(newReader), ["cat", "/run/secrets/token"]) == token2)
            #expect(try await Self.container(engine, device: s1, service: "bystander") == bystander)
            // The old value left the tmpfs with the container that mounted it.
            try await DroverTestSupport.eventually("the old token's file removed", timeout: .seconds(30)) {
                Self.files(under: agents.secretsRoot, containing: token1)
            } until: {
                $0.isEmpty
            }

            // The fleet secret removed: the reader that mounts it keeps running rather than being
            // torn down for a value the device cannot have.
            try await api.removeFleetFile(fleet: "sec", kind: .secret, name: "api_token")
            try await Task.sleep(for: .seconds(8))
            #expect(try await Self.container(engine, device: s1, service: "reader") == newReader)
            _ = try await api.setFleetFile(fleet: "sec", kind: .secret, name: "api_token", value: Data(token2.utf8))

            // A reboot: the agent stops, the tmpfs is emptied and the container is down. The
            // agent that comes back asks the server again and starts it with its values.
            await agents.cancelAll()
            try FileManager.default.removeItem(atPath: agents.secretsRoot)
            try await engine.stopContainer(try #require(newReader), timeoutSeconds: 5)
            await agents.start("s1", server: server, key: key, logger: logger)
            let rebooted = try await DroverTestSupport.eventually("the reader running again", timeout: .seconds(90)) {
                try await Self.container(engine, device: s1, service: "reader")
            } until: {
                $0 != nil
            }
            #expect(try await Self.run(engine, try #require(rebooted), ["cat", "/run/secrets/token"]) == token2)
        }
    }
}
