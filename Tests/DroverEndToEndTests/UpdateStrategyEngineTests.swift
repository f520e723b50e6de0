import DockerEngine
import DroverAgent
import DroverModel
import DroverTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The engine's own event stream, recorded while a test runs: the witness of what happened
/// in which order.
final class EngineEventLog: Sendable {
    private let entries = Mutex<[EngineEvent]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let client: DockerClient

    private init(client: DockerClient) { self.client = client }

    static func start(_ client: DockerClient) async throws -> EngineEventLog {
        let log = EngineEventLog(client: client)
        let stream = try await client.events(since: Int64(Date().timeIntervalSince1970) - 1)
        let task = Task {
            do {
                for try await event in stream { log.append(event) }
            } catch {}
        }
        log.task.withLock { $0 = task }
        return log
    }

    private func append(_ event: EngineEvent) { entries.withLock { $0.append(event) } }

    /// Stops recording once the engine has delivered every event up to now: the stream is in
    /// order, so the removal of a volume made here for the purpose is the last one it must show.
    func stop() async throws -> [EngineEvent] {
        let fence = "drover-fence-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await client.createVolume(VolumeCreate(name: fence))
        try await client.removeVolume(fence)
        try await eventually("the engine's event for the removal of volume \(fence)", timeout: .seconds(30), every: .milliseconds(20)) {
            entries.withLock { $0.contains { $0.type == "volume" && $0.action == "destroy" && $0.actor.id == fence } }
        } until: {
            $0
        }
        task.withLock { $0?.cancel() }
        return entries.withLock { $0 }
    }
}

extension [EngineEvent] {
    func index(_ type: String, _ action: String, id: String) -> Int? {
        firstIndex { $0.type == type && $0.action == action && $0.actor.id == id }
    }
}

/// Update strategies and locks on the real engine and registry, each asserting the order of
/// the engine's events.
@Suite("Update strategies on a real engine", .needsEngine, .testEngine, .serialized)
struct UpdateStrategyEngineTests {
    let loop = #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#

    /// Two images with distinct IDs in the registry; only the old one is on the engine, so an
    /// update has to pull.
    static func imagePair(_ client: DockerClient) async throws -> (old: String, new: String, oldID: String) {
        if try await client.inspectImage(TestEngine.image(1)) == nil { try await client.pullImage(TestEngine.image(1)) }
        let repository = "\(TestEngine.registry)/drover/strategy-\(UInt32.random(in: 0...UInt32.max))"
        let base = try await client.createContainer(name: nil, ContainerCreate(image: TestEngine.image(1)))
        let oldID = try await client.commit(container: base, repository: repository, tag: "old", changes: ["LABEL drover.test=old"])
        _ = try await client.commit(container: base, repository: repository, tag: "new", changes: ["LABEL drover.test=new"])
        try await client.removeContainer(base, force: true)
        try await client.pushImage("\(repository):old")
        try await client.pushImage("\(repository):new")
        try await client.removeImage("\(repository):new")
        return ("\(repository):old", "\(repository):new", oldID)
    }

    func app(image: String, strategy: String, release: String, command: String? = nil, extra: String = "") throws -> AppTarget {
        try TestEngine.target(
            """
            services:
              web:
                image: \(image)
                command: \(command ?? loop)
                stop_grace_period: 2s
                labels:
                  io.drover.update.strategy: \(strategy)\(extra)
            """, release: release)
    }

    func reconciler(_ client: DockerClient, _ device: DeviceIdentity, root: String) -> Reconciler {
        var options = Reconciler.Options()
        options.runtimeRoot = root
        return Reconciler(engine: client, device: device, logger: Logger(label: "test"), options: options)
    }

    func webID(_ reconciler: Reconciler) async throws -> String? {
        let web = try await reconciler.engine.listContainers(all: true, filters: reconciler.device.labelFilter(app: "shop"))
        return web.first?.id
    }

    func cleanup(_ reconciler: Reconciler, images: [String]) async {
        _ = try? await reconciler.converge(app: "shop", target: nil)
        for image in images { try? await reconciler.engine.removeImage(image, force: true) }
    }

