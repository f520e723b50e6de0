import DockerEngine
import DroverModel
import Foundation
import Testing

@testable import DroverAgent

/// A stack's secrets and configs as Swarm objects and the references of its services to them.
@Suite("Stack secrets and configs")
struct StackFilesTests {
    static let v1 = "0123456789abcdef0123456789abcdef"
    static let v2 = "fedcba9876543210fedcba9876543210"

    /// A stack whose `web` mounts secret `db` (at `db`), secret `cert` (elsewhere, owned and
    /// moded) and config `site`; `worker` mounts nothing.
    static func stack(db: String? = v1, site: String? = v1) -> ClusterTarget.Stack {
        var web = ServiceSpec(image: "reg/web@sha256:abc")
        web.secrets = [
            AppFileMount(source: "db", target: "/run/secrets/db"),
            AppFileMount(source: "cert", target: "/etc/ssl/cert.pem", uid: "1000", gid: "100", mode: 0o400),
        ]
        web.configs = [AppFileMount(source: "site", target: "/etc/site.conf")]
        var stack = ClusterTarget.Stack(namespace: "rack", release: "r1", services: ["web": web, "worker": ServiceSpec(image: "reg/worker:1")])
        stack.secrets = ["db": AppFile(source: .file, from: "./db.txt", version: db), "cert": AppFile(source: .external, version: v2)]
        stack.configs = ["site": AppFile(source: .content, version: site)]
        return stack
    }

    static func web(_ stack: ClusterTarget.Stack) throws -> SwarmServiceSpec {
        StackServices.spec("web", try #require(stack.services["web"]), stack: stack, cluster: "c1")
    }

    @Test("a service references each value's object by a name that carries the version, at its target with its owner and mode")
    func references() throws {
        let container = try #require(try Self.web(Self.stack()).taskTemplate.containerSpec)
        #expect(
            container.secrets == [
                SwarmServiceSpec.SecretReference(file: .init(name: "db"), secretName: "rack_db_0123456789abcdef"),
                SwarmServiceSpec.SecretReference(
                    file: .init(name: "/etc/ssl/cert.pem", uid: "1000", gid: "100", mode: 0o400), secretName: "rack_cert_fedcba9876543210"),
            ])
        #expect(container.configs == [SwarmServiceSpec.ConfigReference(file: .init(name: "/etc/site.conf"), configName: "rack_site_0123456789abcdef")])
        let worker = StackServices.spec("worker", ServiceSpec(image: "reg/worker:1"), stack: Self.stack(), cluster: "c1")
        #expect(worker.taskTemplate.containerSpec?.secrets == nil && worker.taskTemplate.containerSpec?.configs == nil)
    }

    @Test("the references encode to the Engine API's keys")
    func encodes() throws {
        let data = try JSONEncoder().encode(try Self.web(Self.stack()).taskTemplate.containerSpec)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let secrets = try #require(json["Secrets"] as? [[String: Any]])
        let file = try #require(secrets.first?["File"] as? [String: Any])
        #expect(secrets.first?["SecretName"] as? String == "rack_db_0123456789abcdef")
        #expect(file["Name"] as? String == "db" && file["UID"] as? String == "0" && file["GID"] as? String == "0" && file["Mode"] as? Int == 0o444)
        let configs = try #require(json["Configs"] as? [[String: Any]])
        #expect(configs.first?["ConfigName"] as? String == "rack_site_0123456789abcdef")
    }

    @Test("a new version of a value changes the hash of exactly the services that mount it; a new release alone does not")
    func hashFollowsVersions() throws {
        let before = try Self.web(Self.stack()).labels?[StackServices.specHashLabel]
        #expect(try Self.web(Self.stack(db: Self.v2)).labels?[StackServices.specHashLabel] != before)
        #expect(try Self.web(Self.stack(site: Self.v2)).labels?[StackServices.specHashLabel] != before)
        var released = Self.stack()
        released.release = "r2"
        #expect(try Self.web(released).labels?[StackServices.specHashLabel] == before)
        let worker = { (stack: ClusterTarget.Stack) in
            StackServices.spec("worker", ServiceSpec(image: "reg/worker:1"), stack: stack, cluster: "c1").labels?[StackServices.specHashLabel]
        }
        #expect(worker(Self.stack(db: Self.v2)) == worker(Self.stack()))
    }

