import Foundation
import Synchronization

/// Something changed that an open page shows: a hint to read it again, not the change itself.
/// A page that hears `device` for a device it lists reads that page of devices again; it never
/// needs to poll.
struct LiveEvent: Sendable, Equatable {
    /// What changed.
    enum Kind: String, Sendable, CaseIterable {
        /// A device's status, presence, release, tags, name or fleet; or it was enrolled or deleted.
        case device
        /// A release was created, or its status changed.
        case release
        /// A fleet was created, changed or deleted, or its keys changed.
        case fleet
        /// An env var at any scope.
        case env
        /// A device's stored log lines grew (only to listeners of that device).
        case logs
        /// A device's stored metric samples grew (only to listeners of that device).
        case metrics
        /// The audit log grew.
        case audit
    }

    var kind: Kind
    /// The fleet it happened in; nil for what belongs to the organisation as a whole.
    var fleetID: String?
    var deviceID: String?
    var releaseID: String?
    /// The organisation, when the fleet does not tell it (an audit entry of no fleet).
    var orgID: String?

    /// Whether only listeners of that one device hear it: a fleet of 10,000 devices ships logs
    /// and metrics all the time, and a fleet page shows neither.
    var isPerDevice: Bool { kind == .logs || kind == .metrics }
}

/// Where the domain services say what changed, and open pages (`GET /v1/events`) listen.
/// Publishing costs a lock and one enqueue per listener and never waits: a listener that falls
/// behind loses its oldest hints, which is harmless because each one only says "read again".
///
/// It is per server process. With several servers over one store, a page hears the changes
/// made through its own server (and the devices connected to it).
final class LiveEvents: Sendable {
    /// Hints a listener may fall behind by before the oldest are dropped.
    static let backlog = 512

    private struct Listener {
        var device: String?
        var continuation: AsyncStream<LiveEvent>.Continuation
    }

    private let listeners = Mutex<(next: Int, all: [Int: Listener])>((0, [:]))

    /// Tells every listener who may hear it.
    func publish(_ event: LiveEvent) {
        listeners.withLock { state in
            for listener in state.all.values where !event.isPerDevice || (event.deviceID != nil && listener.device == event.deviceID) {
                listener.continuation.yield(event)
            }
        }
    }

    /// Tells of each change; the caller filters by what its listener may see.
    func publish(_ kind: LiveEvent.Kind, fleet: String?, device: String? = nil, release: String? = nil) {
        publish(LiveEvent(kind: kind, fleetID: fleet, deviceID: device, releaseID: release))
    }

    /// A stream of hints from now on; `device` also hears that device's logs and metrics. The
    /// stream ends, and the listener is removed, when the consumer stops iterating.
    func listen(device: String? = nil) -> AsyncStream<LiveEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: LiveEvent.self, bufferingPolicy: .bufferingNewest(Self.backlog))
        let id = listeners.withLock { state in
            state.next += 1
            state.all[state.next] = Listener(device: device, continuation: continuation)
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.all.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every listener's stream after what it was already told: for a server that stops
    /// (each page's browser opens its stream again, elsewhere), and a test that heard enough.
    func endAll() {
        for listener in listeners.withLock({ Array($0.all.values) }) { listener.continuation.finish() }
    }

    /// How many pages listen now.
    var count: Int { listeners.withLock { $0.all.count } }
}