    /// One update from the old image to the new with `strategy`, recorded by the engine's events.
    struct Swap {
        let client: DockerClient
        let reconciler: Reconciler
        let images: (old: String, new: String, oldID: String)
        let old: String
        let events: [EngineEvent]
    }

    func swap(_ strategy: String, device: String) async throws -> Swap {
        let client = try TestEngine.scoped().client
        let images = try await Self.imagePair(client)
        let reconciler = reconciler(client, try await TestEngine.scoped().device(device), root: try TestEngine.directory())
        _ = try await reconciler.converge(app: "shop", target: try app(image: images.old, strategy: strategy, release: "r1"))
        let old = try #require(try await webID(reconciler))
        let log = try await EngineEventLog.start(client)
        _ = try await reconciler.converge(app: "shop", target: try app(image: images.new, strategy: strategy, release: "r2"))
        return Swap(client: client, reconciler: reconciler, images: images, old: old, events: try await log.stop())
    }

    func finish(_ swap: Swap) async throws {
        await cleanup(swap.reconciler, images: [swap.images.old, swap.images.new])
    }

    @Test("kill-then-download: the old container dies before the new image is pulled")
    func killThenDownload() async throws {
        let swap = try await swap("kill-then-download", device: "ktd")
        let died = try #require(swap.events.index("container", "die", id: swap.old))
        let pulled = try #require(swap.events.index("image", "pull", id: swap.images.new))
        #expect(died < pulled, "the old container stopped before the pull completed")
        try await finish(swap)
    }

    @Test("delete-then-download: the old container and its image are removed before the pull")
    func deleteThenDownload() async throws {
        let swap = try await swap("delete-then-download", device: "dtd")
        let destroyed = try #require(swap.events.index("container", "destroy", id: swap.old))
        let deleted = try #require(swap.events.index("image", "delete", id: swap.images.oldID))
        let pulled = try #require(swap.events.index("image", "pull", id: swap.images.new))
        #expect(destroyed < deleted && deleted < pulled, "container, then image, then the pull")
        #expect(try await swap.client.inspectImage(swap.images.old) == nil, "the old image left the device")
        try await finish(swap)
    }

    @Test("download-then-kill: the old container runs until the new image is present")
    func downloadThenKill() async throws {
        let swap = try await swap("download-then-kill", device: "dtk")
        let pulled = try #require(swap.events.index("image", "pull", id: swap.images.new))
        let killed = try #require(swap.events.firstIndex { $0.type == "container" && ["kill", "die"].contains($0.action) && $0.actor.id == swap.old })
        #expect(pulled < killed, "the pull completed before the old container was stopped")
        try await finish(swap)
    }

