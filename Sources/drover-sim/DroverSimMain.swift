import DroverSimulator

/// Entry point: all behaviour lives in `DroverSimulator`.
@main
enum DroverSimMain {
    static func main() async {
        await SimulatorCommand.main()
    }
}
