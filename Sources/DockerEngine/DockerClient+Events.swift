import Foundation
import NIOFoundationCompat
import NIOCore

extension DockerClient {
    /// `GET /events`: the engine's event stream, filtered (e.g. `["label": ["io.drover.device=x"]]`),
    /// from `since` (Unix seconds) on. Goes on until the consuming task is cancelled, or until
    /// `until` when given.
    public func events(filters: [String: [String]] = [:], since: Int64? = nil, until: Int64? = nil) async throws(DockerError)
        -> AsyncThrowingStream<EngineEvent, any Error>
    {
        var query: [(String, String)] = []
        if !filters.isEmpty { query.append(("filters", Self.filters(filters))) }
        if let since { query.append(("since", String(since))) }
        if let until { query.append(("until", String(until))) }
        let response = try await start(.GET, "/events", query: query, timeout: .hours(24 * 365))
        return AsyncThrowingStream { continuation in
            let task = Task {
                var splitter = LineSplitter()
                do {
                    for try await chunk in response.body {
                        for line in splitter.feed(chunk) {
                            continuation.yield(try JSONDecoder().decode(EngineEvent.self, from: Data(buffer: line)))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
