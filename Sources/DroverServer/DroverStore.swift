import DroverModel

/// Where the control plane keeps its state, in domain terms: records in, records out. SQLite
/// (``SQLStore``) is one implementation; every store keeps the same promises: an acknowledged
/// write is durable, and a change of several rows is one transaction that checks the rows it
/// depends on again inside it.
public typealias DroverStore = AccountStore & FleetStore & DeviceStore & ReleaseStore & EnvStore & LogStore & GenerationStore & SessionStore & MetricStore
    & TimedStore & WebhookStore & RegistryLoginStore & ClusterStore & AppFileStore

/// Secrets and configs, their values sealed (``SecretBox``): a fleet's own, and those a
/// release brought with it (read from files or the environment when it was made).
public protocol AppFileStore: Sendable {
    /// A fleet's values of one kind (its own for release "", else the release's), by name.
    func appFiles(fleetID: String, release: String, kind: AppFileKind) async throws(ServerError) -> [AppFileRecord]
    /// Every fleet's own values, without the sealed value (for computing targets).
    func fleetFileVersions() async throws(ServerError) -> [AppFileRecord]
    /// Stores values, each replacing the one of its name (keeping when it was first stored).
    func putAppFiles(_ records: [AppFileRecord]) async throws(ServerError)
    /// Removes one value; whether there was one.
    func removeAppFile(fleetID: String, release: String, kind: AppFileKind, name: String) async throws(ServerError) -> Bool
}

/// Clusters: swarms formed from fleets, their members' word on their nodes, and the nodes'
/// comings and goings.
public protocol ClusterStore: Sendable {
    /// Adds a cluster; a conflict when its name or fleet is taken.
    func addCluster(_ cluster: ClusterRecord) async throws(ServerError)
    /// The organisation's clusters (every cluster for nil), by name.
    func clusters(org: String?) async throws(ServerError) -> [ClusterRecord]
    /// One cluster.
    func cluster(id: String) async throws(ServerError) -> ClusterRecord
    /// The cluster formed from a fleet, if it is in cluster mode.
    func cluster(fleetID: String) async throws(ServerError) -> ClusterRecord?
    /// Keeps the sealed join tokens, unless some are kept already; whether these were kept.
    func setClusterTokens(id: String, sealed: String) async throws(ServerError) -> Bool
    /// Keeps what a manager saw, with the events `news` makes of it from the observation before
    /// it and the newest events, in one transaction; the events.
    func observeCluster(
        id: String, _ observation: API.ClusterObservation, at time: Double,
        news: @escaping @Sendable (_ previous: API.ClusterObservation?, _ recent: [API.ClusterEvent]) -> [API.ClusterEvent]
    ) async throws(ServerError) -> [API.ClusterEvent]
    /// Deletes a cluster with its members and events.
    func deleteCluster(id: String) async throws(ServerError)
    /// Members by cluster id (of one cluster, or of all for nil).
    func clusterMembers(clusterID: String?) async throws(ServerError) -> [String: [ClusterMemberRecord]]
    /// Keeps a device's word on its node.
    func setClusterMember(clusterID: String, _ member: ClusterMemberRecord) async throws(ServerError)
    /// A cluster's newest events, newest first.
    func clusterEvents(clusterID: String, limit: Int) async throws(ServerError) -> [API.ClusterEvent]
}

/// Fleets' logins to private registries, their passwords sealed (``SecretBox``).
public protocol RegistryLoginStore: Sendable {
    /// A fleet's logins, by registry.
    func registryLogins(fleetID: String) async throws(ServerError) -> [RegistryLoginRecord]
    /// Stores a login, replacing the fleet's earlier one for the same registry.
    func setRegistryLogin(_ login: RegistryLoginRecord) async throws(ServerError)
    /// Removes a fleet's login to a registry; false when there was none.
    func removeRegistryLogin(fleetID: String, registry: String) async throws(ServerError) -> Bool
}

