import DroverModel
import Testing

/// A compose file read as a Swarm stack (a fleet in cluster mode): what `deploy` means to a
/// swarm is kept, and what a swarm cannot do is refused with the reason and the way out.
@Suite("Compose as a Swarm stack")
struct SwarmComposeTests {
    static func stack(_ text: String) throws(ModelError) -> AppSpec {
        var parser = ComposeParser()
        parser.swarm = true
        return try parser.parse(text).app
    }

    @Test("deploy's replicas, placement, reservations, rolling updates, restart policy and endpoint mode are kept")
    func deployKept() throws {
        let app = try Self.stack(
            """
            services:
              web:
                image: web:1
                ports:
                  - {target: 80, published: 8080, mode: host}
                  - {target: 9000, published: 9000, mode: host}
                deploy:
                  replicas: 6
                  placement:
                    constraints: ["node.labels.zone==a", "node.platform.arch != arm64"]
                    preferences: [{spread: node.labels.rack}]
                    max_replicas_per_node: 2
                  resources:
                    limits: {cpus: "0.5", memory: 64M}
                    reservations: {cpus: "0.25", memory: 32M}
                  update_config: {parallelism: 2, delay: 5s, failure_action: rollback, monitor: 20s, max_failure_ratio: 0.25, order: start-first}
                  rollback_config: {parallelism: 0, order: stop-first}
                  restart_policy: {condition: on-failure, delay: 2s, max_attempts: 3, window: 30s}
                  endpoint_mode: dnsrr
                  labels: {team: ops}
              agent:
                image: agent:1
                deploy: {mode: global}
            """)
        let web = try #require(app.services["web"]?.swarm)
        #expect(web.replicas == 6 && web.global == nil)
        #expect(web.constraints == ["node.labels.zone==a", "node.platform.arch != arm64"] && web.spread == ["node.labels.rack"])
        #expect(web.maxReplicasPerNode == 2 && web.reservedCPUs == 0.25 && web.endpointMode == "dnsrr" && web.labels == ["team": "ops"])
        #expect(web.update?.parallelism == 2 && web.update?.delay == 5_000_000_000 && web.update?.failureAction == "rollback")
        #expect(web.update?.monitor == 20_000_000_000 && web.update?.maxFailureRatio == 0.25 && web.update?.order == "start-first")
        #expect(web.rollback?.parallelism == 0 && web.restart?.condition == "on-failure" && web.restart?.maxAttempts == 3)
        #expect(app.services["web"]?.memoryLimit == 64 << 20 && app.services["web"]?.cpus == 0.5 && app.services["web"]?.memoryReservation == 32 << 20)
        #expect(app.services["web"]?.ports?.map(\.mode) == ["host", "host"])
        #expect(app.services["agent"]?.swarm?.global == true)
    }

    @Test(
        "keys a Swarm service cannot have are refused, naming the key and what to do instead",
        arguments: [
            ("restart: always", "deploy.restart_policy"), ("depends_on: [db]", "no order"), ("privileged: true", "privileged"),
            ("network_mode: host", "networks"), ("container_name: web", "names each task"), ("platform: linux/arm64", "node.platform.arch"),
        ])
    func refusals(key: String, words: String) {
        let text = "services:\n  web:\n    image: web:1\n    \(key)\n  db:\n    image: db:1\n"
        #expect {
            try Self.stack(text)
        } throws: { error in
            let message = "\(error)"
            return message.contains("Swarm service cannot have") && message.contains(words) && message.contains("services.web")
        }
    }

    @Test(
        "a bad deploy value is refused with its path",
        arguments: [
            ("deploy: {mode: replicated-job}", "deploy.mode"), ("deploy: {replicas: -1}", "replicas"),
            ("deploy: {placement: {constraints: [\"zone=a\"]}}", "'==' or '!='"),
            ("deploy: {placement: {constraints: [\"node.colour==red\"]}}", "node.labels.KEY"),
            ("deploy: {update_config: {failure_action: explode}}", "failure_action"),
            ("deploy: {rollback_config: {failure_action: rollback}}", "failure_action"),
            ("deploy: {update_config: {max_failure_ratio: 2}}", "max_failure_ratio"),
            ("deploy: {mode: global, replicas: 3}", "global"), ("deploy: {rolling: true}", "unknown deploy key"),
            ("ports: [{target: 80, mode: sideways}]", "port mode"), ("ports: [\"127.0.0.1:5432:5432\"]", "one address"),
            ("deploy: {endpoint_mode: dnsrr}\n    ports: [\"80:80\"]", "mode: host"), ("deploy: {update_config: rollback}", "must be a mapping"),
            ("deploy: {placement: \"node.role==manager\"}", "must be a mapping"), ("deploy: {resources: {limits: [cpus]}}", "must be a mapping"),
        ])
    func badValues(value: String, words: String) {
        #expect {
            try Self.stack("services:\n  web:\n    image: web:1\n    \(value)\n")
        } throws: { error in
            "\(error)".contains(words)
        }
    }

    @Test("a stack's own networks are overlay networks; a bridge is refused, an external one is left alone")
    func networks() throws {
        #expect {
            try Self.stack("services:\n  web:\n    image: web:1\n    networks: [back]\nnetworks:\n  back:\n    driver: bridge\n")
        } throws: { error in
            "\(error)".contains("overlay")
        }
        let app = try Self.stack("services:\n  web:\n    image: web:1\n    networks: [lan]\nnetworks:\n  lan:\n    external: true\n")
        #expect(app.networks?["lan"]?.external == true)
    }

    @Test("the same file on a single device runs its replicas as containers there; a stack keeps them for the swarm")
    func deviceRunsReplicas() throws {
        let text = "services:\n  web:\n    image: web:1\n    deploy: {replicas: 2}\n"
        let device = try #require(try ComposeParser().parse(text).app.services["web"])
        #expect(device.replicas == 2 && device.swarm == nil)
        let stack = try #require(try Self.stack(text).services["web"])
        #expect(stack.swarm?.replicas == 2 && stack.replicas == nil)
        #expect {
            try Self.stack("services:\n  web:\n    image: web:1\n    scale: 2\n")
        } throws: { error in
            "\(error)".contains("deploy.replicas")
        }
    }

    @Test("stefanprodan/swarmprom runs as a stack unchanged: its top-level configs and their mounts are kept")
    func swarmpromConfigs() throws {
        let app = try Self.stack(try Corpus.text("real", "30-stefanprodan-swarmprom.yml"))
        #expect(app.configs?["caddy_config"] == AppFile(source: .file, from: "./caddy/Caddyfile"))
        #expect(app.configs?["dockerd_config"] == AppFile(source: .file, from: "./dockerd-exporter/Caddyfile"))
        #expect(app.services["caddy"]?.configs == [AppFileMount(source: "caddy_config", target: "/etc/caddy/Caddyfile")])
        #expect(app.networks?["net"]?.driver == "overlay")
    }
}
