import DroverModel

/// Devices' log lines: what agents send, and what people read back.
struct DeviceLogs: Sendable {
    /// Log lines kept per device; older ones are dropped.
    static let retentionPerDevice = 10_000

    let store: any DroverStore

    /// Stores a batch of a device's log lines, keeping at most the retention cap.
    func append(device uuid: String, _ lines: [API.LogEntry]) async throws(ServerError) {
        guard !lines.isEmpty else { return }
        guard lines.count <= API.Limits.logBatchLines else {
            throw ServerError(.badRequest, "body: lines holds \(lines.count) lines; a batch holds at most \(API.Limits.logBatchLines)")
        }
        for (index, line) in lines.enumerated() {
            try ControlPlane.validateText(line.timestamp, what: "body: lines[\(index)].timestamp", limit: API.Limits.label)
            try ControlPlane.validateText(line.service, what: "body: lines[\(index)].service", limit: API.Limits.label)
            try ControlPlane.validateText(line.message, what: "body: lines[\(index)].message", limit: API.Limits.logMessage)
        }
        try await store.appendLogs(device: uuid, lines, keep: Self.retentionPerDevice)
    }

    /// A device's log lines: after a sequence number, or the last `limit`, optionally one service's.
    func lines(_ access: Access, device reference: String, _ query: LogQuery) async throws(ServerError) -> [API.LogEntry] {
        let device = try await access.device(in: store, reference)
        return try await store.logs(device: device.uuid, query)
    }
}
