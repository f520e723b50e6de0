import ArgumentParser
import AsyncHTTPClient
import DroverClient
import DroverModel
import Foundation

/// `drover-sim`: many simulated devices in one process, speaking the real device protocol to
/// a real server (enrolment, long-polled targets with ETags, state reports). Their "engine" is
/// in memory: a device runs a release the moment it fetches it. Prints what the control plane
/// sustains; it is a benchmark command, not a test.
public struct SimulatorCommand: AsyncParsableCommand {
    /// Command configuration.
    public static let configuration = CommandConfiguration(commandName: "drover-sim", abstract: "Simulate N devices against a Drover server.")

    @Option(name: .long, help: "Server URL.") var server: String
    @Option(name: .long, help: "Admin API token.") var token: String
    @Option(name: .long, help: "Number of devices.") var devices: Int = 1000
    @Option(name: .long, help: "Seconds for each throughput phase.") var seconds: Double = 10
    @Option(name: .long, help: "Parallel requests in the throughput phases.") var concurrency: Int = 256
    @Option(name: .long, help: "Seconds between two reports of one device in the paced phase.") var reportEvery: Double = 10
    @Flag(name: .long, help: "Devices hold the device channel (a WebSocket) instead of long-polling; measures the sockets.")
    var channel = false
    @Option(name: .long, help: "With --channel: seconds to idle while the server's CPU and RSS are read.") var idleSeconds: Double = 30
    @Option(name: .long, help: "With --channel: the server's process id, to read its CPU time and RSS from /proc.") var serverPid: Int?
    @Option(name: .long, help: "Instead: time this many keystrokes through a terminal session on --device's --service, one at a time.")
    var keystrokes: Int?
    @Option(name: .long, help: "With --keystrokes: the device.") var device: String?
    @Option(name: .long, help: "With --keystrokes: the service.") var service: String = "web"

    /// Creates the command.
    public init() {}

    public func run() async throws {
        if let keystrokes {
            guard let device else { throw ValidationError("--keystrokes needs --device") }
            return try await Self.keystrokeRoundTrips(keystrokes, server: server, token: token, device: device, service: service)
        }
        let server = self.server
        // The devices are spread over clients of `shardSize` each: one AsyncHTTPClient pool
        // does work linear in its connections on every connection event, so a single pool of
        // 10,000 held long-polls makes the simulator, not the server, the bottleneck.
        let shards = (0..<max(1, (devices + Self.shardSize - 1) / Self.shardSize)).map { _ in
            var configuration = HTTPClient.Configuration()
            // A long-poll per device and a few reports in flight beside them; more would run
            // the process out of file descriptors at 10,000 devices (a limit of 20,000 here).
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.shardSize + 100
            configuration.timeout.connect = .seconds(30)
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }
        defer { Task { for shard in shards { try? await shard.shutdown() } } }
        let admin = DroverAPIClient(server: server, credential: token, http: shards[0])
        let fleet = "sim\(devices)-\(UInt16.random(in: 0...UInt16.max))"
        _ = try await admin.createFleet(name: fleet)
        let key = try await admin.createKey(fleet: fleet, API.CreateKey()).key ?? ""

        // Enrol.
        let enrolStart = ContinuousClock.now
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            var out: [String] = []
            var started = 0
            func add() {
                let index = started
                started += 1
                group.addTask {
                    let anonymous = DroverAPIClient(server: server, credential: nil, http: shards[index / Self.shardSize])
                    return try await anonymous.enrol(API.RegisterDevice(provisioningKey: key, name: "sim-\(index)", architecture: "arm64")).apiKey
                }
            }
            for _ in 0..<min(64, devices) { add() }
            while let next = try await group.next() {
                out.append(next)
                if started < devices { add() }
            }
            return out
        }
        print("enrolled \(keys.count) devices in \(Self.format(ContinuousClock.now - enrolStart))")
        if channel {
            try await channelPhase(keys: keys, admin: admin, fleet: fleet, shards: shards)
            return
        }

