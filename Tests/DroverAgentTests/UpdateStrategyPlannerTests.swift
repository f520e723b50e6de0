import DroverAgent
import DroverModel
import Testing

/// The planner's side of update strategies and locks: which steps each strategy takes, in
/// which order, from the same starting state (a device running release r1, target r2).
@Suite("Update strategies and locks (planner)")
struct UpdateStrategyPlannerTests {
    let device = DeviceIdentity(id: "dev1")
    let names = EngineNames(device: DeviceIdentity(id: "dev1"), app: "shop")

    func app(strategy: String?, image: String, release: String, extraLabels: String = "") throws -> AppTarget {
        let label = strategy.map { "\n      io.drover.update.strategy: \($0)" } ?? ""
        let yaml = """
            services:
              web:
                image: \(image)
                labels:
                  team: shop\(label)\(extraLabels)
            """
        return AppTarget(release: release, app: try ComposeParser().parse(yaml).app)
    }

    /// The engine running `target`'s web container, created at `created`.
    func running(_ target: AppTarget, created: Int64 = 1000, now: Int64 = 1000) -> EngineSnapshot {
        let hash = target.configHash(of: "web")
        let image = target.services["web"]?.image ?? ""
        return EngineSnapshot(
            containers: [
                ObservedContainer(
                    id: "old", name: names.container("web", configHash: hash), service: "web", configHash: hash, release: target.release,
                    state: .running, imageID: "sha256:\(image)", image: image, created: created)
            ],
            networks: [ObservedResource(engineName: "shop_default_dev1", name: "default")], images: [image: "sha256:\(image)"], now: now)
    }

    func plan(_ state: EngineSnapshot, _ target: AppTarget, force: Bool = false) -> Plan {
        ReleasePlanner(device: device, app: "shop", options: .init(force: force)).plan(current: state, target: target)
    }

    @Test("kill-then-download: the old container goes first, then the pull, then the new container")
    func killThenDownload() throws {
        let old = try app(strategy: "kill-then-download", image: "web:1", release: "r1")
        let new = try app(strategy: "kill-then-download", image: "web:2", release: "r2")
        var state = running(old)
        let first = plan(state, new)
        #expect(first.steps.map(\.kind) == ["remove"])
        state.containers.removeAll()
        #expect(plan(state, new).steps == [.pullImage(reference: "web:2", platform: nil)])
        state.images["web:2"] = "sha256:web:2"
        #expect(plan(state, new).steps.map(\.kind) == ["create"])
    }

    @Test("delete-then-download: the old container and its image go before the pull")
    func deleteThenDownload() throws {
        let old = try app(strategy: "delete-then-download", image: "web:1", release: "r1")
        let new = try app(strategy: "delete-then-download", image: "web:2", release: "r2")
        var state = running(old)
        state.images = [:]  // the engine is asked only about the target's images, and web:2 is not there yet
        let first = plan(state, new)
        guard case .deleteContainer(let service, let id, _, let image, _) = first.steps.first, first.steps.count == 1 else {
            Issue.record("expected one delete step, got \(first.steps)")
            return
        }
        #expect(service == "web" && id == "old" && image == "web:1")
        // An image the new release still uses is never deleted, only the container.
        let envOnly = try app(strategy: "delete-then-download", image: "web:1", release: "r2", extraLabels: "\n      changed: yes")
        #expect(plan(running(old), envOnly).steps.map(\.kind) == ["remove", "create"])
    }

    @Test("download-then-kill: the old container runs until every image is present")
    func downloadThenKill() throws {
        let old = try app(strategy: nil, image: "web:1", release: "r1")
        let new = try app(strategy: "download-then-kill", image: "web:2", release: "r2")
        #expect(plan(running(old), new).steps == [.pullImage(reference: "web:2", platform: nil)])
    }

    @Test("hand-over: the new container starts beside the old, which goes on the signal or after the timeout")
    func handOver() throws {
        let old = try app(strategy: "hand-over", image: "web:1", release: "r1")
        let new = try app(strategy: "hand-over", image: "web:2", release: "r2", extraLabels: "\n      io.drover.update.handover-timeout: 1m30s")
        var state = running(old)
        state.images["web:2"] = "sha256:web:2"
        let first = plan(state, new)
        #expect(first.steps.map(\.kind) == ["hand-over"])
        guard case .handOver(_, let name, _, let from, _) = first.steps.first else { return }
        #expect(from == "old")
        // Both run; no signal yet and the timeout is 90 s away: wait, remove nothing.
        let hash = new.configHash(of: "web")
        state.containers.append(
            ObservedContainer(
                id: "new", name: name, service: "web", configHash: hash, release: "r2", state: .running, imageID: "sha256:web:2", image: "web:2",
                created: 1010))
        state.now = 1020
        let waiting = plan(state, new)
        #expect(waiting.steps.isEmpty)
        #expect(waiting.waiting.first?.contains("80s left") == true)
        var signalled = state
        signalled.handoverSignals = [EngineNames.handoverSignal(service: "web", configHash: hash)]
        let removal = plan(signalled, new)
        #expect(removal.steps.count == 1)
        if case .removeContainer(_, let id, _, let reason) = removal.steps.first {
            #expect(id == "old")
            #expect(reason.hasPrefix("handed over"))
        }
        state.now = 1010 + 90
        if case .removeContainer(_, let id, _, let reason) = plan(state, new).steps.first {
            #expect(id == "old")
            #expect(reason.contains("timed out after 90s"))
        } else {
            Issue.record("the old container should go once the hand-over timed out")
        }
    }

