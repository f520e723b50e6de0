import CoreMetrics
import DroverModel
import Foundation
import Prometheus
import Synchronization

/// What one server tells Prometheus about itself (`GET /metrics`): requests, devices, state
/// reports, store latency and sessions, through swift-metrics over a registry of its own.
/// The names and their help are in ``help``; the README lists them.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    let registry = PrometheusCollectorRegistry()
    /// The swift-metrics factory every metric here is made with.
    let factory: PrometheusFactory
    /// Whether each device's CPU, memory and temperature are exported (`--export-device-metrics`).
    public let exportsDevices: Bool
    /// The per-device gauges set at the last scrape, by metric, device and name.
    private let deviceGauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    /// State reports accepted.
    let reports: CoreMetrics.Counter

    /// Every metric's name and help text.
    static let help: [String: String] = [
        "drover_http_requests_total": "HTTP requests answered, by route pattern, method and status code.",
        "drover_http_request_duration_seconds": "Time to answer an HTTP request, by route pattern and method.",
        "drover_device_channels_connected": "Devices holding their channel (WebSocket) to this server.",
        "drover_device_long_polls_waiting": "Device target requests held by this server until the target changes (long-poll).",
        "drover_devices": "Devices by status, in every organisation.",
        "drover_devices_online": "Devices heard from within the online grace period.",
        "drover_state_reports_total": "State reports accepted from devices.",
        "drover_store_operation_duration_seconds": "Time the store took for one read, write or transaction, waiting for the writer included.",
        "drover_sessions_open": "Remote sessions open through this server, by kind.",
        "drover_device_cpu_percent": "A device's CPU use at its newest sample, percent of one core.",
        "drover_device_memory_used_bytes": "A device's memory in use at its newest sample.",
        "drover_device_memory_total_bytes": "A device's memory in all.",
        "drover_device_temperature_celsius": "A device's hottest thermal zone at its newest sample.",
    ]

    /// The kinds of session `drover_sessions_open` counts.
    public enum SessionKind: String, Sendable, CaseIterable {
        /// `drover ssh`.
        case terminal
        /// `drover tunnel`.
        case tunnel
    }

    /// A server's metrics; per-device gauges only when `exportDevices`.
    public init(exportDevices: Bool = false) {
        factory = PrometheusFactory(registry: registry, help: Self.help)
        exportsDevices = exportDevices
        reports = CoreMetrics.Counter(label: "drover_state_reports_total", factory: factory)
        for kind in SessionKind.allCases { _ = session(kind) }
    }

    /// The gauge of open sessions of one kind, to raise when a session opens and lower when it ends.
    public func session(_ kind: SessionKind) -> Meter {
        Meter(label: "drover_sessions_open", dimensions: [("kind", kind.rawValue)], factory: factory)
    }

    /// Counts one answered request and its latency under its route pattern (not its path, so
    /// the series stay few).
    func request(route: String, method: String, status: Int, duration: Duration) {
        CoreMetrics.Counter(
            label: "drover_http_requests_total", dimensions: [("route", route), ("method", method), ("code", String(status))], factory: factory
        ).increment()
        CoreMetrics.Timer(label: "drover_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Records how long one store operation took.
    @Sendable func store(_ operation: StoreOperation, took duration: Duration) {
        CoreMetrics.Timer(label: "drover_store_operation_duration_seconds", dimensions: [("operation", operation.rawValue)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Sets the gauges read at scrape time.
    func refresh(channels: Int, longPolls: Int, statuses: [API.DeviceStatus: Int], online: Int) {
        CoreMetrics.Gauge(label: "drover_device_channels_connected", factory: factory).record(channels)
        CoreMetrics.Gauge(label: "drover_device_long_polls_waiting", factory: factory).record(longPolls)
        for status in API.DeviceStatus.allCases {
            CoreMetrics.Gauge(label: "drover_devices", dimensions: [("status", status.rawValue)], factory: factory).record(statuses[status] ?? 0)
        }
        CoreMetrics.Gauge(label: "drover_devices_online", factory: factory).record(online)
    }

    /// Sets each device's gauges from its newest sample, and removes those of devices that
    /// are gone, renamed or without that figure now.
    func refresh(devices: [(uuid: String, name: String, sample: API.MetricSample)]) {
        var fresh: [String: CoreMetrics.Gauge] = [:]
        for device in devices {
            let labels = [("device", device.uuid), ("name", device.name)]
            let figures: [(String, Double?)] = [
                ("drover_device_cpu_percent", device.sample.cpu), ("drover_device_memory_used_bytes", device.sample.memoryUsed.map(Double.init)),
                ("drover_device_memory_total_bytes", device.sample.memoryTotal.map(Double.init)),
                ("drover_device_temperature_celsius", device.sample.temperature),
            ]
            for case let (metric, value?) in figures {
                let gauge = CoreMetrics.Gauge(label: metric, dimensions: labels, factory: factory)
                gauge.record(value)
                fresh[[metric, device.uuid, device.name].joined(separator: "\u{0}")] = gauge
            }
        }
        let stale = deviceGauges.withLock { known in
            defer { known = fresh }
            return known.filter { fresh[$0.key] == nil }.map(\.value)
        }
        for gauge in stale { gauge.destroy() }
    }

    /// The Prometheus text exposition of every metric.
    func render() -> String { registry.emitToString() }
}

/// The kinds of store call timed.
public enum StoreOperation: String, Sendable {
    /// A query on a reading connection.
    case read
    /// One writing statement.
    case write
    /// A transaction on the writer.
    case transaction
}
