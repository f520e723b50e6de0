import Crypto
import DroverModel
import Foundation
import Logging

/// Releases: creating them from compose documents, and judging how devices fare with them.
struct Releases: Sendable {
    let store: any DroverStore
    let targets: Targets
    let events: WebhookEvents
    let registry: Registry
    let files: FleetFiles
    let logger: Logger

    /// Creates a release from a compose document, validated by the agent's own parser, with
    /// each image pinned by digest per platform when the server resolves images.
    func create(_ access: Access, fleet name: String, _ body: API.CreateRelease) async throws(ServerError) -> API.Release {
        let fleet = try await access.fleet(in: store, name)
        let compose = body.compose
        try ControlPlane.validateText(compose, what: "body: compose", limit: API.Limits.compose)
        // A fleet in cluster mode runs its releases as Swarm stacks.
        let cluster = try await store.cluster(fleetID: fleet.id)
        var parser = try Self.parser(for: body)
        parser.swarm = cluster != nil
        let document: ComposeDocument
        do {
            document = try parser.parse(compose)
        } catch {
            throw ServerError(.invalidCompose, error.description)
        }
        var app = document.app
        for (service, image) in (body.images ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard app.services[service] != nil else {
                throw ServerError(.badRequest, "body: images names service '\(service)', which the compose document does not have")
            }
            do {
                _ = try ImageReference(parsing: image)
            } catch {
                throw ServerError(.badRequest, "body: images.\(service): \(error.message)")
            }
            app.services[service]?.image = image
        }
        do {
            try AppTarget(release: "", app: app).validate(name: fleet.name)
        } catch {
            throw ServerError(.invalidCompose, error.description)
        }
        var pins: [String: API.ImagePin] = [:]
        var warnings: [String] = []
        if registry.settings.resolveImages, body.resolve ?? true {
            (pins, warnings) = try await registry.pins(app, fleet: fleet, allowMissingPlatforms: body.allowMissingPlatforms ?? false)
        }
        if let cluster { warnings += try await Self.routingMeshWarnings(app, cluster: cluster, store: store) }
        let now = WallClock.now
        let appJSON = String(decoding: Canonical.encode(app), as: UTF8.self)
        let digest = SHA256.hash(data: Data((fleet.id + appJSON + String(now)).utf8)).hexString
        let id = String(digest.prefix(12))
        let values = try await files.releaseValues(
            &app, inline: document.inlineConfigs, given: [.secret: body.secrets ?? [:], .config: body.configs ?? [:]], fleet: fleet, release: id)
        let release = ReleaseRecord(id: id, fleetID: fleet.id, app: app, createdAt: now, pins: pins, warnings: warnings, stack: cluster != nil)
        if body.dryRun == true { return release.api(fleet: fleet.name) }
        // The values first: a release is offered only once it is added, and then finds them.
        try await store.putAppFiles(values)
        try await store.addRelease(release, compose: compose, fleet: fleet)
        try await events.releaseCreated(release)
        try await targets.changed()
        return try await store.release(id: release.id).api(fleet: fleet.name)
    }

