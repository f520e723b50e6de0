import Foundation

/// Parsers of the kernel's text files the agent samples: pure, so each is tested on text.
enum HostReadings {
    /// The CPU counters of `/proc/stat`'s first line, in jiffies, and how many cores it lists.
    struct CPUTimes: Sendable, Equatable {
        /// Jiffies spent on anything but idle and I/O wait.
        var busy: UInt64
        /// All jiffies.
        var total: UInt64
        /// `cpuN` lines.
        var cores: Int
    }

    /// Reads `/proc/stat`: `cpu  user nice system idle iowait irq softirq steal guest guest_nice`.
    /// Guest time is already counted in user and nice, so it is left out of the total.
    static func cpuTimes(_ text: String) -> CPUTimes? {
        var times: CPUTimes?
        var cores = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = fields.first else { continue }
            if name == "cpu" {
                let values = fields.dropFirst().prefix(8).compactMap { UInt64($0) }
                guard values.count >= 4 else { return nil }
                let total = values.reduce(0, &+)
                let idle = values[3] &+ (values.count > 4 ? values[4] : 0)
                times = CPUTimes(busy: total &- idle, total: total, cores: 0)
            } else if name.hasPrefix("cpu"), name.dropFirst(3).allSatisfy(\.isNumber) {
                cores += 1
            }
        }
        times?.cores = max(cores, 1)
        return times
    }

    /// CPU use between two readings, in percent of one core over all cores (0 to 100 × cores);
    /// nil when the counters did not move forward (the first reading, or a wrap).
    static func cpuPercent(from earlier: CPUTimes, to later: CPUTimes) -> Double? {
        guard later.total > earlier.total, later.busy >= earlier.busy else { return nil }
        let share = Double(later.busy - earlier.busy) / Double(later.total - earlier.total)
        return min(max(share, 0), 1) * 100 * Double(later.cores)
    }

    /// Memory total and in use (total less available) from `/proc/meminfo`, bytes.
    static func memory(_ text: String) -> (used: Int64, total: Int64)? {
        var total: Int64?
        var available: Int64?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Int64(fields[1]), kibibytes >= 0, kibibytes < Int64.max / 1024 else { continue }
            switch fields[0] {
            case "MemTotal:": total = kibibytes * 1024
            case "MemAvailable:": available = kibibytes * 1024
            default: continue
            }
        }
        guard let total, let available else { return nil }
        return (max(total - min(available, total), 0), total)
    }

    /// Seconds since boot: the first figure of `/proc/uptime`.
    static func uptime(_ text: String) -> Double? {
        guard let first = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).first, let seconds = Double(first), seconds.isFinite,
            seconds >= 0
        else { return nil }
        return seconds
    }

    /// Degrees Celsius from a thermal zone's `temp` (millidegrees); nil for what is not one.
    static func temperature(_ text: String) -> Double? {
        guard let milli = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        let celsius = Double(milli) / 1000
        return (-273.15...1000).contains(celsius) ? celsius : nil
    }

    /// The metrics interval a device's `DROVER_METRICS_INTERVAL` asks for, in seconds, or why it
    /// is refused: whole or fractional seconds from 1 to 3600.
    static func interval(_ text: String) -> Result<Double, IntervalProblem> {
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite else {
            return .failure(IntervalProblem(value: text))
        }
        guard (1...3600).contains(seconds) else { return .failure(IntervalProblem(value: text)) }
        return .success(seconds)
    }

    /// A `DROVER_METRICS_INTERVAL` that is not a number of seconds from 1 to 3600.
    struct IntervalProblem: Error, Equatable {
        /// The value as set.
        var value: String
    }
}
