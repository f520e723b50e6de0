import DroverModel
import Foundation
import Testing

@Suite("Target state")
struct TargetStateTests {
    let yaml = """
        services:
          db:
            image: db:1
            environment: {A: "1", B: "2"}
            volumes: [data:/data]
          web:
            image: web:1
            depends_on: [db]
        volumes:
          data:
        """

    @Test("the config hash ignores key order and changes only for the changed service")
    func configHash() throws {
        let first = AppTarget(release: "r1", app: try ComposeParser().parse(yaml).app)
        let reordered = AppTarget(
            release: "r2",
            app: try ComposeParser().parse(yaml.replacingOccurrences(of: "{A: \"1\", B: \"2\"}", with: "{B: \"2\", A: \"1\"}")).app)
        #expect(first.configHash(of: "db") == reordered.configHash(of: "db"), "a new release id alone does not recreate")
        let changed = AppTarget(release: "r3", app: try ComposeParser().parse(yaml.replacingOccurrences(of: "B: \"2\"", with: "B: \"3\"")).app)
        #expect(first.configHash(of: "db") != changed.configHash(of: "db"))
        #expect(first.configHash(of: "web") == changed.configHash(of: "web"))
    }

    @Test("a target round-trips through its JSON form and keeps start order")
    func roundTrip() throws {
        let target = TargetState(apps: ["shop": AppTarget(release: "r1", app: try ComposeParser().parse(yaml).app)])
        let decoded = try TargetState.decode(from: target.canonicalJSON())
        #expect(decoded == target)
        #expect(decoded.apps["shop"]?.startOrder() == ["db", "web"])
    }

    @Test("a bad target document names what is wrong")
    func badTarget() throws {
        let missing = try #require(throws: ModelError.self) { try TargetState.decode(from: Data(#"{"apps": {"a": {"services": {}}}}"#.utf8)) }
        #expect(missing.description.contains("release"))
        let noImage = try #require(throws: ModelError.self) {
            try TargetState.decode(from: Data(#"{"apps": {"a": {"release": "1", "services": {"web": {}}}}}"#.utf8))
        }
        #expect(noImage.description.contains("service 'web' has no image"))
        #expect(throws: ModelError.self) { try TargetState.decode(from: Data("not json".utf8)) }
    }
}
