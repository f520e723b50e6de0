import DroverModel
import Foundation
import Testing

/// Every file of the compose corpus is a test case: the copy vendored at `Tests/corpus`, or the
/// folder `DROVER_CORPUS` names.
enum Corpus {
    static let root: URL = {
        if let path = ProcessInfo.processInfo.environment["DROVER_CORPUS"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../corpus").standardized
    }()

    /// The `.yml` files of `folder`, sorted; throws, naming the folder, when it cannot be read.
    static func listing(_ folder: String) throws -> [String] {
        let path = root.appendingPathComponent(folder).path
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw CorpusMissing(path: path, cause: "\(error)")
        }
    }

    /// The files of `folder` as test arguments. A missing folder gives none here; `corpusPresent`
    /// fails for it, so the parameterised tests cannot pass by running zero cases.
    static func files(_ folder: String) -> [String] {
        do {
            return try listing(folder)
        } catch {
            return []
        }
    }

    static func text(_ folder: String, _ file: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
    }
}

/// The corpus folder is missing or unreadable.
struct CorpusMissing: Error, CustomStringConvertible {
    let path: String
    let cause: String
    var description: String { "no compose corpus at \(path) (set DROVER_CORPUS or restore Tests/corpus): \(cause)" }
}

@Suite("Compose corpus")
struct CorpusTests {
    /// What each invalid file's error must say (the problem its `# expect:` line names).
    static let expected: [String: [String]] = [
        "01-services-as-list.yml": ["'services' is a YAML sequence instead of a mapping"],
        "02-port-integer-out-of-range.yml": ["70000", "1-65535"],
        "03-unknown-top-level-key.yml": ["unknown top-level key 'environment'"],
        "05-depends-on-cycle.yml": ["dependency cycle", "homeassistant -> nodered -> influxdb -> homeassistant"],
        "06-undefined-named-volume.yml": ["grafana", "'grafana-data'", "not declared", "'grafana_data'"],
        "07-duplicate-service-key.yml": ["duplicate mapping key 'mqtt'"],
        "08-no-image-no-build.yml": ["'telegraf' has neither 'image' nor 'build'"],
        "10-environment-non-scalar.yml": ["MQTT_TOPICS", "a list", "must be scalars"],
        "12-undeclared-network.yml": ["'mqtt' joins network 'iot'", "not declared", "'backend'"],
        "14-negative-replicas.yml": ["deploy.replicas is -1", "non-negative"],
        "15-yaml-tab-indentation.yml": ["tab character", "indentation"],
        "16-real-ucero0-homeAssistant-sservices-typo.yml": ["unknown top-level key 'sservices'", "did you mean 'services'"],
        "19-invalid-service-name.yml": ["'home assistant'", "space"],
        // Drover's own cases, one a load-time rule (see README.md, "Compose validation").
        "drover-build-dockerfile-and-inline.yml": ["services.app.build.dockerfile_inline", "both 'dockerfile' and 'dockerfile_inline'"],
        "drover-build-platforms-without-platform.yml": ["services.app.build.platforms", "platform 'linux/arm64'", "does not include"],
        "drover-container-name-duplicate.yml": ["services.postgres.container_name", "container name 'db' is already used by service 'mariadb'"],
        "drover-container-name-invalid.yml": ["container_name 'home assistant' is not a valid container name"],
        "drover-cpus-conflicts-with-deploy.yml": ["'cpus' to 0.5", "'deploy.resources.limits.cpus' to 1.0", "distinct values"],
        "drover-depends-on-undefined-service.yml": ["service 'app' depends on 'redis', which is not defined"],
        "drover-depends-on-without-condition.yml": ["services.app.depends_on.db", "needs 'condition"],
        "drover-environment-trailing-space.yml": ["services.homeassistant.environment[0]", "'TZ ' is declared with a trailing space"],
        "drover-external-name-conflict.yml": ["name 'db-data'", "external.name 'postgres-data'", "conflict"],
        "drover-external-volume-with-driver.yml": ["volumes.pgdata.driver", "volume 'pgdata' is external, so 'driver' cannot apply"],
        "drover-extra-hosts-missing-ip.yml": ["services.telegraf.extra_hosts[0]", "'influxdb' has no IP address"],
        "drover-healthcheck-test-form.yml": ["must start with CMD, CMD-SHELL or NONE"],
        "drover-link-to-undefined-service.yml": ["services.wordpress.links[0]", "links to 'mysql', which is not defined"],
        "drover-mem-limit-conflicts-with-deploy.yml": ["'mem_limit'", "'deploy.resources.limits.memory'", "distinct values"],
        "drover-mem-reservation-conflicts-with-deploy.yml": ["'mem_reservation'", "'deploy.resources.reservations.memory'", "distinct values"],
        "drover-mount-target-twice.yml": ["services.app.volumes[0]", "target /run is already mounted by services.app.tmpfs[0]"],
        "drover-mount-unknown-option.yml": ["services.mounter.volumes[0].bind.propogation", "unknown bind mount option 'propogation'"],
        "drover-network-mode-cycle.yml": ["dependency cycle: app -> vpn -> app"],
        "drover-network-mode-undefined-service.yml": ["network_mode names service 'vpn', which is not defined"],
        "drover-network-mode-with-networks.yml": ["services.sensor.networks", "both 'network_mode: host' and 'networks'"],
        "drover-network-name-invalid.yml": ["network name 'home lan'", "^[a-zA-Z0-9._-]+$"],
        "drover-pid-service-undefined.yml": ["services.debugger.pid", "shares the pid namespace of 'app', which is not defined"],
        "drover-pids-limit-conflicts-with-deploy.yml": ["'pids_limit' to 100", "'deploy.resources.limits.pids' to 200"],
        "drover-port-host-ip-not-an-address.yml": ["services.web.ports[0].host_ip", "'localhost' is not an IP address"],
        "drover-port-published-twice.yml": ["services.web.ports[1]", "host port 8080/tcp is published twice", "services.web.ports[0]"],
        "drover-port-range-length-mismatch.yml": ["maps 3 host port(s) to 2 container port(s)"],
        "drover-restart-invalid.yml": ["restart 'sometimes' must be no, always"],
        "drover-security-opt-repeated.yml": ["services.bluetooth.security_opt[2]", "'apparmor:unconfined' is listed twice"],
        "drover-tmpfs-mount-with-source.yml": ["services.cache.volumes[0].source", "a tmpfs mount has no source"],
        "drover-ulimit-soft-above-hard.yml": ["ulimit 'nofile'", "soft limit 65536 is above the hard limit 1024"],
        "drover-static-address-outside-subnet.yml": ["services.dns.networks.dns-net.ipv4_address", "outside network 'dns-net''s subnet(s) 172.20.0.0/24"],
        "drover-device-count-and-ids.yml": ["services.ollama.deploy.resources.reservations.devices[0]", "both 'count' and 'device_ids'"],
    ]

