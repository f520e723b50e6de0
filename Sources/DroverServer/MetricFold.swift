import DroverModel

/// How samples become a device's history: each sample is folded into the minute it was taken
/// in, as a running average of the samples in that minute, so a day costs 1,440 rows at most
/// whatever the sampling interval. Pure, so its arithmetic is tested without a store.
enum MetricFold {
    /// A day of history.
    static let windowSeconds = 86_400.0
    /// How far ahead of the server's clock a sample may be and still count (clock skew).
    static let skewSeconds = 300.0

    /// The start of the minute `time` falls in.
    static func minute(of time: Double) -> Double { (time / 60).rounded(.down) * 60 }

    /// Whether a sample taken at `time` belongs in the history kept at `now`.
    static func inWindow(_ time: Double, now: Double) -> Bool {
        time >= now - windowSeconds && time <= now + skewSeconds
    }

    /// `existing` minutes (by their start) with `samples` folded in; returns only the minutes
    /// that changed. Samples outside the window at `now` are left out.
    static func fold(_ samples: [API.MetricSample], into existing: [Double: API.MetricMinute], now: Double) -> [API.MetricMinute] {
        var changed: [Double: API.MetricMinute] = [:]
        for sample in samples where inWindow(sample.time, now: now) {
            let start = minute(of: sample.time)
            let row = changed[start] ?? existing[start] ?? API.MetricMinute(minute: start, samples: 0)
            changed[start] = fold(sample, into: row)
        }
        return changed.values.sorted { $0.minute < $1.minute }
    }

    /// One sample folded into its minute: each figure's average over the minute's samples that
    /// had it; memory total is the newest figure.
    static func fold(_ sample: API.MetricSample, into row: API.MetricMinute) -> API.MetricMinute {
        var row = row
        let weight = Double(row.samples)
        func average(_ old: Double?, _ new: Double?) -> Double? {
            guard let new else { return old }
            guard let old else { return new }
            return (old * weight + new) / (weight + 1)
        }
        row.cpu = average(row.cpu, sample.cpu)
        row.memoryUsed = average(row.memoryUsed, sample.memoryUsed.map(Double.init))
        row.memoryTotal = sample.memoryTotal.map(Double.init) ?? row.memoryTotal
        row.stateDiskUsed = average(row.stateDiskUsed, sample.stateDisk.map { Double($0.used) })
        row.engineDiskUsed = average(row.engineDiskUsed, sample.engineDisk.map { Double($0.used) })
        row.temperature = average(row.temperature, sample.temperature)
        row.samples += 1
        return row
    }
}
