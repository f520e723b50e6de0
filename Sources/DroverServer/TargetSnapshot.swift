import Foundation
import DroverModel
import Logging

/// Everything targets are computed from, read once per store generation in a few queries
/// however many devices ask, so a release reaching 10,000 waiting devices costs the store the
/// same as one.
struct TargetSnapshot: Sendable {
    /// The store generation it was read at.
    var generation: Int64
    /// Each device's fleet, pin and platform.
    var devices: [String: DevicePlacement] = [:]
    /// Fleets by id.
    var fleets: [String: FleetRecord] = [:]
    /// The release each fleet offers, by fleet id.
    var offered: [String: ReleaseRecord] = [:]
    /// Variables by fleet id.
    var env: [String: [EnvRecord]] = [:]
    /// Command counters by device.
    var commands: [String: DeviceCommands] = [:]
    /// Stopped services by device.
    var stopped: [String: [String]] = [:]
    /// Devices that started a release which has since been marked failing, and did not roll
    /// it back: they keep it, while devices that have not started it are offered the last good one.
    var keepFailing: [String: ReleaseRecord] = [:]
    /// Fleets in cluster mode, by fleet id: what their devices are told instead of apps.
    var clusters: [String: ClusterPlan.Inputs] = [:]
    /// The versions of each fleet's own secrets and configs: fleet id → "kind/name" → version.
    var fleetFiles: [String: [String: String]] = [:]

    /// The release a fleet offers: the tracked one, else the newest that is not failing; of a
    /// fleet in cluster mode (`stack`), only releases read as stacks, and never a failing one
    /// (Swarm rolled it back: pushing it again would undo the rollback).
    static func offeredRelease(of fleet: FleetRecord, stack: Bool, in store: any DroverStore) async throws(ServerError) -> ReleaseRecord? {
        if let tracked = fleet.trackedRelease {
            let release = try await store.release(id: tracked)
            if release.stack == stack, !stack || release.status != .failing { return release }
        }
        return try await store.newestUsableRelease(fleetID: fleet.id, stack: stack)
    }

    /// Reads the snapshot at `generation`.
    static func read(from store: any DroverStore, generation: Int64, secrets: SecretBox, logger: Logger) async throws(ServerError) -> TargetSnapshot {
        var snapshot = TargetSnapshot(generation: generation)
        snapshot.devices = try await store.devicePlacements()
        snapshot.fleets = Dictionary(uniqueKeysWithValues: try await store.allFleets().map { ($0.id, $0) })
        let clusters = try await store.clusters(org: nil)
        let clustered = Set(clusters.map(\.fleetID))
        for fleet in snapshot.fleets.values {
            if let release = try await offeredRelease(of: fleet, stack: clustered.contains(fleet.id), in: store) { snapshot.offered[fleet.id] = release }
        }
        for record in try await store.allEnv() { snapshot.env[record.fleetID, default: []].append(record) }
        snapshot.commands = try await store.commands()
        snapshot.stopped = try await store.stoppedServices()
        for file in try await store.fleetFileVersions() { snapshot.fleetFiles[file.fleetID, default: [:]]["\(file.kind.rawValue)/\(file.name)"] = file.version }
        await snapshot.readClusters(clusters, from: store, secrets: secrets, logger: logger)
        let failing = try await store.failingReleases()
        if !failing.isEmpty {
            snapshot.keepFailing = snapshot.keptFailing(failing, attempts: try await store.unfinishedAttemptsOnFailingReleases())
        }
        return snapshot
    }

    /// The clusters, with what their devices' targets are made from. A cluster whose row
    /// cannot be read (its tokens sealed with another key) is left out and logged, so that
    /// every other fleet's devices keep their targets.
    private mutating func readClusters(_ records: [ClusterRecord], from store: any DroverStore, secrets: SecretBox, logger: Logger) async {
        guard !records.isEmpty else { return }
        let members: [String: [ClusterMemberRecord]]
        do {
            members = try await store.clusterMembers(clusterID: nil)
        } catch {
            logger.error("reading the clusters' members failed; their devices get no cluster part", metadata: ["error": "\(error)"])
            return
        }
        for cluster in records {
            guard let fleet = fleets[cluster.fleetID] else { continue }
            do {
                let devices = self.devices.filter { $0.value.fleetID == fleet.id }.map(\.key)
                var tags = try await store.tags(deviceUUIDs: devices)
                for device in devices where tags[device] == nil { tags[device] = [:] }
                var tokens: API.ClusterJoinTokens?
                if let sealed = cluster.sealedTokens {
                    let json = try secrets.open(sealed, context: ClusterRecord.sealingContext(id: cluster.id))
                    do {
                        tokens = try JSONDecoder().decode(API.ClusterJoinTokens.self, from: Data(json.utf8))
                    } catch {
                        throw ServerError(.storage, "cluster \(cluster.name)'s join tokens do not decode", cause: error)
                    }
                }
                // Only the fleet's devices count: a device that left keeps no place in the swarm.
                let own = (members[cluster.id] ?? []).filter { tags[$0.deviceUUID] != nil }
                var inputs = ClusterPlan.Inputs(
                    cluster: cluster, fleetName: fleet.name,
                    members: Dictionary(own.map { ($0.deviceUUID, $0) }, uniquingKeysWith: { first, _ in first }), tags: tags, tokens: tokens,
                    release: offered[fleet.id], variables: (env[fleet.id] ?? []).filter { $0.deviceUUID.isEmpty }.map(\.scoped))
                inputs.fleetFiles = fleetFiles[fleet.id] ?? [:]
                inputs.architectures = Dictionary(
                    devices.compactMap { uuid in self.devices[uuid]?.platform.map { (uuid, $0.architecture) } }, uniquingKeysWith: { first, _ in first })
                clusters[fleet.id] = inputs
            } catch {
                logger.error(
                    "cluster \(cluster.name) cannot be read; its devices get no cluster part", metadata: ["cluster": "\(cluster.id)", "error": "\(error)"])
            }
        }
    }

    /// Which devices keep a failing release: those that started it and did not roll it back,
    /// in a fleet that tracks no release, when it is newer than what the fleet offers now.
    func keptFailing(_ failing: [ReleaseRecord], attempts: [ReleaseAttempt]) -> [String: ReleaseRecord] {
        let byID = Dictionary(uniqueKeysWithValues: failing.map { ($0.id, $0) })
        var kept: [String: ReleaseRecord] = [:]
        for attempt in attempts where attempt.outcome != .rolledBack {
            guard let release = byID[attempt.releaseID], let device = devices[attempt.deviceUUID], device.fleetID == release.fleetID,
                fleets[release.fleetID]?.trackedRelease == nil, release.createdAt > offered[release.fleetID]?.createdAt ?? 0
            else { continue }
            if release.createdAt > kept[attempt.deviceUUID]?.createdAt ?? 0 { kept[attempt.deviceUUID] = release }
        }
        return kept
    }
}
