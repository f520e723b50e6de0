import DroverModel
import Foundation
import Testing

/// The load-time rules compose applies, seen from the parts a corpus file cannot show alone:
/// what is still accepted, what is kept, and what is said about it.
@Suite("Compose load-time rules")
struct ComposeRulesTests {
    func parse(_ yaml: String) throws -> ComposeDocument {
        try ComposeParser().parse(yaml)
    }

    func error(_ yaml: String) throws -> ModelError {
        try #require(throws: ModelError.self) { try ComposeParser().parse(yaml) }
    }

    @Test("a limit given the same in both places is accepted, and a deploy-only limit applies")
    func agreeingLimits() throws {
        let doc = try parse(
            """
            services:
              a:
                image: x
                cpus: 0.5
                mem_limit: 1g
                deploy:
                  resources:
                    limits: {cpus: "0.5", memory: 1024m, pids: 50}
            """)
        let service = try #require(doc.app.services["a"])
        #expect(service.cpus == 0.5)
        #expect(service.memoryLimit == 1 << 30)
        #expect(service.pidsLimit == 50)
    }

    @Test("a limits block that leaves the resource out conflicts with the service key, as compose reads it")
    func limitsBlockWithoutTheResource() throws {
        let problem = try error(
            "services:\n  a:\n    image: x\n    cpus: 0.5\n    deploy:\n      resources:\n        limits:\n          memory: 1g\n")
        #expect(problem.path == "services.a.cpus")
        #expect(problem.line == 4)
        #expect(problem.message.contains("leaves cpus out, which compose reads as 0"))
    }

    @Test("a host address in the short port syntax must be an IP address", arguments: ["localhost:8080:80", "300.1.1.1:8080:80"])
    func shortHostIP(text: String) throws {
        let problem = try error("services:\n  a:\n    image: x\n    ports: [\"\(text)\"]\n")
        #expect(problem.path == "services.a.ports[0]")
        #expect(problem.message.contains("is not an IP address"))
    }

    @Test("a port repeated exactly is kept once; one host port on two addresses or protocols is fine")
    func repeatedPorts() throws {
        let doc = try parse(
            "services:\n  a:\n    image: x\n    ports: [\"8080:80\", \"8080:80\", \"127.0.0.1:9000:90\", \"[::1]:9000:91\", \"8080:80/udp\"]\n")
        #expect(
            doc.app.services["a"]?.ports == [
                PortMapping(target: 80, published: 8080, hostIP: nil, protocol: "tcp"),
                PortMapping(target: 90, published: 9000, hostIP: "127.0.0.1", protocol: "tcp"),
                PortMapping(target: 91, published: 9000, hostIP: "::1", protocol: "tcp"),
                PortMapping(target: 80, published: 8080, hostIP: nil, protocol: "udp"),
            ])
    }

    @Test("a port published on all addresses and on one address is published twice")
    func wildcardOverlap() throws {
        let problem = try error("services:\n  a:\n    image: x\n    ports: [\"8080:80\", \"127.0.0.1:8080:81\"]\n")
        #expect(problem.path == "services.a.ports[1]")
    }

    @Test("two volumes on one path: the later one is kept, as compose does, and the user is told")
    func volumeTargetTwice() throws {
        let doc = try parse("services:\n  a:\n    image: x\n    volumes: [\"/srv/old:/data\", \"/srv/new:/data/\"]\n")
        let mounts = try #require(doc.app.services["a"]?.volumes)
        #expect(mounts.count == 1)
        #expect(mounts.first?.source == "/srv/new")
        #expect(mounts.first?.target == "/data")
        #expect(doc.warnings.contains { $0.contains("services.a.volumes[1] mounts /data again") })
    }

    @Test("options of another mount type are ignored with a warning; a subpath is refused")
    func mountOptions() throws {
        let doc = try parse(
            "services:\n  a:\n    image: x\n    volumes:\n      - type: volume\n        source: v\n        target: /v\n        bind:\n          create_host_path: true\nvolumes:\n  v: {}\n"
        )
        #expect(doc.app.services["a"]?.volumes?.first?.createHostPath == nil)
        #expect(doc.warnings.contains { $0.contains("is a volume mount, so its 'bind' options are ignored") })
        let problem = try error(
            "services:\n  a:\n    image: x\n    volumes:\n      - type: volume\n        source: v\n        target: /v\n        volume:\n          subpath: sub\nvolumes:\n  v: {}\n"
        )
        #expect(problem.code == .unsupported)
        #expect(problem.path == "services.a.volumes[0].volume.subpath")
    }

    @Test("extra_hosts: several addresses, bracketed IPv6 and a bad host name")
    func extraHosts() throws {
        let doc = try parse("services:\n  a:\n    image: x\n    extra_hosts: [\"db=10.0.0.1,10.0.0.2\", \"v6=[::1]\"]\n")
        #expect(doc.app.services["a"]?.extraHosts == ["db:10.0.0.1", "db:10.0.0.2", "v6:::1"])
        let problem = try error("services:\n  a:\n    image: x\n    extra_hosts:\n      \"db:x\": 10.0.0.1\n")
        #expect(problem.message.contains("bad host name 'db:x'"))
    }

    @Test("a disabled healthcheck with a test says the test never runs")
    func disabledHealthcheck() throws {
        let doc = try parse("services:\n  a:\n    image: x\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      disable: true\n")
        #expect(doc.app.services["a"]?.healthcheck?.test == ["NONE"])
        #expect(doc.warnings.contains { $0.contains("'disable: true', so its 'test' is never run") })
    }

    @Test("pull policies compose knows and Drover does not apply are refused as unsupported", arguments: ["daily", "weekly", "refresh", "every_12h"])
    func pullPolicies(policy: String) throws {
        let problem = try error("services:\n  a:\n    image: x\n    pull_policy: \(policy)\n")
        #expect(problem.code == .unsupported)
        #expect(problem.path == "services.a.pull_policy")
    }

    @Test("a service left out by its profile may not be the target of a link")
    func linkToSkippedService() throws {
        let problem = try error("services:\n  a:\n    image: x\n    links: [b]\n  b:\n    image: x\n    profiles: [debug]\n")
        #expect(problem.path == "services.a.links[0]")
        #expect(problem.message.contains("left out because its profile(s) debug are not active"))
    }

    @Test("container names follow the engine's rule", arguments: ["db", "my-db.1", "/db_2"])
    func validContainerNames(name: String) throws {
        let doc = try parse("services:\n  a:\n    image: x\n    container_name: \"\(name)\"\n")
        #expect(doc.app.services["a"] != nil)
    }

    @Test("an external network may carry a name that agrees with external.name")
    func agreeingExternalName() throws {
        let doc = try parse("services:\n  a:\n    image: x\n    networks: [n]\nnetworks:\n  n:\n    name: lan\n    external:\n      name: lan\n")
        #expect(doc.app.networks?["n"]?.name == "lan")
        #expect(doc.app.networks?["n"]?.external == true)
    }

    @Test("a dependency left out by its profile is dropped when not required, and refused when required")
    func optionalDependency() throws {
        let base =
            "services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_started, required: REQUIRED}\n  b:\n    image: x\n    profiles: [debug]\n"
        let doc = try parse(base.replacingOccurrences(of: "REQUIRED", with: "false"))
        #expect(doc.app.services["a"]?.dependsOn == nil)
        #expect(doc.warnings.contains { $0.contains("starts without 'b'") })
        let problem = try error(base.replacingOccurrences(of: "REQUIRED", with: "true"))
        #expect(problem.message.contains("left out because its profile(s) debug are not active"))
    }
}
