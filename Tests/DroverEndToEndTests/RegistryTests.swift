import ArgumentParser
import DroverCLI
import DroverClient
import DroverModel
import DroverRegistry
import DroverServer
import DroverTestSupport
import Foundation
import Logging
import Testing

/// From sources to devices through the server's own registry: `drover push` builds on the
/// test engine and pushes to a real Distribution with token authentication by the server;
/// releases pin every image by digest per platform; agents pull with tokens of their own fleet.
@Suite("End to end: drover push, the registry and its tokens", .needsEngine, .serialized)
struct RegistryTests {
    let logger = Logger(label: "e2e-registry")

    /// A project directory: a Dockerfile per built service FROM scratch with a static busybox,
    /// and `compose`.
    static func project(compose: String, dockerfiles: [String: String], busybox: String = "/bin/busybox") throws -> String {
        let root = NSTemporaryDirectory() + "drover-push-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try compose.write(toFile: root + "/compose.yaml", atomically: true, encoding: .utf8)
        for (service, dockerfile) in dockerfiles {
            try FileManager.default.createDirectory(atPath: root + "/" + service, withIntermediateDirectories: true)
            try dockerfile.write(toFile: root + "/\(service)/Dockerfile", atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: busybox, toPath: root + "/\(service)/busybox")
        }
        return root
    }

    static let loop = #"["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#

    static func dockerfile(_ marker: String) -> String {
        """
        FROM scratch
        COPY busybox /bin/busybox
        LABEL io.drover.test=\(marker)
        CMD \(loop)
        """
    }

    /// Runs `drover ARGUMENTS --server … --token …` in this process.
    static func drover(_ arguments: [String], server: LiveServer, token: String? = nil) async throws {
        let fallback = await server.token
        let token = token ?? fallback
        var command = try DroverCommand.parseAsRoot(arguments + ["--server", server.url, "--token", token])
        guard var asyncCommand = command as? any AsyncParsableCommand else { return try command.run() }
        try await asyncCommand.run()
    }

    /// A fleet's newest release.
    static func newest(_ fleet: String, api: DroverAPIClient) async throws -> API.Release? {
        try await api.releases(fleet: fleet).first
    }

    @Test("drover push builds two services, pins them and an external image by digest, and two agents run the release pulling with their own tokens")
    func pushEndToEnd() async throws {
        try await LiveRig.run(registry: true) { server, api, engine, agents in
            let key = try await LiveRig.fleetWithKey("shop", api: api)
            let root = try Self.project(
                compose: """
                    services:
                      api:
                        build: ./api
                      worker:
                        build:
                          context: ./worker
                          args: {GREETING: hello}
                          labels: {team: backend}
                      broker:
                        image: \(TestEngine.image(1))
                        command: \(Self.loop)
                    """,
                dockerfiles: [
                    "api": Self.dockerfile("api"),
                    "worker": Self.dockerfile("worker-$GREETING").replacingOccurrences(of: "FROM scratch\n", with: "FROM scratch\nARG GREETING\n"),
                ])
            defer { try? FileManager.default.removeItem(atPath: root) }
            await agents.start("s1", server: server, key: key, logger: logger)
            await agents.start("s2", server: server, key: key, logger: logger)
            try await eventually("both devices to say their platform") {
                try await api.call([API.Device].self, .GET, "/v1/devices?fleet=shop").compactMap(\.platform)
            } until: {
                $0 == ["linux/amd64", "linux/amd64"]
            }

            try await Self.drover(["push", "--fleet", "shop", root], server: server)

            let release = try #require(try await Self.newest("shop", api: api))
            let registry = try #require(server.registry)
            for service in ["api", "worker", "broker"] {
                let pin = try #require(release.pins?[service], "\(service) is pinned")
                #expect(pin.digest.hasPrefix("sha256:"))
                #expect(release.images[service] == pin.reference)
                #expect(pin.platforms["linux/amd64"] != nil, "\(service) has an amd64 manifest")
            }
            #expect(release.pins?["api"]?.repository == "\(registry)/default/shop/api")
            #expect(release.pins?["broker"]?.repository == "\(TestEngine.registry)/drover/busybox")
            let shown = try await api.release(release.id)
            #expect(shown.images["worker"]?.contains("@sha256:") == true, "release show names the pinned reference")

            for name in ["s1", "s2"] {
                _ = try await eventually("\(name) runs the pushed release", timeout: .seconds(120)) {
                    try? await api.call(API.Device.self, .GET, "/v1/devices/\(name)")
                } until: {
                    $0?.release == release.id && $0?.status == .running
                }
            }
            // The engine ran what was built: the worker's image carries its build argument and label.
            let workerImage = try #require(release.pins?["worker"]?.platforms["linux/amd64"])
            let inspected = try #require(try await engine.inspectImage("\(registry)/default/shop/worker@\(workerImage)"))
            #expect(inspected.config?.labels?["io.drover.test"] == "worker-hello")
            #expect(inspected.config?.labels?["team"] == "backend")
        }
    }

