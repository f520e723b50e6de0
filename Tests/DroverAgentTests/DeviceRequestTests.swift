import DockerEngine
import DroverAgent
import DroverModel
import Foundation
import Testing

@Suite("Devices and networks in the engine's create body")
struct DeviceRequestTests {
    /// The JSON of the create body's `HostConfig.DeviceRequests` for a one-service document.
    func deviceRequests(_ service: String) throws -> String {
        let document = try ComposeParser().parse("services:\n  gpu:\n    image: x\n" + service)
        let target = AppTarget(release: "r1", app: document.app)
        let (config, _) = try ContainerConfigBuilder(device: DeviceIdentity(id: "d"), app: "a", target: target).build(service: "gpu")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(config.hostConfig.deviceRequests), as: UTF8.self)
    }

    @Test(
        "compose's device requests reach the engine as HostConfig.DeviceRequests",
        arguments: [
            ("    gpus: all\n", #"[{"Capabilities":[["gpu"]],"Count":-1}]"#),
            (
                "    deploy:\n      resources:\n        reservations:\n          devices: [{driver: nvidia, count: all, capabilities: [gpu]}]\n",
                #"[{"Capabilities":[["gpu"]],"Count":-1,"Driver":"nvidia"}]"#
            ),
            (
                "    deploy:\n      resources:\n        reservations:\n          devices: [{driver: nvidia, count: 2, capabilities: [gpu, compute]}]\n",
                #"[{"Capabilities":[["gpu","compute"]],"Count":2,"Driver":"nvidia"}]"#
            ),
            (
                "    deploy:\n      resources:\n        reservations:\n          devices: [{driver: nvidia, device_ids: [\"0\", GPU-1], capabilities: [gpu], options: {x: y}}]\n",
                #"[{"Capabilities":[["gpu"]],"DeviceIDs":["0","GPU-1"],"Driver":"nvidia","Options":{"x":"y"}}]"#
            ),
            ("    gpus: [{count: 1, capabilities: [utility]}]\n", #"[{"Capabilities":[["utility","gpu"]],"Count":1}]"#),
        ])
    func requests(service: String, json: String) throws {
        #expect(try deviceRequests(service) == json)
    }

    @Test("runtime, cgroup rules and static addresses reach the create body")
    func runtimeAndAddresses() throws {
        let document = try ComposeParser().parse(
            """
            services:
              web:
                image: x
                runtime: runsc
                device_cgroup_rules: ["c 189:* rmw"]
                networks:
                  a: {ipv4_address: 172.31.240.9}
                  b: {ipv6_address: "fd00:2::9"}
            networks:
              a: {ipam: {config: [{subnet: 172.31.240.0/24}]}}
              b: {enable_ipv6: true, ipam: {config: [{subnet: "fd00:2::/64"}]}}
            """)
        let target = AppTarget(release: "r1", app: document.app)
        let (config, extra) = try ContainerConfigBuilder(device: DeviceIdentity(id: "d"), app: "a", target: target).build(service: "web")
        #expect(config.hostConfig.runtime == "runsc")
        #expect(config.hostConfig.deviceCgroupRules == ["c 189:* rmw"])
        let first = try #require(config.networkingConfig?.endpointsConfig.values.first)
        #expect(first.ipamConfig == .init(ipv4Address: "172.31.240.9"))
        #expect(extra.first?.1.ipamConfig == .init(ipv4Address: nil, ipv6Address: "fd00:2::9"))
    }

    @Test(
        "an engine's refusal for lack of a driver or runtime reads as what is missing",
        arguments: [
            (
                #"could not select device driver "nvidia" with capabilities: [[gpu]] (engine status 500)"#,
                "the engine has no device driver 'nvidia' for capabilities [gpu] (is the NVIDIA container toolkit installed?)"
            ),
            (
                #"could not select device driver "" with capabilities: [[gpu utility]]"#,
                "the engine has no device driver for capabilities [gpu utility] (is the NVIDIA container toolkit installed?)"
            ),
            ("Unknown runtime specified nvidia (engine status 400)", "the engine has no runtime 'nvidia'"),
        ])
    func refusal(message: String, explanation: String) throws {
        let refusal = try #require(DeviceRefusal(engineMessage: message))
        #expect(refusal.explanation.hasPrefix(explanation), "\(refusal.explanation)")
    }
}