        // Connect: every device long-polls its target and reports the release it got.
        let board = Board(count: keys.count)
        let compose = { (tag: Int) in "services:\n  app:\n    image: registry.local/sim:\(tag)\n" }
        let first = try await admin.createRelease(fleet: fleet, compose: compose(1))
        let pollers = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, apiKey) in keys.enumerated() {
                    let api = DroverAPIClient(server: server, credential: apiKey, http: shards[index / Self.shardSize])
                    group.addTask { await Self.device(index: index, api: api, board: board) }
                }
            }
        }
        try await board.waitUntil(release: first.id, timeout: 300)
        try await board.waitUntilPolling(release: first.id, timeout: 300)
        let connected = await board.connected
        print("connected devices: \(connected) (each holding a long-poll for its target)")

        // A new release: time until every device has fetched it.
        let releaseStart = ContinuousClock.now
        let second = try await admin.createRelease(fleet: fleet, compose: compose(2))
        try await board.waitUntil(release: second.id, timeout: 300)
        print("new release fetched by all \(keys.count) devices in \(Self.format(ContinuousClock.now - releaseStart)) from its creation")
        // Let the devices go without cancelling 10,000 requests mid-flight: mark the run over and
        // release once more, which answers every parked long-poll at once.
        await board.stop()
        _ = try await admin.createRelease(fleet: fleet, compose: compose(3))
        _ = await pollers.value
        // The cancelled long-polls keep their connections until the server answers them; the
        // throughput phases get a pool of their own.
        var measuring = HTTPClient.Configuration()
        measuring.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency + 64
        let measuringHTTP = HTTPClient(eventLoopGroupProvider: .singleton, configuration: measuring)
        defer { Task { try? await measuringHTTP.shutdown() } }

        // Target fetches with If-None-Match (304s).
        let etag = await board.etag
        let fetches = try await Self.hammer(keys: keys, seconds: seconds, concurrency: concurrency) { apiKey in
            let answer = try await DroverAPIClient(server: server, credential: apiKey, http: measuringHTTP).target(knownETag: etag)
            return answer == .notModified
        }
        print(
            "target fetches with ETag: \(Int(Double(fetches.count) / seconds))/s, \(fetches.matched * 100 / max(fetches.count, 1))% answered 304, p50 \(fetches.p50) ms, p99 \(fetches.p99) ms"
        )

        // State reports.
        let reports = try await Self.hammer(keys: keys, seconds: seconds, concurrency: concurrency) { apiKey in
            let report = API.StateReport(
                status: .running,
                services: ["app": API.ServiceState(release: second.id, status: .running, containerID: "c\(Int.random(in: 0...999))", health: nil)])
            try await DroverAPIClient(server: server, credential: apiKey, http: measuringHTTP).report(report)
            return true
        }
        print(
            "state reports, as fast as they go: \(Int(Double(reports.count) / seconds))/s, p50 \(reports.p50) ms, p99 \(reports.p99) ms (\(concurrency) in flight)"
        )

        // State reports at a steady pace: every device reports once per `reportEvery` seconds.
        let rate = Double(keys.count) / reportEvery
        let paced = await Self.paced(keys: keys, rate: rate, seconds: seconds) { apiKey in
            let report = API.StateReport(status: .running, statusDetail: "tick \(Int.random(in: 0...999))")
            try await DroverAPIClient(server: server, credential: apiKey, http: measuringHTTP).report(report)
        }
        print(
            "state reports, every device every \(Int(reportEvery)) s (\(Int(rate))/s offered): \(Int(Double(paced.count) / seconds))/s done, p50 \(paced.p50) ms, p99 \(paced.p99) ms"
        )
    }

    /// Devices per HTTP client.
    static let shardSize = 500

    /// One simulated device: long-poll, "run" what arrives, report it a little later (as a
    /// real device does once its engine converged), and keep polling meanwhile.
    static func device(index: Int, api: DroverAPIClient, board: Board) async {
        var etag: String?
        var release: String?
        var counted = false
        while !Task.isCancelled, await !board.stopping {
            do {
                if let release { await board.polling(index: index, release: release) }
                let answer = try await api.target(knownETag: etag, wait: 30)
                if !counted {
                    counted = true
                    await board.connect()
                }
                if case .changed(let body, let newETag) = answer {
                    etag = newETag
                    // The simulated engine needs only the release id; a full decode would make
                    // the simulator, not the server, the bottleneck.
                    let target = try JSONDecoder().decode(ReleaseOnly.self, from: body)
                    if let fetched = target.apps.values.first?.release {
                        release = fetched
                        await board.fetched(index: index, release: fetched, etag: newETag)
                        Task {
                            try? await Task.sleep(for: .milliseconds(Int.random(in: 1000...3000)))
                            try? await api.report(API.StateReport(release: fetched, status: .running))
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(Int.random(in: 100...500)))
            }
        }
    }

    struct Measured {
        var count: Int
        var matched: Int
        var p50: String
        var p99: String
    }

    /// Runs `call` for random devices, `concurrency` at a time, for `seconds`; latencies in ms.
    static func hammer(keys: [String], seconds: Double, concurrency: Int, _ call: @escaping @Sendable (String) async throws -> Bool) async throws -> Measured {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let results = await withTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var matched = 0
                    while ContinuousClock.now < deadline {
                        let key = keys[Int.random(in: 0..<keys.count)]
                        let start = ContinuousClock.now
                        if (try? await call(key)) == true { matched += 1 }
                        let elapsed = ContinuousClock.now - start
                        latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                    }
                    return (latencies, matched)
                }
            }
            var all: [Double] = []
            var matched = 0
            for await (latencies, count) in group {
                all += latencies
                matched += count
            }
            return (all.sorted(), matched)
        }
        let (sorted, matched) = results
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            return String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
        }
        return Measured(count: sorted.count, matched: matched, p50: percentile(0.5), p99: percentile(0.99))
    }

    /// Sends `rate` requests a second for `seconds`, each on its own task (an open loop: a slow
    /// answer does not slow the senders), and measures each request's latency.
    static func paced(keys: [String], rate: Double, seconds: Double, _ call: @escaping @Sendable (String) async throws -> Void) async -> Measured {
        let total = Int(rate * seconds)
        let start = ContinuousClock.now
        let latencies = await withTaskGroup(of: Double?.self) { group in
            for index in 0..<total {
                let due = start + .seconds(Double(index) / rate)
                group.addTask {
                    try? await Task.sleep(until: due)
                    let begin = ContinuousClock.now
                    do {
                        try await call(keys[index % keys.count])
                    } catch {
                        return nil
                    }
                    let elapsed = ContinuousClock.now - begin
                    return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                }
            }
            var all: [Double] = []
            for await latency in group { if let latency { all.append(latency) } }
            return all.sorted()
        }
        func percentile(_ p: Double) -> String {
            guard !latencies.isEmpty else { return "-" }
            return String(format: "%.1f", latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))])
        }
        return Measured(count: latencies.count, matched: latencies.count, p50: percentile(0.5), p99: percentile(0.99))
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.2f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// The part of a target the simulated devices read.
struct ReleaseOnly: Decodable {
    struct App: Decodable { var release: String }
    var apps: [String: App]
}

