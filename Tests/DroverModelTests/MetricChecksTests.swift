import DroverModel
import Testing

@Suite("Metric sample range checks")
struct MetricChecksTests {
    @Test("a plausible sample passes; absent figures are not problems")
    func plausible() {
        let sample = API.MetricSample(
            time: 1_800_000_000, cpu: 350, memoryUsed: 1 << 30, memoryTotal: 4 << 30, stateDisk: API.DiskUsage(used: 5, total: 10),
            temperature: -20, uptime: 1e6, containers: [API.ContainerSample(app: "a", service: "web", cpu: 0, memory: 0)])
        #expect(sample.problem() == nil)
        #expect(API.MetricSample(time: 0).problem() == nil)
    }

    @Test(
        "every absurd figure is named",
        arguments: [
            (API.MetricSample(time: .nan), "time"),
            (API.MetricSample(time: 1, cpu: .infinity), "cpu"),
            (API.MetricSample(time: 1, cpu: 900_000), "cpu"),
            (API.MetricSample(time: 1, memoryUsed: -1), "memoryUsed"),
            (API.MetricSample(time: 1, memoryUsed: 5, memoryTotal: 4), "memoryUsed"),
            (API.MetricSample(time: 1, memoryTotal: Int64.max), "memoryTotal"),
            (API.MetricSample(time: 1, engineDisk: API.DiskUsage(used: 0, total: -1)), "engineDisk.total"),
            (API.MetricSample(time: 1, temperature: -300), "temperature"),
            (API.MetricSample(time: 1, uptime: -1), "uptime"),
            (API.MetricSample(time: 1, containers: [API.ContainerSample(app: "a", service: "s", cpu: .nan, memory: 0)]), "containers[0].cpu"),
            (API.MetricSample(time: 1, containers: [API.ContainerSample(app: "a\u{0}", service: "s", cpu: 1, memory: 0)]), "containers[0].app"),
        ])
    func absurd(sample: API.MetricSample, field: String) throws {
        let problem = try #require(sample.problem())
        #expect(problem.hasPrefix(field + ":"), "\(problem)")
        #expect(API.MetricBatch(samples: [API.MetricSample(time: 1), sample]).problem()?.hasPrefix("body: samples[1].\(field):") == true)
    }
}
