import DroverModel
import Foundation
import Testing

@testable import DroverCLI

/// How metrics read in `drover device list` and `drover device metrics`.
@Suite("device metrics text")
struct MetricsViewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let sample = API.MetricSample(
        time: 1_800_000_000 - 7, cpu: 123.45, memoryUsed: 1_288_490_189, memoryTotal: 4_080_218_931,
        stateDisk: API.DiskUsage(used: 5 << 30, total: 29 << 30), engineDisk: API.DiskUsage(used: 12 << 30, total: 29 << 30), temperature: 48.25,
        uptime: 3 * 86_400 + 4 * 3_600 + 5, containers: [API.ContainerSample(app: "lobby", service: "web", cpu: 2.5, memory: 64 << 20)])

    @Test("device list shows CPU, MEM and TEMP from the newest sample, and - without one")
    func listColumns() throws {
        var device = DeviceViewTests.device(.running)
        device.metrics = Self.sample
        let row = try DeviceViewTests.row(device)
        #expect(row["CPU"] == "123.5%" && row["MEM"] == "1.2G/3.8G" && row["TEMP"] == "48.2°C")
        device.metrics = API.MetricSample(time: 1, memoryUsed: 1 << 29, memoryTotal: 1 << 30)
        let partial = try DeviceViewTests.row(device)
        #expect(partial["CPU"] == "-" && partial["MEM"] == "512M/1.0G" && partial["TEMP"] == "-")
        device.metrics = nil
        let none = try DeviceViewTests.row(device)
        #expect(none["CPU"] == "-" && none["MEM"] == "-" && none["TEMP"] == "-")
    }

    @Test("device metrics shows the newest figures, the containers and the last minutes")
    func sheet() {
        let history = (0..<12).map { API.MetricMinute(minute: 1_800_000_000 - Double(12 - $0) * 60, samples: 6, cpu: Double($0), memoryUsed: 1e9) }
        let text = MetricsView.sheet(API.DeviceMetrics(device: "abc", latest: Self.sample, history: history), now: Self.now)
        for expected in [
            "sampled:     7s ago", "cpu:         123.5% of one core", "memory:      1.2G of 3.8G", "state disk:  5.0G of 29G", "engine disk: 12G of 29G",
            "temperature: 48.2°C", "uptime:      3d4h", "history:     12 minutes", "lobby  web", "64M",
        ] {
            #expect(text.contains(expected), "missing '\(expected)' in\n\(text)")
        }
        // The last ten minutes, oldest first.
        #expect(text.contains("10m ago") && !text.contains("11m ago") && text.contains("1m ago"))
        #expect(MetricsView.sheet(API.DeviceMetrics(device: "abc", latest: nil, history: []), now: Self.now) == "no metrics from abc yet")
    }
}
