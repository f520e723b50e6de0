import Foundation

/// A condition that did not hold before its deadline, with what was seen last.
public struct TimedOut: Error, CustomStringConvertible {
    /// What the test waited for.
    public var what: String
    /// How long it waited.
    public var timeout: Duration
    /// The last value (or error) seen.
    public var last: String
    /// Where the wait was.
    public var location: String

    /// The message Swift Testing shows.
    public var description: String {
        "timed out after \(timeout) waiting for \(what) (\(location)); last seen: \(last)"
    }
}

/// Polls `observe` until `condition` holds for what it returns, and returns that value. Past
/// the deadline it throws `TimedOut` with the last value seen, so a failure says what the
/// system looked like instead of only that it was slow. An error thrown by `observe` counts as
/// "not yet" (a server restarting, a device not enrolled yet) and is what is reported if it
/// is still the last thing seen at the deadline.
@discardableResult
public func eventually<Value: Sendable>(
    _ what: String, timeout: Duration = .seconds(90), every interval: Duration = .milliseconds(250),
    fileID: String = #fileID, line: Int = #line,
    _ observe: () async throws -> Value, until condition: (Value) throws -> Bool
) async throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var last = "nothing"
    while true {
        do {
            let value = try await observe()
            if try condition(value) { return value }
            last = "\(value)"
        } catch let error as CancellationError {
            throw error
        } catch {
            last = "error: \(error)"
        }
        guard clock.now < deadline else { break }
        try await Task.sleep(for: interval)
    }
    throw TimedOut(what: what, timeout: timeout, last: last, location: "\(fileID):\(line)")
}
