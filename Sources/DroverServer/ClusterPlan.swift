import DroverModel
import Foundation

/// The pure decisions of cluster mode: which devices manage, what each device's agent is told,
/// how the swarm is shown, and which of a manager's observations are news (a node down, back,
/// its tasks running again). No I/O; ``Clusters`` and ``TargetBuilder`` feed it.
enum ClusterPlan {
    /// The port managers listen on for joins.
    static let managerPort = 2377
    /// An observation older than this means no manager is reporting.
    static let staleSeconds: Double = 60

    /// One device as manager selection sees it.
    struct Candidate: Equatable {
        var uuid: String
        var name: String
        var online: Bool
        var tags: [String: String]
    }

    /// Picks `count` managers among the online devices: those with `tag` first, then the
    /// others spread over the values of the tag's key (different racks or sites, when the
    /// fleet's devices are tagged so), then by name. `count` is odd (a majority of an even
    /// number tolerates no more failures than one fewer). Nil `count`: 3, or 1 when fewer
    /// than 3 devices are online.
    static func chooseManagers(_ devices: [Candidate], count: Int?, tag: (key: String, value: String)?) throws(ServerError) -> [String] {
        let online = devices.filter(\.online).sorted { $0.name < $1.name }
        let wanted = count ?? (online.count >= 3 ? 3 : 1)
        guard wanted % 2 == 1, (1...7).contains(wanted) else {
            throw ServerError(.badRequest, "body: managers is \(wanted); a swarm needs an odd number of managers, 1 to 7 (3 tolerates one loss, 5 two)")
        }
        guard online.count >= wanted else {
            throw ServerError(
                .conflict,
                "the fleet has \(online.count) online device(s) and the cluster asks for \(wanted) managers; bring devices online or ask for fewer managers")
        }
        var chosen: [Candidate] = []
        if let tag {
            chosen = Array(online.filter { $0.tags[tag.key] == tag.value }.prefix(wanted))
        }
        // Spread the rest over the values the devices have for the tag's key, one per value in turn.
        var rest = online.filter { candidate in !chosen.contains { $0.uuid == candidate.uuid } }
        var usedValues = Set(chosen.compactMap { candidate in tag.flatMap { candidate.tags[$0.key] } })
        while chosen.count < wanted, !rest.isEmpty {
            let index =
                rest.firstIndex { candidate in tag.map { !usedValues.contains(candidate.tags[$0.key] ?? "") } ?? true } ?? rest.startIndex
            let next = rest.remove(at: index)
            if let tag { usedValues.insert(next.tags[tag.key] ?? "") }
            chosen.append(next)
        }
        return chosen.map(\.uuid)
    }

    /// What a cluster's devices are told, read from one snapshot.
    struct Inputs: Sendable {
        var cluster: ClusterRecord
        /// The fleet's name: the stack's namespace.
        var fleetName: String
        /// Members' word on their nodes, by device.
        var members: [String: ClusterMemberRecord]
        /// The fleet's devices' tags, by device (every device of the fleet is a key).
        var tags: [String: [String: String]]
        /// The join tokens, once the swarm exists.
        var tokens: API.ClusterJoinTokens?
        /// The release the fleet offers.
        var release: ReleaseRecord?
        /// The fleet's variables (fleet scope and service scope, no device's own).
        var variables: [ScopedVariable]
        /// The devices' architectures (Drover's words: amd64, arm64, arm), where known.
        var architectures: [String: String] = [:]
        /// The versions of the fleet's own secrets and configs: "kind/name" → version.
        var fleetFiles: [String: String] = [:]
    }

