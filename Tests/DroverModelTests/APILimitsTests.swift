import DroverModel
import Testing

@Suite("What the agent sends stays within the server's limits")
struct APILimitsTests {
    @Test("a long status detail, rollout reason and log line are cut to the limit at a character boundary, and say so")
    func clipped() {
        let detail = String(repeating: "é", count: API.Limits.detail)  // 2 bytes each: twice the limit
        var report = API.StateReport(status: .failed)
        report.statusDetail = detail
        report.rollout = API.Rollout(release: "abc", outcome: .rolledBack, reason: detail)
        let clipped = report.clipped()
        let sent = clipped.statusDetail ?? ""
        #expect(sent.utf8.count <= API.Limits.detail)
        #expect(sent.hasSuffix("…[cut]"))
        #expect(sent.hasPrefix("éé"))
        #expect((clipped.rollout?.reason?.utf8.count ?? .max) <= API.Limits.detail)

        let line = API.LogEntry(timestamp: "t", service: "web", stream: .stdout, message: String(repeating: "x", count: 100_000), sequence: nil)
        #expect(line.clipped().message.utf8.count <= API.Limits.logMessage)
        let short = API.LogEntry(timestamp: "t", service: "web", stream: .stdout, message: "hello", sequence: nil)
        #expect(short.clipped() == short)
    }

    @Test("a NUL a container prints does not get its log batch refused")
    func nul() {
        let line = API.LogEntry(timestamp: "t", service: "web", stream: .stdout, message: "a\u{0}b", sequence: nil)
        #expect(line.clipped().message == "a\u{FFFD}b")
    }

    @Test("a document with more services than a device can report is refused, naming the limit")
    func tooManyServices() {
        let services = (0...API.Limits.reportedServices).map { "  s\($0): {image: busybox}" }.joined(separator: "\n")
        #expect {
            try ComposeParser().parse("services:\n" + services)
        } throws: { error in
            (error as? ModelError)?.message.contains("an app holds at most 1000") == true
        }
    }
}
