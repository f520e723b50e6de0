import DockerEngine
import DroverModel
import Foundation
import Logging

/// Takes samples of the device: the host's CPU, memory, disks, temperature and uptime from
/// the kernel's files (``HostReadings``), and each of this device's containers' CPU and memory
/// from the engine. A figure it cannot read is left out of the sample, never guessed.
actor MetricSampler {
    let engine: DockerClient
    let device: DeviceIdentity
    let stateDirectory: String
    let logger: Logger
    /// Where the kernel's files are (a test points it elsewhere).
    let root: String
    private var previousCPU: HostReadings.CPUTimes?
    private var engineRoot: String?

    init(engine: DockerClient, device: DeviceIdentity, stateDirectory: String, logger: Logger, root: String = "") {
        self.engine = engine
        self.device = device
        self.stateDirectory = stateDirectory
        self.logger = logger
        self.root = root
    }

    /// One sample, taken now.
    func sample() async -> API.MetricSample {
        var sample = API.MetricSample(time: Date().timeIntervalSince1970)
        if let times = read("/proc/stat").flatMap(HostReadings.cpuTimes) {
            if let previousCPU { sample.cpu = HostReadings.cpuPercent(from: previousCPU, to: times) }
            previousCPU = times
        }
        if let memory = read("/proc/meminfo").flatMap(HostReadings.memory) {
            sample.memoryUsed = memory.used
            sample.memoryTotal = memory.total
        }
        sample.uptime = read("/proc/uptime").flatMap(HostReadings.uptime)
        sample.temperature = temperature()
        sample.stateDisk = Self.disk(stateDirectory)
        if let directory = await engineRootDirectory() { sample.engineDisk = Self.disk(directory) }
        let containers = await containerSamples()
        sample.containers = containers.isEmpty ? nil : containers
        return sample
    }

    private func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: root + path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The hottest thermal zone, if the device has any.
    private func temperature() -> Double? {
        let directory = root + "/sys/class/thermal"
        guard let zones = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return zones.filter { $0.hasPrefix("thermal_zone") }.compactMap { read("/sys/class/thermal/\($0)/temp").flatMap(HostReadings.temperature) }
            .max()
    }

    /// The engine's data root (`DockerRootDir`), asked once.
    private func engineRootDirectory() async -> String? {
        if let engineRoot { return engineRoot }
        do {
            engineRoot = try await engine.info().rootDirectory
        } catch {
            logger.debug("the engine's data root is unknown for now", metadata: ["error": "\(error)"])
        }
        return engineRoot
    }

    /// Used and total bytes of the filesystem holding `path`.
    static func disk(_ path: String) -> API.DiskUsage? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        let block = Int64(stats.f_frsize)
        let total = Int64(stats.f_blocks) * block
        let free = Int64(stats.f_bfree) * block
        guard total > 0 else { return nil }
        return API.DiskUsage(used: max(total - free, 0), total: total)
    }

    /// Each running container of this device, read from the engine at once.
    private func containerSamples() async -> [API.ContainerSample] {
        let containers: [ContainerSummary]
        do {
            containers = try await engine.listContainers(all: false, filters: device.labelFilter())
        } catch {
            logger.debug("cannot list containers for metrics", metadata: ["error": "\(error)"])
            return []
        }
        let engine = self.engine
        return await withTaskGroup(of: API.ContainerSample?.self) { group in
            for container in containers {
                group.addTask {
                    guard let stats = try? await engine.containerStats(container.id), let memory = stats.memoryInUse else { return nil }
                    return API.ContainerSample(
                        app: container.labels[DroverLabel.app] ?? "", service: container.labels[DroverLabel.service] ?? "",
                        cpu: stats.cpuPercent ?? 0, memory: Int64(clamping: memory))
                }
            }
            var samples: [API.ContainerSample] = []
            for await sample in group { if let sample { samples.append(sample) } }
            return samples.sorted { ($0.app, $0.service) < ($1.app, $1.service) }
        }
    }
}
