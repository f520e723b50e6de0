import DroverModel
import Foundation
import Testing

@testable import DroverAgent

/// Every transition of the rollout lifecycle, legal and illegal, without an engine.
@Suite("Rollout lifecycle")
struct RolloutLifecycleTests {
    typealias Lifecycle = RolloutLifecycle

    /// A one-service target with a 10 s health window; `marker` stands for a variable.
    static func target(_ release: String, marker: String = "a") -> AppTarget {
        var web = ServiceSpec(image: "web:\(release)")
        web.environment = ["MARKER": marker]
        web.labels = [DroverLabel.healthWindow: "10s"]
        return AppTarget(release: release, services: ["web": web])
    }

    static let good = target("good")
    static let next = target("next")
    static let newer = target("newer")
    static let t0 = Date(timeIntervalSinceReferenceDate: 800_000_000)
    static let candidate = Lifecycle.Candidate(next)
    static let refusal = Lifecycle.Refusal(release: "next", reason: "service web is unhealthy", returnedTo: "good")

    /// One legal transition: from a state, an event, to a state, with the actions.
    struct Transition: Sendable, CustomTestStringConvertible {
        var name: String
        var from: Lifecycle
        var event: Lifecycle.Event
        var to: Lifecycle
        var actions: [Lifecycle.Action]
        var testDescription: String { name }
    }

    static let transitions: [Transition] = [
        Transition(
            name: "idle, the good release again: converge, nothing changes", from: Lifecycle(good: good), event: .targetArrived(good),
            to: Lifecycle(good: good), actions: [.converge(good)]),
        Transition(
            name: "idle, a new release: converging", from: Lifecycle(good: good), event: .targetArrived(next),
            to: Lifecycle(state: .converging(candidate), good: good), actions: [.persist, .converge(next)]),
        Transition(
            name: "first release on a new device: converging with nothing to return to", from: Lifecycle(), event: .targetArrived(next),
            to: Lifecycle(state: .converging(candidate)), actions: [.persist, .converge(next)]),
        Transition(
            name: "converging, the same release: keep converging", from: Lifecycle(state: .converging(candidate), good: good),
            event: .targetArrived(next), to: Lifecycle(state: .converging(candidate), good: good), actions: [.converge(next)]),
        Transition(
            name: "converging, a newer release: the unproven one is not kept", from: Lifecycle(state: .converging(candidate), good: good),
            event: .targetArrived(newer), to: Lifecycle(state: .converging(Lifecycle.Candidate(newer)), good: good),
            actions: [.persist, .converge(newer)]),
        Transition(
            name: "converging, back to the good release: idle", from: Lifecycle(state: .converging(candidate), good: good),
            event: .targetArrived(good), to: Lifecycle(good: good), actions: [.persist, .converge(good)]),
        Transition(
            name: "converging, converged: the window starts", from: Lifecycle(state: .converging(candidate), good: good),
            event: .converged(next, at: t0), to: Lifecycle(state: .watching(candidate, since: t0), good: good), actions: [.persist]),
        Transition(
            name: "converging, a dependency failed for good: rolled back",
            from: Lifecycle(state: .converging(candidate), good: good), event: .problemConfirmed(reason: "service web is unhealthy"),
            to: Lifecycle(state: .rolledBack(refusal), good: good),
            actions: [.persist, .rollBack(to: good), .report(API.Rollout(release: "next", outcome: .rolledBack, reason: "service web is unhealthy"))]),
        Transition(
            name: "watching, the same release: converge, the window goes on",
            from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .targetArrived(next),
            to: Lifecycle(state: .watching(candidate, since: t0), good: good), actions: [.converge(next)]),
        Transition(
            name: "watching, the same release with other variables: the newest target is watched",
            from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .targetArrived(target("next", marker: "b")),
            to: Lifecycle(state: .watching(Lifecycle.Candidate(target("next", marker: "b")), since: t0), good: good),
            actions: [.converge(target("next", marker: "b"))]),
        Transition(
            name: "watching, a newer release: the one superseded without a problem is the good one",
            from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .targetArrived(newer),
            to: Lifecycle(state: .converging(Lifecycle.Candidate(newer)), good: next), actions: [.persist, .converge(newer)]),
        Transition(
            name: "watching, converged again: nothing changes", from: Lifecycle(state: .watching(candidate, since: t0), good: good),
            event: .converged(next, at: t0 + 5), to: Lifecycle(state: .watching(candidate, since: t0), good: good), actions: []),
        Transition(
            name: "watching, healthy inside the window: nothing changes", from: Lifecycle(state: .watching(candidate, since: t0), good: good),
            event: .checkedHealthy(at: t0 + 9.9), to: Lifecycle(state: .watching(candidate, since: t0), good: good), actions: []),
        Transition(
            name: "watching, healthy at the window's end: idle on the new good release",
            from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .checkedHealthy(at: t0 + 10), to: Lifecycle(good: next),
            actions: [.persist, .report(API.Rollout(release: "next", outcome: .healthy))]),
        Transition(
            name: "watching, a problem confirmed: rolled back to the good release",
            from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .problemConfirmed(reason: "service web is unhealthy"),
            to: Lifecycle(state: .rolledBack(refusal), good: good),
            actions: [.persist, .rollBack(to: good), .report(API.Rollout(release: "next", outcome: .rolledBack, reason: "service web is unhealthy"))]),
        Transition(
            name: "watching with nothing to return to, a problem confirmed: refused, nothing to roll back to",
            from: Lifecycle(state: .watching(candidate, since: t0)), event: .problemConfirmed(reason: "boom"),
            to: Lifecycle(state: .rolledBack(Lifecycle.Refusal(release: "next", reason: "boom", returnedTo: nil))),
            actions: [.persist, .report(API.Rollout(release: "next", outcome: .rolledBack, reason: "boom"))]),
        Transition(
            name: "rolled back, the refused release again: run the good one", from: Lifecycle(state: .rolledBack(refusal), good: good),
            event: .targetArrived(next), to: Lifecycle(state: .rolledBack(refusal), good: good), actions: [.converge(good)]),
        Transition(
            name: "rolled back with nothing good, the refused release again: it keeps running",
            from: Lifecycle(state: .rolledBack(Lifecycle.Refusal(release: "next", reason: "boom", returnedTo: nil))), event: .targetArrived(next),
            to: Lifecycle(state: .rolledBack(Lifecycle.Refusal(release: "next", reason: "boom", returnedTo: nil))), actions: [.converge(next)]),
        Transition(
            name: "rolled back, a newer release: the refusal is lifted", from: Lifecycle(state: .rolledBack(refusal), good: good),
            event: .targetArrived(newer), to: Lifecycle(state: .converging(Lifecycle.Candidate(newer)), good: good),
            actions: [.persist, .converge(newer)]),
        Transition(
            name: "rolled back, the fleet back on the good release: idle", from: Lifecycle(state: .rolledBack(refusal), good: good),
            event: .targetArrived(good), to: Lifecycle(good: good), actions: [.persist, .converge(good)]),
        Transition(
            name: "rolled back, a retry: converging on the refused release again", from: Lifecycle(state: .rolledBack(refusal), good: good),
            event: .retryAsked(next), to: Lifecycle(state: .converging(candidate), good: good), actions: [.persist, .converge(next)]),
        Transition(
            name: "rolled back, converged on the good release: nothing changes", from: Lifecycle(state: .rolledBack(refusal), good: good),
            event: .converged(good, at: t0), to: Lifecycle(state: .rolledBack(refusal), good: good), actions: []),
        Transition(
            name: "idle, converged on the same release with other variables: that is the good state now", from: Lifecycle(good: good),
            event: .converged(target("good", marker: "b"), at: t0), to: Lifecycle(good: target("good", marker: "b")), actions: [.persist]),
        Transition(
            name: "idle, converged unchanged: nothing to write", from: Lifecycle(good: good), event: .converged(good, at: t0),
            to: Lifecycle(good: good), actions: []),
    ]

