/// The ranges Drover accepts for a service's numbers: what the Docker Engine accepts, within
/// what its API's integer types carry.
///
/// A compose document is checked value by value as it is read, so an error names the key and
/// its line; a target document is checked as a whole by ``ServiceSpec/validate(at:)``, since it
/// arrives as JSON and may carry anything. Both use the checks below, so a release the server
/// accepts is a target every agent accepts.
public enum ServiceLimits {
    /// Longest duration: `Int64` nanoseconds (about 292 years), the engine's `time.Duration`.
    public static let maxDuration = Int64.max
    /// ``maxDuration`` in compose's own notation, for messages.
    static let maxDurationText = "2562047h47m16s (about 292 years, the most that Int64 nanoseconds hold)"
    /// Shortest health-check interval, timeout, start period or start interval the engine
    /// accepts (1 ms); 0 means the engine's default.
    public static let minHealthcheckDuration: Int64 = 1_000_000
    /// Largest byte size: `Int64` bytes (8 EiB less one byte), the engine's type for sizes.
    public static let maxBytes = Int64.max
    /// ``maxBytes`` in compose's own notation, for messages.
    static let maxBytesText = "8388607t (8 EiB, the most that Int64 bytes hold)"
    /// Smallest memory limit or reservation the engine accepts (6 MiB); 0 means none.
    public static let minMemory: Int64 = 6 << 20
    /// CPUs: from 0.01 (the kernel's smallest CFS quota, 1 ms in each 100 ms period) to 8192
    /// (the most CPUs a Linux kernel supports). The engine refuses more than the device has;
    /// that shows on the device as a failed update, not here, since a release does not know
    /// its devices.
    public static let cpus: ClosedRange<Double> = 0.01...8192
    /// Process limits: -1 (or 0) is unlimited; the kernel takes at most `PID_MAX_LIMIT`.
    public static let pids: ClosedRange<Int64> = -1...4_194_304
    /// Counts the engine keeps in Go's `int`, which is 32 bits on 32-bit devices: health-check
    /// retries and restart attempts.
    public static let counts: ClosedRange<Int> = 0...Int(Int32.max)
    /// TCP, UDP and SCTP ports.
    public static let ports: ClosedRange<Int> = 1...65535
    /// Most published or exposed ports one service may expand to through port ranges: every
    /// port once, which a real service never needs and a document of a few bytes could multiply.
    public static let maxPortEntries = 65_535
    /// Resource names a ulimit may have (those of `setrlimit`, as the engine knows them).
    public static let ulimitNames: Set<String> = [
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime",
        "sigpending", "stack",
    ]
    /// Protocols of ports.
    public static let protocols: Set<String> = ["tcp", "udp", "sctp"]

    // MARK: - Checks shared by compose parsing and target validation

    /// A stop grace period or other non-negative duration in nanoseconds.
    static func checkDuration(_ nanoseconds: Int64, at path: String, line: Int?) throws(ModelError) {
        guard nanoseconds >= 0 else {
            throw ModelError(.invalidValue, at: path, line: line, "duration \(nanoseconds)ns is negative")
        }
    }

    /// A health-check duration: 0 (the engine's default) or at least 1 ms.
    static func checkHealthcheckDuration(_ nanoseconds: Int64, text: String? = nil, at path: String, line: Int?) throws(ModelError) {
        guard nanoseconds == 0 || nanoseconds >= minHealthcheckDuration else {
            let shown = text.map { "'\($0)'" } ?? "\(nanoseconds)ns"
            throw ModelError(
                .invalidValue, at: path, line: line, "\(shown) is shorter than 1ms, the engine's shortest health-check duration (0 means its default)")
        }
    }

    /// CPUs: finite and within ``cpus``.
    static func checkCPUs(_ value: Double, text: String? = nil, at path: String, line: Int?) throws(ModelError) {
        guard value.isFinite, cpus.contains(value) else {
            let shown = text.map { "'\($0)'" } ?? "\(value)"
            throw ModelError(
                .invalidValue, at: path, line: line,
                "cpus \(shown) is out of range: write a number of CPUs from 0.01 to 8192, such as 0.5 or 2 (leave the key out for no limit)")
        }
    }

