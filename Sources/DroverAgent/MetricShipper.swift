import DroverClient
import DroverModel
import Foundation
import Logging

/// Samples the device every interval (``MetricSampler``) and sends the samples to the server
/// in batches, oldest first. While the server is away they wait in a ``Spool`` on disk
/// (`metric-spool.jsonl`, capped, the oldest dropped first) and go out when it is back.
actor MetricShipper {
    /// The interval when the device's config sets none.
    static let defaultInterval = 10.0
    /// The device setting that changes the interval.
    static let intervalSetting = "DROVER_METRICS_INTERVAL"

    let api: DroverAPIClient
    let sampler: MetricSampler
    let spool: Spool<API.MetricSample>
    let logger: Logger
    private(set) var interval = defaultInterval
    /// The setting last read, so a bad value is logged once, not every round.
    private var setting: String?

    init(api: DroverAPIClient, sampler: MetricSampler, state: StateDirectory, capBytes: Int, logger: Logger) {
        self.api = api
        self.sampler = sampler
        self.logger = logger
        spool = Spool(file: (state.path as NSString).appendingPathComponent("metric-spool.jsonl"), capBytes: capBytes, memoryLimit: 1_000)
    }

    /// Follows the device's `DROVER_METRICS_INTERVAL` (from its target's config): seconds from
    /// 1 to 3600; anything else is ignored with a log line, and the interval stays as it was.
    func configure(_ config: [String: String]?) {
        let value = config?[Self.intervalSetting]
        guard value != setting else { return }
        setting = value
        guard let value else {
            change(to: Self.defaultInterval)
            return
        }
        switch HostReadings.interval(value) {
        case .success(let seconds): change(to: seconds)
        case .failure:
            logger.warning(
                "ignoring \(Self.intervalSetting)='\(value)': it must be a number of seconds from 1 to 3600",
                metadata: ["interval": "\(interval)"])
        }
    }

    private func change(to seconds: Double) {
        guard seconds != interval else { return }
        interval = seconds
        logger.info("metrics are sampled every \(seconds) s")
    }

    /// Samples every interval until cancelled. A new interval takes effect within a second.
    func sample() async {
        while !Task.isCancelled {
            let started = ContinuousClock.now
            await spool.append(await sampler.sample())
            let asked = interval
            while !Task.isCancelled, interval == asked, case let left = started + .seconds(asked) - ContinuousClock.now, left > .zero {
                try? await Task.sleep(for: min(left, .seconds(1)))
            }
        }
    }

    /// Sends the spool's oldest samples in batches until cancelled.
    func ship() async {
        while !Task.isCancelled {
            let batch = await spool.peek(limit: API.Limits.metricBatchSamples)
            if batch.isEmpty {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            do {
                try await api.sendMetrics(batch)
                await spool.remove(count: batch.count)
            } catch  where error.isRefusal {
                // A batch the server refuses would be sent forever and hold back every later sample.
                logger.warning("the server refused a metrics batch; dropping it", metadata: ["samples": "\(batch.count)", "error": "\(error)"])
                await spool.remove(count: batch.count)
            } catch {
                await spool.spill()
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
