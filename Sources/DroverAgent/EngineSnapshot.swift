import DockerEngine
import DroverModel

/// What the engine holds for one device's app at one moment: the planner's view of "current".
public struct EngineSnapshot: Sendable, Equatable {
    /// Containers labelled with the device and app.
    public var containers: [ObservedContainer]
    /// Networks labelled with the device and app.
    public var networks: [ObservedResource]
    /// Volumes labelled with the device and app.
    public var volumes: [ObservedResource]
    /// Engine names of external networks and volumes that exist.
    public var externalResources: Set<String>
    /// Image references present locally, with their image IDs.
    public var images: [String: String]
    /// Services holding the app's update lock (lock files in its lock directory).
    public var locks: [String]
    /// Hand-over signal files present (see ``EngineNames/handoverSignal(service:configHash:)``).
    public var handoverSignals: Set<String>
    /// Unix time of the observation, for hand-over timeouts.
    public var now: Int64
    /// Services whose secrets or configs the device cannot have now, and why: nothing of theirs
    /// is replaced, created or started until it can, so what runs keeps running.
    public var unavailable: [String: String] = [:]

    /// Creates a snapshot.
    public init(
        containers: [ObservedContainer] = [], networks: [ObservedResource] = [], volumes: [ObservedResource] = [],
        externalResources: Set<String> = [], images: [String: String] = [:], locks: [String] = [], handoverSignals: Set<String> = [],
        now: Int64 = 0
    ) {
        self.locks = locks
        self.handoverSignals = handoverSignals
        self.now = now
        self.containers = containers
        self.networks = networks
        self.volumes = volumes
        self.externalResources = externalResources
        self.images = images
    }
}

/// One container as the planner sees it.
public struct ObservedContainer: Sendable, Equatable {
    /// Engine ID.
    public var id: String
    /// Engine name.
    public var name: String
    /// Service label.
    public var service: String
    /// Config-hash label.
    public var configHash: String
    /// Which replica of the service it is, from 1 (its replica label; 1 without one, 0 when
    /// the label is unreadable, so that it counts as a replica too many).
    public var replica: Int
    /// Release label.
    public var release: String
    /// The engine's state of the container.
    public var state: API.ContainerState
    /// Its health, or nil without a health check.
    public var health: API.ContainerHealth?
    /// Exit code when exited.
    public var exitCode: Int?
    /// The image ID it runs.
    public var imageID: String
    /// The image reference it was created from.
    public var image: String
    /// Engine network names it is attached to.
    public var networks: [String]
    /// Unix creation time.
    public var created: Int64

    /// Creates an observation.
    public init(
        id: String, name: String, service: String, configHash: String, release: String, state: API.ContainerState, health: API.ContainerHealth? = nil,
        exitCode: Int? = nil, imageID: String, image: String = "", networks: [String] = [], created: Int64 = 0, replica: Int = 1
    ) {
        self.replica = replica
        self.image = image
        self.id = id
        self.name = name
        self.service = service
        self.configHash = configHash
        self.release = release
        self.state = state
        self.health = health
        self.exitCode = exitCode
        self.imageID = imageID
        self.networks = networks
        self.created = created
    }

    /// Builds an observation from a list row. Health and exit code come from the engine's
    /// status text (`Up 3 seconds (healthy)`, `Exited (0) 2 seconds ago`), which saves one
    /// inspect per container per round.
    init(summary: ContainerSummary) {
        let labels = summary.labels
        var health: API.ContainerHealth?
        if summary.status.contains("(healthy)") {
            health = .healthy
        } else if summary.status.contains("(unhealthy)") {
            health = .unhealthy
        } else if summary.status.contains("(health: starting)") {
            health = .starting
        }
        var exitCode: Int?
        if summary.status.hasPrefix("Exited ("), let close = summary.status.firstIndex(of: ")") {
            exitCode = Int(summary.status[summary.status.index(summary.status.startIndex, offsetBy: 8)..<close])
        }
        self.init(
            id: summary.id, name: summary.name, service: labels[DroverLabel.service] ?? "",
            configHash: labels[DroverLabel.configHash] ?? "", release: labels[DroverLabel.release] ?? "",
            state: API.ContainerState(engine: summary.state), health: health, exitCode: exitCode, imageID: summary.imageID, image: summary.image,
            networks: (summary.networkSettings?.networks ?? [:]).keys.sorted(), created: summary.created,
            replica: labels[DroverLabel.replica].map { Int($0) ?? 0 } ?? 1)
    }

    /// Running or about to run again.
    public var isUp: Bool { state.isUp }
}

