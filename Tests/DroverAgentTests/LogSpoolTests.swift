import DroverModel
import Foundation
import Testing

@testable import DroverAgent

@Suite("Log spool")
struct LogSpoolTests {
    func line(_ n: Int, container: String = "c1") -> SpooledLine {
        SpooledLine(
            container: container,
            entry: API.LogEntry(timestamp: String(format: "2026-01-01T00:00:%02d.000000000Z", n), service: "s", stream: .stdout, message: "line \(n)"))
    }

    @Test("lines spilled to disk survive a new spool on the same file, oldest first")
    func spillSurvives() async throws {
        let file = NSTemporaryDirectory() + "spool-\(UUID().uuidString).jsonl"
        let spool = LogSpool(file: file, capBytes: 1 << 20)
        for n in 1...3 { await spool.append(line(n)) }
        await spool.spill()
        await spool.append(line(4))
        // The agent restarts: memory is gone, the file is not.
        let again = LogSpool(file: file, capBytes: 1 << 20)
        #expect(await again.peek(limit: 10).map(\.entry.message) == ["line 1", "line 2", "line 3"])
        #expect(await again.newestPerContainer() == ["c1": "2026-01-01T00:00:03.000000000Z"])
        await again.remove(count: 2)
        #expect(await again.peek(limit: 10).map(\.entry.message) == ["line 3"])
    }

    @Test("over the cap the oldest lines are evicted and counted")
    func capEvictsOldest() async throws {
        let file = NSTemporaryDirectory() + "spool-\(UUID().uuidString).jsonl"
        let oneLine = try JSONEncoder().encode(line(1)).count + 1
        let spool = LogSpool(file: file, capBytes: oneLine * 5)
        for n in 1...8 { await spool.append(line(n)) }
        await spool.spill()
        #expect(await spool.peek(limit: 100).map(\.entry.message) == ["line 4", "line 5", "line 6", "line 7", "line 8"])
        #expect(await spool.resetDropped() == 3)
        #expect(await spool.resetDropped() == 0)
    }

    @Test("engine timestamps with trimmed fractions compare correctly once normalised")
    func timestamps() {
        let short = LogShipper.normalized("2026-11-24T06:49:29.4292Z")
        let long = LogShipper.normalized("2026-11-24T06:49:29.42921Z")
        #expect(short == "2026-11-24T06:49:29.429200000Z")
        #expect(short < long)
        #expect(LogShipper.normalized("2026-11-24T06:49:29Z") == "2026-11-24T06:49:29Z")
    }

    @Test("a log cursor's timestamp gives the second to resume the engine's log stream from, the same as Foundation reads it")
    func resumeSecond() throws {
        let reference = ISO8601DateFormatter()
        for stamp in ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59.5Z", "2026-11-26T08:54:09.4292Z", "2100-03-01T00:00:01.000000001Z", "1999-12-31T12:30:45Z"] {
            let whole = String(stamp.prefix(19)) + "Z"
            let expected = try #require(reference.date(from: whole)).timeIntervalSince1970
            #expect(LogShipper.unixSeconds(stamp) == expected, "\(stamp)")
        }
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-26 08:54:09Z", "2026-11-26T8:54:09Z", "2026-11-26T08:61:09Z"] {
            #expect(LogShipper.unixSeconds(bad) == nil, "\(bad)")
        }
    }
}
