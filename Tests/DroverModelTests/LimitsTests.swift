import DroverModel
import Foundation
import Testing

/// Numbers past what Int64 or the engine can hold, documents that expand without bound, and
/// targets that carry anything: each is an error that names the field, never a trap.
@Suite("Compose and target limits")
struct LimitsTests {
    func error(_ yaml: String) throws -> ModelError {
        try #require(throws: ModelError.self) { try ComposeParser().parse(yaml) }
    }

    func service(_ lines: String) -> String {
        "services:\n  web:\n    image: x\n" + lines
    }

    // MARK: - Durations and sizes past Int64

    @Test(
        "a duration or size past Int64 is an error naming the key and its line",
        arguments: [
            ("    stop_grace_period: 9999999999s\n", "services.web.stop_grace_period", "'9999999999s' is too long"),
            ("    stop_grace_period: 1e30s\n", "services.web.stop_grace_period", "unknown unit 'e'"),
            ("    stop_grace_period: 100000000000000000000000000000s\n", "services.web.stop_grace_period", "is too long"),
            ("    healthcheck:\n      test: true\n      interval: 2562048h\n", "services.web.healthcheck.interval", "'2562048h' is too long"),
            ("    mem_limit: 9999999999t\n", "services.web.mem_limit", "'9999999999t' is too large"),
            ("    shm_size: 99999999999999999999g\n", "services.web.shm_size", "'99999999999999999999g' is too large"),
            ("    shm_size: 1.5e400\n", "services.web.shm_size", "bad size"),
            (
                "    labels:\n      io.drover.update.handover-timeout: 9999999999s\n", "services.web.labels.io.drover.update.handover-timeout",
                "'9999999999s' is too long"
            ),
            (
                "    labels:\n      io.drover.update.health-window: 9999999999s\n", "services.web.labels.io.drover.update.health-window",
                "'9999999999s' is too long"
            ),
        ])
    func pastInt64(lines: String, path: String, message: String) throws {
        let problem = try error(service(lines))
        #expect(problem.path == path)
        #expect(problem.line != nil, "the line is named")
        #expect(problem.message.contains(message), "\(problem)")
    }

    @Test("the longest duration and the largest size are accepted, one more is not")
    func boundaries() throws {
        let longest = try ComposeParser().parse(service("    stop_grace_period: 9223372036854775807ns\n"))
        #expect(longest.app.services["web"]?.stopGracePeriod == Int64.max)
        let hours = try ComposeParser().parse(service("    stop_grace_period: 2562047h47m16s\n"))
        #expect(hours.app.services["web"]?.stopGracePeriod == 9_223_372_036_000_000_000)
        #expect(throws: ModelError.self) { try ComposeParser().parse(service("    stop_grace_period: 2562047h47m17s\n")) }
        #expect(throws: ModelError.self) { try ComposeParser().parse(service("    stop_grace_period: 9223372036854775808ns\n")) }

        let largest = try ComposeParser().parse(service("    shm_size: 9223372036854775807\n"))
        #expect(largest.app.services["web"]?.shmSize == Int64.max)
        let terabytes = try ComposeParser().parse(service("    shm_size: 8388607t\n"))
        #expect(terabytes.app.services["web"]?.shmSize == 8_388_607 << 40)
        #expect(throws: ModelError.self) { try ComposeParser().parse(service("    shm_size: 8388608t\n")) }
        #expect(throws: ModelError.self) { try ComposeParser().parse(service("    shm_size: 9223372036854775808\n")) }
    }

