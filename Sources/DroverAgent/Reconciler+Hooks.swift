import DockerEngine
import DroverModel
import Foundation

/// Lifecycle hooks: `post_start` commands run in a container right after it starts, `pre_stop`
/// commands before it is stopped, as `docker compose` runs them (an exec in the container).
extension Reconciler {
    /// The label that carries a container's `pre_stop` hooks, so that they are the ones of the
    /// release that made it, whatever the target says by the time it is stopped.
    static let preStopLabel = "io.drover.pre-stop"

    /// How long one hook may run.
    static let hookTimeout = Duration.seconds(300)

    /// Runs the service's `post_start` hooks in the started container; the first that fails
    /// fails the step (the container keeps running, as under compose).
    func runPostStart(service: String, container: String, target: AppTarget?) async throws(AgentError) {
        for (index, hook) in (target?.services[service]?.postStart ?? []).enumerated() {
            let (code, output) = try await run(hook, in: container)
            guard code == 0 else {
                throw AgentError(
                    .stepFailed,
                    "service '\(service)': post_start[\(index)] (\(hook.command.joined(separator: " "))) exited with \(code.map(String.init) ?? "no code")"
                        + (output.isEmpty ? "" : ": \(output)"))
            }
        }
    }

    /// Runs the `pre_stop` hooks a running container was made with; a failing one is logged and
    /// the container is stopped all the same.
    func runPreStop(container: String) async {
        guard let inspect = try? await engine.inspectContainer(container), inspect.state.running,
            let json = inspect.config.labels?[Self.preStopLabel],
            let hooks = try? JSONDecoder().decode([ServiceSpec.LifecycleHook].self, from: Data(json.utf8))
        else { return }
        for hook in hooks {
            do {
                let (code, output) = try await run(hook, in: container)
                if code != 0 {
                    logger.warning("pre_stop hook failed", metadata: ["container": "\(container)", "exit": "\(code ?? -1)", "output": "\(output)"])
                }
            } catch {
                logger.warning("pre_stop hook did not run", metadata: ["container": "\(container)", "error": "\(error)"])
            }
        }
    }

    /// Runs one hook to its end (or its timeout); its exit code and the last of what it printed.
    private func run(_ hook: ServiceSpec.LifecycleHook, in container: String) async throws(AgentError) -> (Int?, String) {
        let engine = self.engine
        do {
            let exec = try await engine.createExec(
                container: container, command: hook.command, tty: false,
                environment: (hook.environment ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }, user: hook.user,
                privileged: hook.privileged, workingDir: hook.workingDir)
            let output = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    try await engine.attachExec(exec, tty: false) { output, input in
                        input.finish()
                        var tail: [UInt8] = []
                        for try await chunk in output {
                            switch chunk {
                            case .stdout(let bytes), .stderr(let bytes): tail = Array((tail + bytes).suffix(1024))
                            }
                        }
                        return String(decoding: tail, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: Self.hookTimeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard let output else {
                throw AgentError(.timedOut, "the hook \(hook.command.joined(separator: " ")) ran longer than \(Self.hookTimeout.components.seconds)s")
            }
            return (try await engine.inspectExec(exec).exitCode, output)
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.engine, "cannot run the hook \(hook.command.joined(separator: " ")): \(error)")
        }
    }
}
