import DroverCLISupport
import Foundation
import Synchronization

/// What `drover device provision` shows while it works, on stderr. On a terminal, one line per
/// host in progress, drawn again as it moves from step to step (the bar of `drover push`), and
/// a line of its own for each host that is done. Elsewhere (a CI log), a plain line for every
/// step and every result.
final class ProvisionProgress: Sendable {
    private struct Line {
        var label: String
        var step: ProvisionStep
        var detail: String?
    }
    private struct State {
        var active: [Line] = []
        var drawn = 0
    }

    /// Whether stderr is a terminal.
    let terminal: Bool
    private let state = Mutex(State())

    init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
    }

    /// `target` has started `step`.
    func step(_ target: ProvisionTarget, _ step: ProvisionStep, detail: String? = nil) {
        let text = step.doing + (detail.map { " (\($0))" } ?? "")
        guard terminal else { return Self.write("\(target.label): \(text)\n") }
        state.withLock { state in
            let line = Line(label: target.label, step: step, detail: detail)
            if let index = state.active.firstIndex(where: { $0.label == target.label }) {
                state.active[index] = line
            } else {
                state.active.append(line)
            }
            redraw(&state, finished: nil)
        }
    }

    /// `report`'s host is done.
    func finished(_ report: ProvisionReport) {
        let line = Self.resultLine(report)
        guard terminal else { return Self.write(line + "\n") }
        state.withLock { state in
            state.active.removeAll { $0.label == report.host }
            redraw(&state, finished: line)
        }
    }

    /// Takes the live lines away before the summary is printed.
    func clear() {
        guard terminal else { return }
        state.withLock { state in
            state.active = []
            redraw(&state, finished: nil)
        }
    }

    private func redraw(_ state: inout State, finished: String?) {
        var text = state.drawn > 0 ? "\u{1B}[\(state.drawn)A\r" : "\r"
        if let finished { text += "\u{1B}[2K" + finished + "\n" }
        let width = max(10, state.active.map(\.label.count).max() ?? 0)
        for line in state.active {
            let done = Double(ProvisionStep.allCases.firstIndex(of: line.step) ?? 0) / Double(ProvisionStep.allCases.count)
            let label = line.label.padding(toLength: width, withPad: " ", startingAt: 0)
            text += "\u{1B}[2K" + PushLog.bar(service: label, fraction: done, text: line.step.doing + (line.detail.map { " (\($0))" } ?? "")) + "\n"
        }
        text += "\u{1B}[J"
        state.drawn = state.active.count
        Self.write(text)
    }

    /// `10.0.0.5: provisioned as device web-1 (12.3 s)`, or the failing step and why.
    static func resultLine(_ report: ProvisionReport) -> String {
        switch report.result {
        case .failed:
            return "\(report.host): failed at \(report.step?.rawValue ?? "?"): \(report.reason ?? "no reason given") (\(seconds(report.seconds)))"
        default:
            return "\(report.host): \(report.result.rawValue) as device \(report.device) (\(seconds(report.seconds)))"
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// The table `drover device provision` ends with.
enum ProvisionSummary {
    /// HOST, ARCH, DEVICE, RESULT, SECONDS in the order the hosts were given; then why each
    /// failed host failed, and a count of each result.
    static func table(_ reports: [ProvisionReport]) -> String {
        let rows = reports.map { report in
            [report.host, report.arch ?? "-", report.device, report.result.rawValue, String(format: "%.1f", report.seconds)]
        }
        var text = TerminalOutput.table(["HOST", "ARCH", "DEVICE", "RESULT", "SECONDS"], rows)
        let failed = reports.filter { $0.result == .failed }
        if !failed.isEmpty {
            text += "\n\n" + failed.map { "\($0.host): \($0.step?.rawValue ?? "?"): \($0.reason ?? "no reason given")" }.joined(separator: "\n")
        }
        let counts = [ProvisionOutcome.provisioned, .upgraded, .started, .unchanged, .failed].compactMap { outcome -> String? in
            let count = reports.filter { $0.result == outcome }.count
            return count == 0 ? nil : "\(count) \(outcome.rawValue)"
        }
        return text + "\n\n\(reports.count) host\(reports.count == 1 ? "" : "s"): " + counts.joined(separator: ", ")
    }
}
