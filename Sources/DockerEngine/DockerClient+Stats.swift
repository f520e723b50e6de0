import NIOCore

extension DockerClient {
    /// `GET /containers/{id}/stats?stream=false`: one reading of a container's CPU and memory
    /// (the engine takes two CPU readings a second apart, so this takes about a second); nil
    /// when there is no such container.
    public func containerStats(_ id: String) async throws(DockerError) -> ContainerStats? {
        do {
            return try await send(
                ContainerStats.self, .GET, "/containers/\(Self.percentEncodeQuery(id))/stats", query: [("stream", "false")],
                timeout: .seconds(30))
        } catch  where error.isNotFound {
            return nil
        }
    }
}

/// One reading of a container's resource use (cgroup v1 and v2 alike).
public struct ContainerStats: Codable, Sendable {
    /// CPU counters now.
    public var cpu: CPU
    /// CPU counters at the engine's previous reading.
    public var previousCPU: CPU
    /// Memory figures.
    public var memory: Memory

    /// CPU counters of a container and of the whole host.
    public struct CPU: Codable, Sendable {
        /// The container's CPU time.
        public var usage: Usage
        /// The host's CPU time, all cores, nanoseconds; missing while the container is stopped.
        public var system: UInt64?
        /// Cores the container may use.
        public var onlineCPUs: Int?

        /// The container's CPU time.
        public struct Usage: Codable, Sendable {
            /// Nanoseconds, all cores.
            public var total: UInt64
            enum CodingKeys: String, CodingKey { case total = "total_usage" }
        }

        enum CodingKeys: String, CodingKey {
            case usage = "cpu_usage", system = "system_cpu_usage", onlineCPUs = "online_cpus"
        }
    }

    /// A container's memory figures, bytes.
    public struct Memory: Codable, Sendable {
        /// Memory charged to the container, page cache included; missing while it is stopped.
        public var usage: UInt64?
        /// Detailed counters: `inactive_file` (cgroup v2) or `total_inactive_file` (v1).
        public var stats: [String: UInt64]?
    }

    enum CodingKeys: String, CodingKey {
        case cpu = "cpu_stats", previousCPU = "precpu_stats", memory = "memory_stats"
    }

    /// CPU use between the two readings, percent of one core (as `docker stats` shows it),
    /// or nil when there is no earlier reading.
    public var cpuPercent: Double? {
        guard let system = cpu.system, let previousSystem = previousCPU.system, system > previousSystem, cpu.usage.total >= previousCPU.usage.total
        else { return nil }
        let used = Double(cpu.usage.total - previousCPU.usage.total)
        return used / Double(system - previousSystem) * Double(max(cpu.onlineCPUs ?? 1, 1)) * 100
    }

    /// Memory in use less the inactive page cache, as `docker stats` shows it; nil when stopped.
    public var memoryInUse: UInt64? {
        guard let usage = memory.usage else { return nil }
        let cache = memory.stats?["inactive_file"] ?? memory.stats?["total_inactive_file"] ?? 0
        return usage > cache ? usage - cache : 0
    }
}
