import DroverModel

extension ReleasePlanner {
    /// True when `service` cannot start yet; says why in the plan: waiting for a dependency,
    /// or blocked because one failed (unhealthy, or a one-shot that exited with an error), as
    /// docker compose stops there too. `satisfied` holds, per service, the container of each
    /// replica that runs its target: a dependency is met when all its replicas meet it.
    func holdBack(
        _ service: String, spec: ServiceSpec, satisfied: [String: [ObservedContainer]], target: AppTarget, plan: inout Plan
    ) -> Bool {
        var dependencies = spec.dependsOn ?? [:]
        if let mode = spec.networkMode, mode.hasPrefix("service:") {
            dependencies[String(mode.dropFirst("service:".count)), default: .serviceStarted] = .serviceStarted
        }
        // A dependency a user stopped on purpose, or scaled to 0, does not hold its dependents back.
        for (dependency, condition) in dependencies.sorted(by: { $0.key < $1.key }) where !(target.stopped ?? []).contains(dependency) {
            let count = target.services[dependency]?.replicaCount ?? 1
            let containers = satisfied[dependency] ?? []
            guard containers.count >= count else {
                plan.waiting.append("\(service) waits for \(dependency) to be created")
                return true
            }
            for container in containers {
                let name = count > 1 ? "\(dependency) replica \(container.replica)" : dependency
                if !meets(condition, service: service, dependency: name, container, checked: target.services[dependency]?.healthcheck, plan: &plan) {
                    return true
                }
            }
        }
        return false
    }

    /// Whether `container` of a dependency meets `condition`; says why not in the plan.
    private func meets(
        _ condition: DependencyCondition, service: String, dependency: String, _ container: ObservedContainer, checked: ServiceSpec.Healthcheck?,
        plan: inout Plan
    ) -> Bool {
        switch condition {
        case .serviceStarted:
            if container.state == .created {
                plan.waiting.append("\(service) waits for \(dependency) to start")
                return false
            }
        case .serviceHealthy:
            let hasCheck = checked.map { $0.test != ["NONE"] } ?? false
            if !hasCheck {
                if !container.isUp {
                    plan.waiting.append("\(service) waits for \(dependency) to start")
                    return false
                }
            } else if container.health == .unhealthy {
                plan.failedDependencies.append("\(service) cannot start: \(dependency) is unhealthy")
                return false
            } else if container.health != .healthy {
                let state = container.isUp ? (container.health ?? .starting).rawValue : container.state.rawValue
                plan.waiting.append("\(service) waits for \(dependency) to be healthy (now \(state))")
                return false
            }
        case .serviceCompletedSuccessfully:
            if container.state != .exited {
                plan.waiting.append("\(service) waits for \(dependency) to complete")
                return false
            }
            if container.exitCode != 0 {
                plan.failedDependencies.append("\(service) cannot start: \(dependency) exited with code \(container.exitCode.map(String.init) ?? "?")")
                return false
            }
        }
        return true
    }
}
