import DroverModel
import DroverServer
import Foundation
import Testing

/// Cluster mode through the API, with the devices' side played by hand: what each device is
/// told, that join tokens reach only targets (never a person's answer or the store in the
/// clear), how managers' observations become events, and that a cluster fleet's releases are
/// read as Swarm stacks. The real swarm is exercised by scripts/cluster-checks.
@Suite("Clusters through the API")
struct ClusterAPITests {
    struct Node {
        let device: API.RegisteredDevice
        let name: String
    }

    /// A fleet `rack` of `count` devices, each heard from (so online).
    static func rack(_ client: TestServer.Client, count: Int) async throws -> [Node] {
        var nodes: [Node] = []
        let first = try await client.fleetWithDevice("rack", device: "n1")
        nodes.append(Node(device: first, name: "n1"))
        for index in 2...max(2, count) where index <= count {
            let key = try await client.decode(API.ProvisioningKey.self, .post, "/v1/fleets/rack/keys", json: "{}")
            let device = try await client.decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "n\#(index)"}"#, token: "")
            nodes.append(Node(device: device, name: "n\(index)"))
        }
        for node in nodes { _ = try await client.call(.get, "/v1/device/state", token: node.device.apiKey) }
        return nodes
    }

    static func target(_ client: TestServer.Client, _ node: Node) async throws -> TargetState {
        let (status, body, _) = try await client.call(.get, "/v1/device/state", token: node.device.apiKey)
        #expect(status == .ok, "\(body)")
        return try TargetState.decode(from: Data(body.utf8))
    }

    static func report(_ client: TestServer.Client, _ node: Node, _ report: API.ClusterMemberReport) async throws {
        let body = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        let (status, text, _) = try await client.call(.put, "/v1/device/cluster", json: body, token: node.device.apiKey)
        #expect(status == .noContent, "\(text)")
    }

    @Test("forming: the first manager inits, its tokens reach the others' targets by role and never a person; tags become node labels")
    func forming() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let nodes = try await Self.rack(client, count: 4)
            _ = try await client.call(.put, "/v1/devices/n1/tags", json: #"{"set": {"role": "manager"}}"#)
            let created = try await client.call(
                .post, "/v1/clusters", json: #"{"name": "lab", "fleet": "rack", "managers": 3, "managerTag": "role=manager", "heartbeatSeconds": 2}"#)
            #expect(created.status == .created, "\(created.body)")
            let cluster = try JSONDecoder().decode(API.Cluster.self, from: Data(created.body.utf8))
            #expect(cluster.status == "forming" && cluster.nodes.count == 4)
            #expect(cluster.nodes.filter { $0.role == "manager" }.count == 3)
            #expect(cluster.nodes.first { $0.deviceName == "n1" }?.role == "manager", "the tagged device manages")

            // Only the first manager is told to form the swarm, with the heartbeat asked for.
            let first = try await Self.target(client, nodes[0])
            #expect(first.apps.isEmpty)
            #expect(first.cluster?.initialize == true && first.cluster?.heartbeat == 2_000_000_000 && first.cluster?.role == .manager)
            let worker = try #require(nodes.first { node in cluster.nodes.first { $0.device == node.device.uuid }?.role == "worker" })
            #expect(try await Self.target(client, worker).cluster?.join == nil, "no join before the swarm exists")

            // It formed the swarm: it says so with the tokens.
            var formed = API.ClusterMemberReport(
                cluster: try #require(first.cluster?.id), nodeID: "node-1", state: "active", manager: true, address: "10.0.0.1")
            formed.tokens = API.ClusterJoinTokens(worker: "SWMTKN-worker-secret", manager: "SWMTKN-manager-secret")
            try await Self.report(client, nodes[0], formed)

            let workerTarget = try await Self.target(client, worker)
            #expect(workerTarget.cluster?.join?.token == "SWMTKN-worker-secret")
            #expect(workerTarget.cluster?.join?.managers == ["10.0.0.1:2377"])
            #expect(workerTarget.cluster?.stack == nil, "a worker deploys nothing")
            let manager = try #require(nodes.dropFirst().first { node in cluster.nodes.first { $0.device == node.device.uuid }?.role == "manager" })
            #expect(try await Self.target(client, manager).cluster?.join?.token == "SWMTKN-manager-secret")
            #expect(try await Self.target(client, nodes[0]).cluster?.initialize == nil, "formed once")

            // No person sees a token, and the store keeps them sealed.
            let shown = try await client.call(.get, "/v1/clusters/lab")
            #expect(!shown.body.contains("SWMTKN"))
            let audit = try await client.call(.get, "/v1/audit")
            #expect(!audit.body.contains("SWMTKN"))
            let record = try #require(try await server.store.clusters(org: nil).first)
            let sealed = try #require(record.sealedTokens, "the tokens are kept")
            #expect(!sealed.contains("SWMTKN") && !(Data(base64Encoded: sealed).map { String(decoding: $0, as: UTF8.self) } ?? "").contains("SWMTKN"))

            // The joined worker's node gets its tags as labels in the managers' plan.
            _ = try await client.call(.put, "/v1/devices/\(worker.name)/tags", json: #"{"set": {"zone": "b"}}"#)
            let clusterID = try #require(first.cluster?.id)
            try await Self.report(
                client, worker, API.ClusterMemberReport(cluster: clusterID, nodeID: "node-w", state: "active", manager: false, address: "10.0.0.4"))
            let plan = try #require(try await Self.target(client, nodes[0]).cluster?.nodes?["node-w"])
            #expect(plan.labels["zone"] == "b" && plan.labels[ClusterTarget.deviceLabel] == worker.device.uuid && plan.role == .worker)
        }
    }

    @Test("a cluster fleet's release is a Swarm stack: deploy keys kept, keys a swarm lacks refused with the reason, the stack in managers' targets")
    func stackReleases() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let nodes = try await Self.rack(client, count: 1)
            #expect(try await client.call(.post, "/v1/clusters", json: #"{"name": "lab", "fleet": "rack", "managers": 1}"#).status == .created)
            let refused = try await client.call(
                .post, "/v1/fleets/rack/releases", json: #"{"compose": "services:\n  web:\n    image: busybox:1\n    restart: always\n"}"#)
            #expect(refused.status == .badRequest, "\(refused.body)")
            #expect(refused.body.contains("restart") && refused.body.contains("restart_policy"), "\(refused.body)")

            let compose =
                #"services:\n  web:\n    image: busybox:1\n    ports:\n      - {target: 80, published: 8080, mode: host}\n    deploy:\n      replicas: 6\n      placement: {constraints: [\"node.labels.zone==a\"]}\n      update_config: {parallelism: 2, failure_action: rollback, order: start-first}\n"#
            let made = try await client.call(.post, "/v1/fleets/rack/releases", json: #"{"compose": "\#(compose)"}"#)
            #expect(made.status == .created, "\(made.body)")
            let release = try PeopleTests.decoder.decode(API.Release.self, from: Data(made.body.utf8)).id
            let stack = try #require(try await Self.target(client, nodes[0]).cluster?.stack)
            #expect(stack.release == release && stack.namespace == "rack")
            let web = try #require(stack.services["web"])
            #expect(web.swarm?.replicas == 6 && web.swarm?.constraints == ["node.labels.zone==a"])
            #expect(web.swarm?.update?.failureAction == "rollback" && web.swarm?.update?.order == "start-first")
            #expect(web.ports?.first?.mode == "host")
        }
    }

    @Test("a stack's secrets and configs: versioned as for devices, every manager gets the values its stack mounts, a worker none")
    func stackFiles() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let nodes = try await Self.rack(client, count: 2)
            #expect(try await client.call(.post, "/v1/clusters", json: #"{"name": "lab", "fleet": "rack", "managers": 1}"#).status == .created)
            let token = Data("fleet-token-1".utf8).base64EncodedString()
            #expect(try await client.call(.put, "/v1/fleets/rack/secrets/token", json: #"{"value": "\#(token)"}"#).status == .ok)
            let compose =
                #"services:\n  web:\n    image: busybox:1\n    secrets: [db, token]\n    configs: [{source: site, target: /etc/site.conf}]\nsecrets:\n  db: {file: ./db.txt}\n  token: {external: true}\nconfigs:\n  site: {content: hello}\n"#
            let db = Data("db-password".utf8).base64EncodedString()
            let made = try await client.call(.post, "/v1/fleets/rack/releases", json: #"{"compose": "\#(compose)", "secrets": {"db": "\#(db)"}}"#)
            #expect(made.status == .created, "\(made.body)")
            #expect(!made.body.contains("db-password") && !made.body.contains(db))

            let target = try await Self.target(client, nodes[0])
            let manager = target.cluster?.role == .manager ? nodes[0] : nodes[1]
            let worker = target.cluster?.role == .manager ? nodes[1] : nodes[0]
            let stack = try #require(try await Self.target(client, manager).cluster?.stack)
            let versions = [stack.secrets?["db"]?.version, stack.secrets?["token"]?.version, stack.configs?["site"]?.version]
            #expect(versions.allSatisfy { ($0?.count ?? 0) == 32 }, "\(versions)")

            let files = try await client.decode(API.DeviceFiles.self, .get, "/v1/device/files", token: manager.device.apiKey).files
            let byName = Dictionary(uniqueKeysWithValues: files.map { ("\($0.kind.rawValue)/\($0.name)", $0) })
            #expect(byName.count == 3 && files.allSatisfy { $0.app == "rack" })
            #expect(byName["secret/db"]?.value == db && byName["secret/db"]?.version == stack.secrets?["db"]?.version)
            #expect(byName["secret/token"]?.value == token && byName["config/site"]?.value == Data("hello".utf8).base64EncodedString())
            let workerFiles = try await client.decode(API.DeviceFiles.self, .get, "/v1/device/files", token: worker.device.apiKey)
            #expect(workerFiles.files.isEmpty, "a worker deploys nothing and gets no value")

            // A new fleet value changes its version in the stack, and only its own.
            let rotated = Data("fleet-token-2".utf8).base64EncodedString()
            #expect(try await client.call(.put, "/v1/fleets/rack/secrets/token", json: #"{"value": "\#(rotated)"}"#).status == .ok)
            let after = try #require(try await Self.target(client, manager).cluster?.stack)
            #expect(after.secrets?["token"]?.version != stack.secrets?["token"]?.version)
            #expect(after.secrets?["db"] == stack.secrets?["db"] && after.configs == stack.configs)
            let fetched = try await client.decode(API.DeviceFiles.self, .get, "/v1/device/files", token: manager.device.apiKey).files
            #expect(fetched.first { $0.name == "token" }?.value == rotated)
        }
    }

    @Test("a manager's observations: a node down, back, and every task running again become events once; a Swarm rollback fails the release")
    func observations() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let devices = try await Self.rack(client, count: 1)
            let created = try await client.call(.post, "/v1/clusters", json: #"{"name": "lab", "fleet": "rack", "managers": 1}"#)
            let id = try #require(try await Self.target(client, devices[0]).cluster?.id, "\(created.body)")
            let made = try await client.call(.post, "/v1/fleets/rack/releases", json: #"{"compose": "services:\n  web:\n    image: busybox:1\n"}"#)
            let release = try PeopleTests.decoder.decode(API.Release.self, from: Data(made.body.utf8)).id

            func observe(_ worker: String, running: [String], state: String? = nil, from: String? = nil) async throws {
                var report = API.ClusterMemberReport(cluster: id, nodeID: "m1", state: "active", manager: true, address: "10.0.0.1")
                let nodes = [
                    API.ObservedNode(id: "m1", device: devices[0].device.uuid, role: "manager", state: "ready", availability: "active"),
                    API.ObservedNode(id: "w1", device: nil, role: "worker", state: worker, availability: "active"),
                ]
                var service = API.ClusterService(
                    name: "web", release: release, mode: "replicated", desired: 2, running: running.count, image: "busybox:1", updateState: state,
                    tasks: running.map { API.ClusterTask(nodeID: $0, slot: 1, state: "running") })
                service.rolledBackFrom = from
                report.observation = API.ClusterObservation(quorum: true, nodes: nodes, services: [service])
                try await Self.report(client, devices[0], report)
            }
            try await observe("unknown", running: ["m1", "m1"])  // joining: not down, so being ready is no news
            try await observe("ready", running: ["m1", "w1"])
            try await observe("down", running: ["m1", "w1"])  // the task on the down node does not count
            try await observe("down", running: ["m1", "w1"])  // said again by another manager: no new event
            try await observe("down", running: ["m1", "m1"])
            try await observe("ready", running: ["m1", "m1"])
            let events = try await client.decode([API.ClusterEvent].self, .get, "/v1/clusters/lab/events")
            #expect(events.map(\.kind) == ["node-up", "tasks-recovered", "node-down"], "\(events)")

            // The worker w9 joined as node w1; its engine stops and says for a moment that it
            // is in no swarm: while the swarm lists w1, the node stays w9's in the managers' plan.
            let key = try await client.decode(API.ProvisioningKey.self, .post, "/v1/fleets/rack/keys", json: "{}")
            let worker = try await client.decode(
                API.RegisteredDevice.self, .post, "/v1/devices", json: #"{"provisioningKey": "\#(key.key ?? "")", "name": "w9"}"#, token: "")
            try await Self.report(client, Node(device: worker, name: "w9"), API.ClusterMemberReport(cluster: id, nodeID: "w1", state: "active"))
            try await observe("down", running: ["m1", "m1"])
            try await Self.report(client, Node(device: worker, name: "w9"), API.ClusterMemberReport(cluster: id, nodeID: nil, state: "inactive"))
            let plan = try await Self.target(client, devices[0]).cluster?.nodes ?? [:]
            #expect(plan["w1"]?.device == worker.uuid, "\(plan)")

            // A worker cannot speak for the swarm: its "observation" changes nothing.
            var forged = API.ClusterMemberReport(cluster: id, nodeID: "w9", state: "active", manager: true, address: "10.0.0.9")
            forged.observation = API.ClusterObservation(quorum: false, error: "made up", nodes: [], services: [])
            try await Self.report(client, Node(device: worker, name: "w9"), forged)
            #expect(try await client.decode(API.Cluster.self, .get, "/v1/clusters/lab").status != "no-quorum")
            #expect(try await Self.target(client, Node(device: worker, name: "w9")).cluster?.join?.managers.contains("10.0.0.9:2377") != true)

            try await observe("ready", running: ["m1", "m1"], state: "rollback_completed", from: release)
            let judged = try await client.decode(API.Release.self, .get, "/v1/releases/\(release)")
            #expect(judged.status == .failing && judged.statusDetail?.contains("rolled service 'web' back") == true, "\(judged)")
            #expect(judged.cluster?.services.first?.updateState == "rollback_completed")
        }
    }

    @Test("managers that lost their majority are reported plainly, with the recovery command named and not run")
    func lostQuorum() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let devices = try await Self.rack(client, count: 1)
            _ = try await client.call(.post, "/v1/clusters", json: #"{"name": "lab", "fleet": "rack", "managers": 1}"#)
            let id = try #require(try await Self.target(client, devices[0]).cluster?.id)
            var report = API.ClusterMemberReport(cluster: id, nodeID: "m1", state: "active", manager: true, address: "10.0.0.1")
            report.observation = API.ClusterObservation(
                quorum: false, error: "rpc error: code = Unknown desc = The swarm does not have a leader", nodes: [], services: [])
            try await Self.report(client, devices[0], report)
            let cluster = try await client.decode(API.Cluster.self, .get, "/v1/clusters/lab")
            #expect(cluster.status == "no-quorum")
            #expect(cluster.detail?.contains("docker swarm init --force-new-cluster") == true && cluster.detail?.contains("does not have a leader") == true)
        }
    }

    @Test("cluster requests with bad input are refused with the field named, and nothing is created")
    func badInput() async throws {
        let server = try await TestServer.start()
        try await server.test { client in
            let nodes = try await Self.rack(client, count: 2)
            for (body, words) in [
                (#"{"name": "lab", "fleet": "rack", "managers": 2}"#, "odd"),
                (#"{"name": "lab", "fleet": "rack", "managers": 3}"#, "online"),
                (#"{"name": "lab", "fleet": "rack", "heartbeatSeconds": 0}"#, "heartbeatSeconds"),
                (#"{"name": "lab", "fleet": "rack", "managerTag": "nokey"}"#, "managerTag"),
                (#"{"name": "bad name", "fleet": "rack"}"#, "name"),
                (#"{"name": "lab", "fleet": "nowhere"}"#, "nowhere"),
            ] {
                let answer = try await client.call(.post, "/v1/clusters", json: body)
                #expect([400, 404, 409].contains(answer.status.code) && answer.body.contains(words), "\(body): \(answer.body)")
            }
            #expect(try await client.decode([API.Cluster].self, .get, "/v1/clusters").isEmpty)
            // A device cannot speak for a cluster that is not its fleet's.
            let other = try await client.fleetWithDevice("yard", device: "y1")
            _ = try await client.call(.get, "/v1/device/state", token: other.apiKey)
            #expect(try await client.call(.post, "/v1/clusters", json: #"{"name": "yard", "fleet": "yard", "managers": 1}"#).status == .created)
            let yard = try #require(try await client.decode([API.Cluster].self, .get, "/v1/clusters").first)
            let yardID = try #require(try await server.store.clusters(org: nil).first { $0.name == yard.name }?.id)
            let stray = try await client.call(
                .put, "/v1/device/cluster", json: #"{"cluster": "\#(yardID)", "state": "active"}"#, token: nodes[0].device.apiKey)
            #expect(stray.status == .conflict, "\(stray.body)")
        }
    }
}
