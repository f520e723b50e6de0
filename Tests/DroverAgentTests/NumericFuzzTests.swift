import ArgumentParser
import DroverAgent
import DroverAgentCLI
import DroverModel
import Foundation
import Testing

/// One numeric key of a compose service, as the fuzzing below feeds it.
struct NumericField: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case duration, size, number, port }

    /// The key as a user writes it.
    var name: String
    var kind: Kind
    /// The lines under `services.web` that set the key to a value.
    var lines: @Sendable (String) -> String
    /// The path every error about the key starts with.
    var path: String
    /// Whether an accepted value is within what the engine takes.
    var inRange: @Sendable (ServiceSpec) -> Bool

    var testDescription: String { name }

    static func durationOK(_ value: Int64?) -> Bool { value.map { $0 == 0 || $0 >= 1_000_000 } ?? false }
    static func memoryOK(_ value: Int64?) -> Bool { value.map { $0 == 0 || $0 >= 6 << 20 } ?? false }
    static func portsOK(_ spec: ServiceSpec) -> Bool {
        (spec.ports ?? []).allSatisfy { (1...65535).contains($0.target) && (1...65535).contains($0.published ?? 1) }
    }
    static func cpusOK(_ value: Double?) -> Bool { value.map { $0.isFinite && $0 >= 0.01 && $0 <= 8192 } ?? false }

    /// Every key ServiceDecoder reads as a number, a duration or a size.
    static let all: [NumericField] = [
        .init(name: "stop_grace_period", kind: .duration, lines: { "    stop_grace_period: \($0)\n" }, path: "services.web.stop_grace_period") {
            ($0.stopGracePeriod ?? -1) >= 0
        },
        .init(
            name: "healthcheck.interval", kind: .duration, lines: { "    healthcheck:\n      test: true\n      interval: \($0)\n" },
            path: "services.web.healthcheck.interval"
        ) { durationOK($0.healthcheck?.interval) },
        .init(
            name: "healthcheck.timeout", kind: .duration, lines: { "    healthcheck:\n      test: true\n      timeout: \($0)\n" },
            path: "services.web.healthcheck.timeout"
        ) { durationOK($0.healthcheck?.timeout) },
        .init(
            name: "healthcheck.start_period", kind: .duration, lines: { "    healthcheck:\n      test: true\n      start_period: \($0)\n" },
            path: "services.web.healthcheck.start_period"
        ) { durationOK($0.healthcheck?.startPeriod) },
        .init(
            name: "healthcheck.start_interval", kind: .duration, lines: { "    healthcheck:\n      test: true\n      start_interval: \($0)\n" },
            path: "services.web.healthcheck.start_interval"
        ) { $0.healthcheck != nil },
        .init(
            name: "io.drover.update.handover-timeout", kind: .duration, lines: { "    labels:\n      io.drover.update.handover-timeout: \($0)\n" },
            path: "services.web.labels.io.drover.update.handover-timeout"
        ) { $0.updatePolicy.handoverTimeout > 0 && $0.updatePolicy.handoverTimeout < 1e10 },
        .init(
            name: "io.drover.update.health-window", kind: .duration, lines: { "    labels:\n      io.drover.update.health-window: \($0)\n" },
            path: "services.web.labels.io.drover.update.health-window"
        ) { $0.updatePolicy.healthWindow > 0 && $0.updatePolicy.healthWindow < 1e10 },
        .init(name: "mem_limit", kind: .size, lines: { "    mem_limit: \($0)\n" }, path: "services.web.mem_limit") { memoryOK($0.memoryLimit) },
        .init(name: "mem_reservation", kind: .size, lines: { "    mem_reservation: \($0)\n" }, path: "services.web.mem_reservation") {
            memoryOK($0.memoryReservation)
        },
        .init(name: "memswap_limit", kind: .size, lines: { "    memswap_limit: \($0)\n" }, path: "services.web.memswap_limit") { _ in false },
        .init(name: "shm_size", kind: .size, lines: { "    shm_size: \($0)\n" }, path: "services.web.shm_size") { ($0.shmSize ?? -1) >= 0 },
        .init(
            name: "tmpfs size", kind: .size, lines: { "    volumes:\n      - type: tmpfs\n        target: /t\n        tmpfs:\n          size: \($0)\n" },
            path: "services.web.volumes[0].tmpfs.size"
        ) { ($0.volumes?.first?.tmpfsSize ?? -1) >= 0 },
        .init(
            name: "deploy.resources.limits.memory", kind: .size, lines: { "    deploy:\n      resources:\n        limits:\n          memory: \($0)\n" },
            path: "services.web.deploy.resources.limits.memory"
        ) { memoryOK($0.memoryLimit) },
        .init(
            name: "deploy.resources.reservations.memory", kind: .size,
            lines: { "    deploy:\n      resources:\n        reservations:\n          memory: \($0)\n" },
            path: "services.web.deploy.resources.reservations.memory"
        ) { memoryOK($0.memoryReservation) },
        .init(name: "cpus", kind: .number, lines: { "    cpus: \($0)\n" }, path: "services.web.cpus") { cpusOK($0.cpus) },
        .init(
            name: "deploy.resources.limits.cpus", kind: .number, lines: { "    deploy:\n      resources:\n        limits:\n          cpus: \($0)\n" },
            path: "services.web.deploy.resources.limits.cpus"
        ) { cpusOK($0.cpus) },
        .init(
            name: "deploy.resources.reservations.cpus", kind: .number,
            lines: { "    deploy:\n      resources:\n        reservations:\n          cpus: \($0)\n" },
            path: "services.web.deploy.resources.reservations.cpus"
        ) { $0.cpus == nil },
        .init(name: "pids_limit", kind: .number, lines: { "    pids_limit: \($0)\n" }, path: "services.web.pids_limit") {
            (-1...4_194_304).contains($0.pidsLimit ?? -2)
        },
        .init(
            name: "deploy.resources.limits.pids", kind: .number, lines: { "    deploy:\n      resources:\n        limits:\n          pids: \($0)\n" },
            path: "services.web.deploy.resources.limits.pids"
        ) { (-1...4_194_304).contains($0.pidsLimit ?? -2) },
        .init(name: "ulimits", kind: .number, lines: { "    ulimits:\n      nofile: \($0)\n" }, path: "services.web.ulimits.nofile") {
            ($0.ulimits?["nofile"]?.soft ?? -2) >= -1
        },
        .init(
            name: "ulimits soft", kind: .number, lines: { "    ulimits:\n      nofile:\n        soft: \($0)\n        hard: 1048576\n" },
            path: "services.web.ulimits.nofile"
        ) { ($0.ulimits?["nofile"]).map { $0.soft >= 0 && $0.soft <= $0.hard } ?? false },
        .init(
            name: "ulimits hard", kind: .number, lines: { "    ulimits:\n      nofile:\n        soft: 1\n        hard: \($0)\n" },
            path: "services.web.ulimits.nofile"
        ) { ($0.ulimits?["nofile"]).map { $0.hard == -1 || $0.hard >= 1 } ?? false },
        .init(
            name: "healthcheck.retries", kind: .number, lines: { "    healthcheck:\n      test: true\n      retries: \($0)\n" },
            path: "services.web.healthcheck.retries"
        ) { (0...Int(Int32.max)).contains($0.healthcheck?.retries ?? -1) },
        .init(name: "deploy.replicas", kind: .number, lines: { "    deploy:\n      replicas: \($0)\n" }, path: "services.web.deploy.replicas") { _ in
            true
        },
        .init(name: "restart on-failure", kind: .number, lines: { "    restart: on-failure:\($0)\n" }, path: "services.web.restart") {
            $0.restart.map { Int($0.dropFirst("on-failure:".count)).map { (0...Int(Int32.max)).contains($0) } ?? false } ?? false
        },
        .init(
            name: "deploy.restart_policy.max_attempts", kind: .number,
            lines: { "    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: \($0)\n" },
            path: "services.web.deploy.restart_policy"
        ) { $0.restart.map { Int($0.dropFirst("on-failure:".count)).map { (0...Int(Int32.max)).contains($0) } ?? false } ?? false },
        .init(name: "ports", kind: .port, lines: { "    ports: [\($0)]\n" }, path: "services.web.ports", inRange: portsOK),
        .init(name: "ports quoted", kind: .port, lines: { "    ports: ['\($0)']\n" }, path: "services.web.ports", inRange: portsOK),
        .init(name: "ports published", kind: .port, lines: { "    ports: ['\($0):80']\n" }, path: "services.web.ports", inRange: portsOK),
        .init(name: "ports long target", kind: .port, lines: { "    ports:\n      - target: \($0)\n" }, path: "services.web.ports", inRange: portsOK),
        .init(
            name: "ports long published", kind: .port, lines: { "    ports:\n      - target: 80\n        published: \($0)\n" }, path: "services.web.ports",
            inRange: portsOK),
        .init(name: "expose", kind: .port, lines: { "    expose: ['\($0)']\n" }, path: "services.web.expose") {
            ($0.expose ?? []).allSatisfy { Int($0.split(separator: "/").first ?? "").map { (1...65535).contains($0) } ?? false }
        },
    ]

    /// What every numeric key is fed: non-numbers, infinities, signs, zero, Int64's edge,
    /// the largest double, and the values the probe found crashing.
    static let numbers = [
        "nan", "-nan", "NaN", "inf", "-inf", "infinity", ".nan", ".inf", "-.inf", "-1", "0", "1", "0.5", "1e-308", "4.9e-324", "1e10", "1e308",
        "-1e308", "0x1p70", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999", "", "''",
    ]

    /// The values fed to one kind of key: the numbers, and for durations and sizes the numbers
    /// with units and the edge values of each.
    static func inputs(for kind: Kind) -> [String] {
        switch kind {
        case .duration:
            numbers + numbers.map { $0 + "s" } + numbers.map { $0 + "h" } + [
                "9999999999s", "1e30s", "2562048h", "2562047h47m16s", "2562047h47m17s", "9223372036854775807ns", "9223372036854775808ns",
                "1ms", "999us", "0s", "1.5s", "1m30s", "1e308h", "100000000000000000000h1s", "-1s",
            ]
        case .size:
            numbers + numbers.map { $0 + "t" } + numbers.map { $0 + "g" } + [
                "9999999999t", "99999999999999999999g", "8388607t", "8388608t", "9223372036854775807b", "6m", "5m", "0b", "-1m", "1.5g",
                "1e308g", "64kb",
            ]
        case .number:
            numbers + ["2", "8192", "8193", "0.01", "0.009", "4194304", "4194305", "2147483647", "2147483648", "-2"]
        case .port:
            numbers + ["65535", "65536", "80", "1-65535", "80-79", "70000:80", "0:80", "80/udp", "80/icmp"]
        }
    }

    static let cases: [(NumericField, String)] = all.flatMap { field in inputs(for: field.kind).map { (field, $0) } }

    /// Fewer values for the command line, which costs some 40 ms a run (argument parsing in a
    /// debug build): the edges of each kind and the values the probe found crashing.
    static func cliInputs(for kind: Kind) -> [String] {
        let edges = ["nan", "inf", "-inf", "-1", "0", "9223372036854775808", "1e308"]
        switch kind {
        case .duration: return edges + ["9999999999s", "1e30s", "2562048h", "9223372036854775807ns", "-1s", "nans"]
        case .size: return edges + ["9999999999t", "99999999999999999999g", "8388608t", "-1m", "5m"]
        case .number: return edges + ["1e10", "8193", "2147483648"]
        case .port: return edges + ["65536", "0:80", "80/icmp"]
        }
    }

    static let cliCases: [(NumericField, String)] = all.flatMap { field in cliInputs(for: field.kind).map { (field, $0) } }

    func document(_ value: String) -> String {
        "services:\n  web:\n    image: x\n" + lines(value)
    }
}

