import Crypto
import Foundation

/// What one device should run: apps by name, each a release of normalised services.
///
/// This is the document the server serves at `GET /v1/device/state` and that
/// `drover-agent apply --target FILE` reads. Its JSON form is documented in the README.
public struct TargetState: Codable, Sendable, Equatable {
    /// Apps by name.
    public var apps: [String: AppTarget]
    /// The device's own settings: the `DROVER_*` variables set for its fleet or for it (not
    /// for one service), the device's value winning, e.g. `DROVER_METRICS_INTERVAL`. Left out
    /// when there are none, so a target without them reads as before.
    public var config: [String: String]?
    /// The swarm this device is a node of, for a fleet in cluster mode; such a device runs its
    /// fleet's release as a Swarm stack instead of `apps`.
    public var cluster: ClusterTarget?

    /// Creates a target.
    public init(apps: [String: AppTarget], config: [String: String]? = nil, cluster: ClusterTarget? = nil) {
        self.apps = apps
        self.config = config
        self.cluster = cluster
    }

    /// Decodes a target document, naming what is wrong when it does not fit.
    public static func decode(from data: Data) throws(ModelError) -> TargetState {
        let target: TargetState
        do {
            target = try JSONDecoder().decode(TargetState.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ModelError(.missing, at: Self.path(context.codingPath + [key]), "required key '\(key.stringValue)' is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ModelError(.invalidValue, at: Self.path(context.codingPath), context.debugDescription)
        } catch let DecodingError.dataCorrupted(context) {
            throw ModelError(.syntax, at: Self.path(context.codingPath), "not valid target JSON: \(context.debugDescription)")
        } catch {
            throw ModelError(.syntax, at: "", "not valid target JSON: \(error)")
        }
        for (name, app) in target.apps {
            try app.validate(name: name)
        }
        try target.cluster?.validate()
        return target
    }

    /// The canonical JSON encoding (sorted keys), so equal targets have equal bytes.
    public func canonicalJSON() -> Data {
        Canonical.encode(self)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

/// One app on a device: which release, and what it runs.
public struct AppTarget: Codable, Sendable, Equatable {
    /// The release's id (any string the server chose; `local` for apply from a file).
    public var release: String
    /// Services by name.
    public var services: [String: ServiceSpec]
    /// Networks by the document's name.
    public var networks: [String: NetworkSpec]?
    /// Named volumes by the document's name.
    public var volumes: [String: VolumeSpec]?
    /// Secrets by the document's name, each with the version of its value.
    public var secrets: [String: AppFile]?
    /// Configs by the document's name, each with the version of its value.
    public var configs: [String: AppFile]?
    /// Restart requests: service name (or `*` for every service) to a counter the server
    /// raises on each `drover device restart`. It is part of the config hash, so a raised
    /// counter recreates the container through the ordinary update path.
    public var restarts: [String: Int]?
    /// Services that must not run (`drover device stop`); their containers are stopped, not removed.
    public var stopped: [String]?
    /// Raised by `drover device purge`: the agent removes the app and its volumes once per raise.
    public var purges: Int?
    /// Raised by `drover device update --force`: the agent applies the target once even while
    /// a service holds the update lock.
    public var forcedUpdates: Int?
    /// Raised by `drover device retry`: the agent tries again a release it rolled back.
    public var retries: Int?

    /// Creates an app target.
    public init(release: String, services: [String: ServiceSpec], networks: [String: NetworkSpec]? = nil, volumes: [String: VolumeSpec]? = nil) {
        self.release = release
        self.services = services
        self.networks = networks
        self.volumes = volumes
    }

    /// Creates an app target from a parsed compose document.
    public init(release: String, app: AppSpec) {
        self.init(release: release, services: app.services, networks: app.networks, volumes: app.volumes)
        secrets = app.secrets
        configs = app.configs
    }

    /// Checks what the agent needs and a hand-written target might lack, and every number
    /// against what the engine accepts: a target arrives as JSON and may carry anything.
    public func validate(name: String) throws(ModelError) {
        guard !name.isEmpty, name != ".", name != "..", name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else {
            throw ModelError(.invalidValue, at: "apps", "app name '\(name)' must use only letters, digits, '.', '_' and '-', and be neither '.' nor '..'")
        }
        // Names and versions of secrets and configs name files on the device's tmpfs.
        for kind in AppFileKind.allCases {
            for (file, definition) in files(kind) {
                let path = "apps.\(name).\(kind.section).\(file)"
                try ComposeParser.validateResourceName(file, kind: kind.rawValue, at: path, line: nil)
                if let version = definition.version,
                    version.isEmpty || version.count > 64 || !version.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
                {
                    throw ModelError(.invalidValue, at: "\(path).version", "version '\(version)' must be 1-64 letters and digits")
                }
            }
        }
        guard services.count <= API.Limits.reportedServices else {
            throw ModelError(
                .tooLarge, at: "apps.\(name).services", "the app has \(services.count) services; an app holds at most \(API.Limits.reportedServices)")
        }
        var counters: [(String, Int)] = [("purges", purges ?? 0), ("forcedUpdates", forcedUpdates ?? 0), ("retries", retries ?? 0)]
        counters += (restarts ?? [:]).map { ("restarts.\($0.key)", $0.value) }
        for (key, value) in counters where value < 0 {
            throw ModelError(.invalidValue, at: "apps.\(name).\(key)", "the counter is \(value); counters start at 0 and only grow")
        }
        for (service, spec) in services {
            try ComposeParser.validateServiceName(service, line: nil)
            try spec.validate(at: "apps.\(name).services.\(service)")
            _ = try UpdatePolicy(labels: spec.labels, service: service, path: "apps.\(name).services.\(service).labels")
            guard spec.image != nil else {
                throw ModelError(
                    .missing, at: "apps.\(name).services.\(service).image",
                    "service '\(service)' has no image; Drover runs images: build and push it, then name it under 'image'")
            }
            for network in (spec.networks ?? [:]).keys where networks?[network] == nil {
                throw ModelError(
                    .undeclared, at: "apps.\(name).services.\(service).networks",
                    "service '\(service)' joins network '\(network)', which the app does not declare")
            }
            for mount in spec.volumes ?? [] where mount.type == .volume {
                if let source = mount.source, volumes?[source] == nil {
                    throw ModelError(
                        .undeclared, at: "apps.\(name).services.\(service).volumes",
                        "service '\(service)' mounts volume '\(source)', which the app does not declare")
                }
            }
            for kind in AppFileKind.allCases {
                for (index, mount) in kind.mounts(of: spec).enumerated() {
                    let path = "apps.\(name).services.\(service).\(kind.section)[\(index)]"
                    try mount.validate(kind: kind, at: path)
                    guard files(kind)[mount.source] != nil else {
                        throw ModelError(
                            .undeclared, at: path, "service '\(service)' uses \(kind.rawValue) '\(mount.source)', which the app does not declare")
                    }
                }
            }
            for dependency in (spec.dependsOn ?? [:]).keys where services[dependency] == nil {
                throw ModelError(
                    .undeclared, at: "apps.\(name).services.\(service).depends_on", "service '\(service)' depends on '\(dependency)', which is not defined")
            }
        }
        for (network, spec) in (networks ?? [:]).sorted(by: { $0.key < $1.key }) {
            try spec.validate(name: network, at: "apps.\(name).networks.\(network)")
        }
        try StaticAddresses.check(services: services, networks: networks ?? [:], path: { "apps.\(name).services.\($0)" }) { _, _ in nil }
        if let cycle = ComposeParser.findCycle(services) {
            throw ModelError(.dependencyCycle, at: "apps.\(name).services", "dependency cycle: \(cycle.joined(separator: " -> "))")
        }
    }

    /// The hash that decides whether a service's container must be recreated: the service's
    /// spec plus the specs of the networks and volumes it uses, canonically encoded.
    public func configHash(of service: String) -> String {
        struct Hashed: Encodable {
            var service: ServiceSpec?
            var networks: [String: NetworkSpec]
            var volumes: [String: VolumeSpec]
            var restarts: Int?
            var secrets: [String: String]?
            var configs: [String: String]?
        }
        // The replica count is not the containers' configuration: scaling adds or removes
        // containers and leaves the running ones alone.
        var spec = services[service]
        spec?.replicas = nil
        var usedNetworks: [String: NetworkSpec] = [:]
        for name in (spec?.networks ?? [:]).keys { usedNetworks[name] = networks?[name] ?? NetworkSpec() }
        var usedVolumes: [String: VolumeSpec] = [:]
        for mount in spec?.volumes ?? [] where mount.type == .volume {
            if let source = mount.source { usedVolumes[source] = volumes?[source] ?? VolumeSpec() }
        }
        // Wrapping: two huge counters from a hand-made target must not trap the agent.
        let restartCount = (restarts?[service] ?? 0) &+ (restarts?["*"] ?? 0)
        // A secret's or config's new value recreates exactly the services that mount it.
        func versions(_ kind: AppFileKind) -> [String: String]? {
            let used = Dictionary(kind.mounts(of: spec ?? ServiceSpec(image: nil)).map { ($0.source, files(kind)[$0.source]?.version ?? "") }) { a, _ in a }
            return used.isEmpty ? nil : used
        }
        let hashed = Hashed(
            service: spec, networks: usedNetworks, volumes: usedVolumes, restarts: restartCount == 0 ? nil : restartCount, secrets: versions(.secret),
            configs: versions(.config))
        let digest = SHA256.hash(data: Canonical.encode(hashed))
        return digest.hexString
    }

    /// The app's health window: the longest of its services'.
    public var healthWindow: Double {
        services.values.map(\.updatePolicy.healthWindow).max() ?? UpdatePolicy.defaultHealthWindow
    }

    /// Services in an order where each comes after what it depends on (ties by name).
    public func startOrder() -> [String] {
        var order: [String] = []
        var placed: Set<String> = []
        var remaining = services.keys.sorted()
        while !remaining.isEmpty {
            let ready = remaining.filter { name in (services[name]?.dependsOn ?? [:]).keys.allSatisfy { placed.contains($0) || services[$0] == nil } }
            // A cycle cannot reach here (validate rejects it), but never loop forever on bad input.
            let next = ready.isEmpty ? [remaining[0]] : ready
            order += next
            placed.formUnion(next)
            remaining.removeAll { placed.contains($0) }
        }
        return order
    }
}

/// Canonical JSON: sorted keys, no escaping of slashes, so that hashes are stable.
public enum Canonical {
    /// Encodes with sorted keys.
    public static func encode<Value: Encodable>(_ value: Value) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every type here is plain data; encoding cannot fail, but never crash if it did.
        return (try? encoder.encode(value)) ?? Data()
    }
}

/// The labels Drover puts on everything it creates.
public enum DroverLabel {
    /// The device that owns the object; the agent touches nothing without its own value here.
    public static let device = "io.drover.device"
    /// The app.
    public static let app = "io.drover.app"
    /// The service (containers only).
    public static let service = "io.drover.service"
    /// The release the object was created for.
    public static let release = "io.drover.release"
    /// The config hash of a container (its service) or of a network.
    public static let configHash = "io.drover.config-hash"
    /// Which replica of its service a container is, from 1 (containers only); a container
    /// without it, made by an agent before replicas, is replica 1.
    public static let replica = "io.drover.replica"
    /// The document's name of a network or volume.
    public static let resourceName = "io.drover.name"
    /// The update strategy label a service may carry.
    public static let updateStrategy = "io.drover.update.strategy"
    /// How long a hand-over waits for the new container's signal (a compose duration).
    public static let handoverTimeout = "io.drover.update.handover-timeout"
    /// How long after an update the agent watches health before calling the release good.
    public static let healthWindow = "io.drover.update.health-window"
}
