import DroverAgent
import DroverModel
import Foundation
import Testing

/// The real compose files of the corpus, with what their users have beside them: the variables
/// (`CorpusInputs.variables`) and the files they read (`Tests/corpus/real-inputs/<file>/`).
enum RealCorpus {
    /// `Tests/`.
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    /// The real files: the vendored copy, or the corpus `DROVER_CORPUS` names.
    static let folder: URL = {
        if let path = ProcessInfo.processInfo.environment["DROVER_CORPUS"] { return URL(fileURLWithPath: path).appendingPathComponent("real") }
        return tests.appendingPathComponent("corpus/real")
    }()
    /// The files the real files read, one folder per real file; Drover's own test data.
    static let inputs = tests.appendingPathComponent("corpus/real-inputs")
    /// The project README, whose table of refused files must match ``CorpusCoverageTests/notRun``.
    static let readme = tests.deletingLastPathComponent().appendingPathComponent("README.md")

    /// The real files, sorted; throws, naming the folder, when it cannot be read.
    static func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yml") }.sorted()
    }

    /// The real files as test arguments; `corpusComplete` fails when there are none.
    static func files() -> [String] { (try? listing()) ?? [] }

    static func text(_ file: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }

    static func stem(_ file: String) -> String { String(file.dropLast(".yml".count)) }
}

/// One real file turned into what a device runs, and the first plans for it.
struct CorpusRun {
    var target: AppTarget
    var warnings: [String]
    /// The first plan on an engine that holds nothing of the app.
    var first: Plan
    /// Every round to convergence, assuming each step succeeds, and what blocks it.
    var rounds: [[Step]]
    var blocked: [String]

    static let device = DeviceIdentity(id: "corpus-device")
    static let app = "corpus"
    /// The image `drover push` names for a service it built: the registry's repository for the
    /// organisation, fleet and service, pinned by the pushed digest.
    static func pushedImage(_ service: String) -> String {
        "registry.example.com:5000/acme/corpus/\(service)@sha256:" + String(repeating: "5e", count: 32)
    }

    /// Parses `file` as the server parses a release's document that `drover push` or `drover
    /// release create` sent with the variables, files and profiles beside it (no project
    /// directory: a relative bind mount is the app's own directory on the device), and plans it
    /// on an empty engine. With `inputs: false`, parses it with no variables and no files.
    static func make(_ file: String, inputs: Bool = true) throws -> CorpusRun {
        let stem = RealCorpus.stem(file)
        let directory = RealCorpus.inputs.appendingPathComponent(stem)
        let parser =
            inputs
            ? ComposeParser(
                environment: CorpusInputs.variables[file] ?? [:], activeProfiles: CorpusInputs.profiles[file] ?? [],
                readFile: { name in try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) })
            : ComposeParser()
        let document = try parser.parse(try RealCorpus.text(file))
        var spec = document.app
        for (name, service) in spec.services where service.image == nil && service.build != nil {
            spec.services[name]?.image = pushedImage(name)
        }
        var target = AppTarget(release: "r1", app: spec)
        // The server gives each secret and config value a version when it keeps the value.
        target.secrets = target.secrets?.mapValues { file in
            var kept = file
            kept.version = "v1"
            return kept
        }
        target.configs = target.configs?.mapValues { file in
            var kept = file
            kept.version = "v1"
            return kept
        }
        try target.validate(name: app)
        // The agent pulls each image by this reference.
        for image in Set(target.services.values.compactMap(\.image)) { _ = try ImageReference(parsing: image) }
        // What the project's install steps create before `up`: its external networks and volumes.
        let names = EngineNames(device: device, app: app)
        var external: Set<String> = []
        for (name, spec) in target.networks ?? [:] where spec.external == true { external.insert(names.network(name, spec)) }
        for (name, spec) in target.volumes ?? [:] where spec.external == true { external.insert(names.volume(name, spec)) }
        let empty = EngineSnapshot(externalResources: external)
        let planner = ReleasePlanner(device: device, app: app)
        let first = planner.plan(current: empty, target: target)
        let (rounds, blocked) = PlanSimulator(planner: planner).simulate(current: empty, target: target)
        return CorpusRun(target: target, warnings: document.warnings, first: first, rounds: rounds, blocked: blocked)
    }
}

@Suite("Corpus coverage: the real files, run with their variables and files")
struct CorpusCoverageTests {
    /// Real files Drover still refuses with their inputs present, with what the error must say.
    /// `README.md` ("What Drover does not run, and why") lists the same files.
    static let notRun: [String: String] = [
        // Its networks use the overlay driver: they exist only on a Swarm (a cluster fleet runs
        // it as a stack, its configs as Swarm configs: SwarmComposeTests).
        "30-stefanprodan-swarmprom.yml": "uses driver 'overlay', which needs a Swarm",
        // Two replicas on one fixed host port: docker compose up fails on the second one too
        // ("port is already allocated"); one device has one port 8080.
        "43-fixture-compose-spec-compose-go-web-stack.yml": "publishes host port 8080 and runs 2 replicas",
    ]