/// Organisations, their people, and people's credentials.
public protocol AccountStore: Sendable {
    /// The id of the organisation named `name`, created if missing.
    func ensureOrg(_ name: String) async throws(ServerError) -> String
    /// Creates an organisation; a taken name is a conflict.
    func createOrg(name: String) async throws(ServerError) -> OrgRecord
    /// The organisations whose name, lowercased, is `name` (registry repositories are lowercase).
    func orgs(lowercasedName name: String) async throws(ServerError) -> [OrgRecord]
    /// An organisation by name or id.
    func org(named reference: String) async throws(ServerError) -> OrgRecord
    /// The first organisation, made at first start: its owners run the server.
    func homeOrg() async throws(ServerError) -> String?
    /// How many users exist.
    func userCount() async throws(ServerError) -> Int
    /// Creates a user, with a role in one fleet of their organisation if given, in one
    /// transaction; a taken name is a conflict.
    func createUser(_ user: UserRecord, fleetRole: (fleetID: String, role: API.Role)?) async throws(ServerError)
    /// The organisation's users by name.
    func users(org: String) async throws(ServerError) -> [UserRecord]
    /// A user by name (names are unique on the server), by id, or by an invitation's hash.
    func user(named name: String) async throws(ServerError) -> UserRecord?
    func user(id: String) async throws(ServerError) -> UserRecord?
    func user(invitation hash: String) async throws(ServerError) -> UserRecord?
    /// The users' roles in single fleets: user id → fleet id → role.
    func fleetRoles(userIDs: [String]) async throws(ServerError) -> [String: [String: API.Role]]
    /// Sets a password's hash, ending an open invitation.
    func setPassword(userID: String, _ password: String) async throws(ServerError)
    /// Sets (or with nil removes) the user's role in the organisation or in one of its fleets.
    func setRole(userID: String, fleetID: String?, _ role: API.Role?) async throws(ServerError)
    /// Deletes a user with their roles and credentials.
    func deleteUser(id: String) async throws(ServerError)
    /// Stores a token's or session's hash.
    func addToken(_ token: TokenRecord) async throws(ServerError)
    /// A user's tokens or sessions, oldest first.
    func tokens(userID: String, kind: TokenRecord.Kind) async throws(ServerError) -> [TokenRecord]
    /// Deletes a user's token; false when they have none of that id.
    func deleteToken(id: String, userID: String) async throws(ServerError) -> Bool
    /// Deletes the token or session with this hash (a logout).
    func deleteToken(hash: String) async throws(ServerError)
    /// Drops tokens and sessions that expired before `time`.
    func deleteExpiredTokens(before time: Double) async throws(ServerError)
    /// How many tokens exist.
    func tokenCount() async throws(ServerError) -> Int
    /// Who a credential's hash belongs to: a person (with their roles) or a device; nil for an
    /// unknown or expired one.
    func identity(credentialHash: String) async throws(ServerError) -> Identity?
    /// Appends to the audit log.
    func appendAudit(_ entry: AuditRecord) async throws(ServerError)
    /// Sets the result of an entry written with the change it records.
    func settleAudit(id: Int64, result: String, status: Int) async throws(ServerError)
    /// The organisation's entries, newest first.
    func audit(org: String, _ query: AuditQuery) async throws(ServerError) -> [AuditRecord]
    /// Drops entries older than `before`.
    func pruneAudit(before: Double) async throws(ServerError)
    /// Closes the store.
    func close() async throws
}

