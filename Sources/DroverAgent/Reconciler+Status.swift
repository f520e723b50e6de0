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
                    configHash: String(observed.configHash.prefix(12)),
                    failure: holds.hold(app: summary.labels[DroverLabel.app] ?? "", service: observed.service, configHash: observed.configHash)?.message)
            }.sorted { ($0.app, $0.service, $0.containerName) < ($1.app, $1.service, $1.containerName) }
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
    /// Why the service does not run as asked, when the device refuses it (no such device driver or runtime).
    public var failure: String?
}
