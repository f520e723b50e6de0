import DroverCLISupport
import DroverModel
import Foundation

/// How fleets and what belongs to them (keys, releases, variables) read on a terminal.
enum FleetView {
    /// One line per fleet.
    static func table(_ fleets: [API.Fleet]) -> String {
        TerminalOutput.table(
            ["NAME", "DEVICES", "RELEASE", "TRACKS"],
            fleets.map { [$0.name, String($0.deviceCount), $0.targetRelease ?? "-", $0.trackedRelease ?? "latest"] })
    }

    /// One fleet: what it offers, what it tracks, and when a release counts as failing.
    static func sheet(_ fleet: API.Fleet, now: Date = Date()) -> String {
        TerminalOutput.sheet([
            ("name", fleet.name),
            ("id", fleet.id),
            ("devices", String(fleet.deviceCount)),
            ("release", fleet.targetRelease ?? "none yet"),
            ("tracks", fleet.trackedRelease ?? "latest"),
            ("failing", failing(fleet)),
            ("created", TerminalOutput.ago(fleet.createdAt, now: now)),
        ])
    }

    /// When a release counts as failing, in words (the server's defaults where none is set).
    static func failing(_ fleet: API.Fleet) -> String {
        let percent = Int(((fleet.failingShare ?? 0.2) * 100).rounded())
        return "once more than \(percent)% and at least \(fleet.failingMinDevices ?? 2) of the devices that tried a release rolled it back"
    }

    /// One line per provisioning key.
    static func keys(_ keys: [API.ProvisioningKey]) -> String {
        TerminalOutput.table(
            ["ID", "ENROLLED", "LIMIT", "EXPIRES", "REVOKED"],
            keys.map {
                [
                    $0.id, String($0.devicesEnrolled), $0.deviceLimit.map(String.init) ?? "-", $0.expiresAt.map(timestamp) ?? "never",
                    $0.revoked ? "yes" : "no",
                ]
            })
    }

    /// One line per release, newest first as the server sends them.
    static func releases(_ releases: [API.Release], now: Date = Date()) -> String {
        TerminalOutput.table(
            ["ID", "CREATED", "STATUS", "SERVICES"],
            releases.map { [$0.id, TerminalOutput.ago($0.createdAt, now: now), $0.status.rawValue, $0.services.joined(separator: ",")] })
    }

    /// One release: status and why, how it fares on devices, and its images.
    static func release(_ release: API.Release, now: Date = Date()) -> String {
        var fields = [
            ("id", release.id),
            ("fleet", release.fleet),
            ("created", TerminalOutput.ago(release.createdAt, now: now)),
            ("status", release.status.rawValue + (release.statusDetail.map { ": \($0)" } ?? "")),
        ]
        if let attempts = release.attempts {
            fields.append(("devices", "\(attempts.started) started, \(attempts.healthy) healthy, \(attempts.rolledBack) rolled back"))
        }
        for warning in release.warnings ?? [] { fields.append(("warning", warning)) }
        var text =
            TerminalOutput.sheet(fields) + "\n\n"
            + TerminalOutput.table(
                ["SERVICE", "IMAGE", "PLATFORMS"],
                release.services.map { service in
                    [service, release.images[service] ?? "-", release.pins?[service].map { $0.platforms.keys.sorted().joined(separator: ",") } ?? "not pinned"]
                })
        // A fleet in cluster mode: where the stack stands.
        if let cluster = release.cluster { text += "\n\nstack of the fleet's " + ClusterView.services(cluster) }
        return text
    }

    /// One line per variable; `*` is every device, or every service.
    static func env(_ variables: [API.EnvVar]) -> String {
        TerminalOutput.table(
            ["NAME", "VALUE", "FLEET", "DEVICE", "SERVICE"],
            variables.map { [$0.name, $0.value, $0.fleet, $0.device.map { String($0.prefix(7)) } ?? "*", $0.service ?? "*"] })
    }

    /// One line per tag.
    static func tags(_ tags: [String: String]) -> String {
        TerminalOutput.table(["KEY", "VALUE"], tags.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
