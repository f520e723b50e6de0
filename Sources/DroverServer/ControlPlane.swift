import DockerEngine
import DroverModel
import DroverRegistry
import Foundation
import Logging
import ServiceLifecycle

/// The control plane: the domain services a server runs over one store, and the one entry the
/// HTTP routes call. It knows nothing of HTTP and nothing of SQL; each concern lives in its own
/// type: ``Fleets`` (with keys), ``Devices`` (enrolment, tags, actions), ``Releases`` (with
/// judging), ``Environment``, ``Targets`` (with long-polls), ``StateReports``, ``DeviceLogs``, ``DeviceMetrics``,
/// ``Presence``, ``Credentials``, the devices' channels (``ChannelHub``, ``ChannelPush``) and
/// ``Webhooks``; the services tell webhooks what happened through ``WebhookEvents``. Its
/// background loops are ``RecurringWork`` services and the ``WebhookCourier``.
public final class ControlPlane: Sendable {
    /// A device counts as online if heard from within this many seconds. Agents long-poll
    /// for their target with a 30 s wait, so a live device is heard from at least that often.
    public static let onlineGraceSeconds: Double = 75
    /// Log lines kept per device; older ones are dropped.
    public static let logRetentionPerDevice = DeviceLogs.retentionPerDevice

    /// A computed target, its JSON and its ETag.
    public typealias CachedTarget = ServedTarget
    /// Filters for listing devices.
    public typealias DeviceFilter = DroverServer.DeviceFilter

    let credentials: Credentials
    /// People: organisations, members, logins, tokens, the audit log.
    let accounts: Accounts
    let fleets: Fleets
    let devices: Devices
    let releases: Releases
    let environment: Environment
    let targets: Targets
    let presence: Presence
    let reports: StateReports
    let deviceLogs: DeviceLogs
    let deviceMetrics: DeviceMetrics
    /// The devices' channels to this server.
    let channels: ChannelHub
    /// People's sessions on devices, over the channels.
    let sessions: Sessions
    /// Webhooks, as people manage them.
    let webhooks: Webhooks
    /// What the domain services tell webhooks.
    let events: WebhookEvents
    /// What open pages hear of changes (`GET /v1/events`).
    let live: LiveEvents
    /// Registries: tokens of the server's own, pulls, logins to private ones, pinning.
    let registry: Registry
    /// The Distribution the server runs, when it runs one.
    let embeddedRegistry: EmbeddedRegistry?
    /// The builder of `drover push`.
    let builds: ImageBuilds
    /// Swarms formed from fleets.
    let clusters: Clusters
    /// Secrets and configs.
    let files: FleetFiles
    /// What `/metrics` exports.
    public let metrics: ServerMetrics
    /// The loops the application runs beside its HTTP server: the generation watcher and the
    /// last-seen writer (see ``DroverServerApp/buildApplication(plane:host:port:logger:)``).
    public let services: [any Service]

    /// Creates the control plane over a migrated store. `tick` is how often other servers'
    /// changes are looked for and last-seen times are written; `metrics` is what `/metrics`
    /// exports, the store's latency among it; `webhooks` is how webhooks are delivered;
    /// `registry` how the server works with registries, `tokenIssuer` signing its own
    /// registry's tokens; `secrets` seals what the store keeps encrypted.
    public init(
        store: any DroverStore, logger: Logger, tick: Duration = .seconds(1), metrics: ServerMetrics = ServerMetrics(),
        webhooks settings: WebhookSettings = WebhookSettings(), registry registrySettings: RegistrySettings = .none,
        tokenIssuer: RegistryTokenIssuer? = nil, secrets: SecretBox = .ephemeral(), embeddedRegistry: EmbeddedRegistry? = nil,
        builder: EngineEndpoint? = nil
    ) {
        self.embeddedRegistry = embeddedRegistry
        self.metrics = metrics
        store.observeTiming(metrics.store)
        let credentials = Credentials(store: store)
        self.credentials = credentials
        accounts = Accounts(store: store, credentials: credentials)
        let channels = ChannelHub()
        self.channels = channels
        let push = ChannelPush(channels: channels)
        targets = Targets(store: store, secrets: secrets, logger: logger) { push.changed($0) }
        presence = Presence(store: store, logger: logger)
        let live = LiveEvents()
        self.live = live
        let courier = WebhookCourier(store: store, settings: settings, logger: logger)
        let events = WebhookEvents(store: store, courier: courier, logger: logger, startedAt: WallClock.now, live: live)
        self.events = events
        webhooks = Webhooks(store: store, events: events, settings: settings)
        fleets = Fleets(store: store, targets: targets)
        let deviceMetrics = DeviceMetrics(store: store)
        self.deviceMetrics = deviceMetrics
        devices = Devices(
            store: store, targets: targets, presence: presence, credentials: credentials, channels: channels, metrics: deviceMetrics, events: events,
            logger: logger)
        let registry = Registry(
            store: store, settings: registrySettings, issuer: tokenIssuer,
            client: RegistryClient(logger: logger, insecureRegistries: registrySettings.insecureRegistries), box: secrets,
            homeOrg: { () async throws(ServerError) in try await credentials.homeOrg() }, logger: logger)
        self.registry = registry
        builds = ImageBuilds(registry: registry, builder: builder, logger: logger)
        let files = FleetFiles(store: store, targets: targets, box: secrets)
        self.files = files
        releases = Releases(store: store, targets: targets, events: events, registry: registry, files: files, logger: logger)
        clusters = Clusters(store: store, targets: targets, presence: presence, events: events, box: secrets, logger: logger)
        environment = Environment(store: store, targets: targets)
        reports = StateReports(store: store, presence: presence, releases: releases, targets: targets, events: events, logger: logger)
        deviceLogs = DeviceLogs(store: store)
        sessions = Sessions(store: store, channels: channels, logger: logger, live: live)
        services =
            [
                RecurringWork.generationWatcher(targets, every: tick), RecurringWork.lastSeenWriter(presence, every: tick),
                RecurringWork.channelPresence(channels, presence), RecurringWork.accountPruner(accounts, logger: logger), courier,
                RecurringWork.presenceAnnouncer(events), RecurringWork.webhookHistoryPruner(store, logger: logger),
            ] + (embeddedRegistry.map { [$0] } ?? [])
    }
}