/// What the simulated devices have fetched.
actor Board {
    private var releases: [String]
    private var pollingWith: [String]
    private(set) var connected = 0
    private(set) var etag: String?

    init(count: Int) {
        releases = Array(repeating: "", count: count)
        pollingWith = Array(repeating: "", count: count)
    }

    func polling(index: Int, release: String) { pollingWith[index] = release }

    /// Set when the long-poll phase is over; devices leave after their current request.
    private(set) var stopping = false

    func stop() { stopping = true }

    /// Waits until every device is waiting on the server with `release` in hand.
    func waitUntilPolling(release: String, timeout: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while pollingWith.contains(where: { $0 != release }) {
            guard ContinuousClock.now < deadline else { throw ValidationError("not every device is polling again") }
            try await Task.sleep(for: .milliseconds(10))
        }
        // The request leaves the device a moment after it is counted.
        try await Task.sleep(for: .milliseconds(500))
    }

    func connect() { connected += 1 }

    /// Channels that were lost and opened again.
    private(set) var reconnects = 0

    func reconnected() { reconnects += 1 }

    /// Waits until `count` devices have opened their channel.
    func waitUntilConnected(_ count: Int, timeout: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while connected < count {
            guard ContinuousClock.now < deadline else { throw ValidationError("only \(connected) of \(count) channels opened in \(Int(timeout)) s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func fetched(index: Int, release: String, etag: String?) {
        releases[index] = release
        self.etag = etag
    }

    func waitUntil(release: String, timeout: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while releases.contains(where: { $0 != release }) {
            guard ContinuousClock.now < deadline else {
                throw ValidationError("only \(releases.filter { $0 == release }.count) of \(releases.count) devices fetched \(release) in \(Int(timeout)) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
