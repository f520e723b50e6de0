import CDroverPTY
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal `drover ssh` runs in: raw mode while a remote terminal session runs (every
/// key, Ctrl-C included, goes to the remote side), its size, and its size changes.
final class LocalTerminal: Sendable {
    private let saved: termios

    /// Puts standard input's terminal in raw mode; nil when standard input is not a terminal.
    init?() {
        var mode = termios()
        guard isatty(0) == 1, tcgetattr(0, &mode) == 0 else { return nil }
        saved = mode
        cfmakeraw(&mode)
        guard tcsetattr(0, TCSANOW, &mode) == 0 else { return nil }
    }

    /// Puts the terminal back as it was.
    func restore() {
        var mode = saved
        tcsetattr(0, TCSANOW, &mode)
    }

    /// The size of the terminal on standard output (or input), as columns and rows.
    static func size() -> (columns: Int, rows: Int)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        for descriptor: Int32 in [1, 0, 2] where drover_terminal_size(descriptor, &rows, &columns) == 0 && rows > 0 && columns > 0 {
            return (Int(columns), Int(rows))
        }
        return nil
    }

    /// The terminal's new sizes as it is resized (SIGWINCH), until the stream is dropped.
    static func resizes() -> AsyncStream<(columns: Int, rows: Int)> {
        let (stream, continuation) = AsyncStream<(columns: Int, rows: Int)>.makeStream(bufferingPolicy: .bufferingNewest(1))
        signal(SIGWINCH, SIG_IGN)
        let source = SignalSource(DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global()))
        source.source.setEventHandler {
            if let size = size() { continuation.yield(size) }
        }
        continuation.onTermination = { _ in source.source.cancel() }
        source.source.resume()
        return stream
    }
}

/// A dispatch source, which is safe to use from any thread.
private final class SignalSource: @unchecked Sendable {
    let source: any DispatchSourceSignal
    init(_ source: any DispatchSourceSignal) { self.source = source }
}