    /// A memory limit or reservation: 0 (none) or at least ``minMemory``.
    static func checkMemory(_ bytes: Int64, text: String? = nil, at path: String, line: Int?) throws(ModelError) {
        guard bytes == 0 || bytes >= minMemory else {
            let shown = text.map { "'\($0)'" } ?? "\(bytes) bytes"
            throw ModelError(.invalidValue, at: path, line: line, "memory \(shown) is below 6m (6 MiB), the smallest the engine accepts (0 means no limit)")
        }
    }

    /// A memory reservation is at most the limit (when both are set), as the engine demands.
    static func checkReservation(_ reservation: Int64?, limit: Int64?, at path: String, line: Int?) throws(ModelError) {
        guard let reservation, let limit, reservation > 0, limit > 0, reservation > limit else { return }
        throw ModelError(
            .invalidValue, at: path, line: line, "the memory reservation (\(reservation) bytes) is above the memory limit (\(limit) bytes)")
    }

    /// A byte size that may be 0 (shm_size, a tmpfs size).
    static func checkSize(_ bytes: Int64, at path: String, line: Int?) throws(ModelError) {
        guard bytes >= 0 else {
            throw ModelError(.invalidValue, at: path, line: line, "size \(bytes) is negative")
        }
    }

    /// A process limit within ``pids``.
    static func checkPids(_ value: Int64, at path: String, line: Int?) throws(ModelError) {
        guard pids.contains(value) else {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "pids limit \(value) is out of range: write -1 for no limit, or at most 4194304 (the kernel's PID_MAX_LIMIT)")
        }
    }

    /// A count within ``counts``.
    static func checkCount(_ value: Int, what: String, at path: String, line: Int?) throws(ModelError) {
        guard counts.contains(value) else {
            throw ModelError(.invalidValue, at: path, line: line, "\(what) \(value) is out of range: write a whole number from 0 to 2147483647")
        }
    }

    /// How many containers of one service a device runs (`deploy.replicas`, `scale`): 0 runs
    /// none; every replica is a container on one device, so a few dozen is already a lot.
    public static let replicas: ClosedRange<Int> = 0...100

    /// A replica count within ``replicas``; `key` is how the document spelled it.
    static func checkReplicas(_ value: Int, key: String, at path: String, line: Int?) throws(ModelError) {
        guard value >= replicas.lowerBound else {
            throw ModelError(.invalidValue, at: path, line: line, "\(key) is \(value); replica count must be a non-negative integer")
        }
        guard value <= replicas.upperBound else {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "\(key) is \(value); a device runs at most \(replicas.upperBound) replicas of a service (each is a container on the one device)")
        }
    }

    /// A port within ``ports``.
    static func checkPort(_ value: Int, what: String, at path: String, line: Int?) throws(ModelError) {
        guard ports.contains(value) else {
            throw ModelError(.invalidValue, at: path, line: line, "\(what) \(value) is outside the valid TCP/UDP port range 1-65535")
        }
    }

    /// At most ``maxPortEntries`` ports after ranges are expanded.
    static func checkPortCount(_ count: Int, at path: String, line: Int?) throws(ModelError) {
        guard count <= maxPortEntries else {
            throw ModelError(
                .tooLarge, at: path, line: line, "the port ranges expand to \(count) ports; one service may have at most \(maxPortEntries)")
        }
    }

    /// A ulimit: a known name, each value -1 (unlimited) or more, soft not above hard.
    static func checkUlimit(name: String, soft: Int64, hard: Int64, at path: String, line: Int?) throws(ModelError) {
        guard ulimitNames.contains(name) else {
            throw ModelError(
                .invalidValue, at: path, line: line, "unknown ulimit '\(name)'; known ones are \(ulimitNames.sorted().joined(separator: ", "))")
        }
        guard soft >= -1, hard >= -1 else {
            throw ModelError(.invalidValue, at: path, line: line, "ulimit '\(name)' must be -1 (unlimited) or a non-negative number")
        }
        // -1 is unlimited: a soft limit may be anything below an unlimited hard one.
        let softAbove = hard != -1 && (soft == -1 || soft > hard)
        guard !softAbove else {
            throw ModelError(.invalidValue, at: path, line: line, "ulimit '\(name)': the soft limit \(soft) is above the hard limit \(hard)")
        }
    }

    /// A restart policy: `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`.
    static func checkRestart(_ text: String, at path: String, line: Int?) throws(ModelError) {
        if ["no", "always", "unless-stopped", "on-failure"].contains(text) { return }
        if text.hasPrefix("on-failure:") {
            let count = text.dropFirst("on-failure:".count)
            guard let number = Int(count) else {
                throw ModelError(.invalidValue, at: path, line: line, "restart '\(text)': '\(count)' is not a whole number of attempts")
            }
            try checkCount(number, what: "restart attempts", at: path, line: line)
            return
        }
        throw ModelError(.invalidValue, at: path, line: line, "restart '\(text)' must be no, always, unless-stopped, on-failure or on-failure:N")
    }

    /// A device mapping, `HOST_PATH[:CONTAINER_PATH][:PERMISSIONS]` as the docker CLI reads it.
    static func checkDevice(_ entry: String, at path: String, line: Int?) throws(ModelError) {
        guard DeviceMapping(entry) != nil else {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "device '\(entry)' must be HOST_PATH[:CONTAINER_PATH][:PERMISSIONS] with absolute paths and permissions made of r, w and m")
        }
    }

    /// A tmpfs mount, `PATH[:OPTIONS]` with an absolute path.
    static func checkTmpfs(_ entry: String, at path: String, line: Int?) throws(ModelError) {
        guard entry.hasPrefix("/") else {
            throw ModelError(.invalidValue, at: path, line: line, "tmpfs '\(entry)' must be an absolute container path, optionally followed by :OPTIONS")
        }
    }

    /// An exposed port, `PORT/PROTOCOL`.
    static func checkExposed(_ entry: String, at path: String, line: Int?) throws(ModelError) {
        let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[0]), ports.contains(port), protocols.contains(String(parts[1])) else {
            throw ModelError(
                .invalidValue, at: path, line: line, "exposed port '\(entry)' must be PORT/PROTOCOL with a port from 1 to 65535 and tcp, udp or sctp")
        }
    }
}

