import DockerEngine
import Foundation
import NIOCore
import Testing

@Suite("Swarm")
struct SwarmTests {
    // MARK: - Encoding

    private static func json(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private static func webSpec() -> SwarmServiceSpec {
        SwarmServiceSpec(
            name: "web", labels: ["drover.release": "r7"],
            taskTemplate: .init(
                containerSpec: .init(
                    image: "127.0.0.1:5055/drover/busybox:1", command: ["sh", "-c", "sleep 3600"], env: ["A=b"],
                    mounts: [.init(type: .tmpfs, target: "/scratch", tmpfsOptions: .init(sizeBytes: 1 << 20))], stopGracePeriod: 5_000_000_000,
                    healthCheck: .init(test: ["CMD", "true"], interval: 1_000_000_000), initProcess: true),
                resources: .init(limits: .init(memoryBytes: 64 << 20)),
                restartPolicy: .init(condition: .onFailure, maxAttempts: 3),
                placement: .init(constraints: ["node.role==manager"], preferences: [.init(spread: .init(spreadDescriptor: "node.labels.zone"))])),
            mode: .replicated(2),
            updateConfig: .init(parallelism: 1, failureAction: .rollback, monitor: 5_000_000_000, maxFailureRatio: 0.5, order: .startFirst),
            endpointSpec: .init(mode: .dnsrr, ports: [.init(protocol: .tcp, targetPort: 80, publishedPort: 18080, publishMode: .host)]))
    }

    @Test("a replicated service spec encodes to the keys the engine reads, and leaves unset fields out")
    func encodesReplicated() throws {
        let body = try Self.json(Self.webSpec())
        #expect(body["Name"] as? String == "web")
        let template = try #require(body["TaskTemplate"] as? [String: Any])
        let container = try #require(template["ContainerSpec"] as? [String: Any])
        #expect(container["Image"] as? String == "127.0.0.1:5055/drover/busybox:1")
        #expect(container["Command"] as? [String] == ["sh", "-c", "sleep 3600"])
        #expect(container["Init"] as? Bool == true)
        #expect(container["StopGracePeriod"] as? Int64 == 5_000_000_000)
        #expect((container["HealthCheck"] as? [String: Any])?["Test"] as? [String] == ["CMD", "true"])
        let mount = try #require((container["Mounts"] as? [[String: Any]])?.first)
        #expect(mount["Type"] as? String == "tmpfs")
        #expect((mount["TmpfsOptions"] as? [String: Any])?["SizeBytes"] as? Int == 1 << 20)
        #expect(mount["Source"] == nil)
        #expect(((template["Resources"] as? [String: Any])?["Limits"] as? [String: Any])?["MemoryBytes"] as? Int == 64 << 20)
        #expect((template["RestartPolicy"] as? [String: Any])?["Condition"] as? String == "on-failure")
        let placement = try #require(template["Placement"] as? [String: Any])
        #expect(placement["Constraints"] as? [String] == ["node.role==manager"])
        let spread = (placement["Preferences"] as? [[String: Any]])?.first?["Spread"] as? [String: Any]
        #expect(spread?["SpreadDescriptor"] as? String == "node.labels.zone")
        let mode = try #require(body["Mode"] as? [String: Any])
        #expect((mode["Replicated"] as? [String: Any])?["Replicas"] as? Int == 2)
        #expect(mode["Global"] == nil)
        let update = try #require(body["UpdateConfig"] as? [String: Any])
        #expect(update["Order"] as? String == "start-first")
        #expect(update["FailureAction"] as? String == "rollback")
        #expect(update["MaxFailureRatio"] as? Double == 0.5)
        #expect(update["Delay"] == nil)
        let endpoint = try #require(body["EndpointSpec"] as? [String: Any])
        #expect(endpoint["Mode"] as? String == "dnsrr")
        let port = try #require((endpoint["Ports"] as? [[String: Any]])?.first)
        #expect(port["PublishMode"] as? String == "host")
        #expect(port["TargetPort"] as? Int == 80)
        #expect(port["PublishedPort"] as? Int == 18080)
        #expect(port["Protocol"] as? String == "tcp")
        #expect(body["RollbackConfig"] == nil)
        #expect(template["Networks"] == nil)
    }

    @Test("a global service encodes its mode as an empty Global object")
    func encodesGlobal() throws {
        let spec = SwarmServiceSpec(name: "agent", taskTemplate: .init(containerSpec: .init(image: "busybox")), mode: .global)
        let mode = try #require(try Self.json(spec)["Mode"] as? [String: Any])
        let global = try #require(mode["Global"] as? [String: Any])
        #expect(global.isEmpty)
        #expect(mode["Replicated"] == nil)
    }

    @Test("a spec encoded and decoded again is equal, and a changed one is not")
    func specRoundTrip() throws {
        let spec = Self.webSpec()
        let decoded = try JSONDecoder().decode(SwarmServiceSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec)
        var scaled = spec
        scaled.mode = .replicated(3)
        #expect(scaled != spec)
    }

    @Test("init and node update requests carry the API's keys")
    func encodesRequests() throws {
        let request = SwarmInitRequest(advertiseAddr: "10.78.0.1", spec: SwarmSpec(dispatcher: .init(heartbeatPeriod: 5_000_000_000)))
        let body = try Self.json(request)
        #expect(body["ListenAddr"] as? String == "0.0.0.0:2377")
        #expect(body["AdvertiseAddr"] as? String == "10.78.0.1")
        #expect(body["ForceNewCluster"] == nil)
        #expect(((body["Spec"] as? [String: Any])?["Dispatcher"] as? [String: Any])?["HeartbeatPeriod"] as? Int64 == 5_000_000_000)
        let join = try Self.json(SwarmJoinRequest(remoteAddrs: ["10.78.0.1:2377"], joinToken: "SWMTKN-1-x"))
        #expect(join["RemoteAddrs"] as? [String] == ["10.78.0.1:2377"])
        #expect(join["JoinToken"] as? String == "SWMTKN-1-x")
        let node = try Self.json(SwarmNode.Spec(role: .worker, availability: .drain))
        #expect(node["Role"] as? String == "worker")
        #expect(node["Availability"] as? String == "drain")
        #expect(node["Labels"] == nil)
    }

    // MARK: - Decoding real answers

    @Test("GET /services from dockerd 20.10 decodes: modes, the update in progress, task counts, ports")
    func decodesServices() throws {
        let services = try JSONDecoder().decode([SwarmService].self, from: Data(SwarmFixtures.services.utf8))
        #expect(services.count == 2)
        let global = try #require(services.first { $0.spec.name == "glob" })
        #expect(global.spec.mode == .global)
        #expect(global.updateStatus == nil)
        #expect(global.serviceStatus?.runningTasks == 1)
        #expect(global.serviceStatus?.desiredTasks == 1)
        let web = try #require(services.first { $0.spec.name == "web" })
        #expect(web.id == "hpvd18zd3roz52tdaewluwi5l")
        #expect(web.version.index > 13)
        #expect(web.spec.labels == ["drover.release": "r1"])
        #expect(web.spec.mode?.replicated?.replicas == 1)
        #expect(web.previousSpec?.mode?.replicated?.replicas == 2)
        let container = try #require(web.spec.taskTemplate.containerSpec)
        #expect(container.image == "127.0.0.1:5055/drover/busybox:1")
        #expect(container.env == ["A=c"])
        #expect(container.initProcess == true)
        #expect(container.stopGracePeriod == 5_000_000_000)
        #expect(container.mounts?.first?.tmpfsOptions?.sizeBytes == 1_048_576)
        #expect(web.spec.taskTemplate.restartPolicy?.condition == .onFailure)
        #expect(web.spec.taskTemplate.placement?.constraints == ["node.role==manager"])
        #expect(web.spec.updateConfig?.order == .startFirst)
        #expect(web.spec.updateConfig?.maxFailureRatio == 0.5)
        #expect(web.spec.endpointSpec?.ports?.first?.publishMode == .host)
        #expect(web.endpoint?.ports?.first?.publishedPort == 18080)
        #expect(web.updateStatus?.state == .updating)
        #expect(web.updateStatus?.message == "update in progress")
        #expect(web.serviceStatus?.desiredTasks == 1)
    }

    @Test("GET /nodes from dockerd 20.10 decodes: role, availability, readiness, leadership, platform")
    func decodesNodes() throws {
        let nodes = try JSONDecoder().decode([SwarmNode].self, from: Data(SwarmFixtures.nodes.utf8))
        let node = try #require(nodes.first)
        #expect(nodes.count == 1)
        #expect(node.spec.role == .manager)
        #expect(node.spec.availability == .active)
        #expect(node.spec.name == nil)
        #expect(node.status.state == .ready)
        #expect(node.status.addr == "192.0.2.2")
        #expect(node.managerStatus?.leader == true)
        #expect(node.managerStatus?.reachability == .reachable)
        #expect(node.managerStatus?.addr == "192.0.2.2:2377")
        #expect(node.description?.hostname == "vm")
        #expect(node.description?.platform == SwarmPlatform(architecture: "x86_64", os: "linux"))
        #expect(node.description?.engine?.engineVersion == "20.10.24+dfsg1")
        #expect(node.description?.resources?.nanoCPUs == 2_000_000_000)
    }

    @Test("GET /tasks from dockerd 20.10 decodes: a pending task has no node and says why; running ones name their container")
    func decodesTasks() throws {
        let tasks = try JSONDecoder().decode([SwarmTask].self, from: Data(SwarmFixtures.tasks.utf8))
        #expect(tasks.count == 3)
        let pending = try #require(tasks.first { $0.status.state == .pending })
        #expect(pending.nodeID == nil)
        #expect(pending.desiredState == .running)
        #expect(pending.slot == 1)
        #expect(pending.status.err == "no suitable node (host-mode port already in use on 1 node)")
        #expect(pending.status.containerStatus == nil)
        let running = tasks.filter { $0.status.state == "running" }
        #expect(running.count == 2)
        #expect(running.allSatisfy { $0.status.containerStatus?.containerID?.count == 64 && $0.nodeID != nil })
        let global = try #require(running.first { $0.serviceID == "2u4gvxnc3ceb5vvmbl5p1vrj4" })
        #expect(global.slot == nil)
        #expect(global.spec.containerSpec?.image == "127.0.0.1:5055/drover/busybox:1")
        #expect(try EngineTimestamp.date(from: global.status.timestamp ?? "") != nil)
    }

    @Test("GET /swarm and the swarm part of GET /info decode, in and out of a swarm")
    func decodesSwarmAndInfo() throws {
        let swarm = try JSONDecoder().decode(SwarmInfo.self, from: Data(SwarmFixtures.swarm.utf8))
        #expect(swarm.id == "toku16f35e89kv4k9rg82hc3o")
        #expect(swarm.version.index == 10)
        #expect(swarm.spec.dispatcher?.heartbeatPeriod == 5_000_000_000)
        #expect(swarm.spec.orchestration?.taskHistoryRetentionLimit == 5)
        #expect(swarm.joinTokens?.worker.hasPrefix("SWMTKN-1-") == true)
        let active = try #require(try JSONDecoder().decode(EngineInfo.self, from: Data(SwarmFixtures.infoActive.utf8)).swarm)
        #expect(active.localNodeState == "active")
        #expect(active.controlAvailable == true)
        #expect(active.nodeID == "p0lmgh6nai8jzfj41idtcrc45")
        #expect(active.remoteManagers?.map(\.addr) == ["192.0.2.2:2377"])
        #expect(active.remoteManagers?.first?.nodeID == active.nodeID)
        #expect(active.managers == 1)
        #expect(active.cluster?.id == swarm.id)
        let inactive = try #require(try JSONDecoder().decode(EngineInfo.self, from: Data(SwarmFixtures.infoInactive.utf8)).swarm)
        #expect(inactive.localNodeState == "inactive")
        #expect(inactive.remoteManagers == nil)
        #expect(inactive.cluster == nil)
    }

    // MARK: - Timestamps

    @Test(
        "engine timestamps parse with up to nine digits of fraction",
        arguments: [
            ("2026-11-27T04:15:46.046553779Z", 1_795_752_946.046553779),
            ("2026-11-27T04:15:46.87489251Z", 1_795_752_946.87489251),
            ("2026-11-27T04:15:46.5Z", 1_795_752_946.5),
            ("2026-11-27T04:15:46Z", 1_795_752_946),
            ("2026-11-27T05:15:46.25+01:00", 1_795_752_946.25),
        ])
    func parsesTimestamps(text: String, seconds: Double) throws {
        let date = try #require(try EngineTimestamp.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test("the zero time means never; text that is not a timestamp is an error that quotes it")
    func zeroAndMalformedTimestamps() throws {
        #expect(try EngineTimestamp.date(from: "0001-01-01T00:00:00Z") == nil)
        #expect(try EngineTimestamp.date(from: "") == nil)
        for bad in ["yesterday", "2026-11-27T04:15:46.1234567890Z", "2026-11-27T04:15:46.Z"] {
            let error = #expect(throws: DockerError.self) { try EngineTimestamp.date(from: bad) }
            #expect(error?.message.contains(bad) == true)
        }
    }

    // MARK: - Requests and errors against a stub engine

    @Test("listing asks for task counts and the label filter; a 503 from a worker reads as not a manager")
    func requestsAndNotManager() async throws {
        let notManager =
            #"{"message":"This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."}"#
        let stub = try await StubEngine { uri in
            if uri == "/_ping" { return (.ok, [("Api-Version", "1.41")], "OK") }
            if uri == "/v1.41/services?status=true&filters=%7B%22label%22%3A%5B%22drover.app%3Dweb%22%5D%7D" { return (.ok, [], SwarmFixtures.services) }
            if uri == "/v1.41/tasks?filters=%7B%22service%22%3A%5B%22web%22%5D%7D" { return (.ok, [], SwarmFixtures.tasks) }
            if uri.hasPrefix("/v1.41/nodes") { return (.serviceUnavailable, [], notManager) }
            return (.notFound, [], #"{"message":"unexpected \#(uri)"}"#)
        }
        let client = try await DockerClient.connect(to: stub.endpoint)
        #expect(try await client.services(label: "drover.app=web").count == 2)
        #expect(try await client.tasks(service: "web").count == 3)
        let error = await #expect(throws: DockerError.self) { try await client.nodes() }
        #expect(error?.isNotManager == true)
        #expect(error?.isNoLeader == false)
        #expect(error?.message.contains("not a swarm manager") == true)
        try await client.shutdown()
        try await stub.close()
    }

    @Test("a stale version and a lost quorum are told apart from other engine errors")
    func outOfSequenceAndNoLeader() async throws {
        let stub = try await StubEngine { uri in
            if uri == "/_ping" { return (.ok, [("Api-Version", "1.41")], "OK") }
            if uri.hasPrefix("/v1.41/services/web/update?version=7") {
                return (.internalServerError, [], #"{"message":"rpc error: code = Unknown desc = update out of sequence"}"#)
            }
            if uri.hasPrefix("/v1.41/swarm") {
                return (
                    .serviceUnavailable, [],
                    #"{"message":"rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online."}"#
                )
            }
            if uri.hasPrefix("/v1.41/services/gone") { return (.notFound, [], #"{"message":"service gone not found"}"#) }
            return (.internalServerError, [], #"{"message":"something else"}"#)
        }
        let client = try await DockerClient.connect(to: stub.endpoint)
        let spec = Self.webSpec()
        let stale = await #expect(throws: DockerError.self) { try await client.updateService(id: "web", version: 7, spec: spec, registryAuth: nil) }
        #expect(stale?.isOutOfSequence == true)
        #expect(stale?.status == 500)
        let noLeader = await #expect(throws: DockerError.self) { try await client.swarmInspect() }
        #expect(noLeader?.isNoLeader == true)
        #expect(noLeader?.isNotManager == false)
        let other = await #expect(throws: DockerError.self) { try await client.updateService(id: "web", version: 8, spec: spec, registryAuth: nil) }
        #expect(other?.isOutOfSequence == false)
        try await client.removeService(id: "gone")
        try await client.shutdown()
        try await stub.close()
    }

    // MARK: - Live

    /// The live test's engine: `DROVER_TEST_SWARM_DOCKER_HOST`, a dockerd the test may put into
    /// swarm mode and take out again, so never the shared test engine.
    private static let swarmHost = ProcessInfo.processInfo.environment["DROVER_TEST_SWARM_DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }

    @Test(
        "on a real dockerd: init a swarm, run a service, scale it by version, see the leader, remove it, leave",
        .enabled(
            if: swarmHost != nil,
            Comment(
                rawValue: "needs a dockerd it may put into swarm mode: set DROVER_TEST_SWARM_DOCKER_HOST (not the shared test engine), "
                    + "DROVER_TEST_REGISTRY (default 127.0.0.1:5055) and, if the engine cannot choose, DROVER_TEST_SWARM_ADVERTISE")),
        .timeLimit(.minutes(5)))
    func liveSwarm() async throws {
        let environment = ProcessInfo.processInfo.environment
        let client = try await DockerClient.connect(to: EngineEndpoint(parsing: try #require(Self.swarmHost)))
        do {
            try await Self.exerciseSwarm(
                client, advertise: environment["DROVER_TEST_SWARM_ADVERTISE"].flatMap { $0.isEmpty ? nil : $0 },
                image: (environment["DROVER_TEST_REGISTRY"] ?? "127.0.0.1:5055") + "/drover/busybox:1")
        } catch {
            try? await client.swarmLeave(force: true)
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private static func exerciseSwarm(_ client: DockerClient, advertise: String?, image: String) async throws {
        if try await client.info().swarm?.localNodeState != "inactive" {
            try await client.swarmLeave(force: true)
        }
        let nodeID = try await client.swarmInit(SwarmInitRequest(advertiseAddr: advertise))
        let local = try #require(try await client.info().swarm)
        #expect(local.localNodeState == "active")
        #expect(local.controlAvailable == true)
        #expect(local.nodeID == nodeID)
        let swarm = try await client.swarmInspect()
        #expect(swarm.id == local.cluster?.id)
        #expect(swarm.joinTokens?.manager.hasPrefix("SWMTKN-1-") == true)

        let label = "drover.test.swarm=\(UUID().uuidString.prefix(8))"
        let keyValue = label.split(separator: "=", maxSplits: 1).map(String.init)
        var spec = SwarmServiceSpec(
            name: "drover-swarm-test", labels: [keyValue[0]: keyValue[1]],
            taskTemplate: .init(containerSpec: .init(image: image, command: ["sh", "-c", "sleep 3600"], stopGracePeriod: 1_000_000_000)),
            mode: .replicated(2))
        let serviceID = try await client.createService(spec, registryAuth: nil)
        let listed = try await client.services(label: label)
        #expect(listed.map(\.id) == [serviceID])
        try await waitForRunningTasks(client, service: serviceID, count: 2)

        let service = try #require(try await client.services(label: label).first)
        spec.mode = .replicated(3)
        try await client.updateService(id: serviceID, version: service.version.index, spec: spec, registryAuth: nil)
        let stale = await #expect(throws: DockerError.self) {
            try await client.updateService(id: serviceID, version: service.version.index, spec: spec, registryAuth: nil)
        }
        #expect(stale?.isOutOfSequence == true)
        try await waitForRunningTasks(client, service: serviceID, count: 3)
        let scaled = try #require(try await client.services(label: label).first)
        #expect(scaled.spec.mode?.replicated?.replicas == 3)
        #expect(scaled.previousSpec?.mode?.replicated?.replicas == 2)

        let nodes = try await client.nodes()
        #expect(nodes.count == 1)
        #expect(nodes.first?.id == nodeID)
        #expect(nodes.first?.status.state == .ready)
        #expect(nodes.first?.spec.role == .manager)
        #expect(nodes.first?.managerStatus?.leader == true)

        try await client.removeService(id: serviceID)
        #expect(try await client.services(label: label).isEmpty)
        try await client.swarmLeave(force: true)
        #expect(try await client.info().swarm?.localNodeState == "inactive")
        let gone = await #expect(throws: DockerError.self) { try await client.swarmInspect() }
        #expect(gone?.isNotManager == true)
    }

    /// Polls until `count` tasks of the service run, for at most two minutes; a failure shows
    /// the tasks as last seen.
    private struct WaitTimedOut: Error, CustomStringConvertible {
        var description: String
    }

    private static func waitForRunningTasks(_ client: DockerClient, service: String, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        var seen: [String] = []
        while ContinuousClock.now < deadline {
            let tasks = try await client.tasks(service: service).filter { $0.desiredState == .running }
            if tasks.filter({ $0.status.state == .running }).count == count { return }
            seen = tasks.map { "\($0.slot.map(String.init) ?? "-"): \($0.status.state) \($0.status.err ?? "")" }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw WaitTimedOut(description: "\(count) running tasks of \(service) did not come within 120 s; last seen: \(seen)")
    }

    @Test("a manager that lost its majority still answers /info in a form that decodes, so its agent can leave")
    func infoWithoutQuorum() throws {
        let body = #"{"ID": "E", "Swarm": {"NodeID": "n1", "LocalNodeState": "active", "ControlAvailable": true, "Cluster": {"ID": "", "Version": {}}}}"#
        let info = try JSONDecoder().decode(EngineInfo.self, from: Data(body.utf8))
        #expect(info.swarm?.localNodeState == "active" && info.swarm?.cluster?.version == nil)
    }
}

/// Answers captured from dockerd 20.10.24 (Debian) in swarm mode.
enum SwarmFixtures {
    /// `GET /v1.41/services?status=true`: a global service and a replicated one mid-update (one slot pending on a host-mode port).
    static let services = #"""
        [
         {
          "ID": "2u4gvxnc3ceb5vvmbl5p1vrj4",
          "Version": {
           "Index": 15
          },
          "CreatedAt": "2026-11-27T04:15:46.045645884Z",
          "UpdatedAt": "2026-11-27T04:15:46.045645884Z",
          "Spec": {
           "Name": "glob",
           "Labels": {},
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "127.0.0.1:5055/drover/busybox:1",
             "Command": [
              "sleep",
              "3600"
             ],
             "Isolation": "default"
            },
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Global": {}
           }
          },
          "Endpoint": {
           "Spec": {}
          },
          "ServiceStatus": {
           "RunningTasks": 1,
           "DesiredTasks": 1,
           "CompletedTasks": 0
          }
         },
         {
          "ID": "hpvd18zd3roz52tdaewluwi5l",
          "Version": {
           "Index": 25
          },
          "CreatedAt": "2026-11-27T04:15:46.035870791Z",
          "UpdatedAt": "2026-11-27T04:16:02.334737035Z",
          "Spec": {
           "Name": "web",
           "Labels": {
            "drover.release": "r1"
           },
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "127.0.0.1:5055/drover/busybox:1",
             "Command": [
              "sh",
              "-c",
              "sleep 3600"
             ],
             "Env": [
              "A=c"
             ],
             "Init": true,
             "Mounts": [
              {
               "Type": "tmpfs",
               "Target": "/scratch",
               "TmpfsOptions": {
                "SizeBytes": 1048576
               }
              }
             ],
             "StopGracePeriod": 5000000000,
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {
              "MemoryBytes": 67108864
             }
            },
            "RestartPolicy": {
             "Condition": "on-failure",
             "Delay": 1000000000,
             "MaxAttempts": 3
            },
            "Placement": {
             "Constraints": [
              "node.role==manager"
             ]
            },
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 1
            }
           },
           "UpdateConfig": {
            "Parallelism": 1,
            "FailureAction": "rollback",
            "Monitor": 5000000000,
            "MaxFailureRatio": 0.5,
            "Order": "start-first"
           },
           "EndpointSpec": {
            "Mode": "dnsrr",
            "Ports": [
             {
              "Protocol": "tcp",
              "TargetPort": 80,
              "PublishedPort": 18080,
              "PublishMode": "host"
             }
            ]
           }
          },
          "PreviousSpec": {
           "Name": "web",
           "Labels": {
            "drover.release": "r1"
           },
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "127.0.0.1:5055/drover/busybox:1",
             "Command": [
              "sh",
              "-c",
              "sleep 3600"
             ],
             "Env": [
              "A=b"
             ],
             "Init": true,
             "Mounts": [
              {
               "Type": "tmpfs",
               "Target": "/scratch",
               "TmpfsOptions": {
                "SizeBytes": 1048576
               }
              }
             ],
             "StopGracePeriod": 5000000000,
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {
              "MemoryBytes": 67108864
             }
            },
            "RestartPolicy": {
             "Condition": "on-failure",
             "Delay": 1000000000,
             "MaxAttempts": 3
            },
            "Placement": {
             "Constraints": [
              "node.role==manager"
             ]
            },
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 2
            }
           },
           "UpdateConfig": {
            "Parallelism": 1,
            "FailureAction": "rollback",
            "Monitor": 5000000000,
            "MaxFailureRatio": 0.5,
            "Order": "start-first"
           },
           "EndpointSpec": {
            "Mode": "dnsrr",
            "Ports": [
             {
              "Protocol": "tcp",
              "TargetPort": 80,
              "PublishedPort": 18080,
              "PublishMode": "host"
             }
            ]
           }
          },
          "Endpoint": {
           "Spec": {
            "Mode": "dnsrr",
            "Ports": [
             {
              "Protocol": "tcp",
              "TargetPort": 80,
              "PublishedPort": 18080,
              "PublishMode": "host"
             }
            ]
           },
           "Ports": [
            {
             "Protocol": "tcp",
             "TargetPort": 80,
             "PublishedPort": 18080,
             "PublishMode": "host"
            }
           ]
          },
          "UpdateStatus": {
           "State": "updating",
           "StartedAt": "2026-11-27T04:16:02.334731056Z",
           "Message": "update in progress"
          },
          "ServiceStatus": {
           "RunningTasks": 1,
           "DesiredTasks": 1,
           "CompletedTasks": 0
          }
         }
        ]
        """#

    /// `GET /v1.41/nodes`: a one-node swarm.
    static let nodes = #"""
        [
         {
          "ID": "p0lmgh6nai8jzfj41idtcrc45",
          "Version": {
           "Index": 9
          },
          "CreatedAt": "2026-11-27T04:15:41.517716695Z",
          "UpdatedAt": "2026-11-27T04:15:42.041712287Z",
          "Spec": {
           "Labels": {},
           "Role": "manager",
           "Availability": "active"
          },
          "Description": {
           "Hostname": "vm",
           "Platform": {
            "Architecture": "x86_64",
            "OS": "linux"
           },
           "Resources": {
            "NanoCPUs": 2000000000,
            "MemoryBytes": 25276502016
           },
           "Engine": {
            "EngineVersion": "20.10.24+dfsg1",
            "Plugins": [
             {
              "Type": "Log",
              "Name": "awslogs"
             },
             {
              "Type": "Log",
              "Name": "fluentd"
             },
             {
              "Type": "Log",
              "Name": "gcplogs"
             },
             {
              "Type": "Log",
              "Name": "gelf"
             },
             {
              "Type": "Log",
              "Name": "journald"
             },
             {
              "Type": "Log",
              "Name": "json-file"
             },
             {
              "Type": "Log",
              "Name": "local"
             },
             {
              "Type": "Log",
              "Name": "logentries"
             },
             {
              "Type": "Log",
              "Name": "splunk"
             },
             {
              "Type": "Log",
              "Name": "syslog"
             },
             {
              "Type": "Network",
              "Name": "bridge"
             },
             {
              "Type": "Network",
              "Name": "host"
             },
             {
              "Type": "Network",
              "Name": "ipvlan"
             },
             {
              "Type": "Network",
              "Name": "macvlan"
             },
             {
              "Type": "Network",
              "Name": "null"
             },
             {
              "Type": "Network",
              "Name": "overlay"
             },
             {
              "Type": "Volume",
              "Name": "local"
             }
            ]
           },
           "TLSInfo": {
            "TrustRoot": "-----BEGIN CERTIFICATE-----\nMIIBazCCARCgAwIBAgIUYthaWNycNqIjbxFC7FpwveZzsn8wCgYIKoZIzj0EAwIw\nEzERMA8GA1UEAxMIc3dhcm0tY2EwHhcNMjYxMTI3MDQxMTAwWhcNNDYxMTIyMDQx\nMTAwWjATMREwDwYDVQQDEwhzd2FybS1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH\nA0IABHgdy2pKP6VsaRVt/IEC3fR3OgJFpZ8x5cL087v9bieJEb9OyYbL3lRfTU3b\ngu7mwtomkzWae/+6K2xd8wapEPCjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMB\nAf8EBTADAQH/MB0GA1UdDgQWBBSgWISAZkWCSGntVFlKgRqsN3IyHjAKBggqhkjO\nPQQDAgNJADBGAiEAs0DBnvQZ86O2uomn//snAlMBFAKwEL9lL8PdHJuT/wUCIQDo\nkTeJS2uaXUv6FNfqMOwFJJRvFDq93WFdsTsv3O5FmQ==\n-----END CERTIFICATE-----\n",
            "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh",
            "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeB3Lako/pWxpFW38gQLd9Hc6AkWlnzHlwvTzu/1uJ4kRv07JhsveVF9NTduC7ubC2iaTNZp7/7orbF3zBqkQ8A=="
           }
          },
          "Status": {
           "State": "ready",
           "Addr": "192.0.2.2"
          },
          "ManagerStatus": {
           "Leader": true,
           "Reachability": "reachable",
           "Addr": "192.0.2.2:2377"
          }
         }
        ]
        """#

    /// `GET /v1.41/tasks`: running tasks, and one pending with the scheduler's reason.
    static let tasks = #"""
        [
         {
          "ID": "bsoh4enspciu2crwlti5vna1v",
          "Version": {
           "Index": 22
          },
          "CreatedAt": "2026-11-27T04:15:46.046553779Z",
          "UpdatedAt": "2026-11-27T04:15:46.87489251Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "127.0.0.1:5055/drover/busybox:1",
            "Command": [
             "sleep",
             "3600"
            ],
            "Isolation": "default"
           },
           "ForceUpdate": 0
          },
          "ServiceID": "2u4gvxnc3ceb5vvmbl5p1vrj4",
          "NodeID": "p0lmgh6nai8jzfj41idtcrc45",
          "Status": {
           "Timestamp": "2026-11-27T04:15:46.869003915Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "610c535bc8aeac9c8ee22bf43b0614620a2473a85c806e5b5b862792f689caa7",
            "PID": 16994,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running"
         },
         {
          "ID": "m61egd7uydsrxloqv5g9eoai0",
          "Version": {
           "Index": 30
          },
          "CreatedAt": "2026-11-27T04:16:02.33665701Z",
          "UpdatedAt": "2026-11-27T04:16:02.387929665Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "127.0.0.1:5055/drover/busybox:1",
            "Command": [
             "sh",
             "-c",
             "sleep 3600"
            ],
            "Env": [
             "A=c"
            ],
            "Init": true,
            "Mounts": [
             {
              "Type": "tmpfs",
              "Target": "/scratch",
              "TmpfsOptions": {
               "SizeBytes": 1048576
              }
             }
            ],
            "StopGracePeriod": 5000000000,
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {
             "MemoryBytes": 67108864
            }
           },
           "RestartPolicy": {
            "Condition": "on-failure",
            "Delay": 1000000000,
            "MaxAttempts": 3
           },
           "Placement": {
            "Constraints": [
             "node.role==manager"
            ]
           },
           "ForceUpdate": 0
          },
          "ServiceID": "hpvd18zd3roz52tdaewluwi5l",
          "Slot": 1,
          "Status": {
           "Timestamp": "2026-11-27T04:16:02.387890066Z",
           "State": "pending",
           "Message": "pending task scheduling",
           "Err": "no suitable node (host-mode port already in use on 1 node)",
           "PortStatus": {}
          },
          "DesiredState": "running"
         },
         {
          "ID": "n4fj0japdmlw65rbmurx3aftt",
          "Version": {
           "Index": 22
          },
          "CreatedAt": "2026-11-27T04:15:46.036637166Z",
          "UpdatedAt": "2026-11-27T04:15:46.874768506Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "127.0.0.1:5055/drover/busybox:1",
            "Command": [
             "sh",
             "-c",
             "sleep 3600"
            ],
            "Env": [
             "A=b"
            ],
            "Init": true,
            "Mounts": [
             {
              "Type": "tmpfs",
              "Target": "/scratch",
              "TmpfsOptions": {
               "SizeBytes": 1048576
              }
             }
            ],
            "StopGracePeriod": 5000000000,
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {
             "MemoryBytes": 67108864
            }
           },
           "RestartPolicy": {
            "Condition": "on-failure",
            "Delay": 1000000000,
            "MaxAttempts": 3
           },
           "Placement": {
            "Constraints": [
             "node.role==manager"
            ]
           },
           "ForceUpdate": 0
          },
          "ServiceID": "hpvd18zd3roz52tdaewluwi5l",
          "Slot": 1,
          "NodeID": "p0lmgh6nai8jzfj41idtcrc45",
          "Status": {
           "Timestamp": "2026-11-27T04:15:46.868910757Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "890d69a5f20625e965821ebbfcd4de619e078e5253755bdae6356a7665c3558e",
            "PID": 16995,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running"
         }
        ]
        """#

    /// `GET /v1.41/swarm`.
    static let swarm = #"""
        {
         "ID": "toku16f35e89kv4k9rg82hc3o",
         "Version": {
          "Index": 10
         },
         "CreatedAt": "2026-11-27T04:15:41.517678739Z",
         "UpdatedAt": "2026-11-27T04:15:42.04945597Z",
         "Spec": {
          "Name": "default",
          "Labels": {},
          "Orchestration": {
           "TaskHistoryRetentionLimit": 5
          },
          "Raft": {
           "SnapshotInterval": 10000,
           "KeepOldSnapshots": 0,
           "LogEntriesForSlowFollowers": 500,
           "ElectionTick": 10,
           "HeartbeatTick": 1
          },
          "Dispatcher": {
           "HeartbeatPeriod": 5000000000
          },
          "CAConfig": {
           "NodeCertExpiry": 7776000000000000
          },
          "TaskDefaults": {},
          "EncryptionConfig": {
           "AutoLockManagers": false
          }
         },
         "TLSInfo": {
          "TrustRoot": "-----BEGIN CERTIFICATE-----\nMIIBazCCARCgAwIBAgIUYthaWNycNqIjbxFC7FpwveZzsn8wCgYIKoZIzj0EAwIw\nEzERMA8GA1UEAxMIc3dhcm0tY2EwHhcNMjYxMTI3MDQxMTAwWhcNNDYxMTIyMDQx\nMTAwWjATMREwDwYDVQQDEwhzd2FybS1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH\nA0IABHgdy2pKP6VsaRVt/IEC3fR3OgJFpZ8x5cL087v9bieJEb9OyYbL3lRfTU3b\ngu7mwtomkzWae/+6K2xd8wapEPCjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMB\nAf8EBTADAQH/MB0GA1UdDgQWBBSgWISAZkWCSGntVFlKgRqsN3IyHjAKBggqhkjO\nPQQDAgNJADBGAiEAs0DBnvQZ86O2uomn//snAlMBFAKwEL9lL8PdHJuT/wUCIQDo\nkTeJS2uaXUv6FNfqMOwFJJRvFDq93WFdsTsv3O5FmQ==\n-----END CERTIFICATE-----\n",
          "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh",
          "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeB3Lako/pWxpFW38gQLd9Hc6AkWlnzHlwvTzu/1uJ4kRv07JhsveVF9NTduC7ubC2iaTNZp7/7orbF3zBqkQ8A=="
         },
         "RootRotationInProgress": false,
         "DefaultAddrPool": [
          "10.0.0.0/8"
         ],
         "SubnetSize": 24,
         "DataPathPort": 4789,
         "JoinTokens": {
          "Worker": "SWMTKN-1-0nrv39vwhlhh8n05uiom22rdrng6jqkze7rwrz59iszzcv57vl-2l46fzq8pz7hyn4negocpt9ij",
          "Manager": "SWMTKN-1-0nrv39vwhlhh8n05uiom22rdrng6jqkze7rwrz59iszzcv57vl-9u8gn6snrby6vk8dluii3b92q"
         }
        }
        """#

    /// `GET /v1.41/info` of a manager, cut to the swarm part.
    static let infoActive = #"""
        {
         "ID": "DUK5:5NUE:4LMX:7K3H:F7IO:SPW2:3SYD:KLQU:MXND:6ZP3:4BJ3:QUEB",
         "ServerVersion": "20.10.24+dfsg1",
         "Swarm": {
          "NodeID": "p0lmgh6nai8jzfj41idtcrc45",
          "NodeAddr": "192.0.2.2",
          "LocalNodeState": "active",
          "ControlAvailable": true,
          "Error": "",
          "RemoteManagers": [
           {
            "NodeID": "p0lmgh6nai8jzfj41idtcrc45",
            "Addr": "192.0.2.2:2377"
           }
          ],
          "Nodes": 1,
          "Managers": 1,
          "Cluster": {
           "ID": "toku16f35e89kv4k9rg82hc3o",
           "Version": {
            "Index": 10
           },
           "CreatedAt": "2026-11-27T04:15:41.517678739Z",
           "UpdatedAt": "2026-11-27T04:15:42.04945597Z",
           "Spec": {
            "Name": "default",
            "Labels": {},
            "Orchestration": {
             "TaskHistoryRetentionLimit": 5
            },
            "Raft": {
             "SnapshotInterval": 10000,
             "KeepOldSnapshots": 0,
             "LogEntriesForSlowFollowers": 500,
             "ElectionTick": 10,
             "HeartbeatTick": 1
            },
            "Dispatcher": {
             "HeartbeatPeriod": 5000000000
            },
            "CAConfig": {
             "NodeCertExpiry": 7776000000000000
            },
            "TaskDefaults": {},
            "EncryptionConfig": {
             "AutoLockManagers": false
            }
           },
           "TLSInfo": {
            "TrustRoot": "-----BEGIN CERTIFICATE-----\nMIIBazCCARCgAwIBAgIUYthaWNycNqIjbxFC7FpwveZzsn8wCgYIKoZIzj0EAwIw\nEzERMA8GA1UEAxMIc3dhcm0tY2EwHhcNMjYxMTI3MDQxMTAwWhcNNDYxMTIyMDQx\nMTAwWjATMREwDwYDVQQDEwhzd2FybS1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH\nA0IABHgdy2pKP6VsaRVt/IEC3fR3OgJFpZ8x5cL087v9bieJEb9OyYbL3lRfTU3b\ngu7mwtomkzWae/+6K2xd8wapEPCjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNVHRMB\nAf8EBTADAQH/MB0GA1UdDgQWBBSgWISAZkWCSGntVFlKgRqsN3IyHjAKBggqhkjO\nPQQDAgNJADBGAiEAs0DBnvQZ86O2uomn//snAlMBFAKwEL9lL8PdHJuT/wUCIQDo\nkTeJS2uaXUv6FNfqMOwFJJRvFDq93WFdsTsv3O5FmQ==\n-----END CERTIFICATE-----\n",
            "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh",
            "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeB3Lako/pWxpFW38gQLd9Hc6AkWlnzHlwvTzu/1uJ4kRv07JhsveVF9NTduC7ubC2iaTNZp7/7orbF3zBqkQ8A=="
           },
           "RootRotationInProgress": false,
           "DefaultAddrPool": [
            "10.0.0.0/8"
           ],
           "SubnetSize": 24,
           "DataPathPort": 4789
          }
         }
        }
        """#

    /// `GET /v1.41/info` of an engine in no swarm, cut to the swarm part.
    static let infoInactive = #"""
        {
         "ServerVersion": "20.10.24+dfsg1",
         "Swarm": {
          "NodeID": "",
          "NodeAddr": "",
          "LocalNodeState": "inactive",
          "ControlAvailable": false,
          "Error": "",
          "RemoteManagers": null
         }
        }
        """#

}
