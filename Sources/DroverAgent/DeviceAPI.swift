import DroverClient
import DroverModel
import Foundation

/// Every request the agent makes of the server, in one place: enrolment, the target
/// (long-poll), state reports and log batches. The rest of the agent speaks in these calls and
/// never builds a path or a header.
public struct DeviceAPI: Sendable {
    /// What the server answered to a target request.
    public enum TargetAnswer: Sendable {
        /// The target document and its ETag.
        case changed(Data, etag: String?)
        /// The target is still the one known (304).
        case unchanged
    }

    let client: DroverAPIClient

    /// A client for the device holding `credential` (nil before enrolment).
    public init(server: String, credential: String?) {
        client = DroverAPIClient(server: server, credential: credential)
    }

    /// Closes the connection pool.
    public func shutdown() async {
        do {
            try await client.shutdown()
        } catch {
            // Shutting down twice is the only failure, and harmless.
        }
    }

    /// Enrols with a provisioning key.
    public func enrol(_ request: API.RegisterDevice) async throws(ClientError) -> API.RegisteredDevice {
        try await client.call(API.RegisteredDevice.self, .POST, "/v1/devices", body: request)
    }

    /// The device's target. With `knownETag` the server holds the request up to `wait`
    /// seconds until the target changes, and answers `unchanged` if it did not.
    public func target(knownETag: String?, wait: Int) async throws(ClientError) -> TargetAnswer {
        var headers: [(String, String)] = []
        if let knownETag { headers.append(("If-None-Match", knownETag)) }
        let answer = try await client.send(.GET, "/v1/device/state?wait=\(wait)", headers: headers, timeout: .seconds(Int64(wait) + 15))
        return answer.status == 200 ? .changed(answer.body, etag: answer.etag) : .unchanged
    }

    /// Sends a state report (a delta: the fields that changed).
    public func report(_ delta: API.StateReport) async throws(ClientError) {
        _ = try await client.send(.PATCH, "/v1/device/state", body: delta)
    }

    /// Sends a batch of log lines, compressed.
    public func sendLogs(_ batch: API.LogBatch) async throws(ClientError) {
        _ = try await client.send(.POST, "/v1/device/logs", body: batch, gzip: true)
    }
}