/// Fleets and their provisioning keys.
public protocol FleetStore: Sendable {
    /// The organisation's fleets by name.
    func fleets(org: String) async throws(ServerError) -> [FleetRecord]
    /// Every fleet.
    func allFleets() async throws(ServerError) -> [FleetRecord]
    /// A fleet of the organisation by name or id.
    func fleet(org: String, named reference: String) async throws(ServerError) -> FleetRecord
    /// A fleet by id.
    func fleet(id: String) async throws(ServerError) -> FleetRecord
    /// Creates a fleet; a taken name is a conflict.
    func createFleet(org: String, name: String) async throws(ServerError) -> FleetRecord
    /// Changes a fleet's settings.
    func updateFleet(id: String, _ change: FleetChange) async throws(ServerError)
    /// Deletes a fleet with its releases, keys and variables, unless it has devices.
    func deleteFleet(_ fleet: FleetRecord) async throws(ServerError)
    /// How many devices a fleet has.
    func deviceCount(fleetID: String) async throws(ServerError) -> Int
    /// Stores a provisioning key's hash for a fleet that must still exist; returns its id.
    func addKey(fleet: FleetRecord, hash: String, expiresAt: Double?, deviceLimit: Int?) async throws(ServerError) -> String
    /// A fleet's keys, oldest first.
    func keys(fleetID: String) async throws(ServerError) -> [KeyRecord]
    /// Revokes a fleet's key; false when the fleet has no such key.
    func revokeKey(id: String, fleetID: String) async throws(ServerError) -> Bool
    /// Whether any key has this hash.
    func keyExists(hash: String) async throws(ServerError) -> Bool
}

/// Devices, their tags, commands and reports.
public protocol DeviceStore: Sendable {
    /// Enrols a device with a provisioning key that is checked inside the transaction; returns
    /// the device as stored (its name may be a free variant of the one asked for).
    func enrol(_ enrolment: Enrolment) async throws(ServerError) -> DeviceRecord
    /// The organisation's devices, or one fleet's, by name.
    func devices(org: String, fleetID: String?) async throws(ServerError) -> [DeviceRecord]
    /// One page of a fleet's devices by name (ties by UUID), of those whose name contains
    /// `nameContains` in any case, and how many there are in all.
    func devicePage(fleetID: String, nameContains: String?, descending: Bool, limit: Int?, offset: Int) async throws(ServerError)
        -> (records: [DeviceRecord], total: Int)
    /// Every device of every organisation.
    func allDevices() async throws(ServerError) -> [DeviceRecord]
    /// Every device's fleet and pin, by UUID.
    func devicePlacements() async throws(ServerError) -> [String: DevicePlacement]
    /// Records the platform a device's engine runs.
    func setPlatform(_ platform: String, device uuid: String) async throws(ServerError)
    /// The distinct platforms of a fleet's devices, with how many devices run each (devices
    /// that have not said are left out).
    func platforms(fleetID: String) async throws(ServerError) -> [String: Int]
    /// A device by UUID.
    func device(uuid: String) async throws(ServerError) -> DeviceRecord
    /// A device of the organisation by name, UUID or a unique UUID prefix of 7+ characters.
    func device(org: String, named reference: String) async throws(ServerError) -> DeviceRecord
    /// Renames, moves and pins a device, checked against the rows inside one transaction.
    func updateDevice(uuid: String, reference: String, _ change: DeviceChange) async throws(ServerError)
    /// Deletes a device and everything of it.
    func deleteDevice(uuid: String) async throws(ServerError)
    /// Tags of the given devices.
    func tags(deviceUUIDs: [String]) async throws(ServerError) -> [String: [String: String]]
    /// Sets and removes tags in one transaction.
    func changeTags(uuid: String, set: [String: String], remove: [String]) async throws(ServerError)
    /// Raises a command's counter.
    func record(_ command: DeviceCommand, uuid: String) async throws(ServerError)
    /// Every device's command counters, for devices that were ever sent one.
    func commands() async throws(ServerError) -> [String: DeviceCommands]
    /// Marks a service stopped (`true`), or lets it run again and recreates it (`false`).
    func setStopped(_ stopped: Bool, service: String, uuid: String) async throws(ServerError)
    /// Every device's stopped services, sorted.
    func stoppedServices() async throws(ServerError) -> [String: [String]]
    /// Writes last-seen times in one transaction.
    func recordLastSeen(_ times: [String: Double]) async throws(ServerError)
    /// Merges state reports into the stored ones and records their rollouts, in one transaction.
    func mergeReports(_ reports: [(uuid: String, report: API.StateReport)], at time: Double) async throws(ServerError)
}