    @Test("the error reads as a sentence with line and path")
    func wording() throws {
        let problem = try error(service("    stop_grace_period: 9999999999s\n"))
        #expect(
            problem.description
                == "line 4: services.web.stop_grace_period: '9999999999s' is too long: a duration is at most 2562047h47m16s (about 292 years, the most that Int64 nanoseconds hold)"
        )
    }

    // MARK: - Ranges the engine accepts

    @Test(
        "values the engine refuses are refused when the release is made",
        arguments: [
            ("    cpus: 1e10\n", "services.web.cpus"),
            ("    cpus: inf\n", "services.web.cpus"),
            ("    cpus: nan\n", "services.web.cpus"),
            ("    cpus: 0.001\n", "services.web.cpus"),
            ("    deploy:\n      resources:\n        limits:\n          cpus: '1e10'\n", "services.web.deploy.resources.limits.cpus"),
            ("    deploy:\n      resources:\n        reservations:\n          cpus: nan\n", "services.web.deploy.resources.reservations.cpus"),
            ("    mem_limit: 1m\n", "services.web.mem_limit"),
            ("    mem_limit: 1g\n    mem_reservation: 2g\n", "services.web.mem_reservation"),
            ("    pids_limit: 9999999\n", "services.web.pids_limit"),
            ("    pids_limit: -2\n", "services.web.pids_limit"),
            ("    ulimits:\n      nofile: {soft: 10, hard: 5}\n", "services.web.ulimits.nofile"),
            ("    ulimits:\n      nofiles: 10\n", "services.web.ulimits.nofiles"),
            ("    ulimits:\n      nofile: -5\n", "services.web.ulimits.nofile"),
            ("    healthcheck:\n      test: true\n      interval: 1us\n", "services.web.healthcheck.interval"),
            ("    healthcheck:\n      test: true\n      retries: -1\n", "services.web.healthcheck.retries"),
            ("    healthcheck:\n      test: true\n      retries: 9999999999\n", "services.web.healthcheck.retries"),
            ("    restart: on-failure:9999999999\n", "services.web.restart"),
            (
                "    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: -3\n",
                "services.web.deploy.restart_policy.max_attempts"
            ),
            ("    tmpfs: ['']\n", "services.web.tmpfs[0]"),
            ("    devices: [':/dev/b']\n", "services.web.devices[0]"),
            ("    devices: ['/dev/a:/dev/b:rwx']\n", "services.web.devices[0]"),
            ("    expose: ['80/icmp']\n", "services.web.expose[0]"),
        ])
    func engineRanges(lines: String, path: String) throws {
        let problem = try error(service(lines))
        #expect(problem.path == path, "\(problem)")
        #expect(problem.line != nil)
    }

    @Test("zero means the engine's default where the engine says so")
    func zeros() throws {
        let doc = try ComposeParser().parse(
            service(
                "    mem_limit: 0\n    mem_reservation: 0\n    shm_size: 0\n    pids_limit: 0\n    stop_grace_period: 0s\n"
                    + "    healthcheck:\n      test: true\n      interval: 0s\n      retries: 0\n"))
        let spec = try #require(doc.app.services["web"])
        #expect(spec.memoryLimit == 0 && spec.shmSize == 0 && spec.pidsLimit == 0 && spec.stopGracePeriod == 0)
        #expect(spec.healthcheck?.interval == 0 && spec.healthcheck?.retries == 0)
        #expect(throws: ModelError.self) { try ComposeParser().parse(service("    cpus: 0\n")) }
    }

    @Test("port ranges that expand past one service's worth of ports are refused")
    func portExpansion() throws {
        let ranges = Array(repeating: "'1-65535'", count: 3).joined(separator: ", ")
        let exposed = try error(service("    expose: [\(ranges)]\n"))
        #expect(exposed.code == .tooLarge && exposed.path == "services.web.expose")
        let published = try error(service("    ports: ['1-65535:1-65535', '1-65535:1-65535/udp']\n"))
        #expect(published.code == .tooLarge && published.path == "services.web.ports")
    }

    // MARK: - Documents that expand

    /// The "billion laughs" shape: `levels` anchors of nine aliases each of the one before.
    static func laughs(levels: Int) -> String {
        var text = "x-l0: &l0 \"lol\"\n"
        for level in 1...levels {
            text += "x-l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]\n"
        }
        return text + "services:\n  web:\n    image: x\n    command: *l\(levels)\n"
    }

    @Test("an alias bomb is refused at the node limit, without expanding it", arguments: [7, 8, 9])
    func aliasBomb(levels: Int) throws {
        let problem = try error(Self.laughs(levels: levels))
        #expect(problem.code == .tooLarge)
        #expect(problem.message.hasPrefix("the document expands to more than 100000 nodes through aliases"), "\(problem)")
        #expect(problem.line == 7, "the line whose aliases pass the limit: x-l6, nine of *l5 (531441 nodes)")
    }

    @Test("an alias bomb as a mapping key is refused before anything hashes it", arguments: [8, 12])
    func aliasKeyBomb(levels: Int) throws {
        let text = Self.laughs(levels: levels).replacingOccurrences(of: "    command: *l\(levels)\n", with: "x-key:\n  ? *l\(levels)\n  : 1\n")
        let problem = try error(text)
        #expect(problem.message.contains("an alias cannot be a mapping key"), "\(problem)")
        #expect(problem.line == levels + 6, "the line of the key")
    }

    @Test("aliases in values, flow collections and JSON-like flow mappings still resolve")
    func aliasesStillWork() throws {
        let doc = try ComposeParser().parse(
            """
            x-img: &img "web:1"
            x-cmd: &cmd [sh, -c, "echo *not-an-alias"]
            x-env: &env {A: "1"}
            services:
              web:
                image: *img
                command: *cmd
                environment: {"B":*img, <<: *env}
                labels: [*img]
            """)
        let web = try #require(doc.app.services["web"])
        #expect(web.image == "web:1" && web.command == ["sh", "-c", "echo *not-an-alias"])
        #expect(web.environment == ["A": "1", "B": "web:1"] && web.labels == ["web:1": ""])
    }

    @Test("a document that only uses aliases a little is still fine")
    func smallAliases() throws {
        let doc = try ComposeParser().parse(Self.laughs(levels: 3).replacingOccurrences(of: "command: *l3", with: "command: *l1"))
        #expect(doc.app.services["web"]?.command?.count == 9)
    }

    @Test("a document over 1 MiB is refused before parsing")
    func documentSize() throws {
        let padding = String(repeating: "# padding\n", count: 110_000)
        let problem = try error(service("") + padding)
        #expect(problem.code == .tooLarge)
        #expect(problem.message.contains("at most 1048576 bytes"))
    }

    @Test("services extending a large one count against the same limit")
    func extendsExpansion() throws {
        let environment = (0..<2_000).map { "      V\($0): x\n" }.joined()
        let children = (0..<60).map { "  c\($0):\n    extends: base\n" }.joined()
        let problem = try error("services:\n  base:\n    image: x\n    environment:\n" + environment + children)
        #expect(problem.code == .tooLarge)
        #expect(problem.message.contains("through 'extends'"), "\(problem)")
    }

    @Test("a merge key with many keys keeps the mapping's own keys first")
    func wideMerge() throws {
        let keys = (0..<20_000).map { "  k\($0): v\n" }.joined()
        let doc = try ComposeParser().parse("x-wide: &wide\n" + keys + "services:\n  web:\n    image: x\n    environment:\n      <<: *wide\n      k1: own\n")
        let environment = try #require(doc.app.services["web"]?.environment)
        #expect(environment.count == 20_000 && environment["k1"] == "own")
    }

    @Test("deeply nested variable references are refused, not recursed into")
    func nestedInterpolation() throws {
        let depth = 100_000
        let value = String(repeating: "${A:-", count: depth) + "x" + String(repeating: "}", count: depth)
        let problem = try error(service("    environment:\n      V: '\(value)'\n"))
        #expect(problem.message.contains("nest more than 16 deep"), "\(problem)")
    }

    @Test("deeply nested YAML is a syntax error", arguments: ["[", "{a: "])
    func deepNesting(open: String) throws {
        let problem = try error(service("    command: " + String(repeating: open, count: 100_000) + "\n"))
        #expect(problem.code == .syntax)
    }

    // MARK: - Targets carry anything

    /// A valid target's JSON with one service field replaced.
    static func target(_ field: String, _ json: String) -> Data {
        let services = #"{"web": {"image": "x", \#(field): \#(json)}}"#
        return Data(#"{"apps": {"shop": {"release": "r1", "services": \#(services)}}}"#.utf8)
    }

    @Test(
        "a target with a number the engine refuses is refused with the field named",
        arguments: [
            (#""cpus""#, "1e10", "apps.shop.services.web.cpus"),
            (#""cpus""#, "0", "apps.shop.services.web.cpus"),
            (#""cpus""#, "-1", "apps.shop.services.web.cpus"),
            (#""stopGracePeriod""#, "-1", "apps.shop.services.web.stopGracePeriod"),
            (#""memoryLimit""#, "1", "apps.shop.services.web.memoryLimit"),
            (#""shmSize""#, "-1", "apps.shop.services.web.shmSize"),
            (#""pidsLimit""#, "9223372036854775807", "apps.shop.services.web.pidsLimit"),
            (#""ports""#, #"[{"target": 70000, "protocol": "tcp"}]"#, "apps.shop.services.web.ports[0]"),
            (#""ports""#, #"[{"target": 80, "published": -1, "protocol": "tcp"}]"#, "apps.shop.services.web.ports[0]"),
            (#""ports""#, #"[{"target": 80, "protocol": "icmp"}]"#, "apps.shop.services.web.ports[0]"),
            (#""expose""#, #"["x/tcp"]"#, "apps.shop.services.web.expose[0]"),
            (#""devices""#, #"[""]"#, "apps.shop.services.web.devices[0]"),
            (#""devices""#, #"[":"]"#, "apps.shop.services.web.devices[0]"),
            (#""tmpfs""#, #"[""]"#, "apps.shop.services.web.tmpfs[0]"),
            (#""restart""#, #""on-failure:-1""#, "apps.shop.services.web.restart"),
            (#""restart""#, #""sometimes""#, "apps.shop.services.web.restart"),
            (#""ulimits""#, #"{"nofile": {"soft": 10, "hard": 5}}"#, "apps.shop.services.web.ulimits.nofile"),
            (#""healthcheck""#, #"{"test": ["NONE"], "interval": 1}"#, "apps.shop.services.web.healthcheck.interval"),
            (#""healthcheck""#, #"{"test": ["NONE"], "retries": -1}"#, "apps.shop.services.web.healthcheck.retries"),
            (#""volumes""#, #"[{"type": "tmpfs", "target": "/t", "tmpfsSize": -1}]"#, "apps.shop.services.web.volumes[0].tmpfsSize"),
            (#""labels""#, #"{"io.drover.update.health-window": "9999999999s"}"#, "apps.shop.services.web.labels.io.drover.update.health-window"),
        ])
    func badTargets(field: String, json: String, path: String) throws {
        let problem = try #require(throws: ModelError.self) { try TargetState.decode(from: Self.target(field, json)) }
        #expect(problem.path == path, "\(problem)")
    }

    @Test("numbers JSON cannot carry into the field's type are refused as JSON errors")
    func unrepresentable() throws {
        for (field, json) in [(#""cpus""#, "1e400"), (#""stopGracePeriod""#, "1e30"), (#""pidsLimit""#, "9223372036854775808")] {
            #expect(throws: ModelError.self) { try TargetState.decode(from: Self.target(field, json)) }
        }
    }

    @Test("counters of a target must not be negative, and huge ones do not trap the config hash")
    func counters() throws {
        let negative = Data(#"{"apps": {"shop": {"release": "r1", "services": {"web": {"image": "x"}}, "restarts": {"web": -1}}}}"#.utf8)
        let problem = try #require(throws: ModelError.self) { try TargetState.decode(from: negative) }
        #expect(problem.path == "apps.shop.restarts.web")
        var target = AppTarget(release: "r1", services: ["web": ServiceSpec(image: "x")])
        target.restarts = ["web": Int.max, "*": Int.max]
        #expect(!target.configHash(of: "web").isEmpty)
    }

    @Test("devices read as the docker CLI reads them")
    func devices() throws {
        #expect(DeviceMapping("/dev/a") == DeviceMapping("/dev/a:/dev/a:rwm"))
        #expect(DeviceMapping("/dev/a:r")?.permissions == "r")
        #expect(DeviceMapping("/dev/a:r")?.pathInContainer == "/dev/a")
        #expect(DeviceMapping("/dev/a::rw")?.pathInContainer == "/dev/a")
        #expect(DeviceMapping("/dev/a:/dev/b")?.pathInContainer == "/dev/b")
        for bad in ["", ":", "dev/a", "/dev/a:b", "/dev/a:/b:x", "/a:/b:rw:m", "/dev/a:/b:rr"] {
            #expect(DeviceMapping(bad) == nil, "\(bad)")
        }
    }

    @Test("the checked conversions the agent uses")
    func conversions() throws {
        var spec = ServiceSpec(image: "x")
        spec.stopGracePeriod = Int64.max
        #expect(spec.stopTimeoutSeconds == Int(Int32.max))
        spec.stopGracePeriod = 1
        #expect(spec.stopTimeoutSeconds == 1)
        spec.stopGracePeriod = -5
        #expect(spec.stopTimeoutSeconds == 0)
        spec.cpus = 1.5
        #expect(try spec.nanoCPUs(at: "cpus") == 1_500_000_000)
        for bad in [1e10, .infinity, -.infinity, .nan, 0] {
            spec.cpus = bad
            #expect(throws: ModelError.self) { try spec.nanoCPUs(at: "cpus") }
        }
    }
}