/// A device passed through, read from `HOST_PATH[:CONTAINER_PATH][:PERMISSIONS]` as the docker
/// CLI reads it: the container path defaults to the host path, the permissions to `rwm`.
public struct DeviceMapping: Sendable, Equatable {
    /// The device node on the host.
    public var pathOnHost: String
    /// Where it appears in the container.
    public var pathInContainer: String
    /// Cgroup permissions, some of `r`, `w` and `m`.
    public var permissions: String

    /// Reads an entry; nil when it is malformed.
    public init?(_ entry: String) {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), let host = parts.first, host.hasPrefix("/") else { return nil }
        func isMode(_ text: String) -> Bool {
            !text.isEmpty && text.allSatisfy { "rwm".contains($0) } && Set(text).count == text.count
        }
        var container = ""
        var permissions = "rwm"
        if parts.count == 3 {
            guard isMode(parts[2]) else { return nil }
            container = parts[1]
            permissions = parts[2]
        } else if parts.count == 2 {
            if isMode(parts[1]) { permissions = parts[1] } else { container = parts[1] }
        }
        guard container.isEmpty || container.hasPrefix("/") else { return nil }
        pathOnHost = host
        pathInContainer = container.isEmpty ? host : container
        self.permissions = permissions
    }
}

extension ServiceSpec {
    /// Checks every number and small syntax of the spec against ``ServiceLimits``, naming the
    /// field under `path` (e.g. `apps.shop.services.web`). Compose documents pass this by
    /// construction; a target received as JSON may not.
    public func validate(at path: String) throws(ModelError) {
        if let stopGracePeriod { try ServiceLimits.checkDuration(stopGracePeriod, at: "\(path).stopGracePeriod", line: nil) }
        if let check = healthcheck {
            let at = "\(path).healthcheck"
            for (key, value) in [("interval", check.interval), ("timeout", check.timeout), ("startPeriod", check.startPeriod)] {
                if let value { try ServiceLimits.checkHealthcheckDuration(value, at: "\(at).\(key)", line: nil) }
            }
            if let retries = check.retries { try ServiceLimits.checkCount(retries, what: "retries", at: "\(at).retries", line: nil) }
        }
        if let memoryLimit { try ServiceLimits.checkMemory(memoryLimit, at: "\(path).memoryLimit", line: nil) }
        if let memoryReservation { try ServiceLimits.checkMemory(memoryReservation, at: "\(path).memoryReservation", line: nil) }
        try ServiceLimits.checkReservation(memoryReservation, limit: memoryLimit, at: "\(path).memoryReservation", line: nil)
        if let shmSize { try ServiceLimits.checkSize(shmSize, at: "\(path).shmSize", line: nil) }
        if let cpus { try ServiceLimits.checkCPUs(cpus, at: "\(path).cpus", line: nil) }
        if let pidsLimit { try ServiceLimits.checkPids(pidsLimit, at: "\(path).pidsLimit", line: nil) }
        for (name, limit) in ulimits ?? [:] {
            try ServiceLimits.checkUlimit(name: name, soft: limit.soft, hard: limit.hard, at: "\(path).ulimits.\(name)", line: nil)
        }
        try ServiceLimits.checkPortCount(ports?.count ?? 0, at: "\(path).ports", line: nil)
        for (index, port) in (ports ?? []).enumerated() {
            let at = "\(path).ports[\(index)]"
            try ServiceLimits.checkPort(port.target, what: "container port", at: at, line: nil)
            if let published = port.published { try ServiceLimits.checkPort(published, what: "host port", at: at, line: nil) }
            guard ServiceLimits.protocols.contains(port.protocol) else {
                throw ModelError(.invalidValue, at: at, "protocol '\(port.protocol)' must be tcp, udp or sctp")
            }
        }
        try ServiceLimits.checkPortCount(expose?.count ?? 0, at: "\(path).expose", line: nil)
        for (index, entry) in (expose ?? []).enumerated() { try ServiceLimits.checkExposed(entry, at: "\(path).expose[\(index)]", line: nil) }
        for (index, mount) in (volumes ?? []).enumerated() {
            if let size = mount.tmpfsSize { try ServiceLimits.checkSize(size, at: "\(path).volumes[\(index)].tmpfsSize", line: nil) }
        }
        if let restart { try ServiceLimits.checkRestart(restart, at: "\(path).restart", line: nil) }
        if let replicas { try ServiceLimits.checkReplicas(replicas, key: "replicas", at: "\(path).replicas", line: nil) }
        try checkReplicatedResources(at: path)
        for (index, entry) in (devices ?? []).enumerated() { try ServiceLimits.checkDevice(entry, at: "\(path).devices[\(index)]", line: nil) }
        for (index, rule) in (deviceCgroupRules ?? []).enumerated() { try DeviceCgroupRule.check(rule, at: "\(path).deviceCgroupRules[\(index)]", line: nil) }
        for (index, request) in (deviceRequests ?? []).enumerated() { try request.validate(at: "\(path).deviceRequests[\(index)]", line: nil) }
        for (index, entry) in (tmpfs ?? []).enumerated() { try ServiceLimits.checkTmpfs(entry, at: "\(path).tmpfs[\(index)]", line: nil) }
    }

    /// The CPU limit in the engine's unit (billionths of a CPU), checked: nil without a limit.
    public func nanoCPUs(at path: String) throws(ModelError) -> Int64? {
        guard let cpus else { return nil }
        try ServiceLimits.checkCPUs(cpus, at: path, line: nil)
        // In range, cpus * 1e9 is at most 8.2e12: the conversion cannot trap.
        return Int64((cpus * 1_000_000_000).rounded())
    }

    /// The stop grace period in whole seconds, rounded up, as the engine takes it; nil when
    /// not set. A negative period (only a hand-made target can have one) counts as 0, and a
    /// period past Int32.max seconds (68 years) counts as that: the engine reads it into a Go
    /// `int`, which is 32 bits on 32-bit devices.
    public var stopTimeoutSeconds: Int? {
        guard let stopGracePeriod else { return nil }
        let nanoseconds = max(0, stopGracePeriod)
        // Divides first, so Int64.max nanoseconds cannot overflow.
        let seconds = nanoseconds / 1_000_000_000 + (nanoseconds % 1_000_000_000 == 0 ? 0 : 1)
        return Int(Int32(clamping: seconds))
    }
}
