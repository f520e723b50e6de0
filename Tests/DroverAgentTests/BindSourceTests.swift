import DroverAgent
import DroverModel
import Testing

@Suite("Relative bind mounts on a device")
struct BindSourceTests {
    let builder = ContainerConfigBuilder(
        device: DeviceIdentity(id: "d1"), app: "shop", target: AppTarget(release: "r", services: [:]), runtimeDirectory: "/var/lib/drover/apps/shop")

    @Test(
        "a relative path is the app's own project directory on the device; '..' reaches its binds and no further",
        arguments: [
            ("./data", "/var/lib/drover/apps/shop/binds/project/data"), ("data/sub/", "/var/lib/drover/apps/shop/binds/project/data/sub"),
            ("../src", "/var/lib/drover/apps/shop/binds/src"), ("/srv/media", "/srv/media"), (".", "/var/lib/drover/apps/shop/binds/project"),
        ])
    func mapped(source: String, path: String) throws {
        #expect(try builder.bindSource(source, service: "web") == path)
    }

    @Test("a path that climbs out of the app's directory is refused, naming it", arguments: ["../../etc", "../../../root/.ssh", ""])
    func refused(source: String) {
        let error = #expect(throws: AgentError.self) { try builder.bindSource(source, service: "web") }
        #expect(error?.message.contains("'\(source)'") == true)
    }
}
