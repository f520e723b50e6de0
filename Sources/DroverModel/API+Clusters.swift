extension API {
    /// `POST /v1/clusters`: forms a Docker Swarm from a fleet's devices.
    public struct CreateCluster: Codable, Sendable, Equatable {
        /// The cluster's name, unique in the organisation.
        public var name: String
        /// The fleet whose devices become the swarm's nodes.
        public var fleet: String
        /// How many managers (odd: 1, 3, 5 or 7); default 3, or 1 when fewer devices are online.
        public var managers: Int?
        /// A tag `key=value` that marks the devices to prefer as managers.
        public var managerTag: String?
        /// The dispatcher heartbeat in seconds (Swarm's default 5): how soon a silent node is
        /// taken for down and its tasks moved.
        public var heartbeatSeconds: Double?

        /// Creates a request.
        public init(name: String, fleet: String, managers: Int? = nil, managerTag: String? = nil, heartbeatSeconds: Double? = nil) {
            self.name = name
            self.fleet = fleet
            self.managers = managers
            self.managerTag = managerTag
            self.heartbeatSeconds = heartbeatSeconds
        }
    }

    /// A cluster as `drover cluster show` shows it.
    public struct Cluster: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// The fleet it is formed from.
        public var fleet: String
        /// `forming` until every device is a node, `ready`, `degraded` (a node down),
        /// `no-quorum` (the managers lost their majority) or `unknown` (no manager heard lately).
        public var status: String
        /// Plain words on the status: what is down, and what to do about it.
        public var detail: String?
        /// The managers asked for.
        public var managers: Int
        /// The dispatcher heartbeat, in seconds.
        public var heartbeatSeconds: Double
        /// Whether the nodes have IPVS (Swarm's ingress routing mesh and VIPs need it); nil
        /// until the devices have said.
        public var ipvs: Bool?
        /// The swarm's nodes, one per device, with devices that are not nodes yet.
        public var nodes: [ClusterNode]
        /// When a manager last told the server about the swarm (seconds since 1970).
        public var observedAt: Double?
        /// When it was created (seconds since 1970).
        public var createdAt: Double

        /// Creates a cluster view.
        public init(
            name: String, fleet: String, status: String, detail: String? = nil, managers: Int, heartbeatSeconds: Double, ipvs: Bool? = nil,
            nodes: [ClusterNode], observedAt: Double? = nil, createdAt: Double
        ) {
            self.name = name
            self.fleet = fleet
            self.status = status
            self.detail = detail
            self.managers = managers
            self.heartbeatSeconds = heartbeatSeconds
            self.ipvs = ipvs
            self.nodes = nodes
            self.observedAt = observedAt
            self.createdAt = createdAt
        }
    }

    /// One node of a cluster, or a device of the fleet that is not a node yet.
    public struct ClusterNode: Codable, Sendable, Equatable {
        /// The Drover device (UUID), when the node is one of the fleet's.
        public var device: String?
        /// The device's name.
        public var deviceName: String?
        /// The swarm node ID; nil while the device has not joined.
        public var nodeID: String?
        /// `manager` or `worker`: what Drover asked for.
        public var role: String
        /// `ready`, `down`, `disconnected`, `unknown`, or `joining` before the node exists.
        public var state: String
        /// `active`, `pause` or `drain`.
        public var availability: String?
        /// A manager's reachability: `reachable` or `unreachable`.
        public var reachability: String?
        /// Whether it leads the managers.
        public var leader: Bool?
        /// The address it advertises.
        public var address: String?
        /// The engine's version.
        public var engineVersion: String?
        /// Its architecture, as Swarm's `node.platform.arch`.
        public var architecture: String?
        /// The node's labels (the device's tags and Drover's own).
        public var labels: [String: String]?
        /// When it last went down (seconds since 1970), if it has.
        public var downSince: Double?
        /// An error the device's engine reports about the swarm (a failed join).
        public var error: String?

        /// Creates a node view.
        public init(device: String? = nil, deviceName: String? = nil, nodeID: String? = nil, role: String, state: String) {
            self.device = device
            self.deviceName = deviceName
            self.nodeID = nodeID
            self.role = role
            self.state = state
        }
    }

    /// A device's node, as its device view shows it.
    public struct DeviceClusterNode: Codable, Sendable, Equatable {
        /// The cluster's name.
        public var cluster: String
        /// The node.
        public var node: ClusterNode
        /// The node's newest events (down, back), newest first.
        public var events: [ClusterEvent]

        /// Creates a device's node view.
        public init(cluster: String, node: ClusterNode, events: [ClusterEvent]) {
            self.cluster = cluster
            self.node = node
            self.events = events
        }
    }

    /// `GET /v1/clusters/{name}/services`: the stack's services.
    public struct ClusterServices: Codable, Sendable, Equatable {
        /// The release the stack is to run.
        public var release: String?
        /// Whether every service runs its replicas on the release's image.
        public var converged: Bool
        /// The services.
        public var services: [ClusterService]

        /// Creates a list.
        public init(release: String?, converged: Bool, services: [ClusterService]) {
            self.release = release
            self.converged = converged
            self.services = services
        }
    }

    /// One service of a cluster's stack, as a manager saw it.
    public struct ClusterService: Codable, Sendable, Equatable {
        /// The compose service's name.
        public var name: String
        /// The release its current spec comes from.
        public var release: String?
        /// `replicated` or `global`.
        public var mode: String
        /// Tasks asked for.
        public var desired: Int
        /// Tasks running.
        public var running: Int
        /// The image its spec runs.
        public var image: String?
        /// Swarm's update state: `updating`, `paused`, `completed`, `rollback_started`,
        /// `rollback_paused` or `rollback_completed`.
        public var updateState: String?
        /// Swarm's words on the update (why it rolled back).
        public var updateMessage: String?
        /// The release a Swarm-side rollback went back from, while the service's update state
        /// says it rolled back.
        public var rolledBackFrom: String?
        /// Why the manager could not create or update the service, until it can (the engine's
        /// words, e.g. an image it cannot resolve).
        public var deployError: String?
        /// Its tasks that are meant to run.
        public var tasks: [ClusterTask]

        /// Creates a service view.
        public init(
            name: String, release: String?, mode: String, desired: Int, running: Int, image: String?, updateState: String? = nil,
            updateMessage: String? = nil, tasks: [ClusterTask]
        ) {
            self.name = name
            self.release = release
            self.mode = mode
            self.desired = desired
            self.running = running
            self.image = image
            self.updateState = updateState
            self.updateMessage = updateMessage
            self.tasks = tasks
        }
    }

    /// One task of a service.
    public struct ClusterTask: Codable, Sendable, Equatable {
        /// The swarm node it is on.
        public var nodeID: String?
        /// The Drover device of that node, when the server knows it.
        public var device: String?
        /// That device's name.
        public var deviceName: String?
        /// The task's slot (replicated services).
        public var slot: Int?
        /// `running`, `starting`, `pending`, `failed`…
        public var state: String
        /// Why it is not running, in the engine's words.
        public var message: String?
        /// The release of the spec it runs.
        public var release: String?
        /// When it reached its state (seconds since 1970).
        public var since: Double?

        /// Creates a task view.
        public init(nodeID: String?, device: String? = nil, slot: Int?, state: String, message: String? = nil, release: String? = nil, since: Double? = nil) {
            self.nodeID = nodeID
            self.device = device
            self.slot = slot
            self.state = state
            self.message = message
            self.release = release
            self.since = since
        }
    }

    /// `PUT /v1/device/cluster`: what a device's engine says about its swarm. Every member
    /// sends its own facts; a manager also sends the join tokens when its target asks it to
    /// form the swarm, and what it sees of the whole swarm.
    public struct ClusterMemberReport: Codable, Sendable, Equatable {
        /// The Drover cluster the device was asked to be in.
        public var cluster: String
        /// Its swarm node ID, once it is a node.
        public var nodeID: String?
        /// The engine's local node state: `inactive`, `pending`, `active`, `error` or `locked`.
        public var state: String
        /// Whether the node is a manager (`ControlAvailable`).
        public var manager: Bool?
        /// The address the node advertises.
        public var address: String?
        /// The engine's swarm error, e.g. a failed join.
        public var error: String?
        /// Whether the host has IPVS (the ingress routing mesh needs it).
        public var ipvs: Bool?
        /// The engine's version.
        public var engineVersion: String?
        /// The join tokens, from the manager that formed the swarm.
        public var tokens: ClusterJoinTokens?
        /// What a manager sees of the swarm.
        public var observation: ClusterObservation?

        /// Creates a report.
        public init(cluster: String, nodeID: String? = nil, state: String, manager: Bool? = nil, address: String? = nil, error: String? = nil) {
            self.cluster = cluster
            self.nodeID = nodeID
            self.state = state
            self.manager = manager
            self.address = address
            self.error = error
        }
    }

    /// A swarm's join tokens; the server keeps them sealed and hands each device only its own.
    public struct ClusterJoinTokens: Codable, Sendable, Equatable {
        /// For workers.
        public var worker: String
        /// For managers.
        public var manager: String

        /// Creates tokens.
        public init(worker: String, manager: String) {
            self.worker = worker
            self.manager = manager
        }
    }

    /// A manager's view of the whole swarm.
    public struct ClusterObservation: Codable, Sendable, Equatable {
        /// Whether the managers have a leader; false when the majority is lost.
        public var quorum: Bool
        /// Why not, in the engine's words.
        public var error: String?
        /// The nodes.
        public var nodes: [ObservedNode]
        /// The stack's services.
        public var services: [ClusterService]

        /// Creates an observation.
        public init(quorum: Bool, error: String? = nil, nodes: [ObservedNode], services: [ClusterService]) {
            self.quorum = quorum
            self.error = error
            self.nodes = nodes
            self.services = services
        }
    }

    /// One node as a manager sees it.
    public struct ObservedNode: Codable, Sendable, Equatable {
        /// Node ID.
        public var id: String
        /// The Drover device it belongs to (its `io.drover.device` label).
        public var device: String?
        /// `manager` or `worker`.
        public var role: String
        /// `ready`, `down`, `disconnected` or `unknown`.
        public var state: String
        /// `active`, `pause` or `drain`.
        public var availability: String
        /// A manager's reachability.
        public var reachability: String?
        /// Whether it leads.
        public var leader: Bool?
        /// Its address.
        public var address: String?
        /// Engine version.
        public var engineVersion: String?
        /// `node.platform.arch`.
        public var architecture: String?
        /// Its labels.
        public var labels: [String: String]?

        /// Creates a node.
        public init(id: String, device: String?, role: String, state: String, availability: String) {
            self.id = id
            self.device = device
            self.role = role
            self.state = state
            self.availability = availability
        }
    }

    /// A cluster event: a node went down or came back, its tasks ran again elsewhere.
    public struct ClusterEvent: Codable, Sendable, Equatable {
        /// `node-down`, `node-up` or `tasks-recovered`.
        public var kind: String
        /// The node.
        public var nodeID: String?
        /// Its device.
        public var device: String?
        /// When (seconds since 1970).
        public var at: Double
        /// Plain words.
        public var detail: String

        /// Creates an event.
        public init(kind: String, nodeID: String?, device: String?, at: Double, detail: String) {
            self.kind = kind
            self.nodeID = nodeID
            self.device = device
            self.at = at
            self.detail = detail
        }
    }
}