    @Test("registry tokens: a device pulls only its own fleet's images, nobody anonymous gets in, a viewer cannot push")
    func scopes() async throws {
        try await LiveRig.run(registry: true) { server, api, _, agents in
            let key = try await LiveRig.fleetWithKey("own", api: api)
            _ = try await api.createFleet(name: "other")
            let root = try Self.project(compose: "services:\n  app:\n    build: ./app\n", dockerfiles: ["app": Self.dockerfile("scopes")])
            defer { try? FileManager.default.removeItem(atPath: root) }
            try await Self.drover(["push", "--fleet", "own", root], server: server)
            try await Self.drover(["push", "--fleet", "other", root], server: server)
            let registry = try #require(server.registry)
            await agents.start("d1", server: server, key: key, logger: logger)
            let credential = try await eventually("d1 to enrol") {
                (try? deviceCredential(stateDirectory: agents.stateDirectory("d1"))) ?? ""
            } until: {
                !$0.isEmpty
            }
            let device = DroverAPIClient(server: server.url, credential: credential)
            let client = RegistryClient()
            defer {
                Task {
                    try? await device.shutdown()
                    try? await client.shutdown()
                }
            }
            let ownTag = try #require(try await Self.newest("own", api: api)?.pins?["app"])
            let otherTag = try #require(try await Self.newest("other", api: api)?.pins?["app"])

            // The device's own fleet: its token pulls.
            let own = try await device.registryToken(service: "drover-registry", scopes: ["repository:default/own/app:pull"]).token
            let fetched = try await client.manifest("default/own/app", ownTag.digest, at: registry, credentials: .bearer(own))
            #expect(fetched.digest == ownTag.digest)

            // Another fleet's: the token it gets holds nothing for it, and the registry refuses.
            let foreign = try await device.registryToken(service: "drover-registry", scopes: ["repository:default/other/app:pull"]).token
            await #expect { try await client.manifest("default/other/app", otherTag.digest, at: registry, credentials: .bearer(foreign)) } throws: {
                ($0 as? RegistryError)?.code == .unauthorized || ($0 as? RegistryError)?.code == .denied
            }
            // Nor may a device push to its own.
            let push = try await device.registryToken(service: "drover-registry", scopes: ["repository:default/own/app:pull,push"]).token
            await #expect {
                try await client.putManifest(
                    "default/own/app", "forged", mediaType: fetched.mediaType, body: fetched.body, at: registry, credentials: .bearer(push))
            } throws: { ($0 as? RegistryError).map { [.unauthorized, .denied].contains($0.code) } ?? false }