    /// The parser for a release's document: the variables, files and profiles the CLI sent with
    /// it, each checked against the API's limits.
    static func parser(for body: API.CreateRelease) throws(ServerError) -> ComposeParser {
        let variables = body.variables ?? [:]
        let files = body.files ?? [:]
        let profiles = body.profiles ?? []
        guard variables.count <= 1_000, files.count <= 64, profiles.count <= 64 else {
            throw ServerError(.badRequest, "body: at most 1000 variables, 64 files and 64 profiles")
        }
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
            try ControlPlane.validateText(name, what: "body: variables name", limit: API.Limits.label)
            try ControlPlane.validateText(value, what: "body: variables.\(name)", limit: API.Limits.envValue)
        }
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try ControlPlane.validateText(name, what: "body: files name", limit: 4096)
            try ControlPlane.validateText(text, what: "body: files.\(name)", limit: API.Limits.compose)
        }
        for profile in profiles { try ControlPlane.validateText(profile, what: "body: profiles", limit: API.Limits.label) }
        var parser = ComposeParser(environment: variables, activeProfiles: Set(profiles))
        if !files.isEmpty {
            parser.readFile = { @Sendable name in
                guard let text = files[name] else { throw ReleaseFileMissing(name: name) }
                return text
            }
        }
        return parser
    }

    /// What a stack's ports through the routing mesh need and a cluster's nodes lack: IPVS.
    static func routingMeshWarnings(_ app: AppSpec, cluster: ClusterRecord, store: any DroverStore) async throws(ServerError) -> [String] {
        let members = try await store.clusterMembers(clusterID: cluster.id)[cluster.id] ?? []
        guard members.contains(where: { $0.ipvs == false }) else { return [] }
        var out: [String] = []
        for (name, service) in app.services.sorted(by: { $0.key < $1.key }) {
            for port in service.ports ?? [] where port.mode == nil && port.published != nil {
                out.append(
                    "service '\(name)' publishes port \(port.published ?? 0) through the ingress routing mesh, but nodes of cluster '\(cluster.name)' "
                        + "have no IPVS (kernel module ip_vs), so the port will not answer; publish it with 'mode: host' or load ip_vs on the nodes")
            }
        }
        return out
    }

    /// A fleet's releases, newest first.
    func list(_ access: Access, fleet name: String) async throws(ServerError) -> [API.Release] {
        let fleet = try await access.fleet(in: store, name)
        return try await store.releases(fleetID: fleet.id).map { $0.api(fleet: fleet.name) }
    }

    /// One release, checked to belong to the organisation.
    func release(_ access: Access, _ id: String) async throws(ServerError) -> API.Release {
        let (release, fleet) = try await access.release(in: store, id)
        var api = release.api(fleet: fleet.name)
        api.attempts = try await attempts(release: release.id)
        api.compose = try await store.releaseCompose(id: release.id)
        if let cluster = try await store.cluster(fleetID: fleet.id) {
            api.cluster = try await Clusters.services(of: cluster, fleet: fleet, store: store)
        }
        return api
    }

    /// How a release fares: devices that started it, passed its window, rolled it back.
    func attempts(release id: String) async throws(ServerError) -> API.ReleaseAttempts {
        let counts = try await store.attemptCounts(release: id)
        return API.ReleaseAttempts(
            started: counts.values.reduce(0, +), healthy: counts[.healthy] ?? 0, rolledBack: counts[.rolledBack] ?? 0)
    }

    /// Marks a release failing when its attempts call for it (see ``ReleaseVerdict``). Devices
    /// that have not started it are then offered the newest release that is not failing.
    func judge(_ id: String) async throws(ServerError) {
        guard let release = try await stored(id) else { return }
        if release.status == .failing {
            // Announced again in case the server stopped between marking it and announcing it:
            // webhooks hear it once all the same.
            try await events.releaseFailing(release, attempts: try await attempts(release: release.id), detail: release.statusDetail ?? "")
            // A device that had started it and now rolled it back is offered the good release.
            try await targets.changed()
            return
        }
        let fleet = try await store.fleet(id: release.fleetID)
        let attempts = try await self.attempts(release: release.id)
        guard ReleaseVerdict.isFailing(attempts, fleet: fleet) else { return }
        let rolledBack = try await store.attempts(release: release.id, outcome: .rolledBack, limit: ReleaseVerdict.reasonsShown)
        let detail = ReleaseVerdict.detail(attempts, fleet: fleet, rolledBack: rolledBack)
        try await store.markFailing(release: release.id, detail: detail)
        logger.notice("release marked failing", metadata: ["release": "\(release.id)", "detail": "\(detail)"])
        try await events.releaseFailing(release, attempts: attempts, detail: detail)
        try await targets.changed()
    }

    /// Announces a release completed once every device that tracks its fleet runs it and
    /// passed its health window, while it is what the fleet offers.
    func judgeCompletion(_ id: String) async throws(ServerError) {
        guard let release = try await stored(id), release.status == .ready else { return }
        let fleet = try await store.fleet(id: release.fleetID)
        if let tracked = fleet.trackedRelease {
            guard tracked == release.id else { return }
        } else {
            guard try await store.newestUsableRelease(fleetID: fleet.id, stack: release.stack)?.id == release.id else { return }
        }
        let progress = try await store.trackingProgress(release: release.id, fleetID: fleet.id)
        guard progress.tracking > 0, progress.healthy == progress.tracking else { return }
        try await events.releaseCompleted(release, attempts: try await attempts(release: release.id))
    }

    /// The release a device reported on; nil when it is gone (or the id became ambiguous).
    private func stored(_ id: String) async throws(ServerError) -> ReleaseRecord? {
        do {
            return try await store.release(id: id)
        } catch  where error.code == .notFound || error.code == .conflict {
            return nil
        }
    }
}

/// When a release is failing: more than the fleet's share (default 20%) of the devices that
/// tried it rolled it back, and at least its minimum number of devices (default 2).
enum ReleaseVerdict {
    /// How many rollback reasons the failing release's detail quotes.
    static let reasonsShown = 3

    /// The share of devices that tried a release and rolled it back.
    static func rolledBackShare(_ attempts: API.ReleaseAttempts) -> Double {
        Double(attempts.rolledBack) / Double(max(attempts.started, 1))
    }

    /// Whether the attempts make the release failing in `fleet`.
    static func isFailing(_ attempts: API.ReleaseAttempts, fleet: FleetRecord) -> Bool {
        attempts.rolledBack >= fleet.failingMin && rolledBackShare(attempts) > fleet.failingShare
    }

    /// Why the release is failing, quoting the first devices' reasons.
    static func detail(_ attempts: API.ReleaseAttempts, fleet: FleetRecord, rolledBack: [ReleaseAttempt]) -> String {
        let share = rolledBackShare(attempts)
        let reasons = rolledBack.map { "\($0.deviceName): \($0.reason ?? "no reason given")" }
        return
            "\(attempts.rolledBack) of \(attempts.started) devices that tried it rolled it back (\(Int((share * 100).rounded()))% > \(Int((fleet.failingShare * 100).rounded()))%); "
            + "no longer offered to devices that have not started it. " + reasons.joined(separator: "; ")
    }
}

/// A file a release's document names that the release did not bring.
struct ReleaseFileMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "the release did not bring it (drover push and drover release create send the files a document names)" }
}
