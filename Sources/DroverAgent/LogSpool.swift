import DroverModel
import Foundation

/// One log line waiting to be shipped, with the container it came from.
struct SpooledLine: Codable, Sendable {
    var container: String
    var entry: API.LogEntry
}

/// Log lines waiting to reach the server: kept in memory while the link is up, spilled to a
/// file in the state directory while it is down, capped in bytes with the oldest lines
/// evicted first. Counts what it had to drop, for the next state report.
actor LogSpool {
    private let file: String
    private let capBytes: Int
    private var memory: [SpooledLine] = []
    private(set) var dropped = 0

    init(file: String, capBytes: Int) {
        self.file = file
        self.capBytes = capBytes
    }

    func append(_ line: SpooledLine) {
        memory.append(line)
        if memory.count > 5_000 { spill() }
    }

    var isEmpty: Bool { memory.isEmpty && !FileManager.default.fileExists(atPath: file) }

    /// Takes up to `limit` of the oldest lines (disk first), without removing them.
    func peek(limit: Int) -> [SpooledLine] {
        Array((readDisk() + memory).prefix(limit))
    }

    /// The newest timestamp spooled (on disk or in memory) per container.
    func newestPerContainer() -> [String: String] {
        var newest: [String: String] = [:]
        for line in readDisk() + memory where line.entry.timestamp > newest[line.container, default: ""] {
            newest[line.container] = line.entry.timestamp
        }
        return newest
    }

    /// Removes the `count` oldest lines after they were delivered.
    func remove(count: Int) {
        var remaining = count
        var onDisk = readDisk()
        if !onDisk.isEmpty {
            let fromDisk = min(remaining, onDisk.count)
            onDisk.removeFirst(fromDisk)
            remaining -= fromDisk
            writeDisk(onDisk)
        }
        memory.removeFirst(min(remaining, memory.count))
    }

    /// Moves the in-memory lines to disk (the server is away), evicting the oldest over the cap.
    func spill() {
        guard !memory.isEmpty else { return }
        var all = readDisk() + memory
        memory.removeAll()
        let encoder = JSONEncoder()
        var sizes = all.map { ((try? encoder.encode($0))?.count ?? 0) + 1 }
        var total = sizes.reduce(0, +)
        var evict = 0
        while total > capBytes && evict < all.count {
            total -= sizes[evict]
            evict += 1
        }
        if evict > 0 {
            dropped += evict
            all.removeFirst(evict)
            sizes.removeFirst(evict)
        }
        writeDisk(all)
    }

    func resetDropped() -> Int {
        defer { dropped = 0 }
        return dropped
    }

    private func readDisk() -> [SpooledLine] {
        guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else { return [] }
        let decoder = JSONDecoder()
        // A line torn by a power cut is skipped; the rest are kept.
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(SpooledLine.self, from: Data($0)) }
    }

    private func writeDisk(_ lines: [SpooledLine]) {
        if lines.isEmpty {
            try? FileManager.default.removeItem(atPath: file)
            return
        }
        let encoder = JSONEncoder()
        var data = Data()
        for line in lines {
            guard let encoded = try? encoder.encode(line) else { continue }
            data.append(encoded)
            data.append(UInt8(ascii: "\n"))
        }
        let directory = (file as NSString).deletingLastPathComponent
        try? StateDirectory(path: directory).write((file as NSString).lastPathComponent, data)
    }
}
