import ArgumentParser
import DockerEngine
import DroverAgent
import DroverCLISupport
import DroverModel
import Foundation

extension AgentCommand {
    /// `drover-agent apply`.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Converge once on a compose file or target, printing each step; exit 0 when converged.")

        @OptionGroup var source: SourceOptions
        @OptionGroup var engine: EngineOptions

        @Option(name: .long, help: "Seconds to wait for dependencies (health, completion) before failing.")
        var waitTimeout: Double = 300

        @Flag(name: .shortAndLong, help: "Print only errors.")
        var quiet = false

        @Flag(name: .long, help: "Apply even while a service holds the update lock.")
        var force = false

        func validate() throws {
            guard waitTimeout.isFinite, waitTimeout >= 0 else { throw ValidationError("--wait-timeout must be a number of seconds, 0 or more") }
        }

        func run() async throws {
            let (apps, warnings) = try source.load()
            if !quiet { for warning in warnings { printError("warning: \(warning)") } }
            let started = ContinuousClock.now
            try await engine.withReconciler { base in
                var options = base.options
                options.waitTimeout = waitTimeout
                let reconciler = Reconciler(engine: base.engine, device: base.device, logger: base.logger, options: options)
                for (name, target) in apps {
                    let quiet = self.quiet
                    let report = try await reconciler.converge(app: name, target: target, planning: ReleasePlanner.Options(force: force)) { event in
                        guard !quiet else { return }
                        switch event {
                        case .stepStarted(let step): print("  \(step.kind) \(step.subject)")
                        case .stepFinished(let step, let seconds): print("  ok \(step.kind) \(step.subject) (\(String(format: "%.2f", seconds))s)")
                        case .stepFailed(let step, let message, let attempt, let retryIn):
                            let next = retryIn.map { "retrying in \(String(format: "%.1f", $0))s" } ?? "giving up"
                            printError("  failed \(step.kind) \(step.subject) (attempt \(attempt)): \(message); \(next)")
                        case .waiting(let reasons): for reason in reasons { print("  waiting: \(reason)") }
                        }
                    }
                    if !report.deferred.isEmpty {
                        throw AgentError(.locked, "app \(name): \(report.deferred.joined(separator: "; ")); run again with --force to override")
                    }
                    let elapsed = ContinuousClock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    if !quiet {
                        print(
                            "app \(name) release \(target.release) converged: \(report.stepsApplied) step(s) in \(report.rounds) round(s), \(String(format: "%.2f", seconds))s"
                        )
                    }
                }
            }
        }
    }

    /// `drover-agent plan`.
    struct PlanCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan", abstract: "Print the steps an apply would take, changing nothing. Also validates the document.")

        @OptionGroup var source: SourceOptions
        @OptionGroup var engine: EngineOptions

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output: OutputFormat = .table

        @Flag(name: .long, help: "Only validate the document; do not contact the engine.")
        var offline = false

        struct PlannedStep: Encodable {
            var app: String
            var round: Int
            var kind: String
            var subject: String
            var service: String?
        }

        func run() async throws {
            let (apps, warnings) = try source.load()
            for warning in warnings { printError("warning: \(warning)") }
            if offline {
                for (name, target) in apps { print("app \(name): valid, \(target.services.count) service(s)") }
                return
            }
            var planned: [PlannedStep] = []
            var blocked: [String] = []
            try await engine.withReconciler { reconciler in
                for (name, target) in apps {
                    let (rounds, problems) = try await reconciler.predict(app: name, target: target)
                    for (index, steps) in rounds.enumerated() {
                        planned += steps.map { PlannedStep(app: name, round: index + 1, kind: $0.kind, subject: $0.subject, service: $0.service) }
                    }
                    blocked += problems.map { "\(name): \($0)" }
                }
            }
            switch output {
            case .json:
                try printJSON(planned)
            case .table:
                if planned.isEmpty {
                    print("nothing to do: the engine already runs what the document says")
                } else {
                    print(table(["APP", "ROUND", "STEP", "SUBJECT"], planned.map { [$0.app, String($0.round), $0.kind, $0.subject] }))
                }
            }
            for problem in blocked { printError("blocked: \(problem)") }
            if !blocked.isEmpty { throw ExitCode(2) }
        }
    }

    /// `drover-agent status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each service's container: release, state, health.")

        @Option(name: .long, help: "Only this app.")
        var app: String?

        @OptionGroup var engine: EngineOptions

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output: OutputFormat = .table

        func run() async throws {
            let rows = try await engine.withReconciler { try await $0.status(app: app) }
            switch output {
            case .json: try printJSON(rows)
            case .table:
                if rows.isEmpty {
                    print("no containers for this device" + (app.map { " and app \($0)" } ?? ""))
                    return
                }
                print(
                    table(
                        ["APP", "SERVICE", "RELEASE", "STATE", "HEALTH", "CONTAINER", "IMAGE"],
                        rows.map {
                            [
                                $0.app, $0.service, $0.release, $0.failure == nil ? $0.state.rawValue : "failed", $0.health?.rawValue ?? "-", $0.containerID,
                                $0.image,
                            ]
                        }))
                for row in rows { if let failure = row.failure { print("\(row.app)/\(row.service): \(failure)") } }
            }
        }
    }

    /// `drover-agent remove`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an app's containers and networks (and volumes with --volumes).")

        @Option(name: .long, help: "The app to remove.")
        var app: String

        @Flag(name: .long, help: "Also remove the app's named volumes and their data.")
        var volumes = false

        @OptionGroup var engine: EngineOptions

        func run() async throws {
            try await engine.withReconciler { reconciler in
                let report = try await reconciler.converge(app: app, target: nil, planning: ReleasePlanner.Options(removeVolumes: volumes)) { event in
                    if case .stepFinished(let step, _) = event { print("  ok \(step.kind) \(step.subject)") }
                }
                print("app \(app) removed: \(report.stepsApplied) step(s)")
            }
        }
    }
}
