import DroverAgent
import DroverModel
import Testing

/// The planner with `replicas: N`: stable indexed names, scaling by the highest index, and an
/// update that replaces one replica at a time, each after the last one runs and is healthy.
@Suite("Replicas (planner)")
struct ReplicaPlannerTests {
    let device = DeviceIdentity(id: "dev1")
    let names = EngineNames(device: DeviceIdentity(id: "dev1"), app: "shop")

    func app(replicas: Int?, env: String = "1", strategy: String? = nil, healthcheck: Bool = false, release: String = "r1") throws -> AppTarget {
        var yaml = "services:\n  web:\n    image: web:1\n    environment: {V: '\(env)'}\n"
        if let replicas { yaml += "    scale: \(replicas)\n" }
        if let strategy { yaml += "    labels: {io.drover.update.strategy: \(strategy)}\n" }
        if healthcheck { yaml += "    healthcheck: {test: [CMD, 'true']}\n" }
        return AppTarget(release: release, app: try ComposeParser().parse(yaml).app)
    }

    /// The engine running replicas `indexes` of `target`, each healthy when it has a check.
    func running(_ target: AppTarget, _ indexes: ClosedRange<Int>, labelled: Bool = true) -> EngineSnapshot {
        let hash = target.configHash(of: "web")
        let count = target.services["web"]?.replicaCount ?? 1
        let checked = target.services["web"]?.healthcheck != nil
        var state = EngineSnapshot(networks: [ObservedResource(engineName: "shop_default_dev1", name: "default")], images: ["web:1": "sha256:web:1"])
        for index in indexes {
            state.containers.append(
                ObservedContainer(
                    id: "\(target.release)-\(index)", name: names.container("web", configHash: hash, replica: index, of: count), service: "web",
                    configHash: hash, release: target.release, state: .running, health: checked ? .healthy : nil, imageID: "sha256:web:1",
                    image: "web:1", created: Int64(index), replica: labelled ? index : 1))
        }
        return state
    }

    func plan(_ state: EngineSnapshot, _ target: AppTarget, force: Bool = false) -> Plan {
        ReleasePlanner(device: device, app: "shop", options: .init(force: force)).plan(current: state, target: target)
    }

    /// The replica index of each create or hand-over step.
    func created(_ plan: Plan) -> [Int] {
        plan.steps.compactMap { step in
            switch step {
            case .createContainer(_, _, let replica, _), .handOver(_, _, let replica, _, _): replica
            default: nil
            }
        }
    }

    /// The IDs of the containers each remove or delete step takes.
    func removed(_ plan: Plan) -> [String] {
        plan.steps.compactMap { step in
            switch step {
            case .removeContainer(_, let id, _, _), .deleteContainer(_, let id, _, _, _): id
            default: nil
            }
        }
    }

    @Test("a service of one container keeps today's name, and an agent upgrade recreates nothing")
    func singleNaming() throws {
        let single = try app(replicas: nil)
        let hash = single.configHash(of: "web")
        let fresh = plan(running(single, 1...1).dropping(), single)
        #expect(fresh.steps == [.createContainer(service: "web", containerName: "shop_web_dev1_\(hash.prefix(8))", replica: 1, start: true)])
        // A container made before replicas has no replica label: it is replica 1 and stays.
        #expect(plan(running(single, 1...1, labelled: false), single).isConverged)
    }

    @Test("replicas: 3 on a fresh device creates three indexed containers at once")
    func fresh() throws {
        let three = try app(replicas: 3)
        let hash = three.configHash(of: "web").prefix(8)
        let first = plan(running(three, 1...1).dropping(), three)
        #expect(first.steps.map(\.subject) == (1...3).map { "web (shop_web_dev1_\($0)_\(hash))" })
        #expect(created(first) == [1, 2, 3])
    }

