import DroverModel
import Testing

@Suite("Image references and platforms read as Docker reads them")
struct ImageReferenceTests {
    @Test(
        "a reference gets Docker Hub's defaults, and keeps its registry, tag and digest",
        arguments: [
            ("busybox", "docker.io", "library/busybox", nil, nil),
            ("eclipse-mosquitto:2", "docker.io", "library/eclipse-mosquitto", "2", nil),
            ("grafana/grafana:10.4.1", "docker.io", "grafana/grafana", "10.4.1", nil),
            ("127.0.0.1:5000/default/sensors/web:push-1", "127.0.0.1:5000", "default/sensors/web", "push-1", nil),
            ("localhost/app", "localhost", "app", nil, nil),
            (
                "ghcr.io/acme/app@sha256:" + String(repeating: "a", count: 64), "ghcr.io", "acme/app", nil,
                "sha256:" + String(repeating: "a", count: 64)
            ),
        ] as [(String, String, String, String?, String?)])
    func parses(_ text: String, _ registry: String, _ repository: String, _ tag: String?, _ digest: String?) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.registry == registry)
        #expect(reference.repository == repository)
        #expect(reference.tag == tag)
        #expect(reference.digest == digest)
    }

    @Test(
        "a reference Docker would refuse is refused with the reason",
        arguments: ["", "UPPER/case", "a//b", "app:", "app:-bad", "app@sha256:123", "-lead/app", "app/trail-", "a b"])
    func refuses(_ text: String) {
        #expect(throws: ModelError.self) { try ImageReference(parsing: text) }
    }

    @Test("a digest pins a reference by name")
    func pinned() throws {
        let reference = try ImageReference(parsing: "127.0.0.1:5000/org/fleet/web:1")
        #expect(reference.pinned("sha256:ab") == "127.0.0.1:5000/org/fleet/web@sha256:ab")
        #expect(reference.manifestReference == "1")
    }

    @Test(
        "platforms are normalised as containerd does",
        arguments: [
            ("linux/amd64", "linux/amd64"), ("linux/arm64/v8", "linux/arm64"), ("linux/arm/v7", "linux/arm/v7"), ("Linux/ARM64", "linux/arm64"),
        ])
    func platforms(_ text: String, _ normal: String) throws {
        #expect(try Platform(parsing: text).description == normal)
    }

    @Test("an engine's machine name is the platform it pulls for")
    func machines() {
        #expect(Platform(engineOS: "linux", machine: "x86_64").description == "linux/amd64")
        #expect(Platform(engineOS: "linux", machine: "aarch64").description == "linux/arm64")
        #expect(Platform(engineOS: "linux", machine: "armv7l").description == "linux/arm/v7")
        #expect(Platform(engineOS: "linux", machine: "armv6l").description == "linux/arm/v6")
    }

    @Test("a malformed platform is refused, saying what one looks like", arguments: ["linux", "linux/", "a/b/c/d", "linux/amd 64"])
    func badPlatform(_ text: String) {
        #expect(throws: ModelError.self) { try Platform(parsing: text) }
    }

    @Test("a pin gives each platform its own manifest, and an unvaried arm device the one arm manifest")
    func pinForPlatform() throws {
        let pin = API.ImagePin(
            repository: "r/app", digest: "sha256:index", platforms: ["linux/amd64": "sha256:a", "linux/arm64": "sha256:b", "linux/arm/v7": "sha256:c"])
        #expect(pin.reference(for: try Platform(parsing: "linux/amd64")) == "r/app@sha256:a")
        #expect(pin.reference(for: try Platform(parsing: "linux/arm64/v8")) == "r/app@sha256:b")
        #expect(pin.reference(for: Platform(os: "linux", architecture: "arm")) == "r/app@sha256:c")
        #expect(pin.reference(for: try Platform(parsing: "linux/riscv64")) == nil)
        #expect(pin.reference == "r/app@sha256:index")
    }
}
