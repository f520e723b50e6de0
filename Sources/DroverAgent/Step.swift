/// One thing the executor does to the engine. Steps are plain data so that plans can be
/// printed, compared in tests and shown by `drover-agent plan`.
public enum Step: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// Pull an image.
    case pullImage(reference: String, platform: String?)
    /// Create a network of the app.
    case createNetwork(name: String, engineName: String)
    /// Create a named volume of the app.
    case createVolume(name: String, engineName: String)
    /// Create replica `replica` (from 1) of a service and attach its networks; start it too
    /// unless an old container of that replica still has to go first (then a `startContainer` follows).
    case createContainer(service: String, containerName: String, replica: Int, start: Bool)
    /// Start an existing container that is not running (e.g. left created by a crash).
    case startContainer(service: String, id: String, containerName: String)
    /// Stop a container that must not run (the service was stopped by a user).
    case stopContainer(service: String, id: String, containerName: String)
    /// Stop (with the service's grace period) and remove a container.
    case removeContainer(service: String, id: String, containerName: String, reason: String)
    /// Stop and remove a container, then remove the image it ran (delete-then-download: the
    /// old image leaves the device before the new one is fetched). An image something else
    /// still uses stays.
    case deleteContainer(service: String, id: String, containerName: String, image: String, reason: String)
    /// Hand-over: clear the old container's restart policy (so a power cut cannot bring both
    /// back), then create and start the new container beside it.
    case handOver(service: String, containerName: String, replica: Int, from: String, fromName: String)
    /// Remove a network the app no longer uses.
    case removeNetwork(name: String, engineName: String)
    /// Remove a named volume (only when the user asked to remove volumes).
    case removeVolume(name: String, engineName: String)

    /// A stable key for retry bookkeeping.
    public var key: String { description }

    /// The kind of step, for JSON output.
    public var kind: String {
        switch self {
        case .pullImage: "pull"
        case .createNetwork: "create-network"
        case .createVolume: "create-volume"
        case .createContainer: "create"
        case .startContainer: "start"
        case .stopContainer: "stop"
        case .removeContainer: "remove"
        case .deleteContainer: "delete"
        case .handOver: "hand-over"
        case .removeNetwork: "remove-network"
        case .removeVolume: "remove-volume"
        }
    }

    /// The service the step is about, if any.
    public var service: String? {
        switch self {
        case .createContainer(let service, _, _, _), .startContainer(let service, _, _), .stopContainer(let service, _, _),
            .removeContainer(let service, _, _, _), .deleteContainer(let service, _, _, _, _), .handOver(let service, _, _, _, _):
            service
        default: nil
        }
    }

    /// Whether the step starts its service's container (what a device can refuse).
    public var startsService: Bool {
        switch self {
        case .createContainer(_, _, _, let start): start
        case .startContainer, .handOver: true
        default: false
        }
    }

    /// What the step acts on, in words.
    public var subject: String {
        switch self {
        case .pullImage(let reference, _): reference
        case .createNetwork(let name, let engineName), .removeNetwork(let name, let engineName): "\(name) (\(engineName))"
        case .createVolume(let name, let engineName), .removeVolume(let name, let engineName): "\(name) (\(engineName))"
        case .createContainer(let service, let containerName, _, let start): "\(service) (\(containerName))\(start ? "" : ", started once the old one is gone")"
        case .startContainer(let service, _, let containerName), .stopContainer(let service, _, let containerName): "\(service) (\(containerName))"
        case .removeContainer(let service, _, let containerName, let reason): "\(service) (\(containerName)): \(reason)"
        case .deleteContainer(let service, _, let containerName, let image, let reason):
            "\(service) (\(containerName)) and image \(image): \(reason)"
        case .handOver(let service, let containerName, _, _, let fromName): "\(service) (\(containerName)) starts beside \(fromName)"
        }
    }

    public var description: String { "\(kind) \(subject)" }
}

/// The planner's answer: steps that can run now, all independent of each other, and what
/// convergence is waiting for.
public struct Plan: Sendable, Equatable {
    /// Steps to run now, in a stable order; they may run in parallel.
    public var steps: [Step]
    /// What blocks further steps (a dependency not yet healthy), in words.
    public var waiting: [String]
    /// Problems no step can fix (an external network that does not exist).
    public var blocked: [String]
    /// Steps held back by an update lock, in words (`update pending: locked by web`).
    public var deferred: [String]
    /// Services that cannot start because a dependency failed (unhealthy, exited with an error).
    public var failedDependencies: [String]

    /// Creates a plan.
    public init(steps: [Step] = [], waiting: [String] = [], blocked: [String] = [], deferred: [String] = [], failedDependencies: [String] = []) {
        self.steps = steps
        self.waiting = waiting
        self.blocked = blocked
        self.deferred = deferred
        self.failedDependencies = failedDependencies
    }

    /// True when nothing is left to do, wait for, or held back.
    public var isConverged: Bool { steps.isEmpty && waiting.isEmpty && blocked.isEmpty && deferred.isEmpty && failedDependencies.isEmpty }
}