    @Test("the swarm's IDs are filled in after hashing, and those it lacks are named")
    func resolve() throws {
        var spec = try Self.web(Self.stack())
        let hash = spec.labels?[StackServices.specHashLabel]
        let absent = StackFiles.resolve(&spec, ids: [.secret: ["rack_db_0123456789abcdef": "s1"], .config: ["rack_site_0123456789abcdef": "c9"]])
        #expect(absent == ["rack_cert_fedcba9876543210"])
        #expect(spec.taskTemplate.containerSpec?.secrets?.map(\.secretID) == ["s1", nil])
        #expect(spec.taskTemplate.containerSpec?.configs?.first?.configID == "c9")
        #expect(spec.labels?[StackServices.specHashLabel] == hash && StackServices.hash(spec) != hash)
    }

    @Test("the stack wants one object per value and version it mounts; a value with no version yet makes its service wait")
    func wantedAndWaiting() throws {
        let wanted = StackFiles.wanted(Self.stack())
        #expect(Set(wanted.map(\.object)) == ["rack_db_0123456789abcdef", "rack_cert_fedcba9876543210", "rack_site_0123456789abcdef"])
        let missing = Self.stack(db: "missing")
        #expect(!StackFiles.wanted(missing).contains { $0.name == "db" })
        let web = try #require(missing.services["web"])
        #expect(StackFiles.waiting(web, stack: missing)?.contains("secret 'db'") == true)
        #expect(StackFiles.waiting(web, stack: Self.stack()) == nil)
        let labels = StackFiles.labels(try #require(wanted.first { $0.name == "db" }), namespace: "rack", cluster: "c1")
        #expect(labels == ["com.docker.stack.namespace": "rack", "io.drover.cluster": "c1", "io.drover.name": "db", "io.drover.version": Self.v1])
    }

    @Test("object names fit Swarm's 64 characters, and two long names stay apart")
    func longNames() {
        let namespace = String(repeating: "n", count: 30)
        let a = StackFiles.objectName(namespace: namespace, name: String(repeating: "a", count: 30), version: Self.v1)
        let b = StackFiles.objectName(namespace: namespace, name: String(repeating: "a", count: 31), version: Self.v1)
        #expect(a.count <= 64 && b.count <= 64 && a != b)
        #expect(a.hasPrefix(namespace + "_"))
        #expect(StackFiles.objectName(namespace: "rack", name: "db", version: Self.v1) == "rack_db_0123456789abcdef")
    }

    @Test("an object goes when the stack does not want it and no service's spec or previous spec references it")
    func removals() throws {
        let objects = ["rack_db_old", "rack_db_prev", "rack_db_0123456789abcdef"].map { SwarmFileObject(id: $0, spec: SwarmFileSpec(name: $0)) }
        let gone = StackFiles.removals(existing: objects, wanted: ["rack_db_0123456789abcdef"], referenced: ["rack_db_prev"])
        #expect(gone.map(\.spec.name) == ["rack_db_old"])
        var spec = try Self.web(Self.stack())
        #expect(StackFiles.referenced(spec, kind: .secret) == ["rack_db_0123456789abcdef", "rack_cert_fedcba9876543210"])
        spec.taskTemplate.containerSpec = nil
        #expect(StackFiles.referenced(spec, kind: .config).isEmpty)
    }

    @Test("an object's spec never shows its value when printed")
    func valueNotPrinted() {
        let spec = SwarmFileSpec(name: "rack_db_x", labels: ["io.drover.name": "db"], data: "c2VjcmV0LXZhbHVl")
        #expect(!"\(spec)".contains("c2VjcmV0") && !String(reflecting: spec).contains("c2VjcmV0"))
    }
}