            // Anonymous: the token service wants a credential, so the pull gets 401.
            await #expect { try await client.manifest("default/own/app", ownTag.digest, at: registry, credentials: .anonymous) } throws: {
                ($0 as? RegistryError)?.code == .unauthorized
            }

            // A viewer pulls but cannot push; their API token works as docker login's password.
            _ = try await api.createUser(API.CreateUser(name: "vera", role: .viewer, password: "pw-vera-12345"))
            let session = try await api.login(API.Login(username: "vera", password: "pw-vera-12345"))
            let viewerClient = RegistryClient()
            defer { Task { try? await viewerClient.shutdown() } }
            let asViewer = RegistryClient.Credentials.basic(username: "vera", password: session.token)
            #expect(try await viewerClient.manifest("default/own/app", ownTag.digest, at: registry, credentials: asViewer).digest == ownTag.digest)
            await #expect {
                try await viewerClient.putManifest(
                    "default/own/app", "by-viewer", mediaType: fetched.mediaType, body: fetched.body, at: registry, credentials: asViewer)
            } throws: { ($0 as? RegistryError).map { [.unauthorized, .denied].contains($0.code) } ?? false }
            // The admin's token, by contrast, pushes.
            let admin = RegistryClient.Credentials.basic(username: "admin", password: await server.token)
            let adminClient = RegistryClient()
            defer { Task { try? await adminClient.shutdown() } }
            _ = try await adminClient.putManifest(
                "default/own/app", "by-admin", mediaType: fetched.mediaType, body: fetched.body, at: registry, credentials: admin)
        }
    }

    @Test("the token service refuses a malformed scope, an unknown resource type, another audience, and the registry an expired token")
    func tokenSpecification() async throws {
        try await LiveRig.run(registry: true) { server, api, _, _ in
            _ = try await api.createFleet(name: "spec")
            let root = try Self.project(compose: "services:\n  app:\n    build: ./app\n", dockerfiles: ["app": Self.dockerfile("spec")])
            defer { try? FileManager.default.removeItem(atPath: root) }
            try await Self.drover(["push", "--fleet", "spec", root], server: server)
            let pin = try #require(try await Self.newest("spec", api: api)?.pins?["app"])
            let registry = try #require(server.registry)
            for (scopes, service, words) in [
                (["repository:default/spec/app"], "drover-registry", "TYPE:NAME:ACTIONS"),
                (["plugin:default/spec/app:pull"], "drover-registry", "resource type 'plugin'"),
                (["repository:default/spec/app:fly"], "drover-registry", "actions must be"),
                (["repository:Default/Spec:pull"], "drover-registry", "is not a repository name"),
                (["repository:default/spec/app:pull"], "someone-else", "is not this server's registry"),
            ] {
                await #expect {
                    try await api.registryToken(service: service, scopes: scopes)
                } throws: { error in
                    guard let error = error as? ClientError else { return false }
                    return error.status == 400 && error.message.contains(words)
                }
            }
            // A token past its expiry (beyond Distribution's minute of leeway) is refused.
            let plane = try await server.plane()
            let owner = try await server.org()
            let expired = try await plane.registryToken(
                for: .user(owner.principal), service: nil, scopes: ["repository:default/spec/app:pull"], now: Date().addingTimeInterval(-4 * 3600))
            let client = RegistryClient()
            defer { Task { try? await client.shutdown() } }
            await #expect { try await client.manifest("default/spec/app", pin.digest, at: registry, credentials: .bearer(expired.token)) } throws: {
                ($0 as? RegistryError)?.code == .unauthorized
            }
            let fresh = try await plane.registryToken(for: .user(owner.principal), service: nil, scopes: ["repository:default/spec/app:pull"])
            #expect(try await client.manifest("default/spec/app", pin.digest, at: registry, credentials: .bearer(fresh.token)).digest == pin.digest)
        }
    }

    @Test(
        "multi-arch: push --platform builds arm64 and amd64 under one index, and the amd64 device gets the amd64 manifest; an arm64-only image is refused for an amd64 fleet, naming service and platform"
    )
    func multiArch() async throws {
        let arm64 = try #require(
            ProcessInfo.processInfo.environment["DROVER_TEST_BUSYBOX_ARM64"].flatMap { $0.isEmpty ? nil : $0 },
            "scripts/test fetches Debian's busybox-static:arm64 (need_multiarch in scripts/lib.sh)")
        try await LiveRig.run(registry: true) { server, api, _, agents in
            let key = try await LiveRig.fleetWithKey("mixed", api: api)
            await agents.start("m1", server: server, key: key, logger: logger)
            try await eventually("m1 to say its platform") {
                try await api.call([API.Device].self, .GET, "/v1/devices?fleet=mixed").first?.platform
            } until: {
                $0 == "linux/amd64"
            }
            // Each platform's busybox, picked by the TARGETARCH that Drover sets as BuildKit does;
            // the second RUN runs the arm64 busybox under qemu in the arm64 build. (An ARG before
            // the first step of a FROM scratch image is not built for the platform by the classic
            // builder: the README says so.)
            let root = try Self.project(
                compose: "services:\n  app:\n    build: ./app\n",
                dockerfiles: [
                    "app": """
                    FROM scratch
                    COPY busybox-amd64 busybox-arm64 /tmp/
                    ARG TARGETARCH
                    RUN ["/tmp/busybox-amd64", "sh", "-c", "/tmp/busybox-amd64 mkdir -p /bin && /tmp/busybox-amd64 cp /tmp/busybox-$TARGETARCH /bin/busybox && /tmp/busybox-amd64 rm /tmp/busybox-amd64 /tmp/busybox-arm64"]
                    RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
                    CMD \(Self.loop)
                    """
                ])
            defer { try? FileManager.default.removeItem(atPath: root) }
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/app/busybox-amd64")
            try FileManager.default.copyItem(atPath: arm64, toPath: root + "/app/busybox-arm64")

            try await Self.drover(["push", "--fleet", "mixed", "--platform", "linux/amd64,linux/arm64", root], server: server)
            let release = try #require(try await Self.newest("mixed", api: api))
            let pin = try #require(release.pins?["app"])
            let amd = try #require(pin.platforms["linux/amd64"])
            let arm = try #require(pin.platforms["linux/arm64"])
            #expect(amd != arm)
            #expect(pin.digest != amd, "the release pins the index, which names both")

            let credential = try deviceCredential(stateDirectory: agents.stateDirectory("m1"))
            let device = DroverAPIClient(server: server.url, credential: credential)
            defer { Task { try? await device.shutdown() } }
            guard case .changed(let body, _) = try await device.target(knownETag: nil) else {
                Issue.record("the device got no target")
                return
            }
            let target = try TargetState.decode(from: body)
            #expect(target.apps["mixed"]?.services["app"]?.image == pin.repository + "@" + amd)
            _ = try await eventually("m1 runs the multi-arch release", timeout: .seconds(120)) {
                try? await api.call(API.Device.self, .GET, "/v1/devices/m1")
            } until: {
                $0?.release == release.id && $0?.status == .running
            }

            // arm64 only, for a fleet whose device is amd64: refused, naming service and platform.
            await #expect {
                try await Self.drover(["push", "--fleet", "mixed", "--platform", "linux/arm64", root], server: server)
            } throws: { error in
                let text = "\(error)"
                return text.contains("service 'app'") && text.contains("linux/amd64") && text.contains("--allow-missing-platforms")
            }
            #expect(try await Self.newest("mixed", api: api)?.id == release.id, "no release was created")
        }
    }

    @Test("a broken Dockerfile fails push with its line and the builder's words, and no release appears")
    func brokenDockerfile() async throws {
        try await LiveRig.run(registry: true) { server, api, _, _ in
            _ = try await api.createFleet(name: "broken")
            let root = try Self.project(
                compose: "services:\n  app:\n    build: ./app\n",
                dockerfiles: ["app": "FROM scratch\n# the next line names a file the context lacks\nCOPY busybox /bin/busybox\nCOPY missing.txt /missing.txt\n"]
            )
            defer { try? FileManager.default.removeItem(atPath: root) }
            await #expect {
                try await Self.drover(["push", "--fleet", "broken", root], server: server)
            } throws: { error in
                let text = "\(error)"
                return text.contains("Dockerfile line 4") && text.contains("missing.txt") && text.contains("no release was created")
            }
            #expect(try await api.releases(fleet: "broken").isEmpty)
        }
    }

    @Test("registry gc deletes the images of releases it does not keep, and keeps those of the releases it keeps")
    func garbageCollection() async throws {
        try await LiveRig.run(registry: true) { server, api, _, _ in
            _ = try await api.createFleet(name: "gc")
            let root = try Self.project(compose: "services:\n  app:\n    build: ./app\n", dockerfiles: ["app": Self.dockerfile("gc-1")])
            defer { try? FileManager.default.removeItem(atPath: root) }
            try await Self.drover(["push", "--fleet", "gc", root], server: server)
            let old = try #require(try await Self.newest("gc", api: api)?.pins?["app"])
            try Self.dockerfile("gc-2").write(toFile: root + "/app/Dockerfile", atomically: true, encoding: .utf8)
            try await Self.drover(["push", "--fleet", "gc", root], server: server)
            let new = try #require(try await Self.newest("gc", api: api)?.pins?["app"])
            #expect(old.digest != new.digest)

            let report = try await api.collectImages(API.CollectImages(keep: 1))
            #expect(report.deleted.map(\.digest) == [old.digest])
            #expect(report.keptReleases == 1)
            let registry = try #require(server.registry)
            let plane = try await server.plane()
            let owner = try await server.org()
            let token = try await plane.registryToken(for: .user(owner.principal), service: nil, scopes: ["repository:default/gc/app:pull"]).token
            let client = RegistryClient()
            defer { Task { try? await client.shutdown() } }
            await #expect { try await client.manifest("default/gc/app", old.digest, at: registry, credentials: .bearer(token)) } throws: {
                ($0 as? RegistryError)?.code == .notFound
            }
            #expect(try await client.manifest("default/gc/app", new.digest, at: registry, credentials: .bearer(token)).digest == new.digest)
        }
    }
}