    @Test("scaling up adds the missing indexes and leaves the running ones alone (1 → 3 keeps the old container)")
    func scaleUp() throws {
        #expect(created(plan(running(try app(replicas: 2), 1...2), try app(replicas: 4))) == [3, 4])
        let grown = plan(running(try app(replicas: nil), 1...1, labelled: false), try app(replicas: 3))
        #expect(created(grown) == [2, 3] && removed(grown).isEmpty)
    }

    @Test("scaling down removes the highest indexes, and nothing else")
    func scaleDown() throws {
        let result = plan(running(try app(replicas: 4), 1...4), try app(replicas: 2))
        #expect(removed(result) == ["r1-4", "r1-3"])
        #expect(result.steps.allSatisfy { $0.subject.hasSuffix("scaled to 2 replicas") })
        #expect(removed(plan(running(try app(replicas: 3), 1...3), try app(replicas: 0))) == ["r1-3", "r1-2", "r1-1"])
        // Scaling down stops containers, so a lock holds it back; scaling up adds and does not wait.
        var locked = running(try app(replicas: 3), 1...3)
        locked.locks = ["web"]
        let shrink = plan(locked, try app(replicas: 1))
        #expect(shrink.steps.isEmpty && shrink.deferred == ["update pending: locked by web"])
        #expect(created(plan(locked, try app(replicas: 4))) == [4])
    }

    @Test("an update replaces exactly one replica per round and waits for it to be healthy before the next")
    func rollingUpdate() throws {
        let old = try app(replicas: 3, healthcheck: true)
        let new = try app(replicas: 3, env: "2", healthcheck: true, release: "r2")
        var state = running(old, 1...3)
        for replica in 1...3 {
            let swap = plan(state, new)
            #expect(removed(swap) == ["r1-\(replica)"], "round for replica \(replica): \(swap.steps)")
            #expect(created(swap) == [replica])
            // The replacement is created, then started once the old one is gone.
            state.containers.removeAll { $0.id == "r1-\(replica)" }
            state.containers.append(
                ObservedContainer(
                    id: "r2-\(replica)", name: "new", service: "web", configHash: new.configHash(of: "web"), release: "r2", state: .created,
                    imageID: "sha256:web:1", replica: replica))
            #expect(plan(state, new).steps == [.startContainer(service: "web", id: "r2-\(replica)", containerName: "new")])
            let index = try #require(state.containers.firstIndex { $0.id == "r2-\(replica)" })
            state.containers[index].state = .running
            state.containers[index].health = .starting
            let waiting = plan(state, new)
            if replica < 3 {
                #expect(waiting.steps.isEmpty, "nothing else is touched while replica \(replica) starts")
                #expect(waiting.waiting.contains { $0.contains("replica \(replica) to run the new configuration (now starting)") })
            }
            state.containers[index].health = .healthy
        }
        #expect(plan(state, new).isConverged)
    }

    @Test("a new replica that turns unhealthy stops the update, as a failed dependency does (the rollback path)")
    func failedReplica() throws {
        let old = try app(replicas: 3, healthcheck: true)
        let new = try app(replicas: 3, env: "2", healthcheck: true, release: "r2")
        var state = running(old, 2...3)
        state.containers.append(
            ObservedContainer(
                id: "r2-1", name: "new", service: "web", configHash: new.configHash(of: "web"), release: "r2", state: .running, health: .unhealthy,
                imageID: "sha256:web:1", replica: 1))
        let stopped = plan(state, new)
        #expect(stopped.steps.isEmpty && stopped.waiting.isEmpty)
        #expect(stopped.failedDependencies == ["web replica 1 is unhealthy on the new configuration; replica(s) 2, 3 keep the old one"])
    }

