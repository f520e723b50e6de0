import DroverModel
import Foundation
import Testing

@Suite("Compose secrets and configs")
struct ComposeFilesTests {
    func parse(_ text: String, swarm: Bool = false) throws(ModelError) -> ComposeDocument {
        var parser = ComposeParser()
        parser.swarm = swarm
        return try parser.parse(text)
    }

    func error(_ text: String, swarm: Bool = false) -> ModelError? {
        do {
            _ = try parse(text, swarm: swarm)
            return nil
        } catch {
            return error
        }
    }

    @Test("every source form is read, and mounts get compose's default targets, owner and mode")
    func forms() throws {
        let document = try parse(
            """
            services:
              app:
                image: busybox
                secrets:
                  - db
                  - source: token
                    target: api-token
                    uid: "1000"
                    gid: "1000"
                    mode: 0400
                  - source: cert
                    target: /etc/ssl/private/cert.pem
                configs:
                  - settings
                  - source: banner
                    target: /etc/motd
                    mode: 0o644
            secrets:
              db: {file: ./db.txt}
              token: {environment: API_TOKEN}
              cert: {external: true, name: shared-cert}
            configs:
              settings: {content: "level=${LEVEL:-info}\\n"}
              banner: {external: {name: motd}}
            """)
        let app = document.app
        #expect(app.secrets?["db"] == AppFile(source: .file, from: "./db.txt"))
        #expect(app.secrets?["token"] == AppFile(source: .environment, from: "API_TOKEN"))
        #expect(app.secrets?["cert"] == AppFile(source: .external, from: "shared-cert"))
        #expect(app.configs?["settings"] == AppFile(source: .content))
        #expect(app.configs?["banner"] == AppFile(source: .external, from: "motd"))
        #expect(document.inlineConfigs == ["settings": "level=info\n"])
        let service = try #require(app.services["app"])
        #expect(
            service.secrets == [
                AppFileMount(source: "db", target: "/run/secrets/db"),
                AppFileMount(source: "token", target: "/run/secrets/api-token", uid: "1000", gid: "1000", mode: 0o400),
                AppFileMount(source: "cert", target: "/etc/ssl/private/cert.pem"),
            ])
        #expect(service.configs == [AppFileMount(source: "settings", target: "/settings"), AppFileMount(source: "banner", target: "/etc/motd", mode: 0o644)])
        #expect(service.secrets?[0].effectiveMode == 0o444)
    }

    @Test(
        "mistakes are refused with where and why",
        arguments: [
            ("services: {app: {image: busybox, secrets: [db]}}", "services.app.secrets[0]", "uses secret 'db', which is not declared under top-level secrets"),
            (
                "services: {app: {image: busybox}}\nsecrets: {db: {file: ./a, environment: B}}", "secrets.db",
                "needs exactly one of 'file', 'environment' or 'external: true', and has 'file' and 'environment'"
            ),
            ("services: {app: {image: busybox}}\nsecrets: {db: {content: x}}", "secrets.db.content", "unknown secret key 'content'"),
            ("services: {app: {image: busybox}}\nsecrets: {db: {file: ./a, driver: vault}}", "secrets.db.driver", "Swarm secret-store setting"),
            (
                "services: {app: {image: busybox, secrets: [{source: db, mode: 0999}]}}\nsecrets: {db: {file: ./a}}", "services.app.secrets[0].mode",
                "mode '0999' must be a permission"
            ),
            (
                "services: {app: {image: busybox, secrets: [{source: db, uid: root}]}}\nsecrets: {db: {file: ./a}}", "services.app.secrets[0].uid",
                "uid 'root' must be a number"
            ),
            (
                "services: {app: {image: busybox, configs: [{source: c, target: etc/c}]}}\nconfigs: {c: {content: x}}", "services.app.configs[0].target",
                "config target 'etc/c' must be an absolute path"
            ),
            (
                "services: {app: {image: busybox, secrets: [a, {source: b, target: a}]}}\nsecrets: {a: {file: ./a}, b: {file: ./b}}",
                "services.app.secrets[1]", "mounts two files at /run/secrets/a (also secrets[0])"
            ),
            (
                "services: {app: {image: busybox, secrets: [{source: a, target: /x/../etc/passwd}]}}\nsecrets: {a: {file: ./a}}",
                "services.app.secrets[0].target", "without '..'"
            ),
            ("services: {app: {image: busybox}}\nsecrets: {'my secret': {file: ./a}}", "secrets.my secret", "may hold only letters"),
            (
                "services: {app: {image: busybox, secrets: [{source: a, target: /etc/x}], configs: [{source: b, target: /etc/x}]}}\nsecrets: {a: {file: ./a}}\nconfigs: {b: {content: x}}",
                "services.app.configs[0]", "mounts two files at /etc/x (also secrets[0])"
            ),
        ])
    func refusals(text: String, path: String, phrase: String) {
        let found = error(text)
        #expect(found?.path == path, "\(String(describing: found))")
        #expect(found?.description.contains(phrase) == true, "\(String(describing: found))")
    }

    @Test("a Swarm stack reads them as a device does, and still refuses a secret-store driver")
    func swarm() throws {
        let document = try parse(
            """
            services:
              app:
                image: busybox
                secrets: [db, {source: token, target: api-token, uid: "1000", mode: 0400}]
                configs: [{source: settings, target: /etc/app.conf}]
            secrets:
              db: {file: ./db.txt}
              token: {external: true}
            configs:
              settings: {content: "level=info"}
            """, swarm: true)
        #expect(document.app.secrets?["db"] == AppFile(source: .file, from: "./db.txt"))
        #expect(document.app.secrets?["token"] == AppFile(source: .external))
        #expect(document.inlineConfigs == ["settings": "level=info"])
        let service = try #require(document.app.services["app"])
        #expect(
            service.secrets == [
                AppFileMount(source: "db", target: "/run/secrets/db"),
                AppFileMount(source: "token", target: "/run/secrets/api-token", uid: "1000", mode: 0o400),
            ])
        #expect(service.configs == [AppFileMount(source: "settings", target: "/etc/app.conf")])
        for key in ["driver: vault", "template_driver: golang"] {
            let found = error("services: {app: {image: busybox, secrets: [db]}}\nsecrets: {db: {file: ./a, \(key)}}", swarm: true)
            #expect(found?.description.contains("Swarm secret-store setting") == true, "\(String(describing: found))")
        }
    }

    @Test("a value's new version changes the config hash of exactly the services that mount it")
    func hashFollowsVersions() throws {
        let document = try parse(
            """
            services:
              uses: {image: busybox, secrets: [token], configs: [settings]}
              other: {image: busybox, configs: [settings]}
            secrets:
              token: {external: true}
            configs:
              settings: {content: x}
            """)
        var target = AppTarget(release: "r1", app: document.app)
        target.secrets?["token"]?.version = "v1"
        target.configs?["settings"]?.version = "c1"
        try target.validate(name: "app")
        let before = (target.configHash(of: "uses"), target.configHash(of: "other"))
        target.secrets?["token"]?.version = "v2"
        #expect(target.configHash(of: "uses") != before.0)
        #expect(target.configHash(of: "other") == before.1)
        target.configs?["settings"]?.version = "c2"
        #expect(target.configHash(of: "other") != before.1)
    }

    @Test("a device refuses a target whose service mounts an undeclared value or a path outside the rules")
    func targetValidation() {
        var service = ServiceSpec(image: "busybox")
        service.secrets = [AppFileMount(source: "ghost", target: "/run/secrets/ghost")]
        let target = AppTarget(release: "r", services: ["app": service])
        #expect(throws: ModelError.self) { try target.validate(name: "app") }
        var relative = target
        relative.secrets = ["ghost": AppFile(source: .external)]
        relative.services["app"]?.secrets = [AppFileMount(source: "ghost", target: "run/x", mode: 0o7777)]
        #expect(throws: ModelError.self) { try relative.validate(name: "app") }
    }
}