    @Test("a lock lets downloads happen but defers the swap; force overrides it")
    func lockDefersSwap() throws {
        let old = try app(strategy: nil, image: "web:1", release: "r1")
        let new = try app(strategy: nil, image: "web:2", release: "r2")
        var state = running(old)
        state.locks = ["web"]
        #expect(plan(state, new).steps == [.pullImage(reference: "web:2", platform: nil)])
        state.images["web:2"] = "sha256:web:2"
        let locked = plan(state, new)
        #expect(locked.steps.isEmpty)
        #expect(locked.deferred == ["update pending: locked by web"])
        #expect(!locked.isConverged)
        #expect(Set(plan(state, new, force: true).steps.map(\.kind)) == ["remove", "create"])
        // A lock on a converged app changes nothing.
        var settled = running(new)
        settled.locks = ["web"]
        #expect(plan(settled, new).isConverged)
    }

    @Test("a container the engine is stuck removing does not hold back its replacement")
    func stuckRemoval() throws {
        let old = try app(strategy: nil, image: "web:1", release: "r1")
        let new = try app(strategy: nil, image: "web:1", release: "r2", extraLabels: "\n      changed: yes")
        var state = running(old)
        state.containers[0].state = .removing
        let result = plan(state, new)
        #expect(result.steps.map(\.kind) == ["create"])
        if case .createContainer(_, _, _, let start) = result.steps.first { #expect(start, "started at once, not after the stuck one") }
    }

    @Test("an exited container of a service that should keep running is started again; a finished one-shot is not")
    func exitedAfterEngineRestart() throws {
        for (policy, expected) in [("always", ["start"]), ("unless-stopped", ["start"]), ("\"no\"", [String]()), ("on-failure", [String]())] {
            let yaml = "services:\n  web:\n    image: web:1\n    restart: \(policy)\n"
            let target = AppTarget(release: "r1", app: try ComposeParser().parse(yaml).app)
            var state = running(target)
            state.containers[0].state = .exited
            state.containers[0].exitCode = 0
            #expect(plan(state, target).steps.map(\.kind) == expected, "restart: \(policy)")
        }
    }

    @Test("an unhealthy dependency fails the start instead of waiting for it")
    func unhealthyDependency() throws {
        let yaml = """
            services:
              db:
                image: db:1
                healthcheck: {test: ["CMD", "false"]}
              web:
                image: web:1
                depends_on: {db: {condition: service_healthy}}
            """
        let target = AppTarget(release: "r1", app: try ComposeParser().parse(yaml).app)
        let hash = target.configHash(of: "db")
        let state = EngineSnapshot(
            containers: [
                ObservedContainer(
                    id: "db", name: names.container("db", configHash: hash), service: "db", configHash: hash, release: "r1", state: .running,
                    health: .unhealthy, imageID: "sha256:db:1")
            ],
            networks: [ObservedResource(engineName: "shop_default_dev1", name: "default")], images: ["db:1": "sha256:db:1", "web:1": "sha256:web:1"])
        let result = plan(state, target)
        #expect(result.steps.isEmpty)
        #expect(result.failedDependencies == ["web cannot start: db is unhealthy"])
    }

    @Test(
        "strategy and duration labels are checked when the release is parsed",
        arguments: [
            ("io.drover.update.strategy: handover", "is not one of download-then-kill", "did you mean 'hand-over'"),
            ("io.drover.update.handover-timeout: 10", "it needs a unit", "services.web.labels.io.drover.update.handover-timeout"),
            ("io.drover.update.health-window: soon", "bad duration 'soon'", "line 5"),
            ("io.drover.update.stratgey: hand-over", "unknown Drover label", "did you mean 'io.drover.update.strategy'"),
            ("io.drover.release: mine", "set by Drover itself", "io.drover.release"),
        ])
    func badLabels(label: String, problem: String, detail: String) {
        let yaml = """
            services:
              web:
                image: web:1
                labels:
                  \(label)
            """
        do {
            _ = try ComposeParser().parse(yaml)
            Issue.record("'\(label)' was accepted")
        } catch {
            #expect(error.description.contains(problem), "\(error.description)")
            #expect(error.description.contains(detail), "\(error.description)")
        }
    }
}
