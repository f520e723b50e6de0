extension API.Limits {
    /// Samples in one metrics batch: an hour at the default 10 s interval.
    public static let metricBatchSamples = 360
    /// Containers in one sample.
    public static let sampledContainers = reportedServices
    /// The most CPU one sample may claim, percent of one core: 8,192 cores (Linux's limit) at 100 %.
    public static let cpuPercent = 819_200.0
    /// The most bytes of memory or disk a sample may claim: 2^60 bytes (1 EiB), far past any
    /// device, and exact as a Double (the history averages in Doubles).
    public static let metricBytes: Int64 = 1 << 60
    /// The temperatures a sample may claim, degrees Celsius: what a thermal zone can read.
    public static let temperature: ClosedRange<Double> = -273.15...1_000
    /// The longest uptime a sample may claim: 200 years in seconds.
    public static let uptimeSeconds = 200.0 * 365.25 * 86_400
    /// The times a sample may carry: 1970 to the year 9999, seconds since 1970.
    public static let sampleTime: ClosedRange<Double> = 0...253_402_300_799
}

extension API.MetricBatch {
    /// The first figure out of range, as `body: samples[I].FIELD: why`, or nil when every
    /// figure is plausible. NaN and infinities, negative figures, used above total and values
    /// past ``API/Limits`` are out of range.
    public func problem() -> String? {
        guard samples.count <= API.Limits.metricBatchSamples else {
            return "body: samples holds \(samples.count) samples; a batch holds at most \(API.Limits.metricBatchSamples)"
        }
        for (index, sample) in samples.enumerated() {
            if let problem = sample.problem() { return "body: samples[\(index)].\(problem)" }
        }
        return nil
    }
}

extension API.MetricSample {
    /// The first figure out of range, as `FIELD: why`, or nil.
    public func problem() -> String? {
        if let problem = Self.check(time, "time", within: API.Limits.sampleTime) { return problem }
        if let cpu, let problem = Self.check(cpu, "cpu", within: 0...API.Limits.cpuPercent) { return problem }
        if let problem = Self.check(used: memoryUsed, total: memoryTotal, "memoryUsed", "memoryTotal") { return problem }
        if let problem = Self.check(used: stateDisk?.used, total: stateDisk?.total, "stateDisk.used", "stateDisk.total") { return problem }
        if let problem = Self.check(used: engineDisk?.used, total: engineDisk?.total, "engineDisk.used", "engineDisk.total") { return problem }
        if let temperature, let problem = Self.check(temperature, "temperature", within: API.Limits.temperature) { return problem }
        if let uptime, let problem = Self.check(uptime, "uptime", within: 0...API.Limits.uptimeSeconds) { return problem }
        guard let containers else { return nil }
        guard containers.count <= API.Limits.sampledContainers else {
            return "containers holds \(containers.count) containers; at most \(API.Limits.sampledContainers)"
        }
        for (index, container) in containers.enumerated() {
            for (field, text) in [("app", container.app), ("service", container.service)] {
                guard text.utf8.count <= API.Limits.label, !text.contains("\u{0}") else {
                    return "containers[\(index)].\(field): at most \(API.Limits.label) bytes, without NUL"
                }
            }
            if let problem = Self.check(container.cpu, "containers[\(index)].cpu", within: 0...API.Limits.cpuPercent) { return problem }
            if let problem = Self.check(bytes: container.memory, "containers[\(index)].memory") { return problem }
        }
        return nil
    }

    private static func check(_ value: Double, _ field: String, within range: ClosedRange<Double>) -> String? {
        guard value.isFinite else { return "\(field): must be a finite number" }
        guard range.contains(value) else { return "\(field): \(value) is out of range (\(range.lowerBound) to \(range.upperBound))" }
        return nil
    }

    private static func check(bytes: Int64, _ field: String) -> String? {
        guard (0...API.Limits.metricBytes).contains(bytes) else { return "\(field): \(bytes) is out of range (0 to \(API.Limits.metricBytes) bytes)" }
        return nil
    }

    private static func check(used: Int64?, total: Int64?, _ usedField: String, _ totalField: String) -> String? {
        if let used, let problem = check(bytes: used, usedField) { return problem }
        if let total, let problem = check(bytes: total, totalField) { return problem }
        if let used, let total, used > total { return "\(usedField): \(used) is more than \(totalField) \(total)" }
        return nil
    }
}
