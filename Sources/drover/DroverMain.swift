import DroverCLI

/// Entry point: all behaviour lives in `DroverCLI`.
@main
enum DroverMain {
    static func main() async {
        await DroverCommand.main()
    }
}
