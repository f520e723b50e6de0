import DroverAgentCLI

/// Entry point: all behaviour lives in `DroverAgentCLI`.
@main
enum DroverAgentMain {
    static func main() async {
        await AgentCommand.main()
    }
}
