import DroverModel
import Foundation

/// One log line waiting to be shipped, with the container it came from.
struct SpooledLine: Codable, Sendable {
    var container: String
    var entry: API.LogEntry
}

/// Log lines waiting to reach the server.
typealias LogSpool = Spool<SpooledLine>

/// Items waiting to reach the server (log lines, metric samples): kept in memory while the
/// link is up, spilled to a JSON-lines file in the state directory while it is down, capped
/// in bytes with the oldest items evicted first. Counts what it had to drop.
actor Spool<Item: Codable & Sendable> {
    private let file: String
    private let capBytes: Int
    private let memoryLimit: Int
    private var memory: [Item] = []
    private(set) var dropped = 0

    /// A spool over `file`; more than `memoryLimit` items in memory are spilled to disk.
    init(file: String, capBytes: Int, memoryLimit: Int = 5_000) {
        self.file = file
        self.capBytes = capBytes
        self.memoryLimit = memoryLimit
    }

    func append(_ item: Item) {
        memory.append(item)
        if memory.count > memoryLimit { spill() }
    }

    var isEmpty: Bool { memory.isEmpty && !FileManager.default.fileExists(atPath: file) }

    /// Takes up to `limit` of the oldest items (disk first), without removing them.
    func peek(limit: Int) -> [Item] {
        Array((readDisk() + memory).prefix(limit))
    }

    /// Every item, oldest first.
    var all: [Item] { readDisk() + memory }

    /// Removes the `count` oldest items after they were delivered.
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

    /// Moves the in-memory items to disk (the server is away), evicting the oldest over the cap.
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

    private func readDisk() -> [Item] {
        guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else { return [] }
        let decoder = JSONDecoder()
        // A line torn by a power cut is skipped; the rest are kept.
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Item.self, from: Data($0)) }
    }

    private func writeDisk(_ items: [Item]) {
        if items.isEmpty {
            try? FileManager.default.removeItem(atPath: file)
            return
        }
        let encoder = JSONEncoder()
        var data = Data()
        for item in items {
            guard let encoded = try? encoder.encode(item) else { continue }
            data.append(encoded)
            data.append(UInt8(ascii: "\n"))
        }
        let directory = (file as NSString).deletingLastPathComponent
        try? StateDirectory(path: directory).write((file as NSString).lastPathComponent, data)
    }
}

extension Spool where Item == SpooledLine {
    /// The newest timestamp spooled (on disk or in memory) per container.
    func newestPerContainer() -> [String: String] {
        var newest: [String: String] = [:]
        for line in all where line.entry.timestamp > newest[line.container, default: ""] {
            newest[line.container] = line.entry.timestamp
        }
        return newest
    }
}