    @Test("every strategy replaces one replica at a time, from the first plan to convergence", arguments: UpdateStrategy.allCases)
    func strategies(strategy: UpdateStrategy) throws {
        let old = try app(replicas: 3, strategy: strategy.rawValue)
        var new = try app(replicas: 3, strategy: strategy.rawValue, release: "r2")
        new.services["web"]?.image = "web:2"
        let (rounds, blocked) = PlanSimulator(planner: ReleasePlanner(device: device, app: "shop")).simulate(current: running(old, 1...3), target: new)
        #expect(blocked.isEmpty)
        var down: Set<String> = []
        var replaced = 0
        for round in rounds {
            // The replicas whose old container goes in this round.
            let going = round.compactMap { step -> String? in
                switch step {
                case .removeContainer(_, let id, _, _), .deleteContainer(_, let id, _, _, _): id
                default: nil
                }
            }
            #expect(going.count <= 1, "\(strategy): one replica per round, got \(round)")
            down.formUnion(going)
            replaced += going.count
        }
        #expect(down == ["r1-1", "r1-2", "r1-3"] && replaced == 3)
        // The first round takes nothing down but what the strategy says: the pull first, or replica 1 first.
        let first = rounds.first ?? []
        switch strategy {
        case .downloadThenKill, .handOver: #expect(first == [.pullImage(reference: "web:2", platform: nil)])
        case .killThenDownload, .deleteThenDownload: #expect(first.count == 1 && first.first?.kind != "pull")
        }
    }

    @Test("a dependent starts once every replica of its dependency is healthy")
    func dependency() throws {
        let yaml = """
            services:
              db: {image: db:1, scale: 2, healthcheck: {test: [CMD, 'true']}}
              web: {image: web:1, depends_on: {db: {condition: service_healthy}}}
            """
        let target = AppTarget(release: "r1", app: try ComposeParser().parse(yaml).app)
        let hash = target.configHash(of: "db")
        var state = EngineSnapshot(
            networks: [ObservedResource(engineName: "shop_default_dev1", name: "default")], images: ["db:1": "sha256:db", "web:1": "sha256:web"])
        for replica in 1...2 {
            state.containers.append(
                ObservedContainer(
                    id: "db\(replica)", name: "db\(replica)", service: "db", configHash: hash, release: "r1", state: .running,
                    health: replica == 1 ? .healthy : .starting, imageID: "sha256:db", replica: replica))
        }
        let waiting = plan(state, target)
        #expect(waiting.steps.isEmpty && waiting.waiting == ["web waits for db replica 2 to be healthy (now starting)"])
        state.containers[1].health = .healthy
        #expect(plan(state, target).steps.map(\.service) == ["web"])
    }
}

@Suite("Replicas (status report)")
struct ReplicaStatusTests {
    func status(_ service: String, replica: Int, _ state: API.ContainerState, health: API.ContainerHealth? = nil) -> ServiceStatus {
        ServiceStatus(
            app: "shop", service: service, release: "r1", state: state, health: health, containerID: "\(service)\(replica)",
            containerName: "\(service)-\(replica)", image: "web:1", configHash: "abc", replica: replica)
    }

    @Test("a replicated service reports how many of its replicas are up; a single one reads as before")
    func report() {
        let statuses = [
            status("web", replica: 1, .running, health: .healthy), status("web", replica: 2, .exited), status("web", replica: 3, .running, health: .starting),
            status("db", replica: 1, .running),
        ]
        let report = ServiceStatus.report(statuses, desired: ["web": 3, "db": 1])
        #expect(report["web"]?.replicas == 3 && report["web"]?.running == 2)
        #expect(report["web"]?.status == .running && report["web"]?.health == .starting && report["web"]?.containerID == "web1")
        #expect(report["db"] == API.ServiceState(release: "r1", status: .running, containerID: "db1", health: nil))
        // A replica beyond the count (being scaled down) is not counted.
        let shrinking = ServiceStatus.report(statuses, desired: ["web": 2])
        #expect(shrinking["web"]?.replicas == 2 && shrinking["web"]?.running == 1)
    }
}

extension EngineSnapshot {
    /// The same engine without containers.
    fileprivate func dropping() -> EngineSnapshot {
        var copy = self
        copy.containers = []
        return copy
    }
}