    @Test("hand-over: both run at once; the old one goes on the new one's signal, or after the timeout")
    func handOver() async throws {
        let client = try TestEngine.scoped().client
        let images = try await Self.imagePair(client)
        let reconciler = reconciler(client, try await TestEngine.scoped().device("hov"), root: try TestEngine.directory())
        _ = try await reconciler.converge(
            app: "shop", target: try app(image: images.old, strategy: "hand-over", release: "r1", extra: "\n      keep: me"))
        let old = try #require(try await webID(reconciler))
        #expect(try await client.inspectContainer(old)?.hostConfig?.restartPolicy?.name != "no")

        // The new container signals after 2 s by creating the file its environment names.
        let signalling = #"["sh", "-c", "trap 'exit 0' TERM; sleep 2; touch \"$$DROVER_HANDOVER_COMPLETE_PATH\"; while true; do sleep 1; done"]"#
        let r2 = try app(image: images.new, strategy: "hand-over", release: "r2", command: signalling, extra: "\n      restart-me: '1'")
        let log = try await EngineEventLog.start(client)
        let steps = EventLog()
        let update = Task { try await reconciler.converge(app: "shop", target: r2) { steps.record($0) } }
        // The old container's policy is read at the moment both run.
        let both = try await eventually("old and new running at once", timeout: .seconds(10), every: .milliseconds(100)) {
            let running = try await client.listContainers(all: false, filters: reconciler.device.labelFilter(app: "shop"))
            guard running.count == 2 else { return (running.count, false) }
            return (running.count, try await client.inspectContainer(old)?.hostConfig?.restartPolicy?.name == "no")
        } until: {
            $0.0 == 2
        }
        let sawBoth = both.0 == 2
        let oldPolicyCleared = both.1
        _ = try await update.value
        let events = try await log.stop()
        #expect(sawBoth, "old and new containers ran at the same time")
        #expect(oldPolicyCleared, "the old container's restart policy was cleared while both ran")
        let started = try #require(events.firstIndex { $0.type == "container" && $0.action == "start" && $0.actor.id != old })
        let died = try #require(events.index("container", "die", id: old))
        #expect(started < died, "the new container started before the old one died")
        let reason = steps.events.compactMap { event -> String? in
            if case .stepStarted(.removeContainer(_, let id, _, let reason)) = event, id == old { return reason }
            return nil
        }.first
        #expect(reason?.hasPrefix("handed over") == true, "removed on the signal: \(reason ?? "-")")

        // A new container that never signals: the old one goes when the timeout is up.
        let second = try #require(try await webID(reconciler))
        let r3 = try app(image: images.old, strategy: "hand-over", release: "r3", extra: "\n      io.drover.update.handover-timeout: 3s")
        let timeoutSteps = EventLog()
        _ = try await reconciler.converge(app: "shop", target: r3) { timeoutSteps.record($0) }
        let timeoutReason = timeoutSteps.events.compactMap { event -> String? in
            if case .stepStarted(.removeContainer(_, let id, _, let reason)) = event, id == second { return reason }
            return nil
        }.first
        #expect(timeoutReason?.contains("timed out after 3s") == true, "removed at the timeout: \(timeoutReason ?? "-")")
        let remaining = try await client.listContainers(all: true, filters: reconciler.device.labelFilter(app: "shop"))
        #expect(remaining.count == 1 && remaining.first?.labels[DroverLabel.release] == "r3")
        await cleanup(reconciler, images: [images.old, images.new])
    }

    @Test("a lock held by a service defers the swap (the download still happens); force overrides it")
    func lockDefersSwap() async throws {
        let client = try TestEngine.scoped().client
        let images = try await Self.imagePair(client)
        let root = try TestEngine.directory()
        let base = reconciler(client, try await TestEngine.scoped().device("lck"), root: root)
        let holding = #"["sh", "-c", "trap 'exit 0' TERM; touch \"$$DROVER_LOCK_PATH\"; while true; do sleep 1; done"]"#
        _ = try await base.converge(app: "shop", target: try app(image: images.old, strategy: "download-then-kill", release: "r1", command: holding))
        let old = try #require(try await webID(base))
        try await eventually("the service's lock file", timeout: .seconds(5), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: root + "/shop/locks/web.lock")
        } until: {
            $0
        }
        #expect(FileManager.default.fileExists(atPath: root + "/shop/locks/web.lock"), "the service took the lock at DROVER_LOCK_PATH")

        let r2 = try app(image: images.new, strategy: "download-then-kill", release: "r2")
        let pending = try await base.converge(app: "shop", target: r2)
        #expect(pending.deferred == ["update pending: locked by web"])
        #expect(try await webID(base) == old, "the old container still runs")
        #expect(try await client.inspectImage(images.new) != nil, "the new image was downloaded meanwhile")

        let forced = try await base.converge(app: "shop", target: r2, planning: ReleasePlanner.Options(force: true))
        #expect(forced.deferred.isEmpty)
        let now = try await client.listContainers(all: true, filters: base.device.labelFilter(app: "shop"))
        #expect(now.count == 1 && now.first?.labels[DroverLabel.release] == "r2")
        #expect(!FileManager.default.fileExists(atPath: root + "/shop/locks/web.lock"), "the removed holder's lock went with it")
        await cleanup(base, images: [images.old, images.new])
    }
}