/// Releases and how devices fared with them.
public protocol ReleaseStore: Sendable {
    /// Stores a release of `fleet`, which must still exist.
    func addRelease(_ release: ReleaseRecord, compose: String, fleet: FleetRecord) async throws(ServerError)
    /// A fleet's releases, newest first.
    func releases(fleetID: String) async throws(ServerError) -> [ReleaseRecord]
    /// A release by id or a unique prefix of 6+ characters.
    func release(id: String) async throws(ServerError) -> ReleaseRecord
    /// The compose document a release was made from, as it was sent.
    func releaseCompose(id: String) async throws(ServerError) -> String
    /// A fleet's newest release that is not failing.
    func newestUsableRelease(fleetID: String, stack: Bool) async throws(ServerError) -> ReleaseRecord?
    /// Every failing release.
    func failingReleases() async throws(ServerError) -> [ReleaseRecord]
    /// How many devices' attempts at a release ended in each outcome.
    func attemptCounts(release: String) async throws(ServerError) -> [API.RolloutOutcome: Int]
    /// The first `limit` devices' attempts at a release that ended in `outcome`, oldest update first.
    func attempts(release: String, outcome: API.RolloutOutcome, limit: Int) async throws(ServerError) -> [ReleaseAttempt]
    /// Attempts at failing releases that were not rolled back.
    func unfinishedAttemptsOnFailingReleases() async throws(ServerError) -> [ReleaseAttempt]
    /// Marks a release failing, with why.
    func markFailing(release: String, detail: String) async throws(ServerError)
}

/// Environment variables.
public protocol EnvStore: Sendable {
    /// Sets a variable; its fleet (and device, still in that fleet) are checked inside the transaction.
    func setEnv(_ variable: EnvRecord, fleet: FleetRecord, device: DeviceRecord?) async throws(ServerError)
    /// A fleet's variables at every scope.
    func envVars(fleetID: String) async throws(ServerError) -> [EnvRecord]
    /// Every variable.
    func allEnv() async throws(ServerError) -> [EnvRecord]
    /// Removes the variable at exactly the record's scope; false when there is none.
    func removeEnv(_ variable: EnvRecord) async throws(ServerError) -> Bool
}

/// Devices' log lines.
public protocol LogStore: Sendable {
    /// Appends lines, keeping a device's newest `keep`.
    func appendLogs(device uuid: String, _ lines: [API.LogEntry], keep: Int) async throws(ServerError)
    /// A device's lines.
    func logs(device uuid: String, _ query: LogQuery) async throws(ServerError) -> [API.LogEntry]
}

/// A store that says how long its calls take.
public protocol TimedStore: Sendable {
    /// Calls `observer` after every read, write and transaction with how long it took.
    func observeTiming(_ observer: @escaping @Sendable (StoreOperation, Duration) -> Void)
}

/// Devices' metrics: the newest sample and a per-minute history.
public protocol MetricStore: Sendable {
    /// Folds samples (oldest first) into the device's minutes with ``MetricFold``, keeps the
    /// newest sample as its latest, and drops its minutes before `keepSince`, in one transaction.
    func foldMetrics(device uuid: String, _ samples: [API.MetricSample], keepSince: Double) async throws(ServerError)
    /// Drops the minutes before `before` of devices whose newest sample is older than it.
    func pruneSilentMetrics(before: Double) async throws(ServerError)
    /// The device's minutes from `since` on, oldest first.
    func metricMinutes(device uuid: String, since: Double) async throws(ServerError) -> [API.MetricMinute]
    /// The newest sample of each of the given devices that has one.
    func latestMetrics(deviceUUIDs: [String]) async throws(ServerError) -> [String: API.MetricSample]
}

