import ArgumentParser
import DockerEngine
import DroverBuild
import DroverClient
import DroverModel
import DroverRegistry
import Foundation
import Synchronization

/// `drover push`: from sources to a release. Every service with `build:` is built (on the
/// server's builder, or on the engine `--builder` names) for the platforms the fleet's devices
/// run, pushed to the server's registry as `ORG/FLEET/SERVICE`, and the release is created with
/// every image, built or not, pinned by digest per platform. The release id is the last word.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Build the compose file's images, push them to the server's registry, and create a release; prints its id last.")

    @Option(name: .long, help: "The fleet to release to.") var fleet: String
    @Argument(help: "The project directory (default: the current one).") var directory: String = "."
    @Option(
        name: [.short, .customLong("file")],
        help: "The compose file (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml in the directory).")
    var file: String?
    @Option(name: .long, help: "Platforms to build for, comma-separated (default: those of the fleet's devices).") var platform: String?
    @Flag(help: "Build without the cache.") var noCache = false
    @Flag(help: "Build, push and pin, but create no release.") var dryRun = false
    @Option(name: .long, help: "Build on this Docker engine (unix:///PATH or tcp://HOST:PORT) instead of the server's builder.") var builder: String?
    @Flag(help: "Create the release even when an image lacks a platform that devices of the fleet run.") var allowMissingPlatforms = false
    @Option(name: .long, help: "A profile to activate (repeatable; default: COMPOSE_PROFILES).") var profile: [String] = []
    @OptionGroup var connection: Connection

    func run() async throws {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let composePath = try Self.composeFile(root: root, named: file)
        let compose: String
        do {
            compose = try String(contentsOfFile: composePath, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(composePath): \(error.localizedDescription)")
        }
        let composeDirectory = (composePath as NSString).deletingLastPathComponent
        // The document's variables, files and profiles, and the values of its secrets and
        // configs, are read before anything is built.
        let inputs = try ReleaseInputs.read(compose: compose, path: composePath, profiles: profile)
        let document = inputs.document
        let log = PushLog()
        let release = try await connection.with { api -> API.Release in
            let info = try await api.registryInfo()
            guard let address = info.address else {
                throw ValidationError("the server runs no registry of its own, so there is nowhere to push (start it with --registry embedded)")
            }
            let platforms = try await self.platforms(api)
            let tag = Self.tag()
            var images: [String: String] = [:]
            for (name, service) in document.app.services.sorted(by: { $0.key < $1.key }) {
                guard let build = service.build else { continue }
                guard !build.context.contains("://") else {
                    throw ValidationError("service '\(name)': a build context URL (\(build.context)) is not supported; clone it and push the directory")
                }
                let contextDirectory = build.context.hasPrefix("/") ? build.context : composeDirectory + "/" + build.context
                let dockerfile = build.dockerfile ?? "Dockerfile"
                let context = try BuildContext.make(directory: contextDirectory, dockerfile: dockerfile)
                defer { context.remove() }
                let repository = ImageReference(
                    registry: address, repository: [info.organisation, fleet, name].map { $0.lowercased() }.joined(separator: "/"))
                log.say(
                    "\(name): building \(repository.name):\(tag)" + (platforms.isEmpty ? "" : " for \(platforms.map(\.description).joined(separator: ", "))")
                        + " (context \(Self.size(context.size)), \(context.entries) entries)")
                let recipe = BuildRecipe(
                    context: contextDirectory, dockerfile: dockerfile, args: build.args ?? [:], labels: build.labels ?? [:], target: build.target,
                    noCache: noCache)
                let image = try await self.build(
                    api: api, service: name, recipe: recipe, context: context, repository: repository, tag: tag, platforms: platforms,
                    info: info, log: log, dockerfilePath: contextDirectory + "/" + dockerfile)
                log.say("\(name): pushed \(image.reference)@\(image.digest) (\(image.platforms.keys.sorted().joined(separator: ", ")))")
                images[name] = repository.pinned(image.digest)
            }
            var body = API.CreateRelease(
                compose: compose, images: images.isEmpty ? nil : images, allowMissingPlatforms: allowMissingPlatforms ? true : nil,
                dryRun: dryRun ? true : nil)
            try inputs.fill(&body, directory: composeDirectory)
            return try await api.createRelease(fleet: fleet, body)
        }
        for warning in release.warnings ?? [] { log.say("warning: \(warning)") }
        for service in release.services {
            let pinned = release.pins?[service].map { "\($0.reference) (\($0.platforms.keys.sorted().joined(separator: ", ")))" }
            log.say("\(service): \(pinned ?? (release.images[service] ?? "-") + " (not pinned)")")
        }
        if dryRun {
            log.say("dry run: no release created")
            print("dry-run")
        } else {
            print("created release of \(release.fleet) with \(release.services.count) service(s): \(release.id)")
        }
    }

    /// Builds one service, on the server's builder or on `--builder`; a failed build names its
    /// Dockerfile line and quotes the builder.
    private func build(
        api: DroverAPIClient, service: String, recipe: BuildRecipe, context: BuildContext, repository: ImageReference, tag: String,
        platforms: [Platform], info: API.RegistryInfo, log: PushLog, dockerfilePath: String
    ) async throws -> API.BuiltImage {
        let output: @Sendable (String) -> Void = { line in log.output(service, line) }
        func failed(_ message: String, step: Int?) -> ValidationError {
            log.failed(service)
            let lines = (try? String(contentsOfFile: dockerfilePath, encoding: .utf8)).map(DockerfileSteps.lines) ?? []
            let line = step.flatMap { $0 >= 1 && $0 <= lines.count ? lines[$0 - 1] : nil }
            let place = line.map { " at \((dockerfilePath as NSString).lastPathComponent) line \($0)" } ?? ""
            return ValidationError("service '\(service)': the build failed\(place): \(message); no release was created")
        }
        if let builder {
            let engine = try await DockerClient.connect(to: try EngineEndpoint(parsing: builder))
            let registry = RegistryClient()
            defer {
                Task {
                    try? await engine.shutdown()
                    try? await registry.shutdown()
                }
            }
            let token = try await api.registryToken(service: info.service, scopes: ["repository:\(repository.repository):pull,push"]).token
            let auth = RegistryClient.engineAuth(["registrytoken": token])
            do {
                let published = try await ImagePublisher(engine: engine, registry: registry).publish(
                    context: context, recipe: recipe, platforms: platforms, repository: repository, tag: tag, engineAuth: auth,
                    credentials: .bearer(token), output: output)
                return API.BuiltImage(reference: published.reference, digest: published.digest, platforms: published.platforms)
            } catch let failure as BuildFailure {
                throw failed(failure.description, step: failure.stepIndex)
            }
        }
        var query: [(String, String?)] = [("tag", tag), ("dockerfile", recipe.dockerfile), ("target", recipe.target)]
        if !platforms.isEmpty { query.append(("platform", platforms.map(\.description).joined(separator: ","))) }
        if recipe.noCache { query.append(("nocache", "1")) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        if !recipe.args.isEmpty { query.append(("args", String(decoding: try encoder.encode(recipe.args), as: UTF8.self))) }
        if !recipe.labels.isEmpty { query.append(("labels", String(decoding: try encoder.encode(recipe.labels), as: UTF8.self))) }
        let last = try await api.buildImage(
            fleet: fleet, service: service, query: query, context: try context.requestBody(), onOutput: output)
        if let error = last.error { throw failed(error.message, step: last.step) }
        guard let image = last.image else { throw ValidationError("service '\(service)': the builder named no image") }
        return image
    }

    /// `--platform`, else the platforms the fleet's devices run (none: the builder's own).
    private func platforms(_ api: DroverAPIClient) async throws -> [Platform] {
        if let platform {
            var platforms: [Platform] = []
            for text in platform.split(separator: ",") {
                do {
                    platforms.append(try Platform(parsing: String(text).trimmingCharacters(in: .whitespaces)))
                } catch {
                    throw ValidationError("--platform: \(error.message)")
                }
            }
            return platforms
        }
        return try await api.fleet(fleet).platforms.map { $0.keys.compactMap { try? Platform(parsing: $0) }.sorted() } ?? []
    }

    /// The compose file: the one named, else the first of compose.yaml, compose.yml,
    /// docker-compose.yaml, docker-compose.yml in `root`, as `docker compose` looks.
    static func composeFile(root: String, named: String?) throws -> String {
        if let named { return named.hasPrefix("/") ? named : FileManager.default.currentDirectoryPath + "/" + named }
        for name in ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"] where FileManager.default.fileExists(atPath: root + "/" + name)
        {
            return root + "/" + name
        }
        throw ValidationError("\(root) holds no compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml; name one with -f")
    }

    /// A tag for this push: when it was made, sortable, and unique enough.
    static func tag() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "push-" + formatter.string(from: Date()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : String(format: "%.1f KiB", Double(bytes) / 1024)
    }
}

/// What `drover push` shows while it works. On a terminal (stderr), each service has one line,
/// drawn again as its build moves: a bar of the builder's steps, then the push. The builder's
/// own words are kept, and printed in full when the build fails. Elsewhere (a CI log), every
/// line the builder prints, prefixed with its service. Standard output keeps only the
/// release's line, whose last word is its id.
final class PushLog: Sendable {
    private struct State {
        var recent: [String: [String]] = [:]
        var step: [String: (fraction: Double, text: String)] = [:]
        var drawn = false
    }

    /// Whether stderr is a terminal.
    let terminal: Bool
    private let state = Mutex(State())

    init(terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.terminal = terminal
    }

    /// A line of its own: a summary, a warning.
    func say(_ line: String) {
        state.withLock { state in
            Self.write((state.drawn ? "\r\u{1B}[2K" : "") + line + "\n")
            state.drawn = false
        }
    }

    /// A line the builder printed for `service`.
    func output(_ service: String, _ line: String) {
        guard terminal else { return Self.write("\(service) | \(line)\n") }
        state.withLock { state in
            state.recent[service, default: []].append(line)
            if state.recent[service, default: []].count > 40 { state.recent[service]?.removeFirst() }
            if let step = Self.step(line) { state.step[service] = step }
            let step = state.step[service] ?? (0, line)
            Self.write("\r\u{1B}[2K" + Self.bar(service: service, fraction: step.fraction, text: step.text))
            state.drawn = true
        }
    }

    /// Prints the builder's last words for `service` after its build failed on a terminal
    /// (elsewhere they were printed as they came).
    func failed(_ service: String) {
        guard terminal else { return }
        state.withLock { state in
            Self.write((state.drawn ? "\r\u{1B}[2K" : "") + (state.recent[service] ?? []).map { "\(service) | \($0)\n" }.joined())
            state.drawn = false
        }
    }

    /// Where a builder's line puts the build: `Step 3/5 : COPY . /app` is three fifths done;
    /// a push is the end. Nil for the lines in between.
    static func step(_ line: String) -> (fraction: Double, text: String)? {
        if line.hasPrefix("pushing ") { return (1, "pushing") }
        guard line.hasPrefix("Step "), let slash = line.firstIndex(of: "/"), let colon = line.range(of: " : "), slash < colon.lowerBound,
            let done = Double(line[line.index(line.startIndex, offsetBy: 5)..<slash]),
            let all = Double(line[line.index(after: slash)..<colon.lowerBound]), all > 0
        else { return nil }
        return (min(1, done / all), "\(Int(done))/\(Int(all))  " + line[colon.upperBound...])
    }

    /// `web        [████████░░░░░░░░░░░░]  2/5  COPY . /app`.
    static func bar(service: String, fraction: Double, text: String, width: Int = 20) -> String {
        let filled = Int((fraction * Double(width)).rounded())
        let shown = text.count > 60 ? String(text.prefix(59)) + "…" : text
        return service.padding(toLength: max(service.count, 10), withPad: " ", startingAt: 0) + " ["
            + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]  " + shown
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
