import Foundation
import NIOCore

extension DockerClient {
    /// `GET /containers/json?all=1`, filtered (e.g. `["label": ["io.drover.device=abc"]]`).
    public func listContainers(all: Bool = true, filters: [String: [String]] = [:]) async throws(DockerError)
        -> [ContainerSummary]
    {
        var query = [("all", all ? "1" : "0")]
        if !filters.isEmpty { query.append(("filters", Self.filters(filters))) }
        return try await send([ContainerSummary].self, .GET, "/containers/json", query: query)
    }

    /// `GET /containers/{id}/json`; nil when there is no such container.
    public func inspectContainer(_ id: String) async throws(DockerError) -> ContainerInspect? {
        do {
            return try await send(ContainerInspect.self, .GET, "/containers/\(Self.percentEncodeQuery(id))/json")
        } catch  where error.isNotFound {
            return nil
        }
    }

    /// `POST /containers/create`; returns the new container's ID.
    public func createContainer(name: String?, _ config: ContainerCreate, platform: String? = nil) async throws(DockerError)
        -> String
    {
        struct Created: Decodable {
            var id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        var query: [(String, String)] = []
        if let name { query.append(("name", name)) }
        if let platform { query.append(("platform", platform)) }
        return try await send(Created.self, .POST, "/containers/create", query: query, body: Self.encode(config)).id
    }

    /// `POST /containers/{id}/start`; starting a running container is not an error.
    public func startContainer(_ id: String) async throws(DockerError) {
        do {
            _ = try await send(.POST, "/containers/\(Self.percentEncodeQuery(id))/start")
        } catch  where error.isNotModified {
            return
        }
    }

    /// `POST /containers/{id}/stop`: the stop signal, then SIGKILL after `timeoutSeconds`
    /// (nil: the container's own stop timeout). Stopping a stopped container is not an error.
    public func stopContainer(_ id: String, timeoutSeconds: Int? = nil) async throws(DockerError) {
        var query: [(String, String)] = []
        if let timeoutSeconds { query.append(("t", String(timeoutSeconds))) }
        let grace = stopDeadline(timeoutSeconds)
        do {
            _ = try await send(.POST, "/containers/\(Self.percentEncodeQuery(id))/stop", query: query, timeout: grace)
        } catch  where error.isNotModified {
            return
        }
    }

    /// How long to wait for a stop or restart: the container's grace period plus the usual
    /// request deadline, saturating instead of trapping for a grace period near Int64's end.
    func stopDeadline(_ timeoutSeconds: Int?) -> TimeAmount {
        let grace = TimeAmount.seconds(Int64(clamping: max(timeoutSeconds ?? 10, 0))).nanoseconds
        let (sum, overflow) = grace.addingReportingOverflow(requestTimeout.nanoseconds)
        return .nanoseconds(overflow ? .max : sum)
    }

    /// `POST /containers/{id}/kill` with a signal (default SIGKILL).
    public func killContainer(_ id: String, signal: String = "SIGKILL") async throws(DockerError) {
        _ = try await send(.POST, "/containers/\(Self.percentEncodeQuery(id))/kill", query: [("signal", signal)])
    }

    /// `POST /containers/{id}/restart`.
    public func restartContainer(_ id: String, timeoutSeconds: Int? = nil) async throws(DockerError) {
        var query: [(String, String)] = []
        if let timeoutSeconds { query.append(("t", String(timeoutSeconds))) }
        let grace = stopDeadline(timeoutSeconds)
        _ = try await send(.POST, "/containers/\(Self.percentEncodeQuery(id))/restart", query: query, timeout: grace)
    }

    /// `DELETE /containers/{id}`; removing a container that is already gone is not an error.
    public func removeContainer(_ id: String, force: Bool = false, volumes: Bool = false) async throws(DockerError) {
        do {
            _ = try await send(
                .DELETE, "/containers/\(Self.percentEncodeQuery(id))",
                query: [("force", force ? "1" : "0"), ("v", volumes ? "1" : "0")])
        } catch  where error.isNotFound {
            return
        }
    }

    /// `POST /containers/{id}/wait`: blocks until the container stops; returns its exit code.
    public func waitContainer(_ id: String, condition: String = "not-running", timeout: TimeAmount = .hours(24)) async throws(DockerError)
        -> Int
    {
        struct Waited: Decodable {
            var statusCode: Int
            enum CodingKeys: String, CodingKey { case statusCode = "StatusCode" }
        }
        return try await send(
            Waited.self, .POST, "/containers/\(Self.percentEncodeQuery(id))/wait", query: [("condition", condition)],
            timeout: timeout
        ).statusCode
    }

    /// `POST /containers/{id}/rename`.
    public func renameContainer(_ id: String, to name: String) async throws(DockerError) {
        _ = try await send(.POST, "/containers/\(Self.percentEncodeQuery(id))/rename", query: [("name", name)])
    }

    /// `POST /containers/{id}/update` with a new restart policy.
    public func updateRestartPolicy(_ id: String, _ policy: RestartPolicy) async throws(DockerError) {
        struct Update: Encodable {
            var restartPolicy: RestartPolicy
            enum CodingKeys: String, CodingKey { case restartPolicy = "RestartPolicy" }
        }
        _ = try await send(.POST, "/containers/\(Self.percentEncodeQuery(id))/update", body: Self.encode(Update(restartPolicy: policy)))
    }

    /// `GET /containers/{id}/logs`, demultiplexed into lines. With `follow` the sequence goes on
    /// until the container stops or the consuming task is cancelled.
    public func containerLogs(
        _ id: String, follow: Bool = false, timestamps: Bool = true, tail: Int? = nil, since: Int64? = nil, tty: Bool = false
    ) async throws(DockerError) -> AsyncThrowingStream<LogLine, any Error> {
        var query = [
            ("stdout", "1"), ("stderr", "1"), ("follow", follow ? "1" : "0"), ("timestamps", timestamps ? "1" : "0"),
        ]
        if let tail { query.append(("tail", String(tail))) }
        if let since { query.append(("since", String(since))) }
        let response = try await start(
            .GET, "/containers/\(Self.percentEncodeQuery(id))/logs", query: query, timeout: follow ? .hours(24 * 365) : requestTimeout)
        return AsyncThrowingStream { continuation in
            let task = Task {
                var decoder = LogFrameDecoder(timestamps: timestamps, framed: !tty)
                do {
                    for try await chunk in response.body {
                        for line in decoder.feed(chunk) { continuation.yield(line) }
                    }
                    for line in decoder.finish() { continuation.yield(line) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
