import DroverModel

/// Predicts every step a convergence would take by applying each plan's effects to a copy of
/// the engine state and planning again. Used by `drover-agent plan`; assumes every step
/// succeeds and every health check passes.
public struct PlanSimulator: Sendable {
    /// The planner to run.
    public var planner: ReleasePlanner

    /// Creates a simulator.
    public init(planner: ReleasePlanner) {
        self.planner = planner
    }

    /// The rounds of steps from `current` to convergence, and anything that blocks it.
    public func simulate(current: EngineSnapshot, target: AppTarget?, maxRounds: Int = 64) -> (rounds: [[Step]], blocked: [String]) {
        var state = current
        var rounds: [[Step]] = []
        var counter = 0
        for _ in 0..<maxRounds {
            var plan = planner.plan(current: state, target: target)
            if plan.steps.isEmpty {
                // Waiting in a simulation means a dependency's health or completion: assume it comes.
                guard !plan.waiting.isEmpty else { return (rounds, plan.blocked + plan.failedDependencies + plan.deferred) }
                var progressed = false
                // A hand-over's new container is assumed to signal that it has taken over.
                for container in state.containers where container.isUp {
                    let signal = EngineNames.handoverSignal(service: container.service, configHash: container.configHash)
                    if state.handoverSignals.insert(signal).inserted { progressed = true }
                }
                for index in state.containers.indices where state.containers[index].health != .healthy || state.containers[index].state != .exited {
                    if state.containers[index].health != nil && state.containers[index].health != .healthy {
                        state.containers[index].health = .healthy
                        progressed = true
                    }
                }
                if !progressed {
                    for index in state.containers.indices where state.containers[index].state == .running {
                        state.containers[index].state = .exited
                        state.containers[index].exitCode = 0
                        progressed = true
                    }
                }
                plan = planner.plan(current: state, target: target)
                if !progressed || plan.steps.isEmpty { return (rounds, plan.blocked + plan.waiting) }
            }
            rounds.append(plan.steps)
            for step in plan.steps {
                counter += 1
                switch step {
                case .pullImage(let reference, _):
                    state.images[reference] = "sha256:simulated-\(reference)"
                case .createNetwork(let name, let engineName):
                    state.networks.append(ObservedResource(engineName: engineName, name: name, configHash: target?.networks?[name]?.configHash))
                case .createVolume(let name, let engineName):
                    state.volumes.append(ObservedResource(engineName: engineName, name: name))
                case .createContainer(let service, let containerName, let replica, let start):
                    add(
                        service, containerName, replica: replica, running: start, id: "simulated-\(counter)", created: Int64(counter), to: &state,
                        target: target)
                case .handOver(let service, let containerName, let replica, _, _):
                    // The executor clears the signal before the new container starts, as each replica hands over in turn.
                    state.handoverSignals.remove(EngineNames.handoverSignal(service: service, configHash: target?.configHash(of: service) ?? ""))
                    add(
                        service, containerName, replica: replica, running: true, id: "simulated-\(counter)", created: Int64(counter), to: &state, target: target
                    )
                case .stopContainer(_, let id, _):
                    if let index = state.containers.firstIndex(where: { $0.id == id }) {
                        state.containers[index].state = .exited
                        state.containers[index].exitCode = 0
                    }
                case .startContainer(_, let id, _):
                    if let index = state.containers.firstIndex(where: { $0.id == id }) { state.containers[index].state = .running }
                case .removeContainer(_, let id, _, _), .deleteContainer(_, let id, _, _, _):
                    state.containers.removeAll { $0.id == id }
                case .removeNetwork(_, let engineName):
                    state.networks.removeAll { $0.engineName == engineName }
                case .removeVolume(_, let engineName):
                    state.volumes.removeAll { $0.engineName == engineName }
                }
            }
        }
        return (rounds, ["the plan did not settle within \(maxRounds) rounds"])
    }

    private func add(
        _ service: String, _ containerName: String, replica: Int, running: Bool, id: String, created: Int64, to state: inout EngineSnapshot, target: AppTarget?
    ) {
        guard let target, let spec = target.services[service] else { return }
        let names = EngineNames(device: planner.device, app: planner.app)
        let networks = (spec.networks ?? [:]).map { names.network($0.key, target.networks?[$0.key]) }
        let hasCheck = spec.healthcheck.map { $0.test != ["NONE"] } ?? false
        state.containers.append(
            ObservedContainer(
                id: id, name: containerName, service: service, configHash: target.configHash(of: service),
                release: target.release, state: running ? .running : .created, health: hasCheck ? .healthy : nil,
                imageID: spec.image.flatMap { state.images[$0] } ?? "", image: spec.image ?? "", networks: networks.sorted(), created: created,
                replica: replica))
    }
}
