import DockerEngine
import DroverModel
import Foundation
import Testing

@testable import DroverAgent

/// A release's services as the Swarm services a manager deploys, and how a manager reads
/// them back.
@Suite("Stack services")
struct StackServicesTests {
    static func stack(_ services: [String: ServiceSpec]) -> ClusterTarget.Stack {
        var networks = [String: NetworkSpec]()
        networks["default"] = NetworkSpec()
        return ClusterTarget.Stack(namespace: "rack", release: "r1", services: services, networks: networks)
    }

    @Test("a compose service becomes the service docker stack deploy would make, with Drover's labels")
    func mapping() throws {
        var web = ServiceSpec(image: "reg/web@sha256:abc")
        web.entrypoint = ["/bin/sh", "-c"]
        web.command = ["httpd -f"]
        web.environment = ["B": "2", "A": "1"]
        web.ports = [PortMapping(target: 80, published: 8080, hostIP: nil, protocol: "tcp", mode: "host")]
        web.networks = ["default": NetworkAttachment(aliases: ["www"])]
        web.extraHosts = ["db:10.0.0.5"]
        web.cpus = 0.5
        var deploy = SwarmDeploy()
        deploy.replicas = 6
        deploy.constraints = ["node.labels.zone==a"]
        var update = SwarmDeploy.RollingUpdate()
        update.failureAction = "rollback"
        update.order = "start-first"
        deploy.update = update
        web.swarm = deploy
        let spec = StackServices.spec("web", web, stack: Self.stack(["web": web]), cluster: "c1")
        #expect(spec.name == "rack_web")
        #expect(spec.labels?["com.docker.stack.namespace"] == "rack" && spec.labels?["io.drover.cluster"] == "c1")
        #expect(spec.labels?["io.drover.release"] == "r1" && spec.labels?["io.drover.service"] == "web")
        let container = try #require(spec.taskTemplate.containerSpec)
        #expect(container.image == "reg/web@sha256:abc" && container.command == ["/bin/sh", "-c"] && container.args == ["httpd -f"])
        #expect(container.env == ["A=1", "B=2"] && container.hosts == ["10.0.0.5 db"])
        #expect(spec.mode?.replicated?.replicas == 6)
        #expect(spec.taskTemplate.placement?.constraints == ["node.labels.zone==a"])
        #expect(spec.taskTemplate.resources?.limits?.nanoCPUs == 500_000_000)
        #expect(spec.taskTemplate.networks == [SwarmServiceSpec.NetworkAttachment(target: "rack_default", aliases: ["web", "www"])])
        #expect(spec.updateConfig?.failureAction == .rollback && spec.updateConfig?.order == .startFirst)
        let port = try #require(spec.endpointSpec?.ports?.first)
        #expect(port.targetPort == 80 && port.publishedPort == 8080 && port.publishMode == .host)
    }

    @Test("the spec hash is the same for the same service and changes with any of it, so managers redeploy only what changed")
    func hashing() {
        let web = ServiceSpec(image: "web:1")
        let first = StackServices.spec("web", web, stack: Self.stack(["web": web]), cluster: "c1")
        let again = StackServices.spec("web", web, stack: Self.stack(["web": web]), cluster: "c1")
        var changed = web
        changed.environment = ["LEVEL": "debug"]
        let other = StackServices.spec("web", changed, stack: Self.stack(["web": changed]), cluster: "c1")
        #expect(first.labels?["io.drover.spec-hash"] == again.labels?["io.drover.spec-hash"])
        #expect(first.labels?["io.drover.spec-hash"] != other.labels?["io.drover.spec-hash"])
        var global = SwarmDeploy()
        global.global = true
        var agent = web
        agent.swarm = global
        #expect(StackServices.spec("agent", agent, stack: Self.stack(["agent": agent]), cluster: "c1").mode?.global != nil)
    }

