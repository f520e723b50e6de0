import Crypto
import DockerEngine
import DroverModel
import Foundation

/// A cluster's stack as Swarm services: each compose service of the release becomes the
/// service `NAMESPACE_NAME` that `docker stack deploy` would make, with the labels by which a
/// manager finds it again. Pure: the planner of ``ClusterMember`` compares these with what the
/// swarm runs.
enum StackServices {
    /// The label `docker stack` puts on a stack's services and networks.
    static let namespaceLabel = "com.docker.stack.namespace"
    /// The release a service's spec comes from.
    static let releaseLabel = "io.drover.release"
    /// The compose service.
    static let serviceLabel = "io.drover.service"
    /// A hash of the spec as Drover made it: the swarm rewrites specs (it pins images), so a
    /// spec is compared by this hash, not field by field.
    static let specHashLabel = "io.drover.spec-hash"

    /// The Swarm service for compose service `name` of `stack`.
    static func spec(_ name: String, _ service: ServiceSpec, stack: ClusterTarget.Stack, cluster: String) -> SwarmServiceSpec {
        let namespace = stack.namespace
        var labels = service.swarm?.labels ?? [:]
        labels[namespaceLabel] = namespace
        labels[ClusterTarget.clusterLabel] = cluster
        labels[releaseLabel] = stack.release
        labels[serviceLabel] = name
        var containerLabels = service.labels ?? [:]
        containerLabels[namespaceLabel] = namespace
        var container = SwarmServiceSpec.ContainerSpec(image: service.image ?? "")
        container.labels = containerLabels
        container.command = service.entrypoint
        container.args = service.command
        container.hostname = service.hostname
        container.env = service.environment.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } }
        container.dir = service.workingDir
        container.user = service.user
        container.groups = service.groupAdd
        container.mounts = mounts(service, namespace: namespace, volumes: stack.volumes)
        container.stopSignal = service.stopSignal
        container.stopGracePeriod = service.stopGracePeriod
        container.healthCheck = service.healthcheck.map {
            SwarmServiceSpec.HealthCheck(test: $0.test, interval: $0.interval, timeout: $0.timeout, retries: $0.retries, startPeriod: $0.startPeriod)
        }
        // compose writes extra hosts as HOST:IP, a swarm as "IP HOST".
        container.hosts = service.extraHosts?.compactMap { entry in
            guard let colon = entry.firstIndex(of: ":") else { return nil }
            return "\(entry[entry.index(after: colon)...]) \(entry[..<colon])"
        }
        if service.dns != nil || service.dnsSearch != nil {
            container.dnsConfig = SwarmServiceSpec.DNSConfig(nameservers: service.dns, search: service.dnsSearch)
        }
        container.initProcess = service.initProcess
        container.sysctls = service.sysctls
        container.capabilityAdd = service.capAdd
        container.capabilityDrop = service.capDrop
        container.readOnly = service.readOnly
        container.tty = service.tty
        container.openStdin = service.stdinOpen
        container.ulimits = service.ulimits?.sorted { $0.key < $1.key }.map { SwarmServiceSpec.Ulimit(name: $0.key, soft: $0.value.soft, hard: $0.value.hard) }
        // By object name, which carries the value's version: a new value is a new spec.
        (container.secrets, container.configs) = StackFiles.references(service, stack: stack)

        let deploy = service.swarm ?? SwarmDeploy()
        var template = SwarmServiceSpec.TaskTemplate(containerSpec: container)
        let limits = SwarmServiceSpec.Resources.Limits(
            nanoCPUs: service.cpus.map { Int64(($0 * 1e9).rounded()) }, memoryBytes: service.memoryLimit, pids: service.pidsLimit)
        let reservations = SwarmServiceSpec.Resources.Reservations(
            nanoCPUs: deploy.reservedCPUs.map { Int64(($0 * 1e9).rounded()) }, memoryBytes: service.memoryReservation)
        let noLimits = SwarmServiceSpec.Resources.Limits()
        let noReservations = SwarmServiceSpec.Resources.Reservations()
        if limits != noLimits || reservations != noReservations {
            template.resources = SwarmServiceSpec.Resources(
                limits: limits == noLimits ? nil : limits, reservations: reservations == noReservations ? nil : reservations)
        }
        template.restartPolicy = deploy.restart.map { policy in
            SwarmServiceSpec.RestartPolicy(
                condition: policy.condition.map { SwarmServiceSpec.RestartCondition(rawValue: $0) }, delay: policy.delay,
                maxAttempts: policy.maxAttempts.map { UInt64(max(0, $0)) }, window: policy.window)
        }
        if deploy.constraints != nil || deploy.spread != nil || deploy.maxReplicasPerNode != nil {
            template.placement = SwarmServiceSpec.Placement(
                constraints: deploy.constraints,
                preferences: deploy.spread?.map { SwarmServiceSpec.PlacementPreference(spread: .init(spreadDescriptor: $0)) },
                maxReplicas: deploy.maxReplicasPerNode.map { UInt64(max(0, $0)) })
        }
        template.networks = service.networks?.sorted { $0.key < $1.key }.map { network, attachment in
            SwarmServiceSpec.NetworkAttachment(
                target: networkName(network, namespace: namespace, spec: stack.networks?[network]), aliases: [name] + (attachment.aliases ?? []))
        }
        template.logDriver = service.logging.flatMap { logging in logging.driver.map { SwarmServiceSpec.LogDriver(name: $0, options: logging.options) } }

        var spec = SwarmServiceSpec(name: "\(namespace)_\(name)", labels: labels, taskTemplate: template)
        spec.mode = deploy.global == true ? .global : SwarmServiceSpec.Mode(replicated: .init(replicas: UInt64(max(0, deploy.replicas ?? 1))))
        spec.updateConfig = deploy.update.map(updateConfig)
        spec.rollbackConfig = deploy.rollback.map(updateConfig)
        if deploy.endpointMode != nil || service.ports != nil {
            spec.endpointSpec = SwarmServiceSpec.EndpointSpec(
                mode: deploy.endpointMode.map { SwarmServiceSpec.EndpointMode(rawValue: $0) },
                ports: service.ports?.map { port in
                    SwarmServiceSpec.PortConfig(
                        protocol: SwarmServiceSpec.PortProtocol(rawValue: port.protocol), targetPort: UInt32(port.target),
                        publishedPort: port.published.map { UInt32($0) }, publishMode: port.mode == "host" ? .host : .ingress)
                })
        }
        let digest = hash(spec)
        spec.labels?[specHashLabel] = digest
        return spec
    }

    /// The engine name of a stack's network: its `name:`, else `NAMESPACE_NETWORK`.
    static func networkName(_ network: String, namespace: String, spec: NetworkSpec?) -> String {
        if let name = spec?.name { return name }
        if spec?.external == true { return network }
        return "\(namespace)_\(network)"
    }

    /// The engine name of a stack's named volume (each node makes its own on first use).
    static func volumeName(_ volume: String, namespace: String, spec: VolumeSpec?) -> String {
        if let name = spec?.name { return name }
        if spec?.external == true { return volume }
        return "\(namespace)_\(volume)"
    }

    /// A hash of the spec: its canonical JSON, without the hash label itself and without the
    /// release, so a release that leaves a service as it was restarts none of its tasks.
    static func hash(_ spec: SwarmServiceSpec) -> String {
        var spec = spec
        spec.labels?[specHashLabel] = nil
        spec.labels?[releaseLabel] = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(spec)) ?? Data()
        return SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    private static func mounts(_ service: ServiceSpec, namespace: String, volumes: [String: VolumeSpec]?) -> [SwarmServiceSpec.Mount]? {
        var out: [SwarmServiceSpec.Mount] = []
        for mount in service.volumes ?? [] {
            switch mount.type {
            case .volume:
                let source = mount.source.map { volumeName($0, namespace: namespace, spec: volumes?[$0]) }
                out.append(SwarmServiceSpec.Mount(type: .volume, source: source, target: mount.target, readOnly: mount.readOnly))
            case .bind:
                out.append(SwarmServiceSpec.Mount(type: .bind, source: mount.source, target: mount.target, readOnly: mount.readOnly))
            case .tmpfs:
                out.append(
                    SwarmServiceSpec.Mount(
                        type: .tmpfs, target: mount.target, tmpfsOptions: mount.tmpfsSize.map { SwarmServiceSpec.TmpfsOptions(sizeBytes: $0) }))
            }
        }
        for entry in service.tmpfs ?? [] {
            let path = String(entry.prefix { $0 != ":" })
            out.append(SwarmServiceSpec.Mount(type: .tmpfs, target: path))
        }
        return out.isEmpty ? nil : out
    }

    private static func updateConfig(_ config: SwarmDeploy.RollingUpdate) -> SwarmServiceSpec.UpdateConfig {
        SwarmServiceSpec.UpdateConfig(
            parallelism: config.parallelism.map { UInt64(max(0, $0)) }, delay: config.delay,
            failureAction: config.failureAction.map { SwarmServiceSpec.FailureAction(rawValue: $0) }, monitor: config.monitor,
            maxFailureRatio: config.maxFailureRatio, order: config.order.map { SwarmServiceSpec.UpdateOrder(rawValue: $0) })
    }
}
