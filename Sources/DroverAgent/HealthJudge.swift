import DockerEngine
import DroverModel
import Foundation

/// Judges an app's containers during a health window: an unhealthy health check, a crash
/// loop (restarted by the engine three times or more), or a container that exited with an
/// error and that no restart policy brings back.
public struct HealthJudge: Sendable {
    /// Engine restarts of one container that count as a crash loop.
    public static let crashLoopRestarts = 3

    /// The engine.
    public let engine: DockerClient
    /// The device.
    public let device: DeviceIdentity

    /// Creates a judge.
    public init(engine: DockerClient, device: DeviceIdentity) {
        self.engine = engine
        self.device = device
    }

    /// What is wrong with `app` running `target`: service to the problem in words; empty when
    /// nothing is.
    public func problems(app: String, target: AppTarget) async throws(DockerError) -> [String: String] {
        var problems: [String: String] = [:]
        let stopped = Set(target.stopped ?? [])
        for summary in try await engine.listContainers(all: true, filters: device.labelFilter(app: app)) {
            let observed = ObservedContainer(summary: summary)
            // Every container the target wants, also those an update left alone (they keep the
            // release label they were created with); not an old one still handing over.
            guard let spec = target.services[observed.service], observed.configHash == target.configHash(of: observed.service),
                !stopped.contains(observed.service)
            else {
                continue
            }
            let restartsOnExit = ["always", "unless-stopped"].contains(spec.restart ?? "no")
            let suspicious =
                observed.health == .unhealthy || observed.state == .restarting || (observed.state == .exited && observed.exitCode != 0)
            // Restart counts are only in the inspect answer; read it only for containers that
            // look wrong, or have a restart policy that could hide a loop.
            guard suspicious || spec.restart != nil else { continue }
            guard let inspect = try await engine.inspectContainer(observed.id) else { continue }
            let service = observed.service
            let health = API.ContainerHealth(engine: inspect.state.health?.status)
            if let restarts = inspect.restartCount, restarts >= Self.crashLoopRestarts {
                problems[service] = "service \(service) is crash-looping: restarted \(restarts) times, last exit code \(inspect.state.exitCode)"
            } else if !inspect.state.running, inspect.state.exitCode == 0 || restartsOnExit {
                // Stopped cleanly, or stopped with the engine (which starts it again): a crash
                // would show as restarts.
                continue
            } else if health == .unhealthy, (inspect.restartCount ?? 0) > 0 || !inspect.state.running {
                // The engine marks a dead container unhealthy; the exit is the news.
                problems[service] =
                    "service \(service) is crash-looping: exited with code \(inspect.state.exitCode), restarted \(inspect.restartCount ?? 0) times"
            } else if health == .unhealthy {
                let output = inspect.state.health?.log?.last.map { Self.trimmed($0.output, exitCode: $0.exitCode) } ?? "no probe output"
                problems[service] = "service \(service) is unhealthy: \(output)"
            } else if API.ContainerState(engine: inspect.state.status) == .exited, !restartsOnExit {
                var message = "service \(service) exited with code \(inspect.state.exitCode)"
                if let error = inspect.state.error, !error.isEmpty { message += ": \(error)" }
                problems[service] = message
            }
        }
        return problems
    }

    static func trimmed(_ output: String, exitCode: Int) -> String {
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        let short = text.count > 200 ? String(text.prefix(200)) + "…" : text
        return short.isEmpty ? "health check exited with code \(exitCode)" : "health check exited with code \(exitCode): \(short)"
    }
}