    /// The device's part: its role; for the first manager, to form the swarm until its tokens
    /// are in; for the others, how to join; for managers, the stack and the nodes.
    static func target(for uuid: String, _ inputs: Inputs, advertiseAddress: String?) -> ClusterTarget {
        let cluster = inputs.cluster
        let role: ClusterTarget.Role = cluster.managers.contains(uuid) ? .manager : .worker
        var target = ClusterTarget(id: cluster.id, name: cluster.name, role: role)
        target.advertiseAddress = advertiseAddress
        if let tokens = inputs.tokens {
            let managers = managerAddresses(inputs.members, observation: cluster.observation)
            if !managers.isEmpty {
                target.join = ClusterTarget.Join(token: role == .manager ? tokens.manager : tokens.worker, managers: managers)
            }
        } else if cluster.managers.first == uuid {
            target.initialize = true
            target.heartbeat = Int64((cluster.heartbeat * 1e9).rounded())
        }
        guard role == .manager else { return target }
        if let release = inputs.release { target.stack = stack(release, inputs) }
        var nodes: [String: ClusterTarget.Node] = [:]
        // Every device of the fleet that has a node is planned, whatever its engine says right
        // now (a rebooting node is `pending` for a while): managers remove only the nodes of
        // devices that left the fleet, and nodes that are down and no device claims.
        for (device, member) in inputs.members {
            guard let nodeID = member.nodeID, let tags = inputs.tags[device] else { continue }
            var labels = tags
            labels[ClusterTarget.deviceLabel] = device
            if let architecture = inputs.architectures[device] { labels[ClusterTarget.architectureLabel] = architecture }
            nodes[nodeID] = ClusterTarget.Node(device: device, role: cluster.managers.contains(device) ? .manager : .worker, labels: labels)
        }
        target.nodes = nodes
        return target
    }

    /// The stack a release is: its services with their images pinned (an index where the
    /// image has several platforms, so each node pulls its own), the fleet's variables, and
    /// the versions of its secrets and configs (an external one's as the fleet has it now).
    static func stack(_ release: ReleaseRecord, _ inputs: Inputs) -> ClusterTarget.Stack {
        var app = release.app
        TargetBuilder.fillExternalVersions(&app, fleetFiles: inputs.fleetFiles)
        for (name, pin) in release.pins where app.services[name] != nil {
            app.services[name]?.image = pin.reference
        }
        if !inputs.variables.isEmpty {
            for name in app.services.keys {
                var environment = app.services[name]?.environment ?? [:]
                for (key, resolved) in EnvironmentScope.resolve(inputs.variables, service: name) where !key.hasPrefix("DROVER_") {
                    environment[key] = resolved.value
                }
                app.services[name]?.environment = environment.isEmpty ? nil : environment
            }
        }
        var stack = ClusterTarget.Stack(
            namespace: inputs.fleetName, release: release.id, services: app.services, networks: app.networks, volumes: app.volumes)
        stack.secrets = app.secrets
        stack.configs = app.configs
        return stack
    }

