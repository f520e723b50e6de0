import Testing

@testable import DroverCLI

@Suite("drover push's progress on a terminal")
struct PushLogTests {
    @Test("a builder's step is its place among the steps; a push is the end; other lines move nothing")
    func steps() throws {
        let step = try #require(PushLog.step("Step 3/4 : COPY index.html /www/index.html"))
        #expect(step.fraction == 0.75)
        #expect(step.text == "3/4  COPY index.html /www/index.html")
        #expect(PushLog.step("pushing 127.0.0.1:5000/default/lab/web:push-1")?.fraction == 1)
        #expect(PushLog.step(" ---> Running in 35409d15f52e") == nil)
        #expect(PushLog.step("Step x/y : nonsense") == nil)
    }

    @Test("the bar is as full as the build is done, and a long step is cut")
    func bar() {
        let line = PushLog.bar(service: "web", fraction: 0.5, text: String(repeating: "x", count: 100), width: 10)
        #expect(line.hasPrefix("web        [█████░░░░░]  "))
        #expect(line.hasSuffix("…"))
        #expect(line.count == "web        [█████░░░░░]  ".count + 60)
    }
}
