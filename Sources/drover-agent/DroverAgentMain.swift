import DroverAgentCLI
import NIOCore

/// Entry point: all behaviour lives in `DroverAgentCLI`.
@main
enum DroverAgentMain {
    static func main() async {
        // A device talks to one local engine: one event loop is plenty, and every thread
        // costs memory on small boards.
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.blockingPoolThreadCountSuggestion = 1
        await AgentCommand.main()
    }
}
