import DroverAgent
import DroverModel
import Testing

@Suite("Release planner")
struct ReleasePlannerTests {
    let device = DeviceIdentity(id: "dev1")

    func target(_ yaml: String, release: String = "r1") throws -> AppTarget {
        AppTarget(release: release, app: try ComposeParser().parse(yaml).app)
    }

    let twoServices = """
        services:
          db:
            image: db:1
            healthcheck: {test: ["CMD", "true"]}
          web:
            image: web:1
            depends_on: {db: {condition: service_healthy}}
        """

    /// The state after a full apply of `target`, as the engine would show it.
    func converged(_ target: AppTarget, health: API.ContainerHealth? = .healthy) -> EngineSnapshot {
        let names = EngineNames(device: device, app: "shop")
        var snapshot = EngineSnapshot(images: Dictionary(uniqueKeysWithValues: Set(target.services.values.compactMap(\.image)).map { ($0, "sha256:\($0)") }))
        snapshot.networks = (target.networks ?? [:]).map { ObservedResource(engineName: names.network($0.key, $0.value), name: $0.key) }
        for (index, (service, spec)) in target.services.sorted(by: { $0.key < $1.key }).enumerated() {
            snapshot.containers.append(
                ObservedContainer(
                    id: "c\(index)", name: names.container(service, configHash: target.configHash(of: service)), service: service,
                    configHash: target.configHash(of: service), release: target.release, state: .running, health: spec.healthcheck == nil ? nil : health,
                    imageID: "sha256:\(spec.image ?? "")", networks: (spec.networks ?? [:]).keys.map { names.network($0, nil) }))
        }
        return snapshot
    }

