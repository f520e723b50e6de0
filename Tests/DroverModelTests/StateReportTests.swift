import Foundation
import Testing

@testable import DroverModel

@Suite("State reports travel as deltas from one definition")
struct StateReportTests {
    static let full = API.StateReport(
        release: "r2", status: .rolledBack, statusDetail: "release r3 rolled back to r2: web is unhealthy",
        services: ["web": API.ServiceState(release: "r2", status: .running, containerID: "c1", health: .healthy)], architecture: "arm64",
        droppedLogLines: 3, rollout: API.Rollout(release: "r3", outcome: .rolledBack, reason: "web is unhealthy"))

    @Test("every property of a report is in the field table, so the agent's diff and the server's merge cannot drift apart")
    func tableCoversEveryProperty() {
        let properties = Set(Mirror(reflecting: Self.full).children.compactMap(\.label))
        #expect(!properties.isEmpty)
        #expect(API.StateReport.fieldNames == properties)
    }

    @Test("the server's merge of the agent's delta gives back the report the agent holds")
    func roundTrip() {
        var accepted = API.StateReport(release: "r1", status: .running, architecture: "arm64")
        var stored = accepted
        for next in [
            Self.full,
            API.StateReport(release: "r2", status: .running, services: Self.full.services, architecture: "arm64", rollout: Self.full.rollout),
            API.StateReport(release: "r2", status: .failed, statusDetail: "pull failed", architecture: "arm64"),
        ] {
            let delta = next.delta(since: accepted)
            stored = stored.merging(delta)
            var expected = next
            expected.droppedLogLines = nil
            // A field the agent stops sending (nil) keeps its last value at the server.
            expected.services = expected.services ?? stored.services
            expected.rollout = expected.rollout ?? stored.rollout
            #expect(stored == expected)
            accepted = next
        }
    }

    @Test("an unchanged report sends nothing; a changed status carries its detail, even when the detail is cleared")
    func minimalDelta() {
        #expect(Self.full.delta(since: Self.full).droppedLogLines == 3)
        var quiet = Self.full
        quiet.droppedLogLines = nil
        #expect(quiet.delta(since: quiet).isEmpty)
        var running = quiet
        running.status = .running
        running.statusDetail = nil
        let delta = running.delta(since: quiet)
        #expect(delta == API.StateReport(status: .running))
        #expect(quiet.merging(delta).statusDetail == nil)
        #expect(quiet.delta(since: nil) == quiet)
    }

    @Test(
        "a word outside a closed set is refused with the words that fit",
        arguments: [
            (#"{"status": "updating"}"#, "provisioned, idle, downloading"),
            (#"{"rollout": {"release": "r", "outcome": "exploded"}}"#, "started, healthy or rolled-back"),
        ])
    func unknownWord(json: String, words: String) {
        #expect {
            try JSONDecoder().decode(API.StateReport.self, from: Data(json.utf8))
        } throws: { error in
            "\(error)".contains(words)
        }
    }

    @Test("statuses, actions and outcomes keep the JSON words they had as strings")
    func wireWords() throws {
        let device = String(decoding: try JSONEncoder().encode(API.StateReport(status: .updatePending)), as: UTF8.self)
        #expect(device == #"{"status":"update pending"}"#)
        #expect(API.DeviceStatus.rolledBack.rawValue == "rolled-back")
        let action = try JSONDecoder().decode(API.DeviceAction.self, from: Data(#"{"action": "purge"}"#.utf8))
        #expect(action.action == .purge && action.service == nil)
    }
}
