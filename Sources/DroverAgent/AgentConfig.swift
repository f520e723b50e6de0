import Foundation

/// `drover-agent run --config FILE`: where the server is and how to enrol.
public struct AgentConfig: Codable, Sendable {
    /// Server base URL, e.g. `http://127.0.0.1:8080`.
    public var server: String
    /// Provisioning key for the first start; not needed once enrolled.
    public var provisioningKey: String?
    /// Name to enrol under.
    public var deviceName: String?
    /// Engine address (default `$DOCKER_HOST` or the default socket).
    public var engine: String?
    /// Agent state directory: identity, last target, log spool.
    public var stateDir: String
    /// Seconds a target request may be held open by the server (long-poll), and the base
    /// interval of retries when the server is away.
    public var pollInterval: Double?
    /// Most bytes of logs kept on disk while the server is away (default 50 MB).
    public var logBufferBytes: Int?
    /// Most bytes of metric samples kept on disk while the server is away (default 10 MB:
    /// about four days at the default interval).
    public var metricBufferBytes: Int?
    /// Where the values of secrets and configs are kept as files to mount: a tmpfs, so that
    /// they never reach the device's disk (default `/run/drover/secrets` where `/run` is a
    /// tmpfs, else `/dev/shm/drover-secrets`; each device gets its own directory in it).
    public var secretsDir: String?

    /// Creates a config.
    public init(
        server: String, provisioningKey: String?, deviceName: String?, engine: String?, stateDir: String, pollInterval: Double? = nil,
        logBufferBytes: Int? = nil
    ) {
        self.server = server
        self.provisioningKey = provisioningKey
        self.deviceName = deviceName
        self.engine = engine
        self.stateDir = stateDir
        self.pollInterval = pollInterval
        self.logBufferBytes = logBufferBytes
    }

    /// Reads and checks a config file, naming what is wrong.
    public static func load(path: String) throws(AgentError) -> AgentConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AgentError(.invalidTarget, "cannot read agent config \(path): \(error.localizedDescription)")
        }
        let config: AgentConfig
        do {
            config = try JSONDecoder().decode(AgentConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw AgentError(.invalidTarget, "\(path): missing key '\(key.stringValue)'")
        } catch {
            throw AgentError(.invalidTarget, "\(path): not a valid agent config (JSON with server, stateDir, provisioningKey…)")
        }
        guard config.server.hasPrefix("http://") || config.server.hasPrefix("https://") else {
            throw AgentError(.invalidTarget, "\(path): server '\(config.server)' must start with http:// or https://")
        }
        if let poll = config.pollInterval, !Self.pollIntervals.contains(poll) {
            throw AgentError(.invalidTarget, "\(path): pollInterval \(poll) must be a number of seconds from 0.1 to 3600")
        }
        if let bytes = config.logBufferBytes, bytes < 0 {
            throw AgentError(.invalidTarget, "\(path): logBufferBytes \(bytes) must not be negative")
        }
        if let bytes = config.metricBufferBytes, bytes < 0 {
            throw AgentError(.invalidTarget, "\(path): metricBufferBytes \(bytes) must not be negative")
        }
        return config
    }

    /// The poll intervals a config may set, in seconds.
    public static let pollIntervals: ClosedRange<Double> = 0.1...3600

    /// The poll interval in effect: the configured one within ``pollIntervals``, else 30 s.
    public var effectivePollInterval: Double {
        guard let pollInterval, pollInterval.isFinite else { return 30 }
        return min(max(pollInterval, Self.pollIntervals.lowerBound), Self.pollIntervals.upperBound)
    }
}

/// What the agent keeps about itself after enrolment.
struct DeviceCredentials: Codable, Sendable {
    var uuid: String
    var apiKey: String
    var server: String
    var fleet: String
}
