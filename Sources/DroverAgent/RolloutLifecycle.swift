import DroverModel
import Foundation

/// One app's rollout on this device, as a pure state machine: it takes what happened (a
/// target arrived, convergence finished, a health check confirmed a problem, …) and returns
/// what to do about it (persist, roll back, tell the server). It does no I/O, so every
/// transition is tested without an engine; `AppConvergence` carries out the actions.
///
/// The last target that proved healthy here (`good`) lives beside the state, not in one
/// case: every state may have one to return to.
public struct RolloutLifecycle: Sendable, Equatable {
    /// Where the rollout stands.
    public enum State: Sendable, Equatable {
        /// Nothing under watch: the app runs `good` (or nothing yet).
        case idle
        /// A new release is being installed; its health window starts once it converged.
        case converging(Candidate)
        /// A converged release inside its health window, which started at `since`.
        case watching(Candidate, since: Date)
        /// A release refused after a confirmed problem; the app runs `good` when there is one.
        /// The release is not tried again until a newer release or a retry.
        case rolledBack(Refusal)
    }

    /// A release on its way to proving itself.
    public struct Candidate: Sendable, Equatable {
        /// The release.
        public var release: String
        /// The health window in seconds.
        public var window: Double
        /// The target that brought it: if a newer release supersedes it inside its window
        /// with no problem seen, this is the one to return to. Histories written before the
        /// target was kept have none.
        public var target: AppTarget?

        /// Creates a candidate.
        public init(release: String, window: Double, target: AppTarget?) {
            self.release = release
            self.window = window
            self.target = target
        }

        /// The candidate for `target`.
        public init(_ target: AppTarget) {
            self.init(release: target.release, window: target.healthWindow, target: target)
        }
    }

    /// A release this device refused.
    public struct Refusal: Sendable, Equatable {
        /// The release.
        public var release: String
        /// Why, in words (which service, what its health check said).
        public var reason: String
        /// The release returned to; nil when there was no healthy one to return to.
        public var returnedTo: String?

        /// Creates a refusal.
        public init(release: String, reason: String, returnedTo: String?) {
            self.release = release
            self.reason = reason
            self.returnedTo = returnedTo
        }
    }

    /// What happened.
    public enum Event: Sendable, Equatable {
        /// The server's target for the app, at the start of every round.
        case targetArrived(AppTarget)
        /// `drover device retry`: try the refused release once more.
        case retryAsked(AppTarget)
        /// The app converged on `target` at the given time.
        case converged(AppTarget, at: Date)
        /// A problem was seen in two checks in a row (or a dependency failed).
        case problemConfirmed(reason: String)
        /// A health check found nothing wrong at the given time.
        case checkedHealthy(at: Date)
    }

    /// What to do about it.
    public enum Action: Sendable, Equatable {
        /// Converge the app on this target this round.
        case converge(AppTarget)
        /// Return the app to this target, the last that proved healthy.
        case rollBack(to: AppTarget)
        /// Tell the server how the rollout went.
        case report(API.Rollout)
        /// Write the lifecycle to the state directory: it changed in a way a restart must see.
        case persist
    }

    /// Where the rollout stands.
    public private(set) var state: State
    /// The last target that ran through its health window without trouble on this device.
    public private(set) var good: AppTarget?

    /// A lifecycle in the given state.
    public init(state: State = .idle, good: AppTarget? = nil) {
        self.state = state
        self.good = good
    }

    /// The rollout the server hears while nothing new happens: `started` while converging or
    /// watching, `rolled-back` while refused, nothing when idle.
    public var rollout: API.Rollout? {
        switch state {
        case .idle: nil
        case .converging(let candidate), .watching(let candidate, _): API.Rollout(release: candidate.release, outcome: .started)
        case .rolledBack(let refusal): API.Rollout(release: refusal.release, outcome: .rolledBack, reason: refusal.reason)
        }
    }

    /// The release on its way (converging or inside its window), if any.
    public var candidate: Candidate? {
        switch state {
        case .converging(let candidate), .watching(let candidate, _): candidate
        case .idle, .rolledBack: nil
        }
    }

