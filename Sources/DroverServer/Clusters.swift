import DroverModel
import Foundation
import Logging

/// Cluster mode: a Docker Swarm formed from a fleet's devices. Drover writes no scheduler: it
/// tells each device's agent its part (``ClusterPlan/target(for:_:advertiseAddress:)``), and the
/// agents form the swarm, join it, and (managers) keep the fleet's release running as a stack.
/// Here: creating and removing clusters, what devices say of their nodes, and how the swarm
/// is shown, with its nodes' comings and goings.
struct Clusters: Sendable {
    let store: any DroverStore
    let targets: Targets
    let presence: Presence
    let events: WebhookEvents
    let box: SecretBox
    let logger: Logger

    /// The most nodes, services and tasks an observation may hold.
    static let observedNodes = 10_000
    static let observedServices = API.Limits.reportedServices
    static let observedTasks = 100_000

    /// Forms a cluster from a fleet: picks its managers among the online devices; the first
    /// forms the swarm when it next hears from the server.
    func create(_ access: Access, _ body: API.CreateCluster) async throws(ServerError) -> API.Cluster {
        try ControlPlane.validateName(body.name, what: "body: name")
        let fleet = try await access.fleet(in: store, body.fleet)
        var tag: (key: String, value: String)?
        if let text = body.managerTag {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ServerError(.badRequest, "body: managerTag '\(text)' must be KEY=VALUE") }
            try ControlPlane.validateName(parts[0], what: "body: managerTag key")
            try ControlPlane.validateText(parts[1], what: "body: managerTag value", limit: API.Limits.tagValue)
            tag = (parts[0], parts[1])
        }
        let heartbeat = body.heartbeatSeconds ?? 5
        guard heartbeat.isFinite, (0.1...3600).contains(heartbeat) else {
            throw ServerError(.badRequest, "body: heartbeatSeconds must be a number of seconds from 0.1 to 3600")
        }
        let devices = try await store.devices(org: access.org, fleetID: fleet.id)
        let tags = try await store.tags(deviceUUIDs: devices.map(\.uuid))
        var candidates: [ClusterPlan.Candidate] = []
        for device in devices {
            candidates.append(
                ClusterPlan.Candidate(uuid: device.uuid, name: device.name, online: await online(device), tags: tags[device.uuid] ?? [:]))
        }
        let managers = try ClusterPlan.chooseManagers(candidates, count: body.managers, tag: tag)
        let record = ClusterRecord(
            id: SQLStore.newID(), orgID: fleet.orgID, fleetID: fleet.id, name: body.name, managers: managers, managerCount: managers.count,
            heartbeat: heartbeat, createdAt: WallClock.now)
        try await store.addCluster(record)
        try await targets.changed()
        logger.info("cluster created", metadata: ["cluster": "\(record.name)", "fleet": "\(fleet.name)", "managers": "\(managers.count)"])
        return try await view(record, fleet: fleet)
    }

    /// The organisation's clusters.
    func list(_ access: Access) async throws(ServerError) -> [API.Cluster] {
        var out: [API.Cluster] = []
        for cluster in try await store.clusters(org: access.org) where access.sees(cluster.fleetID) {
            out.append(try await view(cluster, fleet: try await store.fleet(id: cluster.fleetID)))
        }
        return out
    }

    /// One cluster, by name.
    func show(_ access: Access, _ name: String) async throws(ServerError) -> API.Cluster {
        let (cluster, fleet) = try await find(access, name)
        return try await view(cluster, fleet: fleet)
    }

    /// A cluster's stack: its services with desired and running replicas and where each task runs.
    func services(_ access: Access, _ name: String) async throws(ServerError) -> API.ClusterServices {
        let (cluster, fleet) = try await find(access, name)
        return try await services(cluster, fleet: fleet)
    }

    /// A cluster's newest events.
    func events(_ access: Access, _ name: String, limit: Int) async throws(ServerError) -> [API.ClusterEvent] {
        let (cluster, _) = try await find(access, name)
        return try await store.clusterEvents(clusterID: cluster.id, limit: limit)
    }

    /// Dissolves a cluster: its devices leave the swarm when they next hear from the server
    /// (workers and managers alike, `docker swarm leave --force`), and the fleet's devices
    /// run its releases as single devices again.
    func remove(_ access: Access, _ name: String) async throws(ServerError) {
        let (cluster, _) = try await find(access, name)
        try await store.deleteCluster(id: cluster.id)
        try await targets.changed()
        logger.info("cluster removed", metadata: ["cluster": "\(cluster.name)"])
    }

    /// A device's node in its fleet's cluster, with the node's newest events; nil when its
    /// fleet is not in cluster mode.
    func node(of uuid: String, fleet name: String, _ access: Access) async throws(ServerError) -> API.DeviceClusterNode? {
        let fleet = try await access.fleet(in: store, name)
        guard let cluster = try await cluster(fleetID: fleet.id) else { return nil }
        let view = try await view(cluster, fleet: fleet)
        guard let node = view.nodes.first(where: { $0.device == uuid }) else { return nil }
        let events = try await store.clusterEvents(clusterID: cluster.id, limit: 200).filter {
            $0.device == uuid || ($0.nodeID != nil && $0.nodeID == node.nodeID)
        }
        return API.DeviceClusterNode(cluster: cluster.name, node: node, events: Array(events.prefix(10)))
    }

    /// The cluster of a fleet, if it is in cluster mode.
    func cluster(fleetID: String) async throws(ServerError) -> ClusterRecord? {
        try await store.cluster(fleetID: fleetID)
    }

    /// The stack's services of a cluster, for `cluster services` and `release show`.
    func services(_ cluster: ClusterRecord, fleet: FleetRecord) async throws(ServerError) -> API.ClusterServices {
        try await Self.services(of: cluster, fleet: fleet, store: store)
    }

    /// The stack's services of a cluster, for `cluster services` and `release show`.
    static func services(of cluster: ClusterRecord, fleet: FleetRecord, store: any DroverStore) async throws(ServerError) -> API.ClusterServices {
        let release = try await TargetSnapshot.offeredRelease(of: fleet, stack: true, in: store)?.id
        let members = try await store.clusterMembers(clusterID: cluster.id)[cluster.id] ?? []
        let devices = Dictionary(members.compactMap { member in member.nodeID.map { ($0, member.deviceUUID) } }, uniquingKeysWith: { first, _ in first })
        let names = Dictionary(
            try await store.devices(org: cluster.orgID, fleetID: cluster.fleetID).map { ($0.uuid, $0.name) }, uniquingKeysWith: { first, _ in first })
        var services = cluster.observation?.services ?? []
        for index in services.indices {
            for task in services[index].tasks.indices {
                let device = services[index].tasks[task].nodeID.flatMap { devices[$0] }
                services[index].tasks[task].device = device
                services[index].tasks[task].deviceName = device.flatMap { names[$0] }
            }
        }
        return API.ClusterServices(
            release: release, converged: ClusterPlan.converged(cluster.observation, release: release), services: services.sorted { $0.name < $1.name })
    }

    private func find(_ access: Access, _ name: String) async throws(ServerError) -> (ClusterRecord, FleetRecord) {
        guard let cluster = try await store.clusters(org: access.org).first(where: { $0.name == name || $0.id == name }), access.sees(cluster.fleetID)
        else {
            throw ServerError(.notFound, "no cluster named '\(name)' in your organisation")
        }
        let fleet = try await access.fleet(in: store, cluster.fleetID)
        return (cluster, fleet)
    }

    private func view(_ cluster: ClusterRecord, fleet: FleetRecord) async throws(ServerError) -> API.Cluster {
        let devices = try await store.devices(org: cluster.orgID, fleetID: fleet.id)
        let members = try await store.clusterMembers(clusterID: cluster.id)[cluster.id] ?? []
        let events = try await store.clusterEvents(clusterID: cluster.id, limit: 200)
        return ClusterPlan.view(
            cluster, fleet: fleet.name,
            devices: devices.map { ClusterPlan.FleetDevice(uuid: $0.uuid, name: $0.name, architecture: $0.architecture) },
            members: Dictionary(members.map { ($0.deviceUUID, $0) }, uniquingKeysWith: { first, _ in first }), events: events, now: WallClock.now)
    }

    private func online(_ device: DeviceRecord) async -> Bool {
        let heard = await presence.lastSeen(device.uuid)
        let lastSeen = [device.lastSeen, heard].compactMap { $0 }.max()
        return lastSeen.map { WallClock.now - $0 < ControlPlane.onlineGraceSeconds } ?? false
    }

    // MARK: - The devices' side

    /// What a device says of its node (and a manager of the whole swarm). A new node, a node
    /// that left, or the swarm's join tokens change devices' targets; a manager's observation
    /// is kept with the events it gives rise to (a node down, back, its tasks running again),
    /// and a Swarm-side rollback marks its release failing, so the fleet offers the last good one.
    func report(device uuid: String, fleetID: String, _ report: API.ClusterMemberReport) async throws(ServerError) {
        try Self.validate(report)
        guard let cluster = try await cluster(fleetID: fleetID), cluster.id == report.cluster else {
            throw ServerError(.conflict, "body: cluster '\(report.cluster)' is not this device's fleet's cluster")
        }
        await presence.reported(uuid)
        let now = WallClock.now
        // A device's word that it manages counts only for a device chosen as a manager, or
        // one a manager has seen managing: a worker cannot speak for the swarm.
        let manager =
            report.manager == true
            && (cluster.managers.contains(uuid) || cluster.observation?.nodes.contains { $0.id == report.nodeID && $0.role == "manager" } == true)
        var member = ClusterMemberRecord(report, device: uuid, at: now)
        member.manager = manager
        let known = (try await store.clusterMembers(clusterID: cluster.id)[cluster.id] ?? []).first { $0.deviceUUID == uuid }
        // An engine that is stopping (or starting again) says for a moment that it is in no
        // swarm. While the swarm still lists the device's node, the node stays the device's:
        // otherwise the leader would take it for a node no device claims, and remove it.
        if member.nodeID == nil, let previous = known?.nodeID, cluster.observation?.nodes.contains(where: { $0.id == previous }) == true {
            member.nodeID = previous
        }
        var changed = false
        var unchanged = known
        unchanged?.updatedAt = now
        if member != unchanged || now - (known?.updatedAt ?? 0) > 30 {
            try await store.setClusterMember(clusterID: cluster.id, member)
            changed = !member.sameNode(as: known)
        }
        if let tokens = report.tokens, manager, cluster.sealedTokens == nil, cluster.managers.first == uuid {
            let json = String(decoding: Canonical.encode(tokens), as: UTF8.self)
            if try await store.setClusterTokens(id: cluster.id, sealed: try box.seal(json, context: ClusterRecord.sealingContext(id: cluster.id))) {
                logger.info("cluster formed", metadata: ["cluster": "\(cluster.name)", "device": "\(uuid)"])
                changed = true
            }
        }
        if let observation = report.observation, manager {
            // A manager cut off from the others says it sees no leader; while another has said
            // lately that it does, that is a partition, not a lost majority.
            let fresh = cluster.observation?.quorum == true && now - (cluster.observedAt ?? 0) < ClusterPlan.staleSeconds
            if observation.quorum || !fresh { try await observe(cluster, observation, at: now) }
        }
        if changed { try await targets.changed() }
    }

    private func observe(_ cluster: ClusterRecord, _ observation: API.ClusterObservation, at now: Double) async throws(ServerError) {
        let names = Dictionary(
            try await store.devices(org: cluster.orgID, fleetID: cluster.fleetID).map { ($0.uuid, $0.name) }, uniquingKeysWith: { first, _ in first })
        let news = try await store.observeCluster(id: cluster.id, observation, at: now) { previous, recent in
            ClusterPlan.events(previous: previous, next: observation, at: now, recent: recent, names: names)
        }
        for event in news {
            logger.info("cluster event", metadata: ["cluster": "\(cluster.name)", "kind": "\(event.kind)", "detail": "\(event.detail)"])
            do {
                try await events.clusterNode(event, fleetID: cluster.fleetID, cluster: cluster.name)
            } catch {
                logger.warning("queueing a cluster webhook failed", metadata: ["error": "\(error)"])
            }
        }
        for service in observation.services {
            guard let release = service.rolledBackFrom, service.updateState == "rollback_completed" else { continue }
            let record: ReleaseRecord
            do {
                record = try await store.release(id: release)
            } catch  where error.code == .notFound {
                continue
            }
            guard record.fleetID == cluster.fleetID, record.status != .failing else { continue }
            let detail = "the swarm rolled service '\(service.name)' back: \(service.updateMessage ?? "its update failed")"
            try await store.markFailing(release: release, detail: detail)
            try await events.releaseFailing(record, attempts: API.ReleaseAttempts(started: 0, healthy: 0, rolledBack: 0), detail: detail)
            try await targets.changed()
        }
    }

    /// The most labels a node may report.
    static let nodeLabels = 256

    private static func validateLabels(_ labels: [String: String]?, what: String) throws(ServerError) {
        guard let labels else { return }
        guard labels.count <= nodeLabels else { throw ServerError(.badRequest, "\(what): more than \(nodeLabels) labels") }
        for (key, value) in labels {
            try ControlPlane.validateText(key, what: what, limit: API.Limits.label)
            try ControlPlane.validateText(value, what: what, limit: API.Limits.tagValue)
        }
    }

    /// Checks what a device sent: every string bounded, every count in range.
    static func validate(_ report: API.ClusterMemberReport) throws(ServerError) {
        let short: [(String?, String)] = [
            (report.cluster, "cluster"), (report.nodeID, "nodeID"), (report.state, "state"), (report.address, "address"),
            (report.engineVersion, "engineVersion"),
        ]
        for (value, what) in short {
            if let value { try ControlPlane.validateText(value, what: "body: \(what)", limit: API.Limits.label) }
        }
        if let error = report.error { try ControlPlane.validateText(error, what: "body: error", limit: API.Limits.detail) }
        if let tokens = report.tokens {
            try ControlPlane.validateText(tokens.worker, what: "body: tokens.worker", limit: API.Limits.label)
            try ControlPlane.validateText(tokens.manager, what: "body: tokens.manager", limit: API.Limits.label)
        }
        guard let observation = report.observation else { return }
        guard observation.nodes.count <= observedNodes, observation.services.count <= observedServices,
            observation.services.reduce(0, { $0 + $1.tasks.count }) <= observedTasks
        else {
            throw ServerError(
                .badRequest, "body: observation holds more than \(observedNodes) nodes, \(observedServices) services or \(observedTasks) tasks")
        }
        if let error = observation.error { try ControlPlane.validateText(error, what: "body: observation.error", limit: API.Limits.detail) }
        for node in observation.nodes {
            let texts =
                [node.id, node.role, node.state, node.availability]
                + [node.device, node.address, node.reachability, node.engineVersion, node.architecture].compactMap { $0 }
            for text in texts { try ControlPlane.validateText(text, what: "body: observation.nodes", limit: API.Limits.label) }
            try validateLabels(node.labels, what: "body: observation.nodes.labels")
        }
        for service in observation.services {
            let texts = [service.name, service.mode] + [service.image, service.release, service.updateState, service.rolledBackFrom].compactMap { $0 }
            for text in texts { try ControlPlane.validateText(text, what: "body: observation.services", limit: API.Limits.label) }
            guard service.desired >= 0, service.running >= 0 else {
                throw ServerError(.badRequest, "body: observation.services.\(service.name): desired and running must not be negative")
            }
            for message in [service.updateMessage, service.deployError].compactMap({ $0 }) {
                try ControlPlane.validateText(message, what: "body: observation.services", limit: API.Limits.detail)
            }
            for task in service.tasks {
                for text in [task.state] + [task.nodeID, task.release].compactMap({ $0 }) {
                    try ControlPlane.validateText(text, what: "body: observation.services.tasks", limit: API.Limits.label)
                }
                if let message = task.message {
                    try ControlPlane.validateText(message, what: "body: observation.services.tasks.message", limit: API.Limits.detail)
                }
                if let since = task.since, !since.isFinite { throw ServerError(.badRequest, "body: observation.services.tasks.since must be a number") }
            }
        }
    }
}