@Suite("Compose lifecycle hooks")
struct LifecycleHookComposeTests {
    @Test("post_start and pre_stop are read with command, user, privileged, working_dir and environment")
    func hooks() throws {
        let document = try ComposeParser().parse(
            """
            services:
              web:
                image: busybox
                post_start:
                  - command: ./warm-cache.sh
                    user: root
                    privileged: true
                    working_dir: /app
                    environment: [MODE=warm]
                pre_stop:
                  - command: ["./drain.sh", "--fast"]
            """)
        let web = try #require(document.app.services["web"])
        #expect(web.postStart == [.init(command: ["./warm-cache.sh"], user: "root", privileged: true, workingDir: "/app", environment: ["MODE": "warm"])])
        #expect(web.preStop == [.init(command: ["./drain.sh", "--fast"])])
    }

    @Test("a hook without a command, or with an unknown key, is refused where it is")
    func refusals() {
        for (text, phrase) in [
            ("    post_start: [{user: root}]\n", "services.web.post_start[0]: a lifecycle hook needs a 'command'"),
            ("    pre_stop: [{command: x, timeout: 3}]\n", "services.web.pre_stop[0].timeout: unknown lifecycle hook key 'timeout'"),
            ("    post_start: ./x.sh\n", "must be a list of hooks"),
        ] {
            let error = #expect(throws: ModelError.self) { try ComposeParser().parse("services:\n  web:\n    image: busybox\n" + text) }
            #expect(error?.description.contains(phrase) == true, "\(String(describing: error))")
        }
    }
}