    @Test("the corpus and its inputs are there, and every table names real files")
    func corpusComplete() throws {
        let files = try RealCorpus.listing()
        #expect(files.count == 30, "\(RealCorpus.folder.path) holds \(files.count) files")
        let known = Set(files)
        #expect(Set(Self.notRun.keys).isSubset(of: known), "notRun names a file the corpus lacks")
        #expect(Set(CorpusInputs.variables.keys).isSubset(of: known), "variables names a file the corpus lacks")
        let folders = try FileManager.default.contentsOfDirectory(atPath: RealCorpus.inputs.path).filter { !$0.hasPrefix(".") && $0 != "README.md" }
        #expect(Set(folders).isSubset(of: Set(files.map(RealCorpus.stem))), "real-inputs holds a folder for no real file: \(folders.sorted())")
    }

    @Test("a real file runs with its inputs, or is refused with its recorded reason", arguments: RealCorpus.files())
    func realFile(file: String) throws {
        if let reason = Self.notRun[file] {
            let error = try #require(throws: ModelError.self) { try CorpusRun.make(file) }
            #expect(error.description.contains(reason), "\(file): \(error)")
            return
        }
        let run = try CorpusRun.make(file)
        let target = run.target
        // The inputs are complete: nothing was left empty for want of a variable.
        #expect(!run.warnings.contains { $0.contains("is not set") }, "\(file): \(run.warnings)")
        // The first plan fetches every image and creates every network and volume the app owns.
        let images = Set(target.services.values.compactMap(\.image))
        let pulled = Set(run.first.steps.compactMap { step -> String? in if case .pullImage(let reference, _) = step { reference } else { nil } })
        #expect(pulled == images, "\(file)")
        let networks = Set((target.networks ?? [:]).filter { $0.value.external != true }.keys)
        let createdNetworks = Set(run.first.steps.compactMap { step -> String? in if case .createNetwork(let name, _) = step { name } else { nil } })
        #expect(createdNetworks == networks, "\(file)")
        let volumes = Set((target.volumes ?? [:]).filter { $0.value.external != true }.keys)
        let createdVolumes = Set(run.first.steps.compactMap { step -> String? in if case .createVolume(let name, _) = step { name } else { nil } })
        #expect(createdVolumes == volumes, "\(file)")
        #expect(run.first.blocked.isEmpty, "\(file): \(run.first.blocked)")
        // Planned to the end, every service gets a container, and the engine accepts each one's
        // config. PlanSimulator stops short of a one-shot's completion (it counts the hand-over
        // signals it adds as progress, so it never marks the one-shot exited): services that wait
        // for one are left to that, and counted as created once it completes.
        let waitingForCompletion = run.blocked.filter { $0.hasSuffix("to complete") }
        #expect(run.blocked == waitingForCompletion, "\(file): \(run.blocked)")
        let created = Set(run.rounds.joined().compactMap { step -> String? in if case .createContainer(let service, _, _, _) = step { service } else { nil } })
        let waiting = Set(waitingForCompletion.compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(
            created.union(waiting) == Set(target.services.filter { $0.value.replicaCount > 0 }.keys),
            "\(file): \(Set(target.services.keys).subtracting(created).sorted()) never created")
        var builder = ContainerConfigBuilder(device: CorpusRun.device, app: CorpusRun.app, target: target, runtimeDirectory: "/var/lib/drover/apps/corpus")
        builder.fileRoot = "/run/drover/secrets"
        let peers = Dictionary(uniqueKeysWithValues: target.services.keys.map { ($0, "id-\($0)") })
        for service in target.services.keys.sorted() {
            #expect(throws: Never.self, "\(file): \(service)") { _ = try builder.build(service: service, peerContainers: peers) }
        }
    }

    @Test("the figure: how many real files Drover runs, before and after their inputs are given")
    func figure() throws {
        let files = try RealCorpus.listing()
        var runs: [String] = []
        var refused: [String] = []
        var bare = 0
        for file in files {
            if (try? CorpusRun.make(file, inputs: false)) != nil { bare += 1 }
            do {
                _ = try CorpusRun.make(file)
                runs.append(file)
            } catch {
                refused.append(file)
            }
        }
        print("corpus coverage: without their variables and files: \(bare) of \(files.count) real files run")
        print("corpus coverage: \(runs.count) of \(files.count) real files run; \(refused.count) refused")
        #expect(Set(refused) == Set(Self.notRun.keys), "refused: \(refused)")
        #expect(runs.count + refused.count == files.count)
    }

    @Test("README's table of what Drover does not run lists exactly the refused files")
    func readmeTable() throws {
        let readme = try String(contentsOf: RealCorpus.readme, encoding: .utf8)
        let heading = "#### What Drover does not run, and why"
        let section = try #require(readme.range(of: heading), "README.md has no '\(heading)'")
        var listed: [String] = []
        var inTable = false
        for line in readme[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("|") else {
                if inTable { break }
                continue
            }
            inTable = true
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = cells.first, first.hasPrefix("`") else { continue }
            listed.append(first.trimmingCharacters(in: CharacterSet(charactersIn: "`")))
        }
        #expect(listed.sorted() == Self.notRun.keys.sorted(), "README.md lists \(listed.sorted())")
        #expect(readme[section.upperBound...].contains("\(30 - Self.notRun.count) of 30"), "README.md gives the figure")
    }
}
