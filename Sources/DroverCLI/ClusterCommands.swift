import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Clusters: a Docker Swarm formed from a fleet, running its releases as a stack.",
        subcommands: [Create.self, List.self, Show.self, Services.self, Events.self, Remove.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Form a swarm from a fleet's devices.",
            discussion: """
                The managers are picked among the fleet's online devices, those with --manager-tag first; the first forms the swarm \
                through its agent and the others join. Devices that join the fleet later join the swarm by themselves. From then on \
                the fleet's releases ('drover release create') are deployed as a Swarm stack: deploy.replicas, placement, \
                update_config and rollback_config mean what they mean to docker stack deploy.
                """)
        @Argument(help: "The cluster's name.") var name: String
        @Option(name: .long, help: "The fleet whose devices become its nodes.") var fleet: String
        @Option(name: .long, help: "How many managers: 1, 3, 5 or 7 (default 3, or 1 when fewer devices are online).") var managers: Int?
        @Option(name: .long, help: "KEY=VALUE: prefer devices with this tag as managers.") var managerTag: String?
        @Option(
            name: .long,
            help: "Swarm's dispatcher heartbeat in seconds (default 5). Shorter moves tasks off a dead node sooner, and off a node whose link blips.")
        var heartbeat: Double?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption

        func validate() throws {
            if let managers, managers < 1 || managers > 7 || managers % 2 == 0 {
                throw ValidationError("--managers must be 1, 3, 5 or 7: a swarm needs an odd number of managers")
            }
            if let heartbeat, !heartbeat.isFinite || heartbeat < 0.1 || heartbeat > 3600 {
                throw ValidationError("--heartbeat must be a number of seconds from 0.1 to 3600")
            }
        }

        func run() async throws {
            let body = API.CreateCluster(name: name, fleet: fleet, managers: managers, managerTag: managerTag, heartbeatSeconds: heartbeat)
            let cluster = try await connection.with { try await $0.createCluster(body) }
            try output.print(cluster) { ClusterView.created($0) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List clusters.")
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.clusters() }, table: ClusterView.list)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A cluster's status and nodes: role, availability, reachability, leader, engine, device.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.cluster(name) }) { ClusterView.show($0) }
        }
    }

    struct Services: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The stack's services: replicas desired and running, and where each task runs.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.clusterServices(name) }) { ClusterView.services($0) }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Nodes that went down and came back, and when their tasks ran again; newest first.")
        @Argument var name: String
        @Option(name: .long, help: "How many (default 100).") var limit: Int?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.clusterEvents(name, limit: limit) }, table: ClusterView.events)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Dissolve a cluster: its devices leave the swarm, and run the fleet's releases as single devices again.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.removeCluster(name) }
            print("removed cluster \(name); its devices leave the swarm when they next hear from the server")
        }
    }
}

/// How clusters read on a terminal.
enum ClusterView {
    static func created(_ cluster: API.Cluster) -> String {
        let managers = cluster.nodes.filter { $0.role == "manager" }.compactMap { $0.deviceName ?? $0.device }
        return "created cluster \(cluster.name) from fleet \(cluster.fleet) with \(managers.count) manager(s): \(managers.joined(separator: ", "))"
    }

    static func list(_ clusters: [API.Cluster]) -> String {
        TerminalOutput.table(
            ["NAME", "FLEET", "STATUS", "NODES", "READY", "MANAGERS"],
            clusters.map { cluster in
                [
                    cluster.name, cluster.fleet, cluster.status, "\(cluster.nodes.count)", "\(cluster.nodes.filter { $0.state == "ready" }.count)",
                    "\(cluster.managers)",
                ]
            })
    }

    static func show(_ cluster: API.Cluster, now: Date = Date()) -> String {
        var lines = ["cluster \(cluster.name) (fleet \(cluster.fleet)): \(cluster.status)" + (cluster.detail.map { ": \($0)" } ?? "")]
        lines.append("heartbeat \(format(cluster.heartbeatSeconds)) s" + (cluster.ipvs == false ? "; no IPVS on the nodes: publish ports with mode: host" : ""))
        lines.append(
            TerminalOutput.table(
                ["NODE", "DEVICE", "ROLE", "STATE", "AVAILABILITY", "REACHABILITY", "LEADER", "ADDRESS", "ENGINE", "ARCH", "SINCE"],
                cluster.nodes.map { node in
                    [
                        node.nodeID.map { String($0.prefix(12)) } ?? "-", node.deviceName ?? node.device ?? "-", node.role, node.state,
                        node.availability ?? "-", node.reachability ?? "-", node.leader == true ? "yes" : "", node.address ?? "-",
                        node.engineVersion ?? "-", node.architecture ?? "-",
                        node.downSince.map { since in
                            let seconds = now.timeIntervalSince1970 - since
                            return seconds.isFinite ? "down \(Int(max(0, min(seconds, 1e9)))) s" : "down"
                        } ?? (node.error ?? ""),
                    ]
                }))
        return lines.joined(separator: "\n")
    }

    static func services(_ list: API.ClusterServices) -> String {
        var lines = ["release \(list.release ?? "-"): " + (list.converged ? "converged" : "converging")]
        lines.append(
            TerminalOutput.table(
                ["SERVICE", "MODE", "REPLICAS", "RELEASE", "UPDATE", "NODES"],
                list.services.map { service in
                    let nodes = Dictionary(grouping: service.tasks.filter { $0.state == "running" }) {
                        $0.deviceName ?? $0.nodeID.map { String($0.prefix(12)) } ?? "?"
                    }
                    .map { "\($0.key)×\($0.value.count)" }.sorted().joined(separator: " ")
                    var update = service.updateState ?? "-"
                    if let message = service.updateMessage, service.updateState?.hasPrefix("rollback") == true { update += ": \(message)" }
                    if let error = service.deployError { update = "cannot deploy: \(error)" }
                    return [service.name, service.mode, "\(service.running)/\(service.desired)", service.release ?? "-", update, nodes]
                }))
        return lines.joined(separator: "\n")
    }

    static func events(_ events: [API.ClusterEvent]) -> String {
        TerminalOutput.table(
            ["TIME", "EVENT", "NODE", "DETAIL"],
            events.map { event in
                [
                    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: event.at)), event.kind,
                    String((event.device ?? event.nodeID ?? "-").prefix(12)), event.detail,
                ]
            })
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
