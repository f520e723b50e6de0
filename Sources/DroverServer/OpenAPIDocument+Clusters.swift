import DroverModel

/// Cluster mode in the document: people's routes to form, show and dissolve swarms, and the
/// devices' route to say what their engines know of them.
extension OpenAPIDocument {
    private typealias S = Schema

    /// The clusters' operations. Removing one comes last: the authorization matrix test calls
    /// the operations in this order, and a removed cluster is gone for the ones after it.
    static let clusterOperations: [Operation] = [
        Operation(
            method: "get", path: "/v1/clusters", id: "listClusters", summary: "The organisation's clusters (swarms formed from fleets) with their nodes",
            caller: .person(.read), responses: ["200": json("The clusters, by name", S.array("Clusters", of: S.ref("Cluster")))]),
        Operation(
            method: "post", path: "/v1/clusters", id: "createCluster",
            summary: "Form a Docker Swarm from a fleet: the managers are picked among its online devices (tagged ones first); the first forms the swarm "
                + "through its agent, the others join with tokens the server keeps sealed; the fleet's releases then run as a stack",
            caller: .person(.manageFleet), body: "CreateCluster",
            responses: [
                "201": json("The cluster, forming", S.ref("Cluster")),
                "400": error("The name, manager count (odd, 1 to 7), manager tag or heartbeat is malformed"),
                "404": error("No fleet of that name or id in your organisation"),
                "409": error("The fleet already is a cluster, the name is taken, or fewer devices are online than managers asked for"),
            ]),
        Operation(
            method: "get", path: "/v1/clusters/{cluster}", id: "showCluster",
            summary: "A cluster: its status in plain words (forming, ready, degraded, no-quorum with the recovery command) and its nodes "
                + "with role, availability, reachability, leader, engine version and device",
            caller: .person(.read), parameters: [path("cluster", "Cluster name or id")],
            responses: ["200": json("The cluster", S.ref("Cluster")), "404": error("No cluster of that name in your organisation")]),
        Operation(
            method: "get", path: "/v1/clusters/{cluster}/services", id: "clusterServices",
            summary: "The stack's services as a manager last saw them: desired and running replicas, the release of each spec, "
                + "Swarm's update state (a rollback and its reason), and where each task runs",
            caller: .person(.read), parameters: [path("cluster", "Cluster name or id")],
            responses: ["200": json("The services", S.ref("ClusterServices")), "404": error("No cluster of that name in your organisation")]),
        Operation(
            method: "get", path: "/v1/clusters/{cluster}/events", id: "clusterEvents",
            summary: "When nodes went down and came back, and when every task ran again after a node went down; newest first",
            caller: .person(.read),
            parameters: [
                path("cluster", "Cluster name or id"),
                query("limit", ["type": "integer", "minimum": 1, "maximum": 10_000, "default": 100], "How many events"),
            ],
            responses: [
                "200": json("The events", S.array("ClusterEvents", of: S.ref("ClusterEvent"))), "400": error("limit is out of range"),
                "404": error("No cluster of that name in your organisation"),
            ]),
        Operation(
            method: "delete", path: "/v1/clusters/{cluster}", id: "removeCluster",
            summary: "Dissolve a cluster: its devices leave the swarm when they next hear from the server, and the fleet's devices run its "
                + "releases as single devices again",
            caller: .person(.manageFleet), parameters: [path("cluster", "Cluster name or id")],
            responses: ["204": empty("Removed"), "404": error("No cluster of that name in your organisation")]),
    ]

    /// The device's cluster route, among the device side's operations.
    static let clusterDeviceOperation = Operation(
        method: "put", path: "/v1/device/cluster", id: "clusterReport",
        summary: "What the calling device's engine says of its swarm node; a manager adds the join tokens (once, when it formed the swarm) "
            + "and what it sees of the nodes and the stack's services",
        caller: .device, body: "ClusterMemberReport",
        responses: [
            "204": empty("Kept"), "400": error("A field is too long, a count out of range"),
            "409": error("The named cluster is not the device's fleet's (the fleet left cluster mode or the device moved)"),
        ])

