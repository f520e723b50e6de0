import DroverModel
import Foundation
import Testing

@Suite("Compose parsing")
struct ComposeParserTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws -> ComposeDocument {
        try ComposeParser(environment: environment).parse(yaml)
    }

    func error(_ yaml: String) throws -> ModelError {
        try #require(throws: ModelError.self) { try ComposeParser().parse(yaml) }
    }

    @Test(
        "short port syntax",
        arguments: [
            ("80", [PortMapping(target: 80, published: nil, hostIP: nil, protocol: "tcp")]),
            ("8080:80", [PortMapping(target: 80, published: 8080, hostIP: nil, protocol: "tcp")]),
            ("127.0.0.1:8080:80/udp", [PortMapping(target: 80, published: 8080, hostIP: "127.0.0.1", protocol: "udp")]),
            ("[::1]:53:53/udp", [PortMapping(target: 53, published: 53, hostIP: "::1", protocol: "udp")]),
            (
                "9000-9001:8000-8001",
                [
                    PortMapping(target: 8000, published: 9000, hostIP: nil, protocol: "tcp"),
                    PortMapping(target: 8001, published: 9001, hostIP: nil, protocol: "tcp"),
                ]
            ),
        ])
    func shortPorts(text: String, expected: [PortMapping]) throws {
        let doc = try parse("services:\n  a:\n    image: x\n    ports: [\"\(text)\"]\n")
        #expect(doc.app.services["a"]?.ports == expected)
    }

    @Test("malformed ports are rejected with the entry named", arguments: ["80:80:80:80", "abc:80", "8000-8002:80-81", "80/icmp", "0:80"])
    func badPorts(text: String) throws {
        let problem = try error("services:\n  a:\n    image: x\n    ports: [\"\(text)\"]\n")
        #expect(problem.path == "services.a.ports[0]")
    }

    @Test("long port syntax")
    func longPorts() throws {
        let doc = try parse(
            "services:\n  a:\n    image: x\n    ports:\n      - target: 80\n        published: \"8080\"\n        host_ip: 127.0.0.1\n        protocol: udp\n")
        #expect(doc.app.services["a"]?.ports == [PortMapping(target: 80, published: 8080, hostIP: "127.0.0.1", protocol: "udp")])
    }

    @Test(
        "durations",
        arguments: [("10s", Int64(10_000_000_000)), ("1m30s", 90_000_000_000), ("1.5s", 1_500_000_000), ("500ms", 500_000_000), ("1h", 3_600_000_000_000)])
    func durations(text: String, nanoseconds: Int64) throws {
        let doc = try parse("services:\n  a:\n    image: x\n    stop_grace_period: \(text)\n")
        #expect(doc.app.services["a"]?.stopGracePeriod == nanoseconds)
    }

    @Test("bad durations name the key", arguments: ["10", "ten seconds", "5x"])
    func badDurations(text: String) throws {
        let problem = try error("services:\n  a:\n    image: x\n    healthcheck:\n      test: true\n      interval: \(text)\n")
        #expect(problem.path == "services.a.healthcheck.interval")
        #expect(problem.description.contains("duration"))
    }

    @Test("unquoted restart: no means the string no, not false")
    func restartNo() throws {
        let doc = try parse("services:\n  a:\n    image: x\n    restart: no\n  b:\n    image: x\n    restart: unless-stopped\n")
        #expect(doc.app.services["a"]?.restart == nil)
        #expect(doc.app.services["b"]?.restart == "unless-stopped")
    }

    @Test("environment as list and map, numbers and booleans become strings")
    func environment() throws {
        let doc = try parse(
            "services:\n  a:\n    image: x\n    environment: [A=1, B, C=x=y]\n  b:\n    image: x\n    environment:\n      PORT: 8080\n      DEBUG: true\n      EMPTY:\n",
            environment: ["B": "from-shell"])
        #expect(doc.app.services["a"]?.environment == ["A": "1", "B": "from-shell", "C": "x=y"])
        #expect(doc.app.services["b"]?.environment == ["PORT": "8080", "DEBUG": "true"])
    }

    @Test("anchors, aliases and merge keys; x- fields are allowed")
    func anchorsAndMerge() throws {
        let yaml = """
            x-common: &common
              image: shared:1
              restart: always
              environment: {LEVEL: info}
            services:
              a:
                <<: *common
              b:
                <<: *common
                restart: "no"
            """
        let doc = try parse(yaml)
        #expect(doc.app.services["a"]?.image == "shared:1")
        #expect(doc.app.services["a"]?.restart == "always")
        #expect(doc.app.services["b"]?.restart == nil)
        #expect(doc.app.services["b"]?.environment == ["LEVEL": "info"])
    }

    @Test("variable interpolation with defaults, errors and $$")
    func interpolation() throws {
        let yaml = "services:\n  a:\n    image: \"repo/${NAME}:${TAG:-latest}\"\n    command: echo $$HOME ${MISSING-fallback}\n"
        let doc = try parse(yaml, environment: ["NAME": "web"])
        #expect(doc.app.services["a"]?.image == "repo/web:latest")
        #expect(doc.app.services["a"]?.command == ["echo", "$HOME", "fallback"])
        let problem = try error("services:\n  a:\n    image: \"${IMAGE:?set IMAGE to the image to run}\"\n")
        #expect(problem.description.contains("set IMAGE to the image to run"))
    }

    @Test("depends_on in list and map form, with conditions")
    func dependsOn() throws {
        let yaml = """
            services:
              db: {image: x}
              cache: {image: x}
              migrate: {image: x}
              web:
                image: x
                depends_on:
                  db: {condition: service_healthy}
                  migrate: {condition: service_completed_successfully}
                  cache: {condition: service_started}
              worker:
                image: x
                depends_on: [db]
            """
        let doc = try parse(yaml)
        #expect(doc.app.services["web"]?.dependsOn == ["db": .serviceHealthy, "migrate": .serviceCompletedSuccessfully, "cache": .serviceStarted])
        #expect(doc.app.services["worker"]?.dependsOn == ["db": .serviceStarted])
    }

    @Test("depends_on naming an unknown service")
    func unknownDependency() throws {
        let problem = try error("services:\n  a:\n    image: x\n    depends_on: [ghost]\n")
        #expect(problem.description.contains("depends on 'ghost', which is not defined"))
    }

    @Test("a key Drover does not support is rejected with service and key")
    func unsupportedKey() throws {
        let problem = try error("services:\n  web:\n    image: x\n    userns_mode: host\n")
        #expect(problem.code == .unsupported)
        #expect(problem.description.contains("'web'") && problem.description.contains("'userns_mode'"))
    }

    @Test("an unknown key is rejected with a suggestion")
    func unknownKey() throws {
        let problem = try error("services:\n  web:\n    image: x\n    enviroment: {A: b}\n")
        #expect(problem.code == .unknownKey)
        #expect(problem.description.contains("did you mean 'environment'"))
    }

    @Test("volumes: named, bind (resolved against the file's directory), tmpfs, read-only, long syntax")
    func volumes() throws {
        let yaml = """
            services:
              a:
                image: x
                volumes:
                  - data:/data:ro
                  - ./conf:/etc/conf
                  - /abs:/abs
                  - type: tmpfs
                    target: /cache
                    tmpfs: {size: 64m}
            volumes:
              data:
            """
        let doc = try ComposeParser(baseDirectory: "/srv/app").parse(yaml)
        let mounts = try #require(doc.app.services["a"]?.volumes)
        #expect(mounts[0].type == .volume && mounts[0].source == "data" && mounts[0].readOnly == true)
        #expect(mounts[1].type == .bind && mounts[1].source == "/srv/app/conf")
        #expect(mounts[2].source == "/abs")
        #expect(mounts[3].type == .tmpfs && mounts[3].tmpfsSize == 64 << 20)
    }

    @Test("healthcheck string, list and disable")
    func healthcheck() throws {
        let doc = try parse(
            "services:\n  a:\n    image: x\n    healthcheck:\n      test: curl -f localhost\n      interval: 5s\n      retries: 3\n  b:\n    image: x\n    healthcheck:\n      disable: true\n"
        )
        #expect(doc.app.services["a"]?.healthcheck?.test == ["CMD-SHELL", "curl -f localhost"])
        #expect(doc.app.services["a"]?.healthcheck?.interval == 5_000_000_000)
        #expect(doc.app.services["b"]?.healthcheck?.test == ["NONE"])
    }

    @Test("a service without networks joins the app's default network; network_mode: host drops ports with a warning")
    func defaultNetwork() throws {
        let doc = try parse("services:\n  a:\n    image: x\n  b:\n    image: x\n    network_mode: host\n    ports: [\"80:80\"]\n")
        #expect(doc.app.services["a"]?.networks?["default"] != nil)
        #expect(doc.app.networks?["default"] != nil)
        #expect(doc.app.services["b"]?.ports == nil)
        #expect(doc.warnings.contains { $0.contains("network_mode: host") })
    }

    @Test("extends within the file inherits keys, merges environment and labels name by name, and lets the service override them")
    func extendsInFile() throws {
        let doc = try parse(
            "services:\n  base:\n    image: x:1\n    environment: {A: \"1\", B: \"0\"}\n    labels: [team=ops]\n    user: \"1000\"\n"
                + "  child:\n    extends: base\n    environment: [B=2]\n    labels: {tier: web}\n    user: \"0\"\n")
        #expect(doc.app.services["child"]?.image == "x:1")
        #expect(doc.app.services["child"]?.environment == ["A": "1", "B": "2"])
        #expect(doc.app.services["child"]?.labels == ["team": "ops", "tier": "web"])
        #expect(doc.app.services["child"]?.user == "0")
    }

    @Test("a file named by extends is interpolated with the same variables")
    func extendsFileInterpolated() throws {
        let parser = ComposeParser(environment: ["TAG": "7"]) { name in
            guard name == "base.yml" else { throw CocoaError(.fileNoSuchFile) }
            return "services:\n  db:\n    image: \"postgres:${TAG:-6}\"\n    environment: [PGDATA=/data]\n"
        }
        let doc = try parser.parse("services:\n  db:\n    extends: {file: base.yml, service: db}\n    environment: {POSTGRES_DB: app}\n")
        #expect(doc.app.services["db"]?.image == "postgres:7")
        #expect(doc.app.services["db"]?.environment == ["PGDATA": "/data", "POSTGRES_DB": "app"])
    }

    @Test("an interpolated empty value is an empty string, and an empty platform is none")
    func emptyInterpolation() throws {
        let doc = try parse("services:\n  a:\n    image: x\n    platform: ${DOCKER_PLATFORM:-}\n    hostname: ${HOST:-}\n")
        #expect(doc.app.services["a"]?.platform == nil)
        #expect(doc.app.services["a"]?.hostname == "")
    }

    @Test("services in inactive profiles are left out")
    func profiles() throws {
        let yaml = "services:\n  a:\n    image: x\n  debug:\n    image: x\n    profiles: [debug]\n"
        #expect(try parse(yaml).app.services.keys.sorted() == ["a"])
        #expect(try ComposeParser(activeProfiles: ["debug"]).parse(yaml).app.services.keys.sorted() == ["a", "debug"])
    }

    @Test("bad input never crashes: empty, scalar, garbage", arguments: ["", "just text", "services: 3", "[1, 2", "services:\n  a: [1]\n", "{{{"])
    func garbage(text: String) {
        #expect(throws: ModelError.self) { try ComposeParser().parse(text) }
    }
}
