import DroverModel
import Foundation
import SQLKit

/// Devices' metrics: per-minute history and the newest sample.
extension SQLStore {
    public func foldMetrics(device uuid: String, _ samples: [API.MetricSample], keepSince: Double) async throws(ServerError) {
        guard let newest = samples.max(by: { $0.time < $1.time }) else { return }
        let latest = String(decoding: try Self.encode(newest), as: UTF8.self)
        let now = Self.now
        let minutes = Set(samples.filter { MetricFold.inWindow($0.time, now: now) }.map { Int64(MetricFold.minute(of: $0.time)) })
        try await transaction { db in
            var existing: [Double: API.MetricMinute] = [:]
            if let first = minutes.min(), let last = minutes.max() {
                let rows = try await db.raw(
                    """
                    SELECT * FROM metric_minutes WHERE device_uuid = \(bind: uuid) AND minute >= \(bind: first) AND minute <= \(bind: last)
                    """
                ).all()
                for row in rows {
                    let minute = try Self.metricMinute(row)
                    existing[minute.minute] = minute
                }
            }
            for row in MetricFold.fold(samples, into: existing, now: now) {
                try await db.raw(
                    """
                    INSERT INTO metric_minutes (device_uuid, minute, samples, cpu, memory_used, memory_total, state_disk_used, engine_disk_used,
                      temperature)
                    VALUES (\(bind: uuid), \(bind: Int64(row.minute)), \(bind: row.samples), \(bind: row.cpu), \(bind: row.memoryUsed),
                      \(bind: row.memoryTotal), \(bind: row.stateDiskUsed), \(bind: row.engineDiskUsed), \(bind: row.temperature))
                    ON CONFLICT (device_uuid, minute) DO UPDATE SET samples = \(bind: row.samples), cpu = \(bind: row.cpu),
                      memory_used = \(bind: row.memoryUsed), memory_total = \(bind: row.memoryTotal), state_disk_used = \(bind: row.stateDiskUsed),
                      engine_disk_used = \(bind: row.engineDiskUsed), temperature = \(bind: row.temperature)
                    """
                ).run()
            }
            try await db.raw("DELETE FROM metric_minutes WHERE device_uuid = \(bind: uuid) AND minute < \(bind: Int64(keepSince))").run()
            // Samples may arrive out of order (a spool sent after newer ones): the newest by time stays.
            try await db.raw(
                """
                INSERT INTO metric_latest (device_uuid, time, sample) VALUES (\(bind: uuid), \(bind: newest.time), \(bind: latest))
                ON CONFLICT (device_uuid) DO UPDATE SET time = \(bind: newest.time), sample = \(bind: latest)
                WHERE metric_latest.time <= \(bind: newest.time)
                """
            ).run()
        }
    }

    public func pruneSilentMetrics(before: Double) async throws(ServerError) {
        try await run(
            """
            DELETE FROM metric_minutes WHERE minute < \(bind: Int64(before))
            AND device_uuid IN (SELECT device_uuid FROM metric_latest WHERE time < \(bind: before))
            """)
    }

    public func metricMinutes(device uuid: String, since: Double) async throws(ServerError) -> [API.MetricMinute] {
        try await records(
            "SELECT * FROM metric_minutes WHERE device_uuid = \(bind: uuid) AND minute >= \(bind: Int64(MetricFold.minute(of: since))) ORDER BY minute",
            Self.metricMinute(_:))
    }

    public func latestMetrics(deviceUUIDs: [String]) async throws(ServerError) -> [String: API.MetricSample] {
        // One indexed query for a single device, one scan for many.
        let query: SQLQueryString =
            deviceUUIDs.count == 1
            ? "SELECT device_uuid, sample FROM metric_latest WHERE device_uuid = \(bind: deviceUUIDs[0])" : "SELECT device_uuid, sample FROM metric_latest"
        let wanted = Set(deviceUUIDs)
        let pairs = try await records(query) { row in
            (try row.string("device_uuid"), try JSONDecoder().decode(API.MetricSample.self, from: Data(try row.string("sample").utf8)))
        }
        var out: [String: API.MetricSample] = [:]
        for (uuid, sample) in pairs where wanted.contains(uuid) { out[uuid] = sample }
        return out
    }

    static func metricMinute(_ row: any SQLRow) throws -> API.MetricMinute {
        API.MetricMinute(
            minute: Double(try row.int("minute")), samples: try row.int("samples"), cpu: try row.optionalDouble("cpu"),
            memoryUsed: try row.optionalDouble("memory_used"), memoryTotal: try row.optionalDouble("memory_total"),
            stateDiskUsed: try row.optionalDouble("state_disk_used"), engineDiskUsed: try row.optionalDouble("engine_disk_used"),
            temperature: try row.optionalDouble("temperature"))
    }

    private static func encode(_ sample: API.MetricSample) throws(ServerError) -> Data {
        do {
            return try JSONEncoder().encode(sample)
        } catch {
            throw ServerError(.storage, "a metric sample could not be encoded: \(error)")
        }
    }
}