@Suite("Numeric fuzzing of compose values")
struct NumericFuzzTests {
    @Test("every numeric key, fed every edge value, gives a value in range or an error naming the key", arguments: NumericField.cases)
    func validator(field: NumericField, value: String) throws {
        let text = field.document(value)
        let document: ComposeDocument
        do {
            document = try ComposeParser().parse(text)
        } catch {
            // A value such as `''s` makes the document itself malformed YAML: the error is about
            // the document, at its line.
            #expect(error.path.hasPrefix(field.path) || (error.code == .syntax && error.path.isEmpty), "\(field.name)=\(value): \(error)")
            #expect(error.line != nil, "\(field.name)=\(value): \(error)")
            return
        }
        let spec = try #require(document.app.services["web"])
        #expect(field.inRange(spec), "\(field.name)=\(value) was accepted as \(spec)")
        // What the parser accepts, the agent accepts and turns into an engine request.
        let target = AppTarget(release: "r1", app: document.app)
        try target.validate(name: "fuzz")
        let builder = ContainerConfigBuilder(device: DeviceIdentity(id: "fuzz"), app: "fuzz", target: target)
        let (config, _) = try builder.build(service: "web")
        if let cpus = spec.cpus { #expect(config.hostConfig.nanoCPUs == Int64((cpus * 1e9).rounded())) }
        // The engine reads the timeout into a Go int (32 bits on 32-bit devices): longer is capped.
        if let grace = spec.stopGracePeriod { #expect(Int64(config.stopTimeout ?? -1) >= min(grace / 1_000_000_000, Int64(Int32.max))) }
    }

    @Test("drover-agent plan --offline says the same, and exits non-zero on an error", arguments: NumericField.cliCases)
    func planOffline(field: NumericField, value: String) async throws {
        let directory = NSTemporaryDirectory() + "drover-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/compose.yml"
        try field.document(value).write(toFile: file, atomically: true, encoding: .utf8)
        let expected = Result { () throws(ModelError) in try ComposeParser().parse(field.document(value)) }
        var command = try #require(try AgentCommand.parseAsRoot(["plan", "--offline", "-f", file]) as? any AsyncParsableCommand)
        do {
            try await command.run()
            if case .failure(let problem) = expected { Issue.record("\(field.name)=\(value): plan accepted what the parser refuses: \(problem)") }
        } catch {
            guard case .failure(let problem) = expected else {
                Issue.record("\(field.name)=\(value): plan failed on a valid document: \(error)")
                return
            }
            #expect("\(error)".contains(problem.description), "\(field.name)=\(value): \(error)")
            #expect(AgentCommand.exitCode(for: error) != .success)
        }
    }
}

/// The `drover-agent` executable beside the test bundle (`swift build --build-tests` builds it).
enum AgentBinary {
    static let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("drover-agent").path
    static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }
}

@Suite("drover-agent on documents that used to kill it")
struct AgentProcessTests {
    static func service(_ lines: String) -> String { "services:\n  web:\n    image: x\n" + lines }

