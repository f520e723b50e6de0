import DroverAgentCLI
import Logging
import NIOCore

/// Entry point: all behaviour lives in `DroverAgentCLI`.
@main
enum DroverAgentMain {
    static func main() async {
        // A device talks to one local engine: one event loop is plenty, and every thread
        // costs memory on small boards.
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.blockingPoolThreadCountSuggestion = 1
        let level = RequestedLogLevel.fromEnvironment ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        await AgentCommand.main()
    }
}
