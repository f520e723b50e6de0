import Foundation

/// Device metrics: what the agent samples and sends, and what people read back.
extension API {
    /// Used and total bytes of one filesystem.
    public struct DiskUsage: Codable, Sendable, Equatable {
        /// Bytes in use.
        public var used: Int64
        /// Bytes in all.
        public var total: Int64
        /// Creates a figure.
        public init(used: Int64, total: Int64) {
            self.used = used
            self.total = total
        }
    }

    /// One container's share of the device, from the engine's stats.
    public struct ContainerSample: Codable, Sendable, Equatable {
        /// The app the container belongs to.
        public var app: String
        /// Its service.
        public var service: String
        /// CPU use in percent of one core (up to 100 × cores).
        public var cpu: Double
        /// Memory in use, bytes (the engine's usage less its page cache).
        public var memory: Int64
        /// Creates a sample.
        public init(app: String, service: String, cpu: Double, memory: Int64) {
            self.app = app
            self.service = service
            self.cpu = cpu
            self.memory = memory
        }
    }

    /// One sample of a device's host. Every figure but the time may be missing: a device
    /// without a thermal zone has no temperature, and the first sample has no CPU figure yet.
    public struct MetricSample: Codable, Sendable, Equatable {
        /// When it was taken, seconds since 1970 (the device's clock).
        public var time: Double
        /// CPU use in percent of one core, over all cores (0 to 100 × cores).
        public var cpu: Double?
        /// Memory in use (total less available), bytes.
        public var memoryUsed: Int64?
        /// Memory in all, bytes.
        public var memoryTotal: Int64?
        /// The filesystem of the agent's state directory.
        public var stateDisk: DiskUsage?
        /// The filesystem of the engine's data root.
        public var engineDisk: DiskUsage?
        /// The hottest thermal zone, degrees Celsius.
        public var temperature: Double?
        /// Seconds since the device booted.
        public var uptime: Double?
        /// Drover's containers.
        public var containers: [ContainerSample]?
        /// Creates a sample taken at `time`.
        public init(
            time: Double, cpu: Double? = nil, memoryUsed: Int64? = nil, memoryTotal: Int64? = nil, stateDisk: DiskUsage? = nil,
            engineDisk: DiskUsage? = nil, temperature: Double? = nil, uptime: Double? = nil, containers: [ContainerSample]? = nil
        ) {
            self.time = time
            self.cpu = cpu
            self.memoryUsed = memoryUsed
            self.memoryTotal = memoryTotal
            self.stateDisk = stateDisk
            self.engineDisk = engineDisk
            self.temperature = temperature
            self.uptime = uptime
            self.containers = containers
        }
    }

    /// `POST /v1/device/metrics`: samples, oldest first.
    public struct MetricBatch: Codable, Sendable, Equatable {
        /// The samples.
        public var samples: [MetricSample]
        /// Creates a batch.
        public init(samples: [MetricSample]) { self.samples = samples }
    }

    /// One minute of a device's history: the averages of the samples taken in it.
    public struct MetricMinute: Codable, Sendable, Equatable {
        /// The minute's start, seconds since 1970 (a multiple of 60).
        public var minute: Double
        /// How many samples were folded into it.
        public var samples: Int
        /// Average CPU use, percent of one core.
        public var cpu: Double?
        /// Average memory in use, bytes.
        public var memoryUsed: Double?
        /// Memory in all, bytes (the newest figure).
        public var memoryTotal: Double?
        /// Average bytes in use on the state directory's filesystem.
        public var stateDiskUsed: Double?
        /// Average bytes in use on the engine's data root.
        public var engineDiskUsed: Double?
        /// Average temperature, degrees Celsius.
        public var temperature: Double?
        /// Creates a minute.
        public init(
            minute: Double, samples: Int, cpu: Double? = nil, memoryUsed: Double? = nil, memoryTotal: Double? = nil, stateDiskUsed: Double? = nil,
            engineDiskUsed: Double? = nil, temperature: Double? = nil
        ) {
            self.minute = minute
            self.samples = samples
            self.cpu = cpu
            self.memoryUsed = memoryUsed
            self.memoryTotal = memoryTotal
            self.stateDiskUsed = stateDiskUsed
            self.engineDiskUsed = engineDiskUsed
            self.temperature = temperature
        }
    }

    /// `GET /v1/devices/{id}/metrics`: the newest sample and the per-minute history, oldest first.
    public struct DeviceMetrics: Codable, Sendable, Equatable {
        /// The device's UUID.
        public var device: String
        /// The newest sample, if any arrived.
        public var latest: MetricSample?
        /// Minutes of the last 24 hours (or since `since`), oldest first.
        public var history: [MetricMinute]
        /// Creates an answer.
        public init(device: String, latest: MetricSample?, history: [MetricMinute]) {
            self.device = device
            self.latest = latest
            self.history = history
        }
    }
}
