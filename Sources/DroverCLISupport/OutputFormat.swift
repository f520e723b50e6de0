import ArgumentParser

/// How a show or list command prints: a table (or sheet) for people, or JSON for scripts.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Aligned columns, or labelled lines for one object.
    case table
    /// The API's JSON, pretty and sorted.
    case json
}

/// The `-o/--output` option every show and list command takes.
public struct OutputOption: ParsableArguments {
    /// The chosen format; people get the table.
    @Option(name: .shortAndLong, help: "Output format: table or json.") public var output: OutputFormat = .table

    /// Creates the option with its default.
    public init() {}

    /// Prints `value` as JSON, or else the text `table` makes of it.
    public func print<T: Encodable>(_ value: T, table: (T) -> String) throws {
        switch output {
        case .json: try TerminalOutput.printJSON(value)
        case .table: Swift.print(table(value))
        }
    }
}
