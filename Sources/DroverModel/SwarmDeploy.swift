import Foundation

/// What a service's `deploy` says to a swarm: replicas or global, placement, reservations,
/// rolling updates and their rollback, restarts and the endpoint mode. Only releases of a fleet
/// in cluster mode carry it; durations are in nanoseconds.
public struct SwarmDeploy: Codable, Sendable, Equatable {
    /// `global` runs one task per node that fits the placement; nil is `replicated`.
    public var global: Bool?
    /// Tasks of a replicated service; nil is 1.
    public var replicas: Int?
    /// `deploy.placement.constraints`, e.g. `node.labels.zone==a`.
    public var constraints: [String]?
    /// `deploy.placement.preferences`: the spread descriptors, e.g. `node.labels.zone`.
    public var spread: [String]?
    /// `deploy.placement.max_replicas_per_node`.
    public var maxReplicasPerNode: Int?
    /// `deploy.resources.reservations.cpus`.
    public var reservedCPUs: Double?
    /// `deploy.update_config`.
    public var update: RollingUpdate?
    /// `deploy.rollback_config`.
    public var rollback: RollingUpdate?
    /// `deploy.restart_policy`.
    public var restart: RestartPolicy?
    /// `deploy.endpoint_mode`: `vip` (nil) or `dnsrr`.
    public var endpointMode: String?
    /// `deploy.labels`: labels on the service (not its containers).
    public var labels: [String: String]?

    /// Creates an empty deploy section.
    public init() {}

    /// `update_config` or `rollback_config`.
    public struct RollingUpdate: Codable, Sendable, Equatable {
        /// Tasks changed at once (0 is all at once).
        public var parallelism: Int?
        /// Wait between batches.
        public var delay: Int64?
        /// `continue`, `pause` or `rollback` (not for rollback_config).
        public var failureAction: String?
        /// How long a task is watched for failure after it changed.
        public var monitor: Int64?
        /// Share of tasks that may fail before the failure action.
        public var maxFailureRatio: Double?
        /// `stop-first` or `start-first`.
        public var order: String?

        /// Creates an empty config.
        public init() {}
    }

    /// `restart_policy`.
    public struct RestartPolicy: Codable, Sendable, Equatable {
        /// `none`, `on-failure` or `any`.
        public var condition: String?
        /// Wait between restarts.
        public var delay: Int64?
        /// Most restarts (0: no limit).
        public var maxAttempts: Int?
        /// How long a restart is watched before it counts as a success.
        public var window: Int64?

        /// Creates an empty policy.
        public init() {}
    }

    /// Whether `constraint` is one that Swarm understands: `node.id`, `node.hostname`,
    /// `node.role`, `node.platform.os`, `node.platform.arch`, `node.labels.KEY` or
    /// `engine.labels.KEY`, then `==` or `!=`, then a value.
    public static func checkConstraint(_ constraint: String, at path: String, line: Int?) throws(ModelError) {
        let text = constraint.trimmingCharacters(in: .whitespaces)
        let op = text.range(of: "==") ?? text.range(of: "!=")
        guard let op else {
            throw ModelError(.invalidValue, at: path, line: line, "placement constraint '\(constraint)' needs '==' or '!=', e.g. 'node.labels.zone==a'")
        }
        let key = text[..<op.lowerBound].trimmingCharacters(in: .whitespaces)
        let value = text[op.upperBound...].trimmingCharacters(in: .whitespaces)
        let fixed: Set<String> = ["node.id", "node.hostname", "node.role", "node.platform.os", "node.platform.arch"]
        let labelled = ["node.labels.", "engine.labels."].contains { key.hasPrefix($0) && key.count > $0.count }
        guard fixed.contains(key) || labelled else {
            throw ModelError(
                .invalidValue, at: path, line: line,
                "placement constraint '\(constraint)' names '\(key)'; use node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.KEY (a Drover tag) or engine.labels.KEY"
            )
        }
        guard !value.isEmpty else {
            throw ModelError(.invalidValue, at: path, line: line, "placement constraint '\(constraint)' has no value after '\(text[op])'")
        }
        if key == "node.role", !["manager", "worker"].contains(value) {
            throw ModelError(.invalidValue, at: path, line: line, "placement constraint '\(constraint)': node.role is manager or worker")
        }
    }
}
