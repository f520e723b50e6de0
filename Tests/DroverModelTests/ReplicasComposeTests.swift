import DroverModel
import Foundation
import Testing

/// `deploy.replicas` and `scale` on one device: how many containers of a service it runs, read
/// as `docker compose up` reads them.
@Suite("Replicas on a device (compose)")
struct ReplicasComposeTests {
    func service(_ keys: String) throws -> ServiceSpec {
        try #require(try ComposeParser().parse("services:\n  web:\n    image: web:1\n" + keys).app.services["web"])
    }

    func error(_ keys: String) throws -> ModelError {
        try #require(throws: ModelError.self) { try ComposeParser().parse("services:\n  web:\n    image: web:1\n" + keys) }
    }

    @Test(
        "deploy.replicas and scale set the count; 1 (or neither) is left out",
        arguments: [
            ("    deploy: {replicas: 3}\n", 3), ("    scale: 4\n", 4), ("    scale: 2\n    deploy: {replicas: 2}\n", 2),
            ("    deploy: {replicas: 0}\n", 0), ("    scale: 1\n", nil), ("", nil),
        ] as [(String, Int?)])
    func count(keys: String, replicas: Int?) throws {
        let web = try service(keys)
        #expect(web.replicas == replicas)
        #expect(web.replicaCount == replicas ?? 1)
    }

    @Test("a count of 1 hashes like no count at all, and scaling leaves the config hash alone")
    func hashUnchanged() throws {
        let plain = AppTarget(release: "r1", services: ["web": try service("")])
        let one = AppTarget(release: "r1", services: ["web": try service("    scale: 1\n")])
        let three = AppTarget(release: "r1", services: ["web": try service("    scale: 3\n")])
        #expect(Canonical.encode(plain.services) == Canonical.encode(one.services))
        #expect(plain.configHash(of: "web") == three.configHash(of: "web"))
    }

    @Test("scale and deploy.replicas that disagree are refused, naming both")
    func conflict() throws {
        let problem = try error("    scale: 2\n    deploy: {replicas: 3}\n")
        #expect(problem.path == "services.web.scale")
        #expect(problem.message.contains("'scale' to 2") && problem.message.contains("'deploy.replicas' to 3"))
        #expect(problem.line == 4)
    }

    @Test("container_name on more than one replica is refused, naming the service and both keys")
    func containerName() throws {
        let problem = try error("    container_name: web\n    deploy: {replicas: 2}\n")
        #expect(problem.path == "services.web.container_name")
        #expect(problem.message.contains("service 'web'") && problem.message.contains("'container_name'") && problem.message.contains("'deploy.replicas' to 2"))
        let scaled = try error("    container_name: web\n    scale: 3\n")
        #expect(scaled.message.contains("'scale' to 3"))
        // One replica keeps the name as a network alias, as before.
        #expect(try service("    container_name: web\n    scale: 1\n").networks?["default"]?.aliases == ["web"])
    }

    @Test(
        "counts out of range are refused with the key and the value",
        arguments: [
            ("    deploy: {replicas: -1}\n", "deploy.replicas is -1", "services.web.deploy.replicas"),
            ("    deploy: {replicas: 101}\n", "deploy.replicas is 101", "services.web.deploy.replicas"),
            ("    scale: -2\n", "scale is -2", "services.web.scale"), ("    scale: 5000\n", "scale is 5000", "services.web.scale"),
            ("    scale: many\n", "many", "services.web.scale"),
        ])
    func range(keys: String, phrase: String, path: String) throws {
        let problem = try error(keys)
        #expect(problem.message.contains(phrase), "\(problem)")
        #expect(problem.path == path)
    }

    @Test("a fixed host port or address cannot be held by several replicas; an ephemeral port can")
    func sharedResources() throws {
        let port = try error("    ports: ['8080:80']\n    scale: 2\n")
        #expect(port.message.contains("host port 8080") && port.message.contains("2 replicas"))
        #expect(try service("    ports: ['80']\n    scale: 2\n").replicas == 2)
        let address = try #require(throws: ModelError.self) {
            try ComposeParser().parse(
                """
                services:
                  web:
                    image: web:1
                    scale: 2
                    networks: {lan: {ipv4_address: 10.5.0.9}}
                networks:
                  lan: {}
                """)
        }
        #expect(address.message.contains("10.5.0.9"))
    }

    @Test("a target that arrives with a bad count is refused on the device too")
    func targetValidation() throws {
        var web = ServiceSpec(image: "web:1")
        for (count, ok) in [(-1, false), (0, true), (3, true), (101, false)] {
            web.replicas = count
            let target = AppTarget(release: "r1", services: ["web": web])
            if ok {
                try target.validate(name: "shop")
            } else {
                let problem = try #require(throws: ModelError.self) { try target.validate(name: "shop") }
                #expect(problem.path == "apps.shop.services.web.replicas", "\(problem)")
            }
        }
        web.replicas = 2
        web.ports = [PortMapping(target: 80, published: 8080, hostIP: nil, protocol: "tcp")]
        #expect(throws: ModelError.self) { try AppTarget(release: "r1", services: ["web": web]).validate(name: "shop") }
    }

    @Test("a Swarm stack's deploy settings run on a device as docker compose runs them: global is one container, scheduling is ignored with a word")
    func swarmSettingsOnADevice() throws {
        let document = try ComposeParser().parse(
            """
            services:
              web:
                image: web:1
                deploy:
                  mode: global
                  placement: {constraints: [node.role == manager]}
                  update_config: {parallelism: 1}
                  labels: {team: ops}
            """)
        #expect(document.app.services["web"]?.replicaCount == 1)
        #expect(document.warnings.contains { $0.contains("deploy.mode 'global' runs one container on each device") })
        #expect(document.warnings.contains { $0.contains("deploy.placement is for a Swarm's scheduler") })
        #expect(try error("    deploy: {mode: global, replicas: 3}\n").message.contains("is global (one container per device) and asks for 3 replicas"))
        #expect(try error("    deploy: {mode: replicated-job}\n").message.contains("a Swarm job"))
        #expect(try error("    deploy: {mode: sometimes}\n").message.contains("must be replicated or global"))
    }
}