    /// Takes one event and returns what to do; an event that cannot happen in the current
    /// state throws and leaves the state as it was.
    public mutating func handle(_ event: Event) throws(AgentError) -> [Action] {
        switch (state, event) {
        case (.rolledBack(let refusal), .targetArrived(let target)) where target.release == refusal.release:
            // The refused release stays refused: run the good one, or (with none) what there is.
            return [.converge(good ?? target)]
        case (_, .targetArrived(let target)):
            return arrive(target)

        case (.rolledBack(let refusal), .retryAsked(let target)) where target.release == refusal.release:
            state = .converging(Candidate(target))
            return [.persist, .converge(target)]

        case (.idle, .converged(let target, _)):
            // Healthy and settled: later changes of the same release (variables, restarts)
            // are the good state now.
            guard good != target else { return [] }
            good = target
            return [.persist]
        case (.converging(let candidate), .converged(let target, let time)) where candidate.release == target.release:
            state = .watching(Candidate(release: candidate.release, window: candidate.window, target: target), since: time)
            return [.persist]
        case (.watching(let candidate, _), .converged(let target, _)) where candidate.release == target.release:
            return []
        case (.rolledBack, .converged(let target, _)) where target.release == good?.release || good == nil:
            // Back on the good release, or (with none) still on what there is.
            return []

        case (.converging(let candidate), .problemConfirmed(let reason)), (.watching(let candidate, _), .problemConfirmed(let reason)):
            let refusal = Refusal(release: candidate.release, reason: reason, returnedTo: good?.release)
            state = .rolledBack(refusal)
            var actions: [Action] = [.persist]
            if let good { actions.append(.rollBack(to: good)) }
            actions.append(.report(API.Rollout(release: refusal.release, outcome: .rolledBack, reason: reason)))
            return actions

        case (.watching(let candidate, let since), .checkedHealthy(let time)):
            guard time.timeIntervalSince(since) >= candidate.window else { return [] }
            good = candidate.target ?? good
            state = .idle
            return [.persist, .report(API.Rollout(release: candidate.release, outcome: .healthy))]

        default:
            throw AgentError(.illegalTransition, "a rollout that is \(state.word) cannot take \(event.word)")
        }
    }

    /// A target arrives in any state but a refusal of the same release.
    private mutating func arrive(_ target: AppTarget) -> [Action] {
        switch state {
        case .converging(let candidate) where candidate.release == target.release:
            return [.converge(target)]
        case .watching(let candidate, let since) where candidate.release == target.release:
            // Same release with other variables: the newest target is the one to keep.
            if candidate.target != target {
                state = .watching(Candidate(release: candidate.release, window: candidate.window, target: target), since: since)
            }
            return [.converge(target)]
        default:
            break
        }
        if target.release == good?.release {
            // Back to (or still on) the good release: nothing is under watch.
            guard state != .idle else { return [.converge(target)] }
            state = .idle
            return [.persist, .converge(target)]
        }
        // A release superseded inside its window, with no problem seen, is the one to return to.
        if case .watching(let previous, _) = state, let target = previous.target { good = target }
        state = .converging(Candidate(target))
        return [.persist, .converge(target)]
    }
}

extension RolloutLifecycle.State {
    /// The state in words, for errors and logs.
    public var word: String {
        switch self {
        case .idle: "idle"
        case .converging(let candidate): "converging on \(candidate.release)"
        case .watching(let candidate, _): "watching \(candidate.release)"
        case .rolledBack(let refusal): "rolled back from \(refusal.release)"
        }
    }
}

extension RolloutLifecycle.Event {
    /// The event in words, for errors and logs.
    public var word: String {
        switch self {
        case .targetArrived(let target): "a target for \(target.release)"
        case .retryAsked(let target): "a retry of \(target.release)"
        case .converged(let target, _): "convergence on \(target.release)"
        case .problemConfirmed: "a confirmed problem"
        case .checkedHealthy: "a healthy check"
        }
    }
}