    @Test("a fresh device pulls every image and creates the network first; nothing else")
    func freshDevice() throws {
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: EngineSnapshot(), target: try target(twoServices))
        #expect(plan.steps.filter { $0.kind == "pull" }.count == 2)
        #expect(plan.steps.contains(.createNetwork(name: "default", engineName: "shop_default_dev1")))
        #expect(!plan.steps.contains { $0.kind == "create" })
    }

    @Test("a converged device plans nothing")
    func convergedPlansNothing() throws {
        let app = try target(twoServices)
        #expect(ReleasePlanner(device: device, app: "shop").plan(current: converged(app), target: app).isConverged)
    }

    @Test("web waits for db to be healthy, and is created once it is")
    func healthGate() throws {
        let app = try target(twoServices)
        var state = converged(app, health: .starting)
        state.containers.removeAll { $0.service == "web" }
        let waiting = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(waiting.steps.isEmpty)
        #expect(waiting.waiting == ["web waits for db to be healthy (now starting)"])
        state.containers[0].health = .healthy
        let ready = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(ready.steps.map(\.kind) == ["create"])
        if case .createContainer(_, _, _, let start) = ready.steps.first { #expect(start) }
        #expect(ready.steps.first?.service == "web")
    }

    @Test("download-then-kill: while an image is missing nothing is stopped")
    func downloadThenKill() throws {
        let old = try target(twoServices)
        let new = try target(twoServices.replacingOccurrences(of: "web:1", with: "web:2"), release: "r2")
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: converged(old), target: new)
        #expect(plan.steps == [.pullImage(reference: "web:2", platform: nil)])
        var pulled = converged(old)
        pulled.images["web:2"] = "sha256:web:2"
        let next = ReleasePlanner(device: device, app: "shop").plan(current: pulled, target: new)
        #expect(Set(next.steps.map(\.kind)) == ["remove", "create"])
        #expect(next.steps.allSatisfy { $0.service == "web" })
    }

    @Test("a changed environment recreates only that service")
    func onlyChangedServiceRecreated() throws {
        let old = try target(twoServices)
        let new = try target(twoServices.replacingOccurrences(of: "image: web:1", with: "image: web:1\n    environment: {A: b}"), release: "r2")
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: converged(old), target: new)
        #expect(plan.steps.count == 2)
        #expect(plan.steps.allSatisfy { $0.service == "web" })
        // The replacement is prepared beside the old container and started once it is gone.
        let prepared = plan.steps.first { $0.kind == "create" }
        if case .createContainer(_, _, _, let start) = prepared { #expect(!start) } else { Issue.record("no replacement prepared") }
        var swapped = converged(old)
        swapped.containers.removeAll { $0.service == "web" }
        let names = EngineNames(device: device, app: "shop")
        swapped.containers.append(
            ObservedContainer(
                id: "new", name: names.container("web", configHash: new.configHash(of: "web")), service: "web", configHash: new.configHash(of: "web"),
                release: "r2", state: .created, imageID: "sha256:web:1"))
        #expect(ReleasePlanner(device: device, app: "shop").plan(current: swapped, target: new).steps.map(\.kind) == ["start"])
    }

    @Test("a new release id alone changes nothing")
    func releaseIdAlone() throws {
        let old = try target(twoServices)
        let new = try target(twoServices, release: "r2")
        #expect(ReleasePlanner(device: device, app: "shop").plan(current: converged(old), target: new).isConverged)
    }

    @Test("a service removed from the file loses its container; volumes are never removed by an update")
    func removedService() throws {
        let withVolume = twoServices + "\n    volumes: [data:/data]\nvolumes:\n  data:\n"
        let old = try target(withVolume)
        var state = converged(old)
        state.volumes = [ObservedResource(engineName: "shop_data_dev1", name: "data")]
        let new = try target("services:\n  db:\n    image: db:1\n    healthcheck: {test: [\"CMD\", \"true\"]}\n", release: "r2")
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: new)
        #expect(plan.steps.map(\.kind) == ["remove"])
        #expect(plan.steps.first?.service == "web")
    }

    @Test("removing the app keeps volumes unless asked")
    func removeApp() throws {
        let app = try target(twoServices)
        var state = converged(app)
        state.volumes = [ObservedResource(engineName: "shop_data_dev1", name: "data")]
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: nil)
        #expect(plan.steps.map(\.kind) == ["remove", "remove"])
        state.containers = []
        let wipe = ReleasePlanner(device: device, app: "shop", options: .init(removeVolumes: true)).plan(current: state, target: nil)
        #expect(wipe.steps.contains(.removeVolume(name: "data", engineName: "shop_data_dev1")))
    }

    @Test("a container left created by a crash is started, not recreated")
    func crashLeftCreated() throws {
        let app = try target(twoServices)
        var state = converged(app)
        state.containers[1].state = .created
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(plan.steps.map(\.kind) == ["start"])
    }

    @Test("duplicates of a service (two matching containers) are reduced to one")
    func duplicates() throws {
        let app = try target(twoServices)
        var state = converged(app)
        var copy = state.containers[1]
        copy.id = "dup"
        copy.created = -1
        state.containers.append(copy)
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(plan.steps == [.removeContainer(service: "web", id: "dup", containerName: copy.name, reason: "duplicate container")])
    }

    @Test("the simulator predicts the whole apply in dependency order")
    func simulation() throws {
        let app = try target(twoServices)
        let (rounds, blocked) = PlanSimulator(planner: ReleasePlanner(device: device, app: "shop")).simulate(current: EngineSnapshot(), target: app)
        #expect(blocked.isEmpty)
        #expect(rounds.map { $0.map(\.kind) } == [["pull", "pull", "create-network"], ["create"], ["create"]])
        let update = try target(twoServices.replacingOccurrences(of: "web:1", with: "web:2"), release: "r2")
        let (updateRounds, _) = PlanSimulator(planner: ReleasePlanner(device: device, app: "shop")).simulate(current: converged(app), target: update)
        #expect(updateRounds.map { Set($0.map(\.kind)) } == [["pull"], ["create", "remove"], ["start"]])
        #expect(rounds[1].first?.service == "db" && rounds[2].first?.service == "web")
    }

    @Test("a stopped service's container is stopped, not removed, and its dependents are not held back")
    func stoppedService() throws {
        var app = try target(twoServices)
        app.stopped = ["db"]
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: converged(app), target: app)
        #expect(plan.steps.map(\.kind) == ["stop"])
        #expect(plan.steps.first?.service == "db")
        var state = converged(app)
        state.containers[0].state = .exited
        state.containers[0].exitCode = 0
        state.containers.removeAll { $0.service == "web" }
        let next = ReleasePlanner(device: device, app: "shop").plan(current: state, target: app)
        #expect(next.steps.map(\.kind) == ["create"], "web is created although db is stopped")
        #expect(next.waiting.isEmpty)
    }

    @Test("a raised restart counter recreates only the services it names")
    func restartCounter() throws {
        let app = try target(twoServices)
        var restarted = app
        restarted.restarts = ["web": 1]
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: converged(app), target: restarted)
        #expect(Set(plan.steps.map(\.kind)) == ["create", "remove"])
        #expect(plan.steps.allSatisfy { $0.service == "web" })
    }

    @Test("a service whose secret cannot be had keeps its running container: nothing of it is removed or created, and the plan says why")
    func unavailableSecretKeepsWhatRuns() throws {
        let yaml = "services:\n  reader: {image: r:1, secrets: [token]}\n  other: {image: o:1}\nsecrets:\n  token: {external: true}\n"
        var old = try target(yaml, release: "r1")
        old.secrets?["token"]?.version = "v1"
        var snapshot = converged(old)
        var new = old
        new.release = "r2"
        new.secrets?["token"]?.version = "missing"
        snapshot.unavailable = ["reader": "secret 'token' is not on the server"]
        let plan = ReleasePlanner(device: device, app: "shop").plan(current: snapshot, target: new)
        #expect(plan.steps.isEmpty, "\(plan.steps)")
        #expect(plan.blocked == ["reader waits for its secrets and configs: secret 'token' is not on the server"])
        // Once the value is there, the reader is replaced as any changed service is.
        snapshot.unavailable = [:]
        new.secrets?["token"]?.version = "v2"
        let later = ReleasePlanner(device: device, app: "shop").plan(current: snapshot, target: new)
        #expect(later.steps.contains { $0.kind == "create" && $0.service == "reader" })
        #expect(!later.steps.contains { $0.service == "other" })
    }

    @Test("an app named '.' or '..' is refused: its name names directories on the device")
    func dotNames() {
        for name in [".", ".."] {
            #expect(throws: ModelError.self) { try AppTarget(release: "r", services: ["web": ServiceSpec(image: "x")]).validate(name: name) }
        }
    }
}
