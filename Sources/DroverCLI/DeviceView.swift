import DroverCLISupport
import DroverModel
import Foundation

/// How devices read on a terminal: a table of many, a sheet of one. Pure functions of the API's
/// `Device` (and the time now, for "seen 5s ago"), so they are tested without a server.
enum DeviceView {
    /// One line per device, with CPU, memory and temperature from its newest metrics sample
    /// (`-` without one). After a rollback STATUS says `rolled-back` and RELEASE is the release
    /// the device runs: the last good one, not its target.
    static func table(_ devices: [API.Device], now: Date = Date()) -> String {
        TerminalOutput.table(
            ["NAME", "UUID", "FLEET", "ONLINE", "RELEASE", "TARGET", "STATUS", "CPU", "MEM", "TEMP", "SEEN"],
            devices.map {
                [
                    $0.name, String($0.uuid.prefix(7)), $0.fleet, $0.online ? "yes" : "no", $0.release ?? "-", target($0), $0.status.rawValue,
                    MetricsView.cpu($0.metrics), MetricsView.memory($0.metrics), MetricsView.temperature($0.metrics),
                    TerminalOutput.ago($0.lastSeen, now: now),
                ]
            })
    }

    /// A device's terminal sessions, newest first.
    static func sessions(_ sessions: [API.SessionRecord]) -> String {
        TerminalOutput.table(
            ["STARTED", "ENDED", "USER", "WHERE", "COMMAND", "EXIT"],
            sessions.map {
                [
                    $0.startedAt, $0.endedAt ?? "running", $0.user, $0.service ?? "host", $0.command?.joined(separator: " ") ?? "shell",
                    $0.exitCode.map(String.init) ?? ($0.error.map { "error: \($0)" } ?? "-"),
                ]
            })
    }

    /// Everything about one device: who it is, what it runs and should run, what it does and
    /// why, its latest rollout, and its services.
    static func sheet(_ device: API.Device, now: Date = Date()) -> String {
        var fields: [(String, String)] = [
            ("name", device.name),
            ("uuid", device.uuid),
            ("fleet", device.fleet),
            (
                "online",
                device.online ? "yes, seen \(TerminalOutput.ago(device.lastSeen, now: now))" : "no, last seen \(TerminalOutput.ago(device.lastSeen, now: now))"
            ),
            ("architecture", device.architecture ?? ""),
            ("release", device.release ?? "none"),
            ("target", device.targetRelease ?? "none"),
            ("pinned", device.pinnedRelease.map { "to \($0)" } ?? "no, tracks its fleet"),
            ("tags", device.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")),
            ("status", status(device)),
        ]
        if let rollout = device.rollout { fields.append(("rollout", self.rollout(rollout))) }
        if let node = device.clusterNode {
            var line = "\(node.cluster): \(node.node.role), \(node.node.state)"
            if let since = node.node.downSince { line += " since \(TerminalOutput.ago(Date(timeIntervalSince1970: since), now: now))" }
            if node.node.leader == true { line += ", leader" }
            if let error = node.node.error { line += " (\(error))" }
            fields.append(("cluster", line))
            for event in node.events.prefix(5) {
                fields.append(("", "\(TerminalOutput.ago(Date(timeIntervalSince1970: event.at), now: now)): \(event.detail)"))
            }
        }
        var text = TerminalOutput.sheet(fields)
        let services = (device.services ?? [:]).sorted { $0.key < $1.key }
        if !services.isEmpty {
            text += "\n\n"
            text += TerminalOutput.table(
                ["SERVICE", "STATE", "HEALTH", "RELEASE", "CONTAINER"],
                services.map { name, state in
                    // A replicated service says how many of its containers are up: "running 2/3".
                    let replicas = state.replicas.map { " \(state.running ?? 0)/\($0)" } ?? ""
                    return [
                        name, state.failure == nil ? state.status.rawValue + replicas : "failed", state.health?.rawValue ?? "-", state.release ?? "-",
                        state.containerID.map { String($0.prefix(12)) } ?? "-",
                    ]
                })
            // Why a service the device refused does not run, under the table: it does not fit a column.
            for (name, state) in services { if let failure = state.failure { text += "\n\(name): \(failure)" } }
        }
        return text
    }

    /// The status in words, with what it means where the word alone does not say it.
    static func status(_ device: API.Device) -> String {
        let detail = device.statusDetail.map { ": \($0)" } ?? ""
        switch device.status {
        case .rolledBack:
            let runs = device.release.map { "runs the last good release \($0)" } ?? "runs the last good release"
            guard let rollout = device.rollout, rollout.outcome == .rolledBack else { return "rolled-back, \(runs)\(detail)" }
            return "rolled-back, \(runs); refused \(rollout.release)\(rollout.reason.map { ": \($0)" } ?? detail)"
        case .failed:
            return "failed, runs nothing good\(detail)"
        case .updatePending:
            return "update pending, runs \(device.release ?? "nothing") until it updates to \(device.targetRelease ?? "its target")\(detail)"
        default:
            return device.status.rawValue + detail
        }
    }

    /// The target, marked when it is a pin rather than the fleet's release.
    static func target(_ device: API.Device) -> String {
        guard let target = device.targetRelease else { return "-" }
        return device.pinnedRelease == target ? "\(target) (pinned)" : target
    }

    /// The latest rollout: release, outcome and why.
    static func rollout(_ rollout: API.Rollout) -> String {
        "\(rollout.release) \(rollout.outcome.rawValue)\(rollout.reason.map { ": \($0)" } ?? "")"
    }
}
