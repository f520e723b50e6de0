import Foundation
import Testing

@testable import DroverAgent

@Suite("Reading the host's figures")
struct HostReadingsTests {
    static let stat1 = """
        cpu  100 0 50 800 50 0 0 0 0 0
        cpu0 50 0 25 400 25 0 0 0 0 0
        cpu1 50 0 25 400 25 0 0 0 0 0
        intr 12345 0 0
        ctxt 999
        """
    static let stat2 = """
        cpu  250 0 100 900 50 0 0 0 0 0
        cpu0 125 0 50 450 25 0 0 0 0 0
        cpu1 125 0 50 450 25 0 0 0 0 0
        """

    @Test("CPU is the busy share of the jiffies between two readings, times the cores: 0 to 100 per core")
    func cpu() throws {
        let first = try #require(HostReadings.cpuTimes(Self.stat1))
        let second = try #require(HostReadings.cpuTimes(Self.stat2))
        #expect(first == HostReadings.CPUTimes(busy: 150, total: 1_000, cores: 2))
        // 200 busy jiffies of 300: two thirds of two cores.
        let percent = try #require(HostReadings.cpuPercent(from: first, to: second))
        #expect(abs(percent - 133.333) < 0.001)
        #expect(HostReadings.cpuPercent(from: second, to: first) == nil)
        #expect(HostReadings.cpuPercent(from: first, to: first) == nil)
        #expect(HostReadings.cpuTimes("intr 1 2 3") == nil)
        #expect(HostReadings.cpuTimes("cpu 1 2") == nil)
    }

    @Test("memory in use is total less available, in bytes")
    func memory() throws {
        let text = """
            MemTotal:        4000000 kB
            MemFree:          500000 kB
            MemAvailable:    3000000 kB
            Buffers:          100000 kB
            """
        let memory = try #require(HostReadings.memory(text))
        #expect(memory.total == 4_096_000_000)
        #expect(memory.used == 1_024_000_000)
        #expect(HostReadings.memory("MemTotal: 10 kB") == nil)
        #expect(HostReadings.memory("MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB") == nil)
    }

    @Test("uptime, temperature and the interval setting are read or refused")
    func smallFiles() {
        #expect(HostReadings.uptime("12345.67 45678.90\n") == 12345.67)
        #expect(HostReadings.uptime("nan 1") == nil)
        #expect(HostReadings.temperature("48250\n") == 48.25)
        #expect(HostReadings.temperature("-5000") == -5)
        #expect(HostReadings.temperature("garbage") == nil)
        #expect(HostReadings.temperature("99999999") == nil)
        #expect(HostReadings.interval("30") == .success(30))
        #expect(HostReadings.interval(" 2.5") == .success(2.5))
        for bad in ["0", "0.5", "3601", "abc", "", "nan", "inf", "-10"] {
            #expect(HostReadings.interval(bad) == .failure(HostReadings.IntervalProblem(value: bad)), "\(bad)")
        }
    }
}