    /// The "billion laughs": `levels` anchors of nine aliases each of the one before.
    static func laughs(_ levels: Int) -> String {
        var text = "x-l0: &l0 lol\n"
        for level in 1...levels {
            text += "x-l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]\n"
        }
        return text + service("    command: *l\(levels)\n")
    }

    /// A document, named for the test log (the documents themselves are long).
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var document: String
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "stop_grace_period", document: service("    stop_grace_period: 9999999999s\n"), message: "'9999999999s' is too long"),
        Case(
            name: "healthcheck interval", document: service("    healthcheck:\n      test: true\n      interval: 2562048h\n"),
            message: "'2562048h' is too long"),
        Case(name: "mem_limit", document: service("    mem_limit: 9999999999t\n"), message: "'9999999999t' is too large"),
        Case(name: "shm_size", document: service("    shm_size: 99999999999999999999g\n"), message: "is too large"),
        Case(
            name: "handover-timeout", document: service("    labels:\n      io.drover.update.handover-timeout: 9999999999s\n"),
            message: "is too long"),
        Case(name: "health-window", document: service("    labels:\n      io.drover.update.health-window: 9999999999s\n"), message: "is too long"),
        Case(name: "cpus", document: service("    cpus: 1e10\n"), message: "cpus '1e10' is out of range"),
        Case(
            name: "nested variables",
            document: service("    environment:\n      V: '" + String(repeating: "${A:-", count: 100_000) + String(repeating: "}", count: 100_000) + "'\n"),
            message: "nest more than"),
        Case(name: "billion laughs, 9 levels", document: laughs(9), message: "expands to more than 100000 nodes"),
        Case(name: "billion laughs, 12 levels", document: laughs(12), message: "expands to more than 100000 nodes"),
    ]

    @Test("plan --offline exits 1 with the message, not on a signal", .enabled(if: AgentBinary.available), arguments: cases)
    func process(test: Case) throws {
        let directory = NSTemporaryDirectory() + "drover-process-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/compose.yml"
        try test.document.write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AgentBinary.path)
        process.arguments = ["plan", "--offline", "-f", file]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "killed by signal \(process.terminationStatus): \(output)")
        #expect(process.terminationStatus == 1)
        #expect(output.contains(test.message), "\(output)")
    }
}
