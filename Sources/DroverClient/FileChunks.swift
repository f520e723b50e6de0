import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What a file descriptor gives — a terminal, a pipe, standard input — read on a thread of
/// its own with blocking reads, and handed to the async side one chunk at a time: the thread
/// reads the next chunk only once the last was taken, so a slow consumer holds the producer
/// back rather than filling memory. Ends at end of file or on a read error (a terminal's
/// master reads EIO once its last process is gone).
public struct FileChunks: AsyncSequence, Sendable {
    private let stream: AsyncStream<[UInt8]>
    private let permits: DispatchSemaphore

    /// Starts reading `descriptor` (which stays open; closing it is the caller's).
    public init(descriptor: Int32, chunkSize: Int = 32 * 1024) {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let permits = DispatchSemaphore(value: 1)
        let ended = Mutex(false)
        continuation.onTermination = { _ in
            ended.withLock { $0 = true }
            permits.signal()
        }
        self.stream = stream
        self.permits = permits
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            while true {
                permits.wait()
                if ended.withLock({ $0 }) { return }
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunkSize) }
                if count < 0 && errno == EINTR {
                    permits.signal()
                    continue
                }
                guard count > 0 else {
                    continuation.finish()
                    return
                }
                continuation.yield(Array(buffer[0..<count]))
            }
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: stream.makeAsyncIterator(), permits: permits)
    }

    /// Takes the chunks.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<[UInt8]>.AsyncIterator
        let permits: DispatchSemaphore
        var started = false

        public mutating func next() async -> [UInt8]? {
            if started { permits.signal() }
            started = true
            return await base.next()
        }
    }
}

/// Writes to a file descriptor with blocking writes on a queue of its own, so that a slow
/// reader (a terminal, a full pipe) never blocks a task's thread.
public final class FileWriter: Sendable {
    /// The descriptor written to.
    public let descriptor: Int32
    private let queue = DispatchQueue(label: "drover.file-writer")

    /// Writes to `descriptor` (which stays open).
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Writes all of `bytes`; false when the descriptor no longer takes them.
    public func write(_ bytes: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async { [descriptor] in
                var offset = 0
                while offset < bytes.count {
                    let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return continuation.resume(returning: false) }
                    offset += written
                }
                continuation.resume(returning: true)
            }
        }
    }
}