    @Test("a legal transition", arguments: transitions)
    func legal(_ transition: Transition) throws {
        #expect(Self.next.healthWindow == 10, "the window comes from the label")
        var lifecycle = transition.from
        let actions = try lifecycle.handle(transition.event)
        #expect(lifecycle == transition.to)
        #expect(actions == transition.actions)
    }

    /// An event a state cannot take.
    struct Illegal: Sendable, CustomTestStringConvertible {
        var from: Lifecycle
        var event: Lifecycle.Event
        var testDescription: String { "\(from.state.word) cannot take \(event.word)" }
    }

    static let refused: [Illegal] = [
        Illegal(from: Lifecycle(good: good), event: .problemConfirmed(reason: "x")),
        Illegal(from: Lifecycle(good: good), event: .checkedHealthy(at: t0)),
        Illegal(from: Lifecycle(good: good), event: .retryAsked(good)),
        Illegal(from: Lifecycle(state: .converging(candidate), good: good), event: .checkedHealthy(at: t0)),
        Illegal(from: Lifecycle(state: .converging(candidate), good: good), event: .retryAsked(next)),
        Illegal(from: Lifecycle(state: .converging(candidate), good: good), event: .converged(newer, at: t0)),
        Illegal(from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .retryAsked(next)),
        Illegal(from: Lifecycle(state: .watching(candidate, since: t0), good: good), event: .converged(newer, at: t0)),
        Illegal(from: Lifecycle(state: .rolledBack(refusal), good: good), event: .problemConfirmed(reason: "x")),
        Illegal(from: Lifecycle(state: .rolledBack(refusal), good: good), event: .checkedHealthy(at: t0)),
        Illegal(from: Lifecycle(state: .rolledBack(refusal), good: good), event: .retryAsked(newer)),
        Illegal(from: Lifecycle(state: .rolledBack(refusal), good: good), event: .converged(next, at: t0)),
    ]

    @Test("an illegal transition throws and leaves the state as it was", arguments: refused)
    func illegal(_ case: Illegal) {
        var lifecycle = `case`.from
        #expect {
            _ = try lifecycle.handle(`case`.event)
        } throws: { error in
            (error as? AgentError)?.code == .illegalTransition
        }
        #expect(lifecycle == `case`.from)
    }

    @Test("the rollout the server hears follows the state")
    func rollout() {
        #expect(Lifecycle(good: Self.good).rollout == nil)
        #expect(Lifecycle(state: .converging(Self.candidate)).rollout == API.Rollout(release: "next", outcome: .started))
        #expect(Lifecycle(state: .watching(Self.candidate, since: Self.t0)).rollout == API.Rollout(release: "next", outcome: .started))
        #expect(
            Lifecycle(state: .rolledBack(Self.refusal)).rollout
                == API.Rollout(release: "next", outcome: .rolledBack, reason: "service web is unhealthy"))
    }

    @Test(
        "every state survives its history file",
        arguments: [
            Lifecycle(), Lifecycle(good: good), Lifecycle(state: .converging(candidate), good: good),
            Lifecycle(state: .watching(candidate, since: t0), good: good), Lifecycle(state: .rolledBack(refusal), good: good),
            Lifecycle(state: .rolledBack(Lifecycle.Refusal(release: "next", reason: "boom", returnedTo: nil))),
        ])
    func persisted(_ lifecycle: Lifecycle) throws {
        #expect(try Lifecycle.decode(from: lifecycle.encoded()) == lifecycle)
    }
}