    @Test("the corpus is there, so the tests below cannot pass by running no case")
    func corpusPresent() throws {
        let invalid = try Corpus.listing("invalid")
        let real = try Corpus.listing("real")
        #expect(invalid.count >= 43, "\(Corpus.root.path)/invalid holds \(invalid.count) files")
        #expect(real.count >= 30, "\(Corpus.root.path)/real holds \(real.count) files")
        #expect(Set(invalid) == Set(Self.expected.keys), "every invalid file has an expected complaint")
    }

    @Test("an invalid file fails with its named problem", arguments: Corpus.files("invalid"))
    func invalidFileFails(file: String) throws {
        let text = try Corpus.text("invalid", file)
        let error = try #require(throws: ModelError.self) { try ComposeParser().parse(text) }
        for phrase in Self.expected[file] ?? ["(no expectation recorded)"] {
            #expect(error.description.contains(phrase), "\(file): \(error)")
        }
        #expect(error.line != nil, "\(file): the error names a line")
    }

    /// Real files Drover rejects, with the reason it must give. All others must normalise.
    static let rejected: [String: String] = [
        "30-stefanprodan-swarmprom.yml": "uses driver 'overlay', which needs a Swarm",
        "32-netbox-community-netbox-docker.yml": "env_file 'netbox.env'",
        "33-immich-app-immich.yml": "UPLOAD_LOCATION",
        "37-getsentry-self-hosted.yml": "not set",
        "40-immich-app-immich-dev.yml": "env_file '.env'",
        "42-thingsboard-thingsboard.yml": "env_file 'tb-js-executor.env'",
        "43-fixture-compose-spec-compose-go-web-stack.yml": "runs 2 replicas; only one container can hold a host port",
        "45-PostHog-posthog-hobby.yml": "'extends' from file 'docker-compose.base.yml'",
    ]

    @Test("a real file normalises or fails with a specific reason", arguments: Corpus.files("real"))
    func realFile(file: String) throws {
        let text = try Corpus.text("real", file)
        if let reason = Self.rejected[file] {
            let error = try #require(throws: ModelError.self) { try ComposeParser().parse(text) }
            #expect(error.description.contains(reason), "\(file): \(error)")
            #expect(!error.path.isEmpty, "\(file): the error names where")
        } else {
            let document = try ComposeParser().parse(text)
            #expect(!document.app.services.isEmpty)
            for (name, service) in document.app.services {
                #expect(service.image != nil || service.build != nil, "\(file): \(name)")
            }
        }
    }
}
