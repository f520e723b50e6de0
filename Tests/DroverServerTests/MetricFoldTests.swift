import DroverModel
import Testing

@testable import DroverServer

@Suite("Folding samples into minutes")
struct MetricFoldTests {
    let now = 1_800_000_000.0

    @Test("samples of one minute average into one row; a sample without a figure counts as that figure's average so far")
    func averages() {
        let start = MetricFold.minute(of: now - 600)
        let rows = MetricFold.fold(
            [
                API.MetricSample(time: start + 5, cpu: 10, memoryUsed: 100, memoryTotal: 1_000),
                API.MetricSample(time: start + 15, memoryUsed: 300, memoryTotal: 1_000),
                API.MetricSample(time: start + 59.9, cpu: 40, memoryUsed: 200, memoryTotal: 2_000, temperature: 51),
            ], into: [:], now: now)
        #expect(rows.count == 1)
        #expect(rows[0].minute == start && rows[0].samples == 3)
        #expect(rows[0].memoryUsed == 200)
        #expect(rows[0].memoryTotal == 2_000)
        #expect(rows[0].temperature == 51)
        // 10, then none (counts as 10), then 40.
        #expect(rows[0].cpu == 20)
    }

    @Test("a sample folds into the stored row of its minute, weighted by the samples already in it")
    func intoExisting() {
        let start = MetricFold.minute(of: now - 60)
        let stored = API.MetricMinute(minute: start, samples: 3, cpu: 10)
        let rows = MetricFold.fold([API.MetricSample(time: start + 1, cpu: 50)], into: [start: stored], now: now)
        #expect(rows == [API.MetricMinute(minute: start, samples: 4, cpu: 20)])
    }

    @Test("samples older than a day or from more than five minutes ahead are not history")
    func window() {
        let rows = MetricFold.fold(
            [
                API.MetricSample(time: now - 86_401, cpu: 1), API.MetricSample(time: now + 301, cpu: 2), API.MetricSample(time: now - 30, cpu: 3),
            ], into: [:], now: now)
        #expect(rows.map(\.cpu) == [3])
        #expect(MetricFold.minute(of: 119.5) == 60)
    }
}
