import DockerEngine
import DroverModel
import Foundation

extension Reconciler {
    /// Every step a convergence would take from the engine's current state, in rounds.
    public func predict(app: String, target: AppTarget?, planning: ReleasePlanner.Options = ReleasePlanner.Options()) async throws(AgentError) -> (
        rounds: [[Step]], blocked: [String]
    ) {
        let snapshot = try await observe(app: app, target: target, pulled: [])
        return PlanSimulator(planner: ReleasePlanner(device: device, app: app, options: planning)).simulate(current: snapshot, target: target)
    }

    /// What runs for this device, per app and service.
    public func status(app: String?) async throws(AgentError) -> [ServiceStatus] {
        do {
            let containers = try await engine.listContainers(all: true, filters: device.labelFilter(app: app))
            return containers.map { summary in
                let observed = ObservedContainer(summary: summary)
                return ServiceStatus(
                    app: summary.labels[DroverLabel.app] ?? "", service: observed.service, release: observed.release, state: observed.state,
                    health: observed.health, containerID: String(observed.id.prefix(12)), containerName: observed.name, image: summary.image,
                    configHash: String(observed.configHash.prefix(12)), replica: observed.replica,
                    failure: holds.hold(app: summary.labels[DroverLabel.app] ?? "", service: observed.service, configHash: observed.configHash)?.message)
            }.sorted { ($0.app, $0.service, $0.replica, $0.containerName) < ($1.app, $1.service, $1.replica, $1.containerName) }
        } catch {
            throw AgentError(.engine, "cannot list containers", cause: error)
        }
    }
}

/// One service's container as `drover-agent status` shows it.
public struct ServiceStatus: Codable, Sendable, Equatable {
    /// App.
    public var app: String
    /// Service.
    public var service: String
    /// Release the container was created for.
    public var release: String
    /// Engine state.
    public var state: API.ContainerState
    /// Health, when checked.
    public var health: API.ContainerHealth?
    /// Short container ID.
    public var containerID: String
    /// Container name.
    public var containerName: String
    /// Image reference.
    public var image: String
    /// Short config hash.
    public var configHash: String
    /// Which replica of the service the container is, from 1.
    public var replica: Int
    /// Why the service does not run as asked, when the device refuses it (no such device driver or runtime).
    public var failure: String?

    /// Creates a status.
    public init(
        app: String, service: String, release: String, state: API.ContainerState, health: API.ContainerHealth?, containerID: String,
        containerName: String, image: String, configHash: String, replica: Int, failure: String? = nil
    ) {
        self.app = app
        self.service = service
        self.release = release
        self.state = state
        self.health = health
        self.containerID = containerID
        self.containerName = containerName
        self.image = image
        self.configHash = configHash
        self.replica = replica
        self.failure = failure
    }

    /// What the server hears of each service: one entry per service, however many containers
    /// it runs. `desired` holds the replica count of each service the target names; a
    /// service of more (or fewer) than one also says how many it should run and how many are
    /// up ("2/3 running"), a service of one reads as it always did.
    public static func report(_ statuses: [ServiceStatus], desired: [String: Int]) -> [String: API.ServiceState] {
        var report: [String: API.ServiceState] = [:]
        for (service, containers) in Dictionary(grouping: statuses, by: \.service) {
            let count = desired[service] ?? 1
            // Per replica, a container that is up stands for it (a hand-over has two).
            var byReplica: [Int: ServiceStatus] = [:]
            for container in containers where count <= 1 || (1...count).contains(container.replica) {
                if let known = byReplica[container.replica], known.state.isUp || !container.state.isUp { continue }
                byReplica[container.replica] = container
            }
            let replicas = byReplica.sorted { $0.key < $1.key }.map(\.value)
            guard let first = replicas.first else { continue }
            let up = replicas.filter(\.state.isUp)
            let worst: [API.ContainerHealth] = [.unhealthy, .starting, .healthy]
            var state = API.ServiceState(
                release: first.release, status: up.first?.state ?? first.state, containerID: first.containerID,
                health: worst.first { health in replicas.contains { $0.health == health } }, failure: replicas.compactMap(\.failure).first)
            if count != 1 {
                state.replicas = count
                state.running = up.count
            }
            report[service] = state
        }
        return report
    }
}
