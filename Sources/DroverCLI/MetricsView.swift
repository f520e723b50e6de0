import DroverCLISupport
import DroverModel
import Foundation

/// How metrics read on a terminal: the figures of a device listing, and `drover device
/// metrics`. Pure functions, tested without a server.
enum MetricsView {
    /// CPU use as a listing shows it: percent of one core, `-` without a figure.
    static func cpu(_ sample: API.MetricSample?) -> String {
        sample?.cpu.map { String(format: "%.1f%%", $0) } ?? "-"
    }

    /// Memory in use of total, `1.2G/3.8G`, or `-`.
    static func memory(_ sample: API.MetricSample?) -> String {
        guard let used = sample?.memoryUsed, let total = sample?.memoryTotal else { return "-" }
        return "\(bytes(Double(used)))/\(bytes(Double(total)))"
    }

    /// The temperature, `48.2°C`, or `-` for a device without a thermal zone.
    static func temperature(_ sample: API.MetricSample?) -> String {
        sample?.temperature.map { String(format: "%.1f°C", $0) } ?? "-"
    }

    /// Bytes in binary units with one decimal: `512M`, `3.8G`.
    static func bytes(_ value: Double) -> String {
        let units = ["B", "K", "M", "G", "T", "P", "E"]
        var value = value
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value))B" : String(format: value < 10 ? "%.1f%@" : "%.0f%@", value, units[unit])
    }

    /// A duration in its two largest units: `3d4h`, `5h12m`, `42s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds)
        let (days, hours, minutes) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes)m" }
        if minutes > 0 { return "\(minutes)m\(total % 60)s" }
        return "\(total)s"
    }

    /// `drover device metrics`: the newest sample, its containers, and the last minutes of history.
    static func sheet(_ metrics: API.DeviceMetrics, now: Date = Date(), minutes: Int = 10) -> String {
        guard let latest = metrics.latest else { return "no metrics from \(metrics.device) yet" }
        func disk(_ usage: API.DiskUsage?) -> String {
            usage.map { "\(bytes(Double($0.used))) of \(bytes(Double($0.total)))" } ?? ""
        }
        var text = TerminalOutput.sheet([
            ("device", metrics.device),
            ("sampled", TerminalOutput.ago(Date(timeIntervalSince1970: latest.time), now: now)),
            ("cpu", latest.cpu.map { String(format: "%.1f%% of one core", $0) } ?? ""),
            ("memory", latest.memoryUsed.flatMap { used in latest.memoryTotal.map { "\(bytes(Double(used))) of \(bytes(Double($0)))" } } ?? ""),
            ("state disk", disk(latest.stateDisk)),
            ("engine disk", disk(latest.engineDisk)),
            ("temperature", latest.temperature.map { String(format: "%.1f°C", $0) } ?? ""),
            ("uptime", latest.uptime.map(duration) ?? ""),
            ("history", "\(metrics.history.count) minutes"),
        ])
        if let containers = latest.containers, !containers.isEmpty {
            text += "\n\n"
            text += TerminalOutput.table(
                ["APP", "SERVICE", "CPU", "MEM"],
                containers.map { [$0.app, $0.service, String(format: "%.1f%%", $0.cpu), bytes(Double($0.memory))] })
        }
        let recent = metrics.history.suffix(minutes)
        if !recent.isEmpty {
            text += "\n\n"
            text += TerminalOutput.table(
                ["MINUTE", "SAMPLES", "CPU", "MEM", "TEMP"],
                recent.map { minute in
                    [
                        TerminalOutput.ago(Date(timeIntervalSince1970: minute.minute), now: now), "\(minute.samples)",
                        minute.cpu.map { String(format: "%.1f%%", $0) } ?? "-", minute.memoryUsed.map(bytes) ?? "-",
                        minute.temperature.map { String(format: "%.1f°C", $0) } ?? "-",
                    ]
                })
        }
        return text
    }
}
