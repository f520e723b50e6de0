import DroverModel
import Foundation
import Testing

@Suite("Compose: network address management, static addresses, devices and GPUs")
struct NetworkAndDeviceComposeTests {
    func parse(_ yaml: String) throws -> ComposeDocument {
        try ComposeParser().parse(yaml)
    }

    func error(_ yaml: String) throws -> ModelError {
        try #require(throws: ModelError.self) { try ComposeParser().parse(yaml) }
    }

    func network(_ ipam: String, extra: String = "") -> String {
        """
        services:
          web:
            image: x
            networks: [front]
        networks:
          front:
            \(extra)
            ipam:
        \(ipam)
        """
    }

    @Test("ipam with driver, pools and options, and the other network keys, are kept")
    func fullIPAM() throws {
        let doc = try parse(
            """
            services:
              web:
                image: x
                networks:
                  front: {ipv4_address: 172.31.240.10, ipv6_address: "fd00:1::10"}
            networks:
              front:
                driver: bridge
                driver_opts: {com.docker.network.bridge.name: drover0}
                labels: {team: edge}
                internal: true
                attachable: true
                enable_ipv6: true
                ipam:
                  driver: default
                  options: {foo: bar}
                  config:
                    - subnet: 172.31.240.0/24
                      gateway: 172.31.240.1
                      ip_range: 172.31.240.128/25
                      aux_addresses: {router: 172.31.240.2}
                    - subnet: "fd00:1::/64"
            """)
        let front = try #require(doc.app.networks?["front"])
        #expect(front.ipam?.driver == "default")
        #expect(front.ipam?.options == ["foo": "bar"])
        #expect(
            front.ipam?.config == [
                .init(subnet: "172.31.240.0/24", gateway: "172.31.240.1", ipRange: "172.31.240.128/25", auxAddresses: ["router": "172.31.240.2"]),
                .init(subnet: "fd00:1::/64"),
            ])
        #expect(front.internal == true && front.attachable == true && front.enableIPv6 == true)
        #expect(front.driverOpts == ["com.docker.network.bridge.name": "drover0"])
        let attachment = try #require(doc.app.services["web"]?.networks?["front"])
        #expect(attachment.ipv4Address == "172.31.240.10")
        #expect(attachment.ipv6Address == "fd00:1::10")
    }

    @Test(
        "a bad ipam block is refused with its path and line",
        arguments: [
            ("      config: [{subnet: 172.31.240.0}]", "networks.front.ipam.config[0].subnet", "not in CIDR form"),
            ("      config: [{subnet: 172.31.240.7/24}]", "networks.front.ipam.config[0].subnet", "host bits set; write 172.31.240.0/24"),
            ("      config: [{subnet: 172.31.240.0/24, gateway: 172.31.241.1}]", "networks.front.ipam.config[0].gateway", "outside its subnet"),
            (
                "      config: [{subnet: 172.31.240.0/24, gateway: \"fd00::1\"}]", "networks.front.ipam.config[0].gateway",
                "an IPv6 address, for the IPv4 subnet"
            ),
            ("      config: [{subnet: 172.31.240.0/24, ip_range: 172.31.0.0/16}]", "networks.front.ipam.config[0].ip_range", "not inside its subnet"),
            ("      config: [{subnet: 172.31.240.0/24, aux_addresses: {a: 10.0.0.1}}]", "networks.front.ipam.config[0].aux_addresses", "aux address 'a'"),
            ("      config: [{gateway: 172.31.240.1}]", "networks.front.ipam.config[0].subnet", "without a subnet"),
            ("      config: [{subnet: 172.31.240.0/24, gw: 172.31.240.1}]", "networks.front.ipam.config[0].gw", "unknown ipam pool key 'gw'"),
            ("      konfig: []", "networks.front.ipam.konfig", "unknown ipam key"),
        ])
    func badIPAM(ipam: String, path: String, message: String) throws {
        let problem = try error(network(ipam))
        #expect(problem.path == path)
        #expect(problem.description.contains(message), "\(problem)")
        #expect(problem.line != nil)
    }

    @Test(
        "a static address must lie in a declared subnet of its network, and be one service's",
        arguments: [
            ("172.31.241.5", "", "outside network 'front''s subnet(s) 172.31.240.0/24"),
            ("not-an-ip", "", "not an IPv4 address"),
            ("172.31.240.5", "172.31.240.5", "services 'api' and 'web' both ask for address 172.31.240.5"),
        ])
    func staticAddress(web: String, api: String, message: String) throws {
        let apiService = api.isEmpty ? "" : "\n  api:\n    image: x\n    networks: {front: {ipv4_address: \(api)}}"
        let yaml = """
            services:
              web:
                image: x
                networks: {front: {ipv4_address: \(web)}}\(apiService)
            networks:
              front:
                ipam: {config: [{subnet: 172.31.240.0/24}]}
            """
        let problem = try error(yaml)
        #expect(problem.path == "services.web.networks.front.ipv4_address")
        #expect(problem.description.contains(message), "\(problem)")
        #expect(problem.line != nil)
    }

    @Test("a static address on a network without a subnet is refused, as the engine would")
    func staticAddressWithoutSubnet() throws {
        let problem = try error("services:\n  web:\n    image: x\n    networks: {front: {ipv4_address: 172.31.240.5}}\nnetworks:\n  front: {}\n")
        #expect(problem.description.contains("declares no IPv4 subnet"), "\(problem)")
        #expect(problem.line == 4)
    }

    @Test("the device checks a hand-written target's addresses too")
    func targetChecked() throws {
        var spec = ServiceSpec(image: "x")
        spec.networks = ["front": NetworkAttachment(ipv4Address: "10.9.9.9")]
        var front = NetworkSpec()
        front.ipam = .init(config: [.init(subnet: "172.31.240.0/24")])
        let problem = try #require(throws: ModelError.self) {
            try AppTarget(release: "r", services: ["web": spec], networks: ["front": front]).validate(name: "app")
        }
        #expect(problem.path == "apps.app.services.web.networks.front.ipv4_address")
    }

    @Test("a network's config hash follows its settings")
    func networkHash() throws {
        var one = NetworkSpec()
        one.ipam = .init(config: [.init(subnet: "172.31.240.0/24")])
        var two = one
        #expect(one.configHash == two.configHash)
        two.ipam?.config?[0].subnet = "172.31.241.0/24"
        #expect(one.configHash != two.configHash)
        #expect(NetworkSpec().configHash != one.configHash)
    }

    @Test("gpus and reservations.devices become device requests as compose makes them")
    func deviceRequests() throws {
        let doc = try parse(
            """
            services:
              all:
                image: x
                gpus: all
              listed:
                image: x
                gpus: [{driver: nvidia, device_ids: ["0", "3"]}]
              reserved:
                image: x
                deploy:
                  resources:
                    reservations:
                      devices:
                        - {driver: nvidia, count: 2, capabilities: [gpu, utility], options: {a: b}}
                        - {capabilities: [tpu]}
                        - {driver: nvidia, count: all, capabilities: [gpu]}
            """)
        #expect(doc.app.services["all"]?.deviceRequests == [DeviceRequest(count: -1, capabilities: [["gpu"]])])
        #expect(doc.app.services["listed"]?.deviceRequests == [DeviceRequest(driver: "nvidia", deviceIDs: ["0", "3"], capabilities: [["gpu"]])])
        #expect(
            doc.app.services["reserved"]?.deviceRequests == [
                DeviceRequest(driver: "nvidia", count: 2, capabilities: [["gpu", "utility"]], options: ["a": "b"]),
                DeviceRequest(count: -1, capabilities: [["tpu"]]),
                DeviceRequest(driver: "nvidia", count: -1, capabilities: [["gpu"]]),
            ])
    }

    @Test(
        "a bad device request is refused with its path",
        arguments: [
            ("{count: 1, device_ids: [\"0\"], capabilities: [gpu]}", "both 'count' and 'device_ids'"),
            ("{count: -2, capabilities: [gpu]}", "must be a number of devices or 'all'"),
            ("{count: 1}", "needs 'capabilities'"),
            ("{count: 1, capabilities: [gpu], kind: x}", "unknown device request key 'kind'"),
        ])
    func badDeviceRequest(entry: String, message: String) throws {
        let problem = try error(
            "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - \(entry)\n")
        #expect(problem.path.hasPrefix("services.a.deploy.resources.reservations.devices[0]"), "\(problem.path)")
        #expect(problem.description.contains(message), "\(problem)")
    }

    @Test("device_cgroup_rules, runtime and long-form devices are kept; a bad rule is refused")
    func cgroupRulesAndRuntime() throws {
        let doc = try parse(
            """
            services:
              a:
                image: x
                runtime: runsc
                device_cgroup_rules: ["c 189:* rmw", "a *:* r"]
                devices:
                  - /dev/ttyUSB0
                  - {source: /dev/ttyACM0, target: /dev/modem, permissions: rw}
            """)
        let service = try #require(doc.app.services["a"])
        #expect(service.runtime == "runsc")
        #expect(service.deviceCgroupRules == ["c 189:* rmw", "a *:* r"])
        #expect(service.devices == ["/dev/ttyUSB0", "/dev/ttyACM0:/dev/modem:rw"])
        for rule in ["x 1:2 r", "c 1 r", "c 1:2 rx", "c a:2 r"] {
            let problem = try error("services:\n  a:\n    image: x\n    device_cgroup_rules: [\"\(rule)\"]\n")
            #expect(problem.path == "services.a.device_cgroup_rules[0]")
            #expect(problem.description.contains("TYPE MAJOR:MINOR PERMISSIONS"))
        }
    }

    @Test("a swarm stack refuses a fixed IPv6 address as it refuses an IPv4 one, and gpus")
    func swarmRefusals() throws {
        var parser = ComposeParser()
        parser.swarm = true
        let address = try #require(throws: ModelError.self) {
            try parser.parse(
                "services:\n  a:\n    image: x\n    networks: {n: {ipv6_address: \"fd00::5\"}}\nnetworks:\n  n: {enable_ipv6: true, ipam: {config: [{subnet: \"fd00::/64\"}]}}\n"
            )
        }
        #expect(address.path == "services.a.networks.n.ipv6_address", "\(address)")
        let gpus = try #require(throws: ModelError.self) { try parser.parse("services:\n  a:\n    image: x\n    gpus: all\n") }
        #expect(gpus.description.contains("a Swarm service cannot have"), "\(gpus)")
    }
}
