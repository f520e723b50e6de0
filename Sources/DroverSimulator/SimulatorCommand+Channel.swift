import AsyncHTTPClient
import DroverClient
import DroverModel
import Foundation
import Logging

extension SimulatorCommand {
    /// Every device holds its channel, as agents do: connected sockets, the server's CPU and
    /// RSS while they idle, and the time from a release's creation until every device has it
    /// (sent over its channel).
    func channelPhase(keys: [String], admin: DroverAPIClient, fleet: String, shards: [HTTPClient]) async throws {
        let board = Board(count: keys.count)
        let compose = { (tag: Int) in "services:\n  app:\n    image: registry.local/sim:\(tag)\n" }
        let first = try await admin.createRelease(fleet: fleet, compose: compose(1))
        var quiet = Logger(label: "drover-sim")
        quiet.logLevel = .critical
        let logger = quiet
        let server = self.server
        // The devices fetch through small pools: with a socket per device already open, a
        // connection per device besides would put both processes on this one machine at
        // 20,000 descriptors (the limit here), and the figures would be about that.
        let fetchers = shards.map { _ in
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 50
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }
        defer { Task { for fetcher in fetchers { try? await fetcher.shutdown() } } }
        let sockets = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, apiKey) in keys.enumerated() {
                    let api = DroverAPIClient(server: server, credential: apiKey, http: fetchers[index / Self.shardSize])
                    let device = ChannelDevice(index: index, api: api, board: board)
                    group.addTask {
                        // Connecting 10,000 sockets at once is a storm no fleet makes; agents
                        // start over minutes. Spread the first connections over a few seconds.
                        try? await Task.sleep(for: .milliseconds(index / 4))
                        while !Task.isCancelled {
                            _ = await DeviceChannelClient.connect(
                                server: server, credential: apiKey, logger: logger, onOpen: { _ in await device.opened() },
                                onFrame: { await device.received($0) })
                            try? await Task.sleep(for: .milliseconds(Int.random(in: 500...1500)))
                        }
                    }
                }
            }
        }
        defer { sockets.cancel() }
        try await board.waitUntil(release: first.id, timeout: 600)
        try await board.waitUntilConnected(keys.count, timeout: 600)
        print("connected sockets: \(await board.connected) (each device holding its channel, no long-poll)")

        let before = serverPid.flatMap(ServerProcess.read)
        try await Task.sleep(for: .seconds(idleSeconds))
        if let before, let after = serverPid.flatMap(ServerProcess.read) {
            let cpu = (after.cpuSeconds - before.cpuSeconds) / idleSeconds * 100
            print(String(format: "server while %d sockets idle %.0f s: CPU %.2f%% of one core, RSS %.0f MB", keys.count, idleSeconds, cpu, after.rssMB))
        }

        let releaseStart = ContinuousClock.now
        let second = try await admin.createRelease(fleet: fleet, compose: compose(2))
        try await board.waitUntil(release: second.id, timeout: 300)
        print("new release received by all \(keys.count) socket-connected devices in \(Self.format(ContinuousClock.now - releaseStart)) from its creation")
        let lost = await board.reconnects
        if lost > 0 { print("channels lost and opened again during the run: \(lost)") }
    }
}

/// One simulated device on the channel: it fetches its target when the channel opens, takes
/// the targets the server sends, and asks when the server only says that one changed.
actor ChannelDevice {
    let index: Int
    let api: DroverAPIClient
    let board: Board
    private var etag: String?
    private var opens = 0

    init(index: Int, api: DroverAPIClient, board: Board) {
        self.index = index
        self.api = api
        self.board = board
    }

    func opened() async {
        opens += 1
        if opens == 1 { await board.connect() } else { await board.reconnected() }
        await fetch()
    }

    /// A target sent over the channel is taken as it is; a notice makes the device ask.
    func received(_ frame: API.ChannelFrame) async {
        switch frame {
        case .target(let etag, let body):
            self.etag = etag
            guard let release = (try? JSONDecoder().decode(ReleaseOnly.self, from: Data(body)))?.apps.values.first?.release else { return }
            await board.fetched(index: index, release: release, etag: etag)
        case .notice: await fetch()
        case .open, .data, .stderr, .window, .eof, .close, .resize: break
        }
    }

    func fetch() async {
        guard case .changed(let body, let newETag)? = try? await api.target(knownETag: etag) else { return }
        etag = newETag
        guard let release = (try? JSONDecoder().decode(ReleaseOnly.self, from: body))?.apps.values.first?.release else { return }
        await board.fetched(index: index, release: release, etag: newETag)
    }
}

/// The server's CPU time and RSS, read from /proc (the simulator runs beside it).
struct ServerProcess {
    var cpuSeconds: Double
    var rssMB: Double

    static func read(pid: Int) -> ServerProcess? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")") ?? stat.startIndex)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        return ServerProcess(cpuSeconds: (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))), rssMB: (rss ?? 0) / 1024)
    }
}
