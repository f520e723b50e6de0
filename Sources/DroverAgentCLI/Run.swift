import ArgumentParser
import DroverAgent
import Foundation
import Logging

extension AgentCommand {
    /// `drover-agent run --config FILE`: the device daemon.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run as the device's supervisor: enrol, follow the server's target, report state, ship logs.",
            discussion: """
                The config is JSON: {"server": "http://HOST:PORT", "provisioningKey": "…", "deviceName": "…",
                "engine": "unix:///var/run/docker.sock", "stateDir": "/var/lib/drover", "pollInterval": 30}
                """)

        @Option(name: .long, help: "Agent config file (JSON).")
        var config: String

        func run() async throws {
            let settings = try AgentConfig.load(path: config)
            var logger = Logger(label: "drover.agent")
            // Info unless DROVER_LOG_LEVEL asks for another level, as for every other command.
            logger.logLevel = ProcessInfo.processInfo.environment["DROVER_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            try await DeviceSupervisor(config: settings, logger: logger).run()
        }
    }
}