    /// The addresses of the managers that are in the swarm, `host:2377`: the leader first,
    /// then the reachable ones, leaving out managers a manager sees down and those whose engine
    /// reports a swarm error. A joining engine tries the first; the agent tries each in turn.
    static func managerAddresses(_ members: [String: ClusterMemberRecord], observation: API.ClusterObservation? = nil) -> [String] {
        let nodes = Dictionary((observation?.nodes ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func rank(_ member: ClusterMemberRecord) -> Int {
            guard let node = member.nodeID.flatMap({ nodes[$0] }) else { return 2 }
            if node.leader == true { return 0 }
            return node.reachability == "reachable" ? 1 : 2
        }
        let candidates = members.values.filter { member in
            member.manager && member.state == "active" && (member.error ?? "").isEmpty && member.address?.isEmpty == false
                && member.nodeID.flatMap { nodes[$0] }.map { $0.state == "ready" } != false
        }
        return candidates.sorted { (rank($0), $0.address ?? "") < (rank($1), $1.address ?? "") }.compactMap(\.address).map { address in
            address.contains(":") && !address.hasPrefix("[") && address.split(separator: ":").count > 2
                ? "[\(address)]:\(managerPort)" : address.contains(":") ? address : "\(address):\(managerPort)"
        }
    }

    // MARK: - What people see

    /// One device of the fleet, for the cluster's view.
    struct FleetDevice: Sendable {
        var uuid: String
        var name: String
        var architecture: String?
    }

    /// The cluster as `drover cluster show` shows it.
    static func view(
        _ cluster: ClusterRecord, fleet: String, devices: [FleetDevice], members: [String: ClusterMemberRecord], events: [API.ClusterEvent],
        now: Double
    ) -> API.Cluster {
        let observation = cluster.observation
        let observed = observation?.nodes ?? []
        var nodes: [API.ClusterNode] = []
        var seen: Set<String> = []
        for device in devices.sorted(by: { $0.name < $1.name }) {
            let member = members[device.uuid]
            let node = observed.first { $0.id == member?.nodeID && member?.nodeID != nil } ?? observed.first { $0.device == device.uuid }
            var view = API.ClusterNode(
                device: device.uuid, deviceName: device.name, nodeID: node?.id ?? member?.nodeID,
                role: node?.role ?? (cluster.managers.contains(device.uuid) ? "manager" : "worker"),
                state: node?.state ?? (member?.state == "active" ? "unknown" : "joining"))
            fill(&view, node)
            view.address = view.address ?? member?.address
            view.engineVersion = view.engineVersion ?? member?.engineVersion
            view.architecture = view.architecture ?? device.architecture
            view.error = member?.error.flatMap { $0.isEmpty ? nil : $0 }
            if let id = view.nodeID {
                seen.insert(id)
                view.downSince = downSince(node: id, events: events, state: view.state)
            }
            nodes.append(view)
        }
        for node in observed where !seen.contains(node.id) {
            var view = API.ClusterNode(device: node.device, nodeID: node.id, role: node.role, state: node.state)
            fill(&view, node)
            view.downSince = downSince(node: node.id, events: events, state: node.state)
            nodes.append(view)
        }
        let (status, detail) = status(cluster, nodes: nodes, now: now)
        let ipvs: Bool? = members.values.compactMap(\.ipvs).isEmpty ? nil : members.values.compactMap(\.ipvs).allSatisfy { $0 }
        return API.Cluster(
            name: cluster.name, fleet: fleet, status: status, detail: detail, managers: cluster.managerCount, heartbeatSeconds: cluster.heartbeat,
            ipvs: ipvs, nodes: nodes, observedAt: cluster.observedAt, createdAt: cluster.createdAt)
    }

    private static func fill(_ view: inout API.ClusterNode, _ node: API.ObservedNode?) {
        guard let node else { return }
        view.availability = node.availability
        view.reachability = node.reachability
        view.leader = node.leader
        view.address = node.address
        view.engineVersion = node.engineVersion
        view.architecture = node.architecture
        view.labels = node.labels
    }

    /// When a node that is not ready went down: its newest node-down event, if no node-up came after it.
    static func downSince(node: String, events: [API.ClusterEvent], state: String) -> Double? {
        guard state != "ready" else { return nil }
        let own = events.filter { $0.nodeID == node }.sorted { $0.at > $1.at }
        guard let newest = own.first(where: { $0.kind == "node-down" || $0.kind == "node-up" }), newest.kind == "node-down" else { return nil }
        return newest.at
    }

    /// The cluster's status in a word, and plain words on it.
    static func status(_ cluster: ClusterRecord, nodes: [API.ClusterNode], now: Double) -> (String, String?) {
        guard let observation = cluster.observation, let at = cluster.observedAt else {
            let name = cluster.managers.first.flatMap { first in nodes.first { $0.device == first }?.deviceName } ?? "its first manager"
            let first =
                cluster.sealedTokens == nil
                ? "\(name) has not formed the swarm yet (its agent forms it when it next hears from the server)" : "no manager has reported the swarm yet"
            return ("forming", first)
        }
        if !observation.quorum {
            let managers = nodes.filter { $0.role == "manager" }
            let unreachable = managers.filter { $0.reachability == "unreachable" || $0.state != "ready" }.count
            return (
                "no-quorum",
                "the managers lost their majority (\(unreachable) of \(managers.count) unreachable): the swarm keeps its tasks running but cannot change anything. "
                    + "Bring the lost managers back; if they are gone for good, run 'docker swarm init --force-new-cluster' on one surviving manager "
                    + "(see the README, 'Recovering a cluster')" + (observation.error.map { ". The engine says: \($0)" } ?? "")
            )
        }
        if now - at > staleSeconds {
            return ("unknown", "no manager has reported for \(Int(now - at)) s; the managers' devices may be offline")
        }
        let down = nodes.filter { $0.nodeID != nil && $0.state != "ready" && $0.state != "joining" }
        if !down.isEmpty {
            let names = down.map { $0.deviceName ?? $0.nodeID ?? "?" }.sorted().joined(separator: ", ")
            return ("degraded", "\(down.count) node(s) not ready: \(names); the swarm moves their tasks to the others")
        }
        let joining = nodes.filter { $0.nodeID == nil || $0.state == "joining" }
        if !joining.isEmpty {
            let names = joining.map { $0.deviceName ?? "?" }.sorted().joined(separator: ", ")
            let errors = joining.compactMap(\.error)
            return ("forming", "not in the swarm yet: \(names)" + (errors.isEmpty ? "" : " (\(errors.joined(separator: "; ")))"))
        }
        return ("ready", nil)
    }

    // MARK: - What is news

    /// The events one observation gives rise to after `previous`: nodes that went down or came
    /// back, and once every task runs again on ready nodes after a node went down, when that was.
    static func events(
        previous: API.ClusterObservation?, next: API.ClusterObservation, at time: Double, recent: [API.ClusterEvent], names: [String: String] = [:]
    ) -> [API.ClusterEvent] {
        var out: [API.ClusterEvent] = []
        let before = Dictionary((previous?.nodes ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for node in next.nodes.sorted(by: { $0.id < $1.id }) {
            guard let old = before[node.id] else { continue }
            let name = node.device.flatMap { names[$0] } ?? node.device ?? node.id
            if old.state == "ready", node.state != "ready" {
                out.append(API.ClusterEvent(kind: "node-down", nodeID: node.id, device: node.device, at: time, detail: "node \(name) is \(node.state)"))
            } else if old.state != "ready", node.state == "ready", wentDown(node.id, in: recent) {
                // Back from down; a node that is joining (not ready yet, never down) is no news.
                out.append(API.ClusterEvent(kind: "node-up", nodeID: node.id, device: node.device, at: time, detail: "node \(name) is ready again"))
            }
        }
        let history = (recent + out).sorted { $0.at > $1.at }
        if let lastDown = history.first(where: { $0.kind == "node-down" }),
            !history.contains(where: { $0.kind == "tasks-recovered" && $0.at >= lastDown.at }), !next.services.isEmpty, allTasksRunning(next)
        {
            let seconds = String(format: "%.1f", time - lastDown.at)
            out.append(
                API.ClusterEvent(
                    kind: "tasks-recovered", nodeID: lastDown.nodeID, device: lastDown.device, at: time,
                    detail:
                        "every task runs again on ready nodes, \(seconds) s after node \(lastDown.device.flatMap { names[$0] } ?? lastDown.device ?? lastDown.nodeID ?? "?") went down"
                ))
        }
        return out
    }

    /// Whether the node's newest down-or-up event is a down.
    static func wentDown(_ node: String, in events: [API.ClusterEvent]) -> Bool {
        events.filter { $0.nodeID == node && ($0.kind == "node-down" || $0.kind == "node-up") }.max { $0.at < $1.at }?.kind == "node-down"
    }

    /// Whether every service has as many running tasks on ready nodes as it asks for.
    static func allTasksRunning(_ observation: API.ClusterObservation) -> Bool {
        let ready = Set(observation.nodes.filter { $0.state == "ready" }.map(\.id))
        return observation.services.allSatisfy { service in
            service.tasks.filter { $0.state == "running" && $0.nodeID.map(ready.contains) == true }.count >= service.desired
        }
    }

    /// Whether the stack runs `release`: every service's spec is the release's and has its
    /// replicas running on ready nodes.
    static func converged(_ observation: API.ClusterObservation?, release: String?) -> Bool {
        guard let observation, let release, !observation.services.isEmpty else { return false }
        return allTasksRunning(observation) && observation.services.allSatisfy { $0.release == release && $0.updateState != "updating" }
    }
}
