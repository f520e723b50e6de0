import DockerEngine
import DroverClient
import DroverModel
import Foundation
import Logging

/// Ships container logs to the server: follows each running container's log (and reads a
/// stopped one to its end once), keeps the lines in a ``LogSpool`` (spilled to disk while the
/// server is away), and sends them in batches. How far each container's log reached the
/// server is kept in `log-cursors.json`, so after a restart nothing is sent twice or lost.
actor LogShipper {
    let api: DroverAPIClient
    let engine: DockerClient
    let state: StateDirectory
    let spool: LogSpool
    let logger: Logger
    /// Where each line also goes as it is read, for live watchers.
    let live: LiveLogFeed
    private var followers: [String: Task<Void, Never>] = [:]
    /// Where each container's log was read up to: what reached the server, or waits in the spool.
    private var cursors: [String: String] = [:]
    /// Where each container's log reached the server.
    private var delivered: [String: String] = [:]
    /// Stopped containers read to their end.
    private var drained: Set<String> = []

    init(api: DroverAPIClient, engine: DockerClient, state: StateDirectory, capBytes: Int, logger: Logger, live: LiveLogFeed = LiveLogFeed()) {
        self.live = live
        self.api = api
        self.engine = engine
        self.state = state
        self.logger = logger
        spool = LogSpool(file: (state.path as NSString).appendingPathComponent("log-spool.jsonl"), capBytes: capBytes)
    }

    /// Reads the cursors saved by the last run; before the first ``follow(_:)``.
    func restore() async {
        do {
            if let data = try state.read("log-cursors.json") { cursors = try JSONDecoder().decode([String: String].self, from: data) }
        } catch {
            logger.warning("log cursors unreadable; container logs are read from their start", metadata: ["error": "\(error)"])
        }
        delivered = cursors
        for (container, newest) in await spool.newestPerContainer() where newest > cursors[container, default: ""] {
            cursors[container] = newest
        }
    }

    /// Stops following every container.
    func stop() {
        for task in followers.values { task.cancel() }
        followers = [:]
    }

    /// Log lines dropped (the spool was full) since the last call.
    func takeDropped() async -> Int {
        await spool.resetDropped()
    }

    /// Follows the logs of what runs now: a follower for each new running container, a
    /// single read of each stopped one, and none for containers that are gone.
    func follow(_ statuses: [ServiceStatus]) {
        let containers = Dictionary(statuses.map { ($0.containerID, ($0.service, $0.state == .running)) }, uniquingKeysWith: { a, _ in a })
        for (id, task) in followers where containers[id] == nil {
            task.cancel()
            followers[id] = nil
        }
        drained = drained.filter { containers[$0]?.1 == false }
        cursors = cursors.filter { containers[$0.key] != nil || followers[$0.key] != nil }
        for (id, (service, running)) in containers where followers[id] == nil && !drained.contains(id) {
            let since = cursors[id].flatMap(Self.unixSeconds)
            if !running { drained.insert(id) }
            followers[id] = Task { await self.read(id, service: service, follow: running, since: since.map { Int64($0) }) }
        }
    }

    private func read(_ id: String, service: String, follow: Bool, since: Int64?) async {
        do {
            for try await line in try await engine.containerLogs(id, follow: follow, timestamps: true, since: since) {
                let timestamp = Self.normalized(line.timestamp ?? "")
                if let cursor = cursors[id], timestamp <= cursor { continue }
                let entry = API.LogEntry(timestamp: timestamp, service: service, stream: line.stream == .stderr ? .stderr : .stdout, message: line.text)
                live.publish(entry)
                await spool.append(SpooledLine(container: id, entry: entry))
                cursors[id] = timestamp
            }
        } catch {
            // The container stopped or the engine restarted; the next round starts a new follower.
        }
        followers[id] = nil
    }

    /// Sends the spool's oldest lines in batches until cancelled.
    func ship() async {
        while !Task.isCancelled {
            let batch = await spool.peek(limit: API.Limits.logBatchLines)
            if batch.isEmpty {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            do {
                try await api.sendLogs(batch.map { $0.entry.clipped() })
                await spool.remove(count: batch.count)
                arrived(batch)
            } catch  where error.isRefusal {
                // A batch the server refuses would be sent forever and hold back every later line.
                logger.warning("the server refused a log batch; dropping it", metadata: ["lines": "\(batch.count)", "error": "\(error)"])
                await spool.remove(count: batch.count)
                arrived(batch)
            } catch {
                await spool.spill()
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// Persists how far each container's log has reached the server. Lines read but still in
    /// the spool are found again in the spool file after a restart, so nothing is lost or sent twice.
    private func arrived(_ lines: [SpooledLine]) {
        for line in lines where line.entry.timestamp > delivered[line.container, default: ""] {
            delivered[line.container] = line.entry.timestamp
        }
        delivered = delivered.filter { cursors[$0.key] != nil }
        do {
            try state.write("log-cursors.json", JSONEncoder().encode(delivered))
        } catch {
            logger.info("cannot save log cursors; lines may be sent again after a restart", metadata: ["error": "\(error)"])
        }
    }

    /// The engine writes RFC 3339 with trailing zeros of the fraction trimmed (`…:29.4292Z`);
    /// padded to nine digits, timestamps compare correctly as text.
    static func normalized(_ timestamp: String) -> String {
        guard timestamp.hasSuffix("Z"), let dot = timestamp.firstIndex(of: ".") else { return timestamp }
        let fraction = timestamp[timestamp.index(after: dot)..<timestamp.index(before: timestamp.endIndex)]
        guard fraction.count < 9 else { return timestamp }
        return String(timestamp[...dot]) + fraction + String(repeating: "0", count: 9 - fraction.count) + "Z"
    }

    /// The whole seconds since 1970 of an engine timestamp (`2026-11-26T08:54:09.4292Z`), or
    /// nil when it is not one. Only whole seconds are needed: lines at or before the cursor are
    /// skipped by text. Parsed by hand: a date formatter would map ICU into the agent for good.
    static func unixSeconds(_ rfc3339: String) -> Double? {
        let bytes = Array(rfc3339.utf8.prefix(19))
        guard bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 61
        else { return nil }
        // Days from 1970-01-01 to the civil date (proleptic Gregorian calendar).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second)
    }
}