/// The generation counter that tells every server a target may have changed.
public protocol GenerationStore: Sendable {
    /// The current generation.
    func generation() async throws(ServerError) -> Int64
    /// Moves to the next generation.
    func bumpGeneration() async throws(ServerError)
}

/// Terminal sessions as recorded: who opened which, when, and how it ended.
public protocol SessionStore: Sendable {
    /// Records a session as it starts.
    func startSession(_ session: SessionRow) async throws(ServerError)
    /// Records how a session ended.
    func endSession(id: String, at time: Double, exitCode: Int?, error: String?) async throws(ServerError)
    /// A device's newest `limit` sessions, newest first.
    func sessions(device uuid: String, limit: Int) async throws(ServerError) -> [SessionRow]
}

/// Webhooks and the durable queue of their deliveries: an event is queued in one transaction
/// as a delivery per webhook that hears it, and a delivery stays due until an attempt
/// succeeds or it is dead, whatever happens to the server in between.
public protocol WebhookStore: Sendable {
    /// Stores a webhook and its secret; its fleet, if it has one, must still exist.
    func addWebhook(_ webhook: WebhookRecord, secret: String) async throws(ServerError)
    /// The organisation's webhooks, or only those of one fleet, oldest first.
    func webhooks(org: String, fleetID: String?) async throws(ServerError) -> [WebhookRecord]
    /// A webhook of the organisation by id; another organisation's is not found.
    func webhook(org: String, id: String) async throws(ServerError) -> WebhookRecord
    /// Deletes a webhook with its deliveries, pending ones included.
    func deleteWebhook(id: String) async throws(ServerError)
    /// The organisation's name.
    func orgName(id: String) async throws(ServerError) -> String
    /// A fleet's scope for events: the fleet and its organisation, by id and name.
    func eventScope(fleetID: String) async throws(ServerError) -> EventScope
    /// Queues `event` for every webhook of its scope that hears it (or for its one webhook),
    /// in one transaction, and returns the deliveries' ids; nothing when its fact was queued
    /// before.
    func queueEvent(_ event: WebhookEventRecord) async throws(ServerError) -> [String]
    /// Finds up to `limit` devices whose presence differs from the last one announced (heard
    /// from since `cutoff`, or, when `offline` is true, no longer), records the new one and
    /// queues the event `announce` makes of it, each in the same transaction. Returns how many changed.
    func announcePresence(onlineSince cutoff: Double, offline: Bool, limit: Int, _ announce: @escaping @Sendable (PresenceChange) -> WebhookEventRecord)
        async throws(ServerError) -> Int
    /// Claims up to `limit` pending deliveries due at `now`, oldest due first, at most
    /// `perWebhook` of one webhook counting the ones `inFlight` already has: each is due again
    /// only `lease` seconds later, so a claim lost with its server is retried then. `more` says
    /// whether due deliveries were passed over for a webhook's cap (claim again at once).
    func claimDeliveries(limit: Int, perWebhook: Int, inFlight: [String: Int], now: Double, lease: Double) async throws(ServerError)
        -> (claims: [DeliveryClaim], more: Bool)
    /// Records how an attempt ended.
    func recordAttempt(_ attempt: DeliveryAttempt) async throws(ServerError)
    /// A webhook's newest `limit` deliveries, newest first.
    func deliveries(webhookID: String, limit: Int) async throws(ServerError) -> [API.WebhookDelivery]
    /// Drops deliveries no longer pending that were queued before `before`, and the facts
    /// queued before `factsBefore`.
    func pruneWebhookHistory(before: Double, factsBefore: Double) async throws(ServerError)
    /// The devices of a fleet that track it (not pinned), and how many of them passed the
    /// release's health window.
    func trackingProgress(release: String, fleetID: String) async throws(ServerError) -> (tracking: Int, healthy: Int)
    /// The outcome stored for a device's attempt at a release, if it made one.
    func attemptOutcome(device uuid: String, release: String) async throws(ServerError) -> API.RolloutOutcome?
}
