import Synchronization

/// One direction's send window of a channel stream (see ``API/ChannelFrame``): how many more
/// bytes the receiver takes. A sender takes bytes from it before each data frame, waiting
/// while it is empty; the receiver's `window` frames add to it. Closing it wakes the sender
/// for good.
public final class ChannelCredit: Sendable {
    private struct State {
        var available: Int
        var closed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    /// A window of `bytes`.
    public init(_ bytes: UInt32 = API.ChannelFrame.streamWindow) {
        state = Mutex(State(available: Int(bytes)))
    }

    /// The receiver takes `bytes` more. A window never grows past 1 GiB: a peer that grants
    /// more is not believed.
    public func add(_ bytes: UInt32) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.available = min(state.available + Int(bytes), 1 << 30)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Takes up to `bytes` (at least 1) of the window, waiting while it is empty; returns how
    /// many were taken, or 0 once the window is closed or the task cancelled.
    public func take(upTo bytes: Int) async -> Int {
        while true {
            let taken = state.withLock { state -> Int? in
                if state.closed { return 0 }
                guard state.available > 0 else { return nil }
                let taken = min(bytes, state.available)
                state.available -= taken
                return taken
            }
            if let taken { return taken }
            if Task.isCancelled { return 0 }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.closed || state.available > 0 { return true }
                        state.waiter?.resume()
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                close()
            }
        }
    }

    /// Ends the window: a waiting sender and every later take get 0.
    public func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