/// A network or volume the agent created.
public struct ObservedResource: Sendable, Equatable {
    /// Engine name.
    public var engineName: String
    /// The document's name (label).
    public var name: String
    /// The config-hash label of a network; nil on volumes and on networks an agent made before
    /// networks carried one.
    public var configHash: String?
    /// What the engine says of a network's settings, for adopting one without a config hash.
    public var settings: ObservedNetworkSettings?

    /// Creates an observation.
    public init(engineName: String, name: String, configHash: String? = nil, settings: ObservedNetworkSettings? = nil) {
        self.engineName = engineName
        self.name = name
        self.configHash = configHash
        self.settings = settings
    }

    /// Whether this network was made from `spec`: its config hash says so, or, made by an agent
    /// before networks carried one, what the engine shows of it agrees with `spec`. Such an
    /// agent could not set `ipam`, labels it knew were set as they are now, and the engine
    /// cannot show every driver option it applied, so the comparison keeps to what both sides
    /// know: driver, internal, attachable, IPv6 and any declared subnets.
    public func matches(_ spec: NetworkSpec) -> Bool {
        if let configHash { return configHash == spec.configHash }
        return settings?.matches(spec) ?? true
    }
}

/// The settings of a network as the engine lists them.
public struct ObservedNetworkSettings: Sendable, Equatable {
    /// Driver.
    public var driver: String
    /// No outside access.
    public var `internal`: Bool
    /// Standalone containers may attach.
    public var attachable: Bool
    /// IPv6.
    public var enableIPv6: Bool
    /// Subnets of its address pools.
    public var subnets: [String]

    /// Creates settings.
    public init(driver: String = "bridge", internal: Bool = false, attachable: Bool = false, enableIPv6: Bool = false, subnets: [String] = []) {
        self.driver = driver
        self.internal = `internal`
        self.attachable = attachable
        self.enableIPv6 = enableIPv6
        self.subnets = subnets
    }

    /// Agrees with `spec` in all it shows; subnets count only when `spec` declares some (the
    /// engine picks one otherwise).
    func matches(_ spec: NetworkSpec) -> Bool {
        let declared = (spec.ipam?.config ?? []).compactMap(\.subnet)
        return driver == (spec.driver ?? "bridge") && `internal` == (spec.internal ?? false) && attachable == (spec.attachable ?? false)
            && enableIPv6 == (spec.enableIPv6 ?? false) && (declared.isEmpty || Set(declared) == Set(subnets))
    }
}

extension DockerClient {
    /// Reads what the engine holds for `device`'s `app`, and which of `imageReferences` are present.
    public func snapshot(
        device: DeviceIdentity, app: String, imageReferences: Set<String>, externalNetworks: Set<String> = [],
        externalVolumes: Set<String> = []
    ) async throws(DockerError) -> EngineSnapshot {
        let filter = device.labelFilter(app: app)
        do {
            async let containers = listContainers(all: true, filters: filter)
            async let networks = listNetworks(filters: filter)
            async let volumes = listVolumes(filters: filter)
            let images = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                for reference in imageReferences {
                    group.addTask { (reference, try await self.inspectImage(reference)?.id) }
                }
                var found: [String: String] = [:]
                for try await (reference, id) in group { if let id { found[reference] = id } }
                return found
            }
            var external: Set<String> = []
            if !externalNetworks.isEmpty {
                let all = try await listNetworks()
                external.formUnion(all.map(\.name).filter(externalNetworks.contains))
            }
            for name in externalVolumes where try await inspectVolume(name) != nil {
                external.insert(name)
            }
            return EngineSnapshot(
                containers: try await containers.map(ObservedContainer.init(summary:)),
                networks: try await networks.map { network in
                    let settings = ObservedNetworkSettings(
                        driver: network.driver ?? "bridge", internal: network.internal ?? false, attachable: network.attachable ?? false,
                        enableIPv6: network.enableIPv6 ?? false, subnets: (network.ipam?.config ?? []).compactMap(\.subnet))
                    return ObservedResource(
                        engineName: network.name, name: network.labels?[DroverLabel.resourceName] ?? network.name,
                        configHash: network.labels?[DroverLabel.configHash], settings: settings)
                },
                volumes: try await volumes.map { ObservedResource(engineName: $0.name, name: $0.labels?[DroverLabel.resourceName] ?? $0.name) },
                externalResources: external, images: images)
        } catch let error as DockerError {
            throw error
        } catch {
            throw DockerError(.badResponse, "reading the engine's state failed", cause: error)
        }
    }
}
