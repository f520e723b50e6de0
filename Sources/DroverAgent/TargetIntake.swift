import DroverModel
import Foundation

/// What the device agent takes as its target: the last target that passed validation, the
/// server's ETag for what it last sent, and why a target was refused.
///
/// A target arrives as JSON and may carry anything (a release from an older server, a damaged
/// file in the state directory). A refused target is never run and never replaces the saved
/// one: the agent keeps converging on the last good target, reports `failed` with the reason,
/// and takes the next target the server sends, so a fixed release heals the device.
public struct TargetIntake: Sendable, Equatable {
    /// The target to converge on: the last one that passed validation; nil before any.
    public private(set) var target: TargetState?
    /// The server's ETag of the last target document taken in (accepted or refused), sent
    /// back as `If-None-Match` so the server holds the request until the target changes.
    public private(set) var etag: String?
    /// Why the newest target was refused, until a valid one replaces it.
    public private(set) var refusal: String?

    /// No target yet.
    public init() {}

    /// Restores what the last run saved. A saved target that cannot be read or no longer
    /// passes validation is refused, and its ETag forgotten, so the server's target is asked
    /// for afresh.
    public init(saved: Result<Data?, AgentError>, etag savedETag: String?) {
        switch saved {
        case .success(nil):
            return
        case .success(let data?):
            do {
                target = try TargetState.decode(from: data)
                etag = savedETag
            } catch {
                refusal = "the saved target cannot be used: \(error)"
            }
        case .failure(let error):
            refusal = "the saved target cannot be read: \(error)"
        }
    }

    /// Takes a target document from the server. Returns the target when it is accepted (for
    /// the caller to save); nil when it is refused, in which case the previous target stays.
    public mutating func receive(_ body: Data, etag newETag: String?) -> TargetState? {
        etag = newETag
        do {
            let fresh = try TargetState.decode(from: body)
            target = fresh
            refusal = nil
            return fresh
        } catch {
            refusal = "the server's target cannot be applied, so the device keeps its previous one: \(error)"
            return nil
        }
    }

    /// The server no longer knows the device: nothing is to run.
    public mutating func forget() {
        target = TargetState(apps: [:])
        etag = nil
        refusal = nil
    }
}
