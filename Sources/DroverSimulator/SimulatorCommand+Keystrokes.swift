import ArgumentParser
import DroverClient
import DroverModel
import Foundation

extension SimulatorCommand {
    /// Times keystrokes through a terminal session, as a person at `drover ssh` sees them: one
    /// byte from the person's side, through the server and the device's channel, into a
    /// process on a pseudo-terminal in the container, and its echo back the same way. One at
    /// a time; prints the median, the 99th percentile and the slowest.
    static func keystrokeRoundTrips(_ count: Int, server: String, token: String, device: String, service: String) async throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--keystrokes must be from 1 to 100000") }
        let (echoes, echoed) = AsyncStream<Int>.makeStream()
        // The terminal in raw mode without echo, and a process that echoes each byte and
        // ends after the last.
        let request = API.StreamOpen(
            kind: .terminal, service: service, command: ["sh", "-c", "stty raw -echo; printf R; head -c \(count)"], tty: true, columns: 80,
            rows: 24)
        let timings = Timings()
        let end = try await SessionClient.run(server: server, credential: token, device: device, request) { input in
            var iterator = echoes.makeAsyncIterator()
            guard await iterator.next() != nil else { return }  // "R": the terminal is raw
            for _ in 0..<count {
                let sent = ContinuousClock.now
                guard (try? await input.send([UInt8(ascii: "k")])) != nil, await iterator.next() != nil else { return }
                await timings.add(ContinuousClock.now - sent)
            }
        } output: { output in
            if case .stdout(let bytes) = output { for _ in bytes { echoed.yield(1) } }
        }
        echoed.finish()
        let samples = await timings.sorted
        guard samples.count == count else {
            throw ValidationError("only \(samples.count) of \(count) keystrokes came back; the session ended: \(end)")
        }
        func ms(_ duration: Duration) -> String {
            String(format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
        }
        let p50 = samples[samples.count / 2]
        let p99 = samples[min(samples.count - 1, samples.count * 99 / 100)]
        print("keystroke round trip over \(count) keystrokes: p50 \(ms(p50)) ms, p99 \(ms(p99)) ms, max \(ms(samples.last ?? .zero)) ms")
    }
}

/// Round-trip times, gathered from the session's input task.
private actor Timings {
    private var samples: [Duration] = []
    func add(_ sample: Duration) { samples.append(sample) }
    var sorted: [Duration] { samples.sorted() }
}