    @Test("a manager reports a service's replicas, where its tasks run, and a rollback with the release it went back from")
    func observing() throws {
        let services = """
            [{"ID": "s1", "Version": {"Index": 9},
              "Spec": {"Name": "rack_web", "Labels": {"io.drover.service": "web", "io.drover.release": "r1"},
                       "TaskTemplate": {"ContainerSpec": {"Image": "web:1"}}, "Mode": {"Replicated": {"Replicas": 2}}},
              "PreviousSpec": {"Name": "rack_web", "Labels": {"io.drover.release": "r2"}, "TaskTemplate": {"ContainerSpec": {"Image": "web:2"}}},
              "UpdateStatus": {"State": "rollback_completed", "Message": "rollback completed"},
              "ServiceStatus": {"RunningTasks": 2, "DesiredTasks": 2}}]
            """
        let tasks = """
            [{"ID": "t1", "Version": {"Index": 1}, "ServiceID": "s1", "NodeID": "n1", "Slot": 1, "DesiredState": "running",
              "Status": {"State": "running", "Timestamp": "2026-11-27T04:00:00.5Z"}, "Spec": {"ContainerSpec": {"Image": "web:1", "Labels": {"io.drover.release": "r1"}}}},
             {"ID": "t2", "Version": {"Index": 1}, "ServiceID": "s1", "NodeID": "n2", "Slot": 1, "DesiredState": "shutdown",
              "Status": {"State": "failed", "Err": "unhealthy"}, "Spec": {"ContainerSpec": {"Image": "web:2"}}}]
            """
        let service = try #require(try JSONDecoder().decode([SwarmService].self, from: Data(services.utf8)).first)
        let observed = ClusterMember.observed(service, tasks: try JSONDecoder().decode([SwarmTask].self, from: Data(tasks.utf8)))
        #expect(observed.name == "web" && observed.release == "r1" && observed.desired == 2 && observed.running == 2)
        #expect(observed.updateState == "rollback_completed" && observed.rolledBackFrom == "r2")
        #expect(observed.tasks.map(\.nodeID) == ["n1"], "only tasks meant to run are listed")
        #expect(observed.tasks.first?.release == "r1" && observed.tasks.first?.since == 1_795_752_000.5)
    }

    @Test("the leader writes a service only when it must: created, updated, relabelled, credentials renewed, or left rolled back")
    func planning() {
        typealias Current = StackPlan.Current
        let fresh = StackPlan.Memory()
        var seen = StackPlan.Memory()
        seen.applied = "h2"
        let cases: [(Current?, StackPlan.Memory, Bool, StackPlan.Action, String)] = [
            (nil, fresh, false, .create, "not in the swarm"),
            (Current(hash: "h2", release: "r2", rolledBack: false), fresh, false, .none, "as asked"),
            (Current(hash: "h2", release: "r1", rolledBack: false), fresh, false, .relabel, "same service, new release: no restart"),
            (Current(hash: "h2", release: "r2", rolledBack: false), fresh, true, .renewCredentials, "credentials due"),
            (Current(hash: "h2", release: "r2", rolledBack: true), fresh, true, .none, "no renewal while rolled back"),
            (Current(hash: "h1", release: "r1", rolledBack: false), fresh, false, .update, "a new spec"),
            (Current(hash: "h1", release: "r1", rolledBack: true), seen, false, .keepRolledBack, "the swarm rolled this spec back"),
            (Current(hash: "h1", release: "r1", rolledBack: true), fresh, false, .update, "rolled back from another spec: the new one goes out"),
        ]
        for (current, memory, due, expected, why) in cases {
            #expect(StackPlan.action(hash: "h2", release: "r2", current: current, memory: memory, credentialsDue: due) == expected, "\(why)")
        }
        #expect(
            StackPlan.removals(existing: ["web": "rack", "old": "rack", "stray": "other"], release: ["web", "stray"], namespace: "rack")
                == ["old", "stray"])
    }

}
