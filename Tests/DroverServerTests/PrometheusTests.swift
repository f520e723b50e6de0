import DroverClient
import DroverModel
import DroverServer
import DroverTestSupport
import Foundation
import Testing

/// `GET /metrics` on a live server, checked by Prometheus's own `promtool`.
@Suite("Prometheus metrics", .serialized)
struct PrometheusTests {
    /// promtool from Debian's `prometheus` package (scripts/lib.sh installs it).
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Enrols `device` in fleet `fleet`, sends one sample and one report as it, and asks for a
    /// device by its UUID and for a path no route serves; returns the device.
    static func traffic(_ api: DroverAPIClient, server: LiveServer) async throws -> API.RegisteredDevice {
        let key = try #require(try await LiveRig.fleetWithKey("prom", api: api))
        let device = try await api.enrol(API.RegisterDevice(provisioningKey: key, name: "p1", architecture: nil))
        let asDevice = DroverAPIClient(server: server.url, credential: device.apiKey)
        defer { Task { try? await asDevice.shutdown() } }
        try await asDevice.sendMetrics([
            API.MetricSample(time: Date().timeIntervalSince1970, cpu: 12.5, memoryUsed: 1 << 20, memoryTotal: 1 << 30, temperature: 47.5)
        ])
        try await asDevice.report(API.StateReport(status: .idle))
        _ = try await api.device(device.uuid)
        _ = try? await api.send(.GET, "/v1/no-such-route")
        return device
    }

    /// What the server serves at /metrics.
    static func scrape(_ server: LiveServer) async throws -> String {
        let anonymous = DroverAPIClient(server: server.url, credential: nil)
        defer { Task { try? await anonymous.shutdown() } }
        let answer = try await anonymous.send(.GET, "/metrics")
        #expect(answer.status == 200)
        return String(decoding: answer.body, as: UTF8.self)
    }

    @Test("/metrics passes promtool and counts requests by route pattern, reports, devices and sessions")
    func promtoolAccepts() async throws {
        try await withLiveServer(exportDeviceMetrics: true) { server in
            let api = await server.adminClient()
            defer { Task { try? await api.shutdown() } }
            let device = try await Self.traffic(api, server: server)
            let text = try await Self.scrape(server)

            #expect(text.contains(#"drover_http_requests_total{route="/v1/devices/{device}",method="GET",code="200"} 1"#), "\(text)")
            #expect(text.contains(#"route="NotFound",method="GET",code="404""#))
            #expect(!text.contains("/v1/devices/\(device.uuid)"), "a raw path became a label")
            #expect(text.contains(#"drover_http_request_duration_seconds_bucket{route="/v1/device/metrics",method="POST""#))
            #expect(text.contains("drover_state_reports_total 1"))
            #expect(text.contains(#"drover_devices{status="idle"} 1"#))
            #expect(text.contains("drover_devices_online 1"))
            #expect(text.contains("drover_device_channels_connected 0") && text.contains("drover_device_long_polls_waiting 0"))
            #expect(text.contains(#"drover_sessions_open{kind="terminal"} 0"#) && text.contains(#"drover_sessions_open{kind="tunnel"} 0"#))
            #expect(text.contains(#"drover_store_operation_duration_seconds_count{operation="transaction"}"#))
            #expect(text.contains(#"drover_device_cpu_percent{device="\#(device.uuid)",name="p1"} 12.5"#))
            #expect(text.contains(#"drover_device_temperature_celsius{device="\#(device.uuid)",name="p1"} 47.5"#))

            // Deleted, the device's gauges go with it.
            _ = try await api.send(.DELETE, "/v1/devices/\(device.uuid)")
            #expect(!(try await Self.scrape(server)).contains("drover_device_cpu_percent"))

            guard let promtool = Self.promtool else {
                Issue.record("promtool is not installed (Debian's prometheus package; scripts/lib.sh installs it): /metrics was not linted")
                return
            }
            let (status, output) = try Self.run(promtool, ["check", "metrics"], input: text)
            #expect(status == 0, "promtool check metrics: \(output)\n\(text)")
        }
    }

    @Test("without --export-device-metrics no per-device series are exported")
    func devicesOnlyWhenAsked() async throws {
        try await withLiveServer { server in
            let api = await server.adminClient()
            defer { Task { try? await api.shutdown() } }
            _ = try await Self.traffic(api, server: server)
            let text = try await Self.scrape(server)
            #expect(text.contains("drover_devices_online 1"))
            #expect(!text.contains("drover_device_cpu_percent") && !text.contains("drover_device_memory_used_bytes"))
        }
    }

    static func run(_ tool: String, _ arguments: [String], input: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
