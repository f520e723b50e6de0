import DroverModel
import DroverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Device metrics API")
struct MetricsAPITests {
    static func batch(_ samples: [API.MetricSample]) throws -> String {
        String(decoding: try JSONEncoder().encode(API.MetricBatch(samples: samples)), as: UTF8.self)
    }

    @Test("samples of one minute are averaged into one row, the newest kept whole, and devices list their figures")
    func foldsAndLists() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("lab", device: "pi")
            let minute = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 120
            let samples = [
                API.MetricSample(time: minute + 1, cpu: 10, memoryUsed: 1_000, memoryTotal: 4_000, temperature: 40),
                API.MetricSample(time: minute + 30, cpu: 30, memoryUsed: 3_000, memoryTotal: 4_000, temperature: 50),
                API.MetricSample(
                    time: minute + 61, cpu: 50, memoryUsed: 2_000, memoryTotal: 4_000, uptime: 99,
                    containers: [API.ContainerSample(app: "lab", service: "web", cpu: 1.5, memory: 512)]),
            ]
            let sent = try await api.call(.post, "/v1/device/metrics", json: try Self.batch(samples), token: device.apiKey)
            #expect(sent.status == .noContent, "\(sent.body)")

            let metrics = try await api.decode(API.DeviceMetrics.self, .get, "/v1/devices/pi/metrics")
            #expect(metrics.device == device.uuid)
            #expect(metrics.history.map(\.minute) == [minute, minute + 60])
            #expect(metrics.history.map(\.samples) == [2, 1])
            #expect(metrics.history.first?.cpu == 20)
            #expect(metrics.history.first?.memoryUsed == 2_000)
            #expect(metrics.history.first?.temperature == 45)
            #expect(metrics.latest == samples[2])

            let since = try await api.decode(API.DeviceMetrics.self, .get, "/v1/devices/pi/metrics?since=\(Int(minute + 60))")
            #expect(since.history.map(\.minute) == [minute + 60])

            let listed = try await api.decode([API.Device].self, .get, "/v1/devices")
            #expect(listed.first?.metrics?.cpu == 50)
            #expect(listed.first?.metrics?.containers == nil)
        }
    }

    @Test(
        "a figure out of range is refused with 400 naming it, and nothing is stored",
        arguments: [
            (#"{"samples": [{"time": 1, "cpu": -1}]}"#, "samples[0].cpu"),
            (#"{"samples": [{"time": 1, "cpu": 1e300}]}"#, "samples[0].cpu"),
            (#"{"samples": [{"time": 1, "temperature": 5000}]}"#, "samples[0].temperature"),
            (#"{"samples": [{"time": -5}]}"#, "samples[0].time"),
            (#"{"samples": [{"time": 1e400}]}"#, "samples[0].time"),
            (#"{"samples": [{"time": 1, "memoryUsed": 9, "memoryTotal": 8}]}"#, "samples[0].memoryUsed"),
            (#"{"samples": [{"time": 1, "memoryTotal": 99999999999999999999}]}"#, "samples[0].memoryTotal"),
            (#"{"samples": [{"time": 1, "stateDisk": {"used": -1, "total": 5}}]}"#, "samples[0].stateDisk.used"),
            (#"{"samples": [{"time": 1, "uptime": 1e30}]}"#, "samples[0].uptime"),
            (#"{"samples": [{"time": 1, "containers": [{"app": "a", "service": "s", "cpu": 1, "memory": -4}]}]}"#, "containers[0].memory"),
        ])
    func refusesAbsurdFigures(body: String, field: String) async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("lab", device: "pi")
            let answer = try await api.call(.post, "/v1/device/metrics", json: body, token: device.apiKey)
            #expect(answer.status == .badRequest)
            #expect(answer.body.contains(#""code":"bad_request""#) && answer.body.contains(field), "\(answer.body)")
            let metrics = try await api.decode(API.DeviceMetrics.self, .get, "/v1/devices/pi/metrics")
            #expect(metrics.latest == nil && metrics.history.isEmpty)
        }
    }

    @Test("a batch over 360 samples is refused; a bad since is refused")
    func limits() async throws {
        let server = try await TestServer.start()
        try await server.test { api in
            let device = try await api.fleetWithDevice("lab", device: "pi")
            let many = (0...360).map { API.MetricSample(time: Double(1_000 + $0)) }
            let answer = try await api.call(.post, "/v1/device/metrics", json: try Self.batch(many), token: device.apiKey)
            #expect(answer.status == .badRequest && answer.body.contains("at most 360"))
            let since = try await api.call(.get, "/v1/devices/pi/metrics?since=yesterday")
            #expect(since.status == .badRequest && since.body.contains("since"))
            let user = try await api.call(.post, "/v1/device/metrics", json: try Self.batch([]))
            #expect(user.status == .forbidden)
        }
    }
}
