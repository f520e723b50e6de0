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
            logger.logLevel = RequestedLogLevel.fromEnvironment ?? .info
            try await DeviceSupervisor(config: settings, logger: logger).run()
        }
    }
}
