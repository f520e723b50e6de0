import ArgumentParser
import DroverCLI
import DroverServerCLI

/// Entry point: one root for the API commands of `DroverCLI` and `drover server` of
/// `DroverServerCLI`; all behaviour lives in those libraries.
@main
struct DroverMain: AsyncParsableCommand {
    static let configuration = DroverCommand.composed(with: [ServerCommand.self])
}
