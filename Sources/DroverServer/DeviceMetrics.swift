import DroverModel
import Synchronization

/// Devices' metrics: the samples agents send, folded into a day of per-minute history
/// (``MetricFold``), and what people read back.
final class DeviceMetrics: Sendable {
    let store: any DroverStore
    /// When silent devices' old minutes were last swept.
    private let lastSweep = Mutex<Double>(0)
    /// How often silent devices' old minutes are swept.
    static let sweepSeconds = 3_600.0

    init(store: any DroverStore) {
        self.store = store
    }

    /// Checks every figure of a batch and folds it into the device's history. A figure out of
    /// range refuses the whole batch, naming it.
    func record(device uuid: String, _ batch: API.MetricBatch) async throws(ServerError) {
        if let problem = batch.problem() { throw ServerError(.badRequest, problem) }
        guard !batch.samples.isEmpty else { return }
        let now = WallClock.now
        try await store.foldMetrics(device: uuid, batch.samples, keepSince: now - MetricFold.windowSeconds)
        let sweep = lastSweep.withLock { last in
            guard now - last >= Self.sweepSeconds else { return false }
            last = now
            return true
        }
        if sweep { try await store.pruneSilentMetrics(before: now - MetricFold.windowSeconds) }
    }

    /// A device's newest sample and its minutes since `since` (at most the last day).
    func metrics(_ access: Access, device reference: String, since: Double?) async throws(ServerError) -> API.DeviceMetrics {
        let device = try await access.device(in: store, reference)
        let floor = WallClock.now - MetricFold.windowSeconds
        let history = try await store.metricMinutes(device: device.uuid, since: max(since ?? floor, floor))
        let latest = try await store.latestMetrics(deviceUUIDs: [device.uuid])[device.uuid]
        return API.DeviceMetrics(device: device.uuid, latest: latest, history: history)
    }

    /// The newest sample of each of the given devices that has one.
    func latest(_ uuids: [String]) async throws(ServerError) -> [String: API.MetricSample] {
        guard !uuids.isEmpty else { return [:] }
        return try await store.latestMetrics(deviceUUIDs: uuids)
    }
}
