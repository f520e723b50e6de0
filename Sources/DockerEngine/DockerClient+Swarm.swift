import Logging
import NIOCore

extension DockerClient {
    // MARK: - Swarm

    /// `POST /swarm/init`: makes this engine the first manager of a new swarm; returns its node ID.
    public func swarmInit(_ request: SwarmInitRequest) async throws(DockerError) -> String {
        try await send(String.self, .POST, "/swarm/init", body: Self.encode(request))
    }

    /// `POST /swarm/join`: joins the swarm whose managers are at `request.remoteAddrs`.
    public func swarmJoin(_ request: SwarmJoinRequest) async throws(DockerError) {
        _ = try await send(.POST, "/swarm/join", body: Self.encode(request))
    }

    /// `POST /swarm/leave`. A manager refuses unless `force` (leaving may cost the swarm its
    /// quorum). Fails with ``DockerError/isNotInSwarm`` when the engine is in no swarm.
    public func swarmLeave(force: Bool) async throws(DockerError) {
        _ = try await send(.POST, "/swarm/leave", query: [("force", force ? "true" : "false")])
    }

    /// `GET /swarm`: answered by managers only (``DockerError/isNotManager`` elsewhere).
    public func swarmInspect() async throws(DockerError) -> SwarmInfo {
        try await send(SwarmInfo.self, .GET, "/swarm")
    }

    /// `POST /swarm/update`; `version` is ``SwarmInfo/version`` as read, so that a concurrent
    /// change fails with ``DockerError/isOutOfSequence`` instead of being overwritten.
    public func swarmUpdate(version: UInt64, spec: SwarmSpec) async throws(DockerError) {
        _ = try await send(.POST, "/swarm/update", query: [("version", String(version))], body: Self.encode(spec))
    }

    // MARK: - Nodes

    /// `GET /nodes` (managers only).
    public func nodes() async throws(DockerError) -> [SwarmNode] {
        try await send([SwarmNode].self, .GET, "/nodes")
    }

    /// `POST /nodes/{id}/update`: replaces the node's spec (role, availability, labels).
    public func updateNode(id: String, version: UInt64, spec: SwarmNode.Spec) async throws(DockerError) {
        _ = try await send(
            .POST, "/nodes/\(Self.percentEncodeQuery(id))/update", query: [("version", String(version))], body: Self.encode(spec))
    }

    /// `DELETE /nodes/{id}`: a node that is still up is refused unless `force`.
    public func removeNode(id: String, force: Bool) async throws(DockerError) {
        _ = try await send(.DELETE, "/nodes/\(Self.percentEncodeQuery(id))", query: [("force", force ? "true" : "false")])
    }

    // MARK: - Services

    /// `GET /services` with task counts, optionally only those with `label` (`key` or `key=value`).
    public func services(label: String? = nil) async throws(DockerError) -> [SwarmService] {
        var query = [("status", "true")]
        if let label { query.append(("filters", Self.filters(["label": [label]]))) }
        return try await send([SwarmService].self, .GET, "/services", query: query)
    }

    /// `POST /services/create`; returns the service ID. `registryAuth` is the `X-Registry-Auth`
    /// value, as for ``pullImage(_:platform:registryAuth:timeout:progress:)``; the swarm hands
    /// it to the nodes that pull the image.
    public func createService(_ spec: SwarmServiceSpec, registryAuth: String?) async throws(DockerError) -> String {
        let buffer = try await send(.POST, "/services/create", body: Self.encode(spec), headers: Self.registryAuthHeader(registryAuth))
        let created = try Self.decode(ServiceWriteResponse.self, from: buffer, context: "POST /services/create")
        guard let id = created.id else {
            throw DockerError(.badResponse, "POST /services/create: the engine's answer has no service ID")
        }
        logWarnings(created.warnings, service: spec.name ?? id)
        return id
    }

    /// `POST /services/{id}/update`: replaces the service's spec. `version` is
    /// ``SwarmService/version`` as read; a stale one fails with ``DockerError/isOutOfSequence``.
    /// The engine's warnings (e.g. an image whose digest it could not resolve) are logged.
    public func updateService(id: String, version: UInt64, spec: SwarmServiceSpec, registryAuth: String?) async throws(DockerError) {
        let buffer = try await send(
            .POST, "/services/\(Self.percentEncodeQuery(id))/update", query: [("version", String(version))], body: Self.encode(spec),
            headers: Self.registryAuthHeader(registryAuth))
        let answer = try Self.decode(ServiceWriteResponse.self, from: buffer, context: "POST /services/\(id)/update")
        logWarnings(answer.warnings, service: spec.name ?? id)
    }

    /// `DELETE /services/{id}`; a service already gone is not an error.
    public func removeService(id: String) async throws(DockerError) {
        do {
            _ = try await send(.DELETE, "/services/\(Self.percentEncodeQuery(id))")
        } catch  where error.isNotFound {
            return
        }
    }

    // MARK: - Tasks

    /// `GET /tasks`, optionally only those of `service` (name or ID). Finished tasks are listed
    /// too, up to the swarm's task history limit; filter on ``SwarmTask/desiredState``.
    public func tasks(service: String? = nil) async throws(DockerError) -> [SwarmTask] {
        var query: [(String, String)] = []
        if let service { query.append(("filters", Self.filters(["service": [service]]))) }
        return try await send([SwarmTask].self, .GET, "/tasks", query: query)
    }

    private struct ServiceWriteResponse: Decodable {
        var id: String?
        var warnings: [String]?
        enum CodingKeys: String, CodingKey { case id = "ID", warnings = "Warnings" }
    }

    private static func registryAuthHeader(_ registryAuth: String?) -> [(String, String)] {
        registryAuth.map { [("X-Registry-Auth", $0)] } ?? []
    }

    private func logWarnings(_ warnings: [String]?, service: String) {
        for warning in warnings ?? [] {
            logger.info("engine warning", metadata: ["service": "\(service)", "warning": "\(warning)"])
        }
    }
}

extension DockerError {
    // dockerd 20.10 answers these with the statuses below; the message tells them apart from
    // other failures with the same status.

    /// The engine is not a swarm manager (HTTP 503): it is a worker, or in no swarm at all.
    public var isNotManager: Bool { status == 503 && message.contains("not a swarm manager") }
    /// The swarm has lost its raft quorum (HTTP 503): managers cannot elect a leader.
    public var isNoLeader: Bool { status == 503 && message.contains("does not have a leader") }
    /// The engine is in no swarm (HTTP 503 to `POST /swarm/leave`).
    public var isNotInSwarm: Bool { status == 503 && message.contains("not part of a swarm") }
    /// An update carried a version older than the object's (a concurrent change came first).
    /// dockerd 20.10 answers it with HTTP 500 (`rpc error: … update out of sequence`), newer
    /// engines with 409, so only the message is checked.
    public var isOutOfSequence: Bool { status != nil && message.contains("update out of sequence") }
}
