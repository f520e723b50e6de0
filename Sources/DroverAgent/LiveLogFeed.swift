import DroverModel
import Foundation
import Synchronization

/// The log lines the agent reads from its containers, as they come, for whoever watches live
/// (`drover logs -f`). A watcher that falls behind by more than ``backlog`` lines misses the
/// oldest of them; the lines still reach the server's store by the ``LogShipper``.
final class LiveLogFeed: Sendable {
    static let backlog = 2_000
    private let watchers = Mutex<[UUID: AsyncStream<API.LogEntry>.Continuation]>([:])

    /// Starts watching; the lines come out of the stream until ``unsubscribe(_:)``.
    func subscribe() -> (AsyncStream<API.LogEntry>, UUID) {
        let (stream, continuation) = AsyncStream<API.LogEntry>.makeStream(bufferingPolicy: .bufferingNewest(Self.backlog))
        let id = UUID()
        watchers.withLock { $0[id] = continuation }
        return (stream, id)
    }

    /// Stops watching.
    func unsubscribe(_ id: UUID) {
        watchers.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    /// Hands a line to every watcher.
    func publish(_ entry: API.LogEntry) {
        watchers.withLock { watchers in
            for watcher in watchers.values { watcher.yield(entry) }
        }
    }
}
