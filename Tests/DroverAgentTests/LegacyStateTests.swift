import DroverModel
import Foundation
import Logging
import Testing

@testable import DroverAgent

/// An agent upgraded in the field reads the state files the previous version wrote
/// (``LegacyStateFiles``) and carries on as that version would have: a window resumes, a
/// refused release stays refused, and no purge, forced update or retry is done twice.
@Suite("State files of the previous agent")
struct LegacyStateTests {
    typealias Lifecycle = RolloutLifecycle

    func lifecycle(_ json: String) throws -> Lifecycle {
        try Lifecycle.decode(from: Data(json.utf8))
    }

    /// The target a history file holds (the good one, or the one under watch).
    func target(_ json: String, watched: Bool = false) throws -> AppTarget {
        let file = try JSONDecoder().decode(Lifecycle.HistoryFile.self, from: Data(json.utf8))
        return try #require(watched ? file.watching?.target : file.good)
    }

    /// A state directory holding `files`.
    func directory(_ files: [String: String]) throws -> StateDirectory {
        let state = StateDirectory(path: NSTemporaryDirectory() + "drover-legacy-\(UUID().uuidString.prefix(8))")
        for (name, content) in files { try state.write(name, Data(content.utf8)) }
        return state
    }

    @Test("good only: the good release keeps running, a new one is converged and watched")
    func goodOnly() throws {
        var lifecycle = try lifecycle(LegacyStateFiles.goodOnly)
        let good = try target(LegacyStateFiles.goodOnly)
        #expect(lifecycle.state == .idle && lifecycle.good == good)
        #expect(try lifecycle.handle(.targetArrived(good)) == [.converge(good)])
        var next = good
        next.release = "f00d"
        #expect(try lifecycle.handle(.targetArrived(next)) == [.persist, .converge(next)])
        #expect(lifecycle.candidate?.release == "f00d")
    }

    @Test("watching with convergedAt: the window resumes from when it started and passes")
    func watchingConverged() throws {
        var lifecycle = try lifecycle(LegacyStateFiles.watchingConverged)
        let watched = try target(LegacyStateFiles.watchingConverged, watched: true)
        guard case .watching(let candidate, let since) = lifecycle.state else {
            Issue.record("not watching: \(lifecycle.state)")
            return
        }
        #expect(candidate.release == watched.release && candidate.window == 4)
        #expect(try lifecycle.handle(.targetArrived(watched)) == [.converge(watched)])
        #expect(try lifecycle.handle(.checkedHealthy(at: since + 3)) == [])
        #expect(try lifecycle.handle(.checkedHealthy(at: since + 4)) == [.persist, .report(API.Rollout(release: watched.release, outcome: .healthy))])
        #expect(lifecycle.state == .idle && lifecycle.good == watched)
    }

    @Test("watching without convergedAt: still converging; the window starts when it converges")
    func watchingConverging() throws {
        var lifecycle = try lifecycle(LegacyStateFiles.watchingConverging)
        let watched = try target(LegacyStateFiles.watchingConverging, watched: true)
        #expect(
            lifecycle.state == .converging(Lifecycle.Candidate(release: watched.release, window: 120, target: watched)), "the longest window of its services")
        #expect(lifecycle.good == nil)
        let now = Date()
        #expect(try lifecycle.handle(.converged(watched, at: now)) == [.persist])
        #expect(lifecycle.state == .watching(Lifecycle.Candidate(release: watched.release, window: 120, target: watched), since: now))
    }

    @Test("failed with rolledBackTo: the refused release is not run, the good one is")
    func failedRolledBack() throws {
        var lifecycle = try lifecycle(LegacyStateFiles.failedRolledBack)
        let good = try target(LegacyStateFiles.failedRolledBack)
        guard case .rolledBack(let refusal) = lifecycle.state else {
            Issue.record("not rolled back: \(lifecycle.state)")
            return
        }
        #expect(refusal.returnedTo == good.release)
        #expect(refusal.reason == "service web is unhealthy: health check exited with code 1: database unreachable")
        var refused = good
        refused.release = refusal.release
        #expect(try lifecycle.handle(.targetArrived(refused)) == [.converge(good)])
    }

    @Test("failed without rolledBackTo: refused, and what there is keeps running")
    func failedNoGood() throws {
        var lifecycle = try lifecycle(LegacyStateFiles.failedNoGood)
        guard case .rolledBack(let refusal) = lifecycle.state else {
            Issue.record("not rolled back: \(lifecycle.state)")
            return
        }
        #expect(refusal.returnedTo == nil && lifecycle.good == nil)
        let refused = AppTarget(release: refusal.release, services: [:])
        #expect(try lifecycle.handle(.targetArrived(refused)) == [.converge(refused)])
    }

    @Test("the ledger takes over purges.json, forcedUpdates and the failed release's retries")
    func ledgerMigration() throws {
        let state = try directory([
            "purges.json": LegacyStateFiles.purges, "history-a.json": LegacyStateFiles.failedRetried,
            "history-b.json": LegacyStateFiles.goodForced, "history-c.json": LegacyStateFiles.failedNoGood,
        ])
        let ledger = CommandLedger.load(from: state, logger: Logger(label: "test"))
        #expect(ledger.carriedOut(.purge, app: "a") == 1)
        #expect(ledger.carriedOut(.forcedUpdate, app: "a") == 1)
        #expect(ledger.carriedOut(.retry, app: "a") == 1)
        #expect(ledger.carriedOut(.forcedUpdate, app: "b") == 1)
        #expect(ledger.carriedOut(.retry, app: "c") == 0)

        // What the old agent carried out is not done again; a raise of a counter is.
        var target = try target(LegacyStateFiles.failedRetried)
        target.purges = 1
        target.forcedUpdates = 1
        target.retries = 1
        for command in CommandLedger.Command.allCases { #expect(!ledger.isDue(command, app: "a", in: target), "\(command)") }
        target.retries = 2
        #expect(ledger.isDue(.retry, app: "a", in: target))

        // The ledger is written at once, and read from there from now on.
        let saved = try #require(try state.read(CommandLedger.file))
        #expect(try JSONDecoder().decode(CommandLedger.self, from: saved) == ledger)
        try state.write("purges.json", Data(#"{"a":7}"#.utf8))
        #expect(CommandLedger.load(from: state, logger: Logger(label: "test")).carriedOut(.purge, app: "a") == 1)
    }

    @Test(
        "a history written now reads back as the same lifecycle, in the same file format",
        arguments: [
            LegacyStateFiles.goodOnly, LegacyStateFiles.watchingConverged, LegacyStateFiles.watchingConverging,
            LegacyStateFiles.failedRolledBack, LegacyStateFiles.failedNoGood,
        ])
    func sameFormat(_ json: String) throws {
        let lifecycle = try lifecycle(json)
        #expect(try Lifecycle.decode(from: lifecycle.encoded()) == lifecycle)
        var old = try JSONDecoder().decode(Lifecycle.HistoryFile.self, from: Data(json.utf8))
        // The counters now live in the ledger.
        old.forcedUpdates = nil
        old.failed?.retries = nil
        #expect(try JSONDecoder().decode(Lifecycle.HistoryFile.self, from: lifecycle.encoded()) == old)
    }
}
