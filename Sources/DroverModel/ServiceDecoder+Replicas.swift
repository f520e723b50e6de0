import Foundation

/// How many containers of a service a device runs: `deploy.replicas` or `scale`, as
/// `docker compose up` reads them, and what several containers of one service cannot share.
extension ServiceDecoder {
    /// A replica count the document gives under `key` (`scale`, `deploy.replicas`), range-checked.
    func replicaCount(_ value: YAMLValue, key: String, path: String) throws(ModelError) -> Int {
        let count = try ComposeValues.int(value, path: path)
        try ServiceLimits.checkReplicas(count, key: key, at: path, line: value.line)
        return count
    }

    /// Settles the service's replica count from `scale` and `deploy.replicas` (compose refuses
    /// two distinct values), and refuses a `container_name` on more than one container.
    func applyReplicas(scale: Int?, deploy: DeploySettings, to spec: inout ServiceSpec, node: YAMLValue) throws(ModelError) {
        if let scale, let replicas = deploy.replicas, scale != replicas {
            throw ModelError(
                .invalidValue, at: "\(prefix).scale", line: node["scale"]?.line,
                "service '\(name)' sets 'scale' to \(scale) and 'deploy.replicas' to \(replicas); compose refuses distinct values, so set the count in one place"
            )
        }
        if deploy.global, let count = scale ?? deploy.replicas, count != 1 {
            throw ModelError(
                .invalidValue, at: "\(prefix).deploy.mode", line: deploy.globalLine,
                "service '\(name)' is global (one container per device) and asks for \(count) replicas; drop one of the two")
        }
        guard let count = scale ?? deploy.replicas else { return }
        let key = scale != nil ? "scale" : "deploy.replicas"
        let line = scale != nil ? node["scale"]?.line : deploy.replicasLine
        if count > 1, let containerName {
            throw ModelError(
                .invalidValue, at: "\(prefix).container_name", line: node["container_name"]?.line ?? line,
                "service '\(name)' sets 'container_name' to '\(containerName)' and '\(key)' to \(count); one fixed name cannot be given to \(count) containers (compose refuses this too): drop container_name or run one replica"
            )
        }
        spec.replicas = count == 1 ? nil : count
        try spec.checkReplicatedResources(at: prefix, line: line)
    }
}

extension ServiceSpec {
    /// Several containers of one service cannot hold the same host port or static address: the
    /// second would fail to start. `line` is where the replica count was given, if known.
    func checkReplicatedResources(at path: String, line: Int? = nil) throws(ModelError) {
        guard replicaCount > 1 else { return }
        if let port = ports?.first(where: { $0.published != nil }), let published = port.published {
            throw ModelError(
                .invalidValue, at: "\(path).ports", line: line,
                "the service publishes host port \(published) and runs \(replicaCount) replicas; only one container can hold a host port: publish the container port alone ('\(port.target)') to give each replica a free host port, or run one replica"
            )
        }
        for (network, attachment) in (networks ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let address = attachment.ipv4Address else { continue }
            throw ModelError(
                .invalidValue, at: "\(path).networks.\(network).ipv4_address", line: line,
                "the service has the fixed address \(address) on network '\(network)' and runs \(replicaCount) replicas; only one container can hold an address: drop ipv4_address or run one replica"
            )
        }
    }
}
