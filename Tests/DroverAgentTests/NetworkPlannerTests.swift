import DroverAgent
import DroverModel
import Testing

@Suite("Release planner: networks whose settings change")
struct NetworkPlannerTests {
    let device = DeviceIdentity(id: "dev1")
    let names = EngineNames(device: DeviceIdentity(id: "dev1"), app: "shop")

    func target(subnet: String, address: String) throws -> AppTarget {
        let yaml = """
            services:
              web:
                image: web:1
                networks: {front: {ipv4_address: \(address)}}
              cache:
                image: cache:1
            networks:
              front:
                ipam: {config: [{subnet: \(subnet)}]}
            """
        return AppTarget(release: "r1", app: try ComposeParser().parse(yaml).app)
    }

    /// The engine after a full apply of `target`, networks labelled with their config hash.
    func converged(_ target: AppTarget) -> EngineSnapshot {
        var snapshot = EngineSnapshot(images: ["web:1": "sha256:web", "cache:1": "sha256:cache"])
        snapshot.networks = (target.networks ?? [:]).map {
            ObservedResource(engineName: names.network($0.key, $0.value), name: $0.key, configHash: $0.value.configHash)
        }
        for (index, (service, spec)) in target.services.sorted(by: { $0.key < $1.key }).enumerated() {
            let hash = target.configHash(of: service)
            snapshot.containers.append(
                ObservedContainer(
                    id: "c\(index)", name: names.container(service, configHash: hash), service: service, configHash: hash, release: "r1",
                    state: .running, imageID: "sha256:\(service)", networks: (spec.networks ?? [:]).keys.map { names.network($0, nil) }))
        }
        return snapshot
    }

    @Test("a network with the same settings plans nothing")
    func unchanged() throws {
        let app = try target(subnet: "172.31.240.0/24", address: "172.31.240.10")
        #expect(ReleasePlanner(device: device, app: "shop").plan(current: converged(app), target: app).isConverged)
    }

    @Test("a changed subnet removes the attached containers, then the network, then creates both anew; other services stay")
    func changedSubnetInOrder() throws {
        let old = try target(subnet: "172.31.240.0/24", address: "172.31.240.10")
        let new = try target(subnet: "172.31.241.0/24", address: "172.31.241.10")
        let planner = ReleasePlanner(device: device, app: "shop")
        var state = converged(old)
        let web = try #require(state.containers.first { $0.service == "web" })

        let first = planner.plan(current: state, target: new)
        #expect(first.steps == [.removeContainer(service: "web", id: web.id, containerName: web.name, reason: "network front changed")])

        state.containers.removeAll { $0.id == web.id }
        let second = planner.plan(current: state, target: new)
        #expect(second.steps == [.removeNetwork(name: "front", engineName: "shop_front_dev1")])

        state.networks.removeAll { $0.name == "front" }
        let third = planner.plan(current: state, target: new)
        #expect(third.steps == [.createNetwork(name: "front", engineName: "shop_front_dev1")])

        state.networks.append(ObservedResource(engineName: "shop_front_dev1", name: "front", configHash: new.networks?["front"]?.configHash))
        let fourth = planner.plan(current: state, target: new)
        let hash = new.configHash(of: "web")
        #expect(fourth.steps == [.createContainer(service: "web", containerName: names.container("web", configHash: hash), replica: 1, start: true)])
    }

    @Test("an update lock holds back the remaking of a network")
    func lockedNetwork() throws {
        let old = try target(subnet: "172.31.240.0/24", address: "172.31.240.10")
        let new = try target(subnet: "172.31.241.0/24", address: "172.31.241.10")
        var state = converged(old)
        state.locks = ["cache"]
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: new)
        #expect(plan.steps.isEmpty)
        #expect(plan.deferred == ["update pending: locked by cache"])
    }

    @Test("a network an older agent made without a config hash is kept when what the engine shows agrees", arguments: [true, false])
    func legacyNetwork(agrees: Bool) throws {
        let app = try target(subnet: "172.31.240.0/24", address: "172.31.240.10")
        var state = converged(app)
        let subnets = agrees ? ["172.31.240.0/24"] : ["172.31.99.0/24"]
        state.networks = state.networks.map {
            ObservedResource(engineName: $0.engineName, name: $0.name, settings: ObservedNetworkSettings(subnets: $0.name == "front" ? subnets : []))
        }
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(plan.isConverged == agrees)
        if !agrees { #expect(plan.steps.map(\.kind) == ["remove"]) }
    }

    @Test("a legacy network with another driver setting is remade")
    func legacyInternal() throws {
        let app = try target(subnet: "172.31.240.0/24", address: "172.31.240.10")
        var state = converged(app)
        state.networks = state.networks.map {
            ObservedResource(engineName: $0.engineName, name: $0.name, settings: ObservedNetworkSettings(internal: true, subnets: ["172.31.240.0/24"]))
        }
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(plan.steps.contains { $0.kind == "remove" || $0.kind == "remove-network" })
    }

    @Test("drover-agent plan shows the remaking of a network round by round, and settles")
    func simulated() throws {
        let old = try target(subnet: "172.31.240.0/24", address: "172.31.240.10")
        let new = try target(subnet: "172.31.241.0/24", address: "172.31.241.10")
        let (rounds, blocked) = PlanSimulator(planner: ReleasePlanner(device: device, app: "shop")).simulate(current: converged(old), target: new)
        #expect(rounds.map { $0.map(\.kind) } == [["remove"], ["remove-network"], ["create-network"], ["create"]])
        #expect(blocked.isEmpty)
    }
}
