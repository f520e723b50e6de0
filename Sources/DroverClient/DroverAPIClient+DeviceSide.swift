import DroverModel
import Foundation

/// The device's side of the protocol: enrol once, then long-poll the target, report state and
/// ship logs with the device's own key.
extension DroverAPIClient {
    /// What the server answered to a target request.
    public enum TargetAnswer: Sendable, Equatable {
        /// A target other than the known one: its JSON as sent (the agent validates it before
        /// saving, and the simulator reads only what it needs) and its ETag.
        case changed(body: Data, etag: String?)
        /// The known target is still the one (`304 Not Modified`).
        case notModified
    }

    /// `POST /v1/devices`: enrols with a provisioning key (this client needs no credential).
    public func enrol(_ registration: API.RegisterDevice) async throws(ClientError) -> API.RegisteredDevice {
        try await call(API.RegisteredDevice.self, .POST, Self.path("devices"), body: registration)
    }

    /// `GET /v1/device/state`: the device's target. With the ETag of the target it has, the
    /// server holds the request up to `wait` seconds (at most `API.Limits.longPollSeconds`) until
    /// the target changes; the request's deadline allows for that.
    public func target(knownETag: String?, wait: Int = 0) async throws(ClientError) -> TargetAnswer {
        let answer = try await send(
            .GET, Self.path("device", "state", query: [("wait", "\(wait)")]), headers: knownETag.map { [("If-None-Match", $0)] } ?? [],
            timeout: .seconds(Int64(wait) + 15))
        return answer.status == 304 ? .notModified : .changed(body: answer.body, etag: answer.etag)
    }

    /// `POST /v1/device/pull-auth`: what to hand the engine as `X-Registry-Auth` to pull
    /// `image`: a registry token for the server's own registry, or the fleet's login to a
    /// private one.
    public func pullAuth(image: String) async throws(ClientError) -> API.PullAuth {
        try await call(API.PullAuth.self, .POST, Self.path("device", "pull-auth"), body: API.PullAuthRequest(image: image))
    }

    /// `PUT /v1/device/cluster`: what the device's engine says about its swarm (and, from a
    /// manager, the join tokens and what it sees of the whole swarm).
    public func clusterReport(_ report: API.ClusterMemberReport) async throws(ClientError) {
        _ = try await send(.PUT, Self.path("device", "cluster"), body: report)
    }

    /// `PATCH /v1/device/state`: the fields of the device's state that changed. A refusal
    /// (`ClientError.isRefusal`) means this report will never be accepted as it is.
    public func report(_ report: API.StateReport) async throws(ClientError) {
        _ = try await send(.PATCH, Self.path("device", "state"), body: report)
    }

    /// `POST /v1/device/logs`: a batch of log lines, oldest first, gzip-compressed. A refusal
    /// (`ClientError.isRefusal`) means this batch will never be accepted.
    public func sendLogs(_ lines: [API.LogEntry]) async throws(ClientError) {
        _ = try await send(.POST, Self.path("device", "logs"), body: API.LogBatch(lines: lines), gzip: true)
    }

    /// `POST /v1/device/metrics`: a batch of metric samples, oldest first, gzip-compressed. A
    /// refusal (`ClientError.isRefusal`) means this batch will never be accepted.
    public func sendMetrics(_ samples: [API.MetricSample]) async throws(ClientError) {
        _ = try await send(.POST, Self.path("device", "metrics"), body: API.MetricBatch(samples: samples), gzip: true)
    }
}