    /// The clusters' schemas.
    static var clusterSchemas: [String: Value] {
        let nodeState = S.string("ready, down, disconnected, unknown; joining before the device is a node")
        let service = S.object(
            "One service of a cluster's stack, as a manager saw it", .response,
            [
                S.required("name", S.string("The compose service")),
                S.optional("release", S.string("The release its current spec comes from")),
                S.required("mode", S.oneOf("How it is scheduled", ["replicated", "global"])),
                S.required("desired", S.integer("Tasks asked for", minimum: 0)),
                S.required("running", S.integer("Tasks running", minimum: 0)),
                S.optional("image", S.string("The image its spec runs")),
                S.optional("updateState", S.string("Swarm's update state: updating, paused, completed, rollback_started, rollback_paused, rollback_completed")),
                S.optional("updateMessage", S.string("Swarm's words on the update: why it rolled back")),
                S.optional("rolledBackFrom", S.string("The release a Swarm-side rollback went back from")),
                S.optional("deployError", S.string("Why the manager could not create or update it, until it can")),
                S.required("tasks", S.array("Its tasks meant to run", of: S.ref("ClusterTask"))),
            ])
        let task = S.object(
            "One task of a stack's service", .response,
            [
                S.optional("nodeID", S.string("The swarm node it is on")), S.optional("device", S.string("That node's Drover device")),
                S.optional("deviceName", S.string("That device's name")),
                S.optional("slot", S.integer("Its slot (replicated services)", minimum: 0)),
                S.required("state", S.string("running, starting, pending, failed…")),
                S.optional("message", S.string("Why it is not running")), S.optional("release", S.string("The release of the spec it runs")),
                S.optional("since", number("When it reached its state (seconds since 1970)")),
            ])
        var schemas: [String: Value] = [
            "CreateCluster": S.object(
                "POST /v1/clusters", .request,
                [
                    S.required("name", S.name("The cluster's name, unique in the organisation")),
                    S.required("fleet", S.string("The fleet (name or id) whose devices become its nodes")),
                    S.optional(
                        "managers", S.integer("How many managers: 1, 3, 5 or 7 (default 3, or 1 when fewer devices are online)", minimum: 1, maximum: 7)),
                    S.optional("managerTag", S.string("KEY=VALUE: devices with this tag are preferred as managers")),
                    S.optional(
                        "heartbeatSeconds",
                        [
                            "type": "number", "minimum": 0.1, "maximum": 3600,
                            "description": "The dispatcher heartbeat (default 5): how soon a silent node counts as down",
                        ]),
                ]),
            "Cluster": S.object(
                "A Docker Swarm formed from a fleet", .response,
                [
                    S.required("name", S.string("Its name")), S.required("fleet", S.string("The fleet it is formed from")),
                    S.required("status", S.oneOf("In a word", ["forming", "ready", "degraded", "no-quorum", "unknown"])),
                    S.optional("detail", S.string("Plain words on the status: what is down, and what to do")),
                    S.required("managers", S.integer("Managers asked for", minimum: 1)),
                    S.required("heartbeatSeconds", number("The dispatcher heartbeat", minimum: 0)),
                    S.optional("ipvs", S.boolean("Whether every node has IPVS (the ingress routing mesh needs it)")),
                    S.required("nodes", S.array("Its nodes, and the fleet's devices that are not nodes yet", of: S.ref("ClusterNode"))),
                    S.optional("observedAt", number("When a manager last reported the swarm (seconds since 1970)")),
                    S.required("createdAt", number("When it was created (seconds since 1970)")),
                ]),
            "ClusterNode": S.object(
                "A node of a cluster", .response,
                [
                    S.optional("device", S.string("Its Drover device")), S.optional("deviceName", S.string("The device's name")),
                    S.optional("nodeID", S.string("The swarm node ID")), S.required("role", S.oneOf("Its role", ["manager", "worker"])),
                    S.required("state", nodeState), S.optional("availability", S.string("active, pause or drain")),
                    S.optional("reachability", S.string("A manager's: reachable or unreachable")), S.optional("leader", S.boolean("Whether it leads")),
                    S.optional("address", S.string("The address it advertises")), S.optional("engineVersion", S.string("The engine's version")),
                    S.optional("architecture", S.string("node.platform.arch")),
                    S.optional("labels", S.map("Its labels: the device's tags and io.drover.device", of: S.string("Value"))),
                    S.optional("downSince", number("When it went down (seconds since 1970)")),
                    S.optional("error", S.string("The engine's swarm error, e.g. a failed join")),
                ]),
            "ClusterServices": S.object(
                "A cluster's stack", .response,
                [
                    S.optional("release", S.string("The release the stack is to run")),
                    S.required("converged", S.boolean("Whether every service runs its replicas on ready nodes from the release's spec")),
                    S.required("services", S.array("The services", of: S.ref("ClusterService"))),
                ]),
            "DeviceClusterNode": S.object(
                "A device's node in its fleet's cluster (GET /v1/devices/{device} only)", .response,
                [
                    S.required("cluster", S.string("The cluster's name")), S.required("node", S.ref("ClusterNode")),
                    S.required("events", S.array("The node's newest events, newest first", of: S.ref("ClusterEvent"))),
                ]),
            "ClusterService": service,
            "ClusterTask": task,
            "ClusterEvent": S.object(
                "A node that went down or came back, or every task running again", .response,
                [
                    S.required("kind", S.oneOf("What happened", ["node-down", "node-up", "tasks-recovered"])),
                    S.optional("nodeID", S.string("The node")), S.optional("device", S.string("Its device")),
                    S.required("at", number("When (seconds since 1970)")), S.required("detail", S.string("Plain words")),
                ]),
        ]
        let observedNode = S.object(
            "One node as a manager sees it", .request,
            [
                S.required("id", S.string("Node ID")), S.optional("device", S.string("Its io.drover.device label")),
                S.required("role", S.string("manager or worker")), S.required("state", S.string("ready, down, disconnected, unknown")),
                S.required("availability", S.string("active, pause or drain")), S.optional("reachability", S.string("A manager's reachability")),
                S.optional("leader", S.boolean("Whether it leads")), S.optional("address", S.string("Its address")),
                S.optional("engineVersion", S.string("Engine version")), S.optional("architecture", S.string("node.platform.arch")),
                S.optional("labels", S.map("Its labels", of: S.string("Value"))),
            ])
        let observedTask = S.object(
            "One task, as a manager reports it", .request,
            [
                S.optional("nodeID", S.string("Node")), S.optional("device", S.string("Device")), S.optional("deviceName", S.string("Device name")),
                S.optional("slot", S.integer("Slot")),
                S.required("state", S.string("Task state")), S.optional("message", S.string("Why")), S.optional("release", S.string("Release")),
                S.optional("since", ["type": "number", "description": "Seconds since 1970"]),
            ])
        let observedService = S.object(
            "One service, as a manager reports it", .request,
            [
                S.required("name", S.string("Compose service")), S.optional("release", S.string("Release of its spec")),
                S.required("mode", S.string("replicated or global")), S.required("desired", S.integer("Tasks asked for", minimum: 0)),
                S.required("running", S.integer("Tasks running", minimum: 0)), S.optional("image", S.string("Image")),
                S.optional("updateState", S.string("Swarm's update state")), S.optional("updateMessage", S.string("Swarm's words on the update")),
                S.optional("rolledBackFrom", S.string("Release a rollback went back from")),
                S.optional("deployError", S.string("Why deploying it failed")),
                S.required("tasks", S.array("Tasks", of: observedTask)),
            ])
        schemas["ClusterMemberReport"] = S.object(
            "PUT /v1/device/cluster", .request,
            [
                S.required("cluster", S.string("The Drover cluster the device was asked to be in")),
                S.optional("nodeID", S.string("Its swarm node ID")),
                S.required("state", S.string("The engine's local node state: inactive, pending, active, error, locked")),
                S.optional("manager", S.boolean("Whether it is a manager")), S.optional("address", S.string("The address it advertises")),
                S.optional("error", S.string("The engine's swarm error")), S.optional("ipvs", S.boolean("Whether the host has IPVS")),
                S.optional("engineVersion", S.string("The engine's version")),
                S.optional(
                    "tokens",
                    S.object(
                        "The join tokens, from the manager that formed the swarm", .request,
                        [S.required("worker", S.string("For workers")), S.required("manager", S.string("For managers"))])),
                S.optional(
                    "observation",
                    S.object(
                        "What a manager sees of the swarm", .request,
                        [
                            S.required("quorum", S.boolean("Whether the managers have a leader")),
                            S.optional("error", S.string("Why not")),
                            S.required("nodes", S.array("Nodes", of: observedNode)),
                            S.required("services", S.array("The stack's services", of: observedService)),
                        ])),
            ])
        return schemas
    }
}
