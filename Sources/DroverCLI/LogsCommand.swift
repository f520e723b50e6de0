import ArgumentParser
import DroverClient
import DroverModel
import Foundation

/// `drover logs DEVICE [-f]`: the stored lines, then (with -f) the lines as the containers
/// print them, over the device's channel; while the device is not connected, the stored
/// lines once a second.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a device's container logs; -f follows them live.")
    @Argument var device: String
    @Flag(name: .shortAndLong, help: "Keep following new lines, as they are printed.") var follow = false
    @Option(name: .long) var service: String?
    @Option(name: .customShort("n"), help: "Lines to show.") var lines: Int = 100
    @Option(name: .long, help: "Only lines from this RFC 3339 time on.") var since: String?
    @Option(name: .shortAndLong, help: "Output format: text, or json (one object a line).") var output: LogFormat = .text
    @OptionGroup var connection: Connection

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() async throws {
        let printer = LogPrinter(format: output)
        let (server, token) = try connection.resolved()
        try await connection.with { api in
            let history = try await api.logs(device: device, service: service, since: since, limit: lines)
            for entry in history { await printer.print(entry) }
            guard follow, let token else { return }
            let request = API.StreamOpen(kind: .logs, service: service)
            while !Task.isCancelled {
                let end = try await SessionClient.run(server: server, credential: token, device: device, request) { _ in
                } output: { output in
                    if case .stdout(let bytes) = output { await printer.feed(bytes) }
                }
                // Not connected, or the link broke: what was stored meanwhile, then again.
                let stored = try await api.logs(device: device, service: service, since: await printer.newest, limit: 1000)
                for entry in stored { await printer.print(entry) }
                if let error = end.error, !error.contains("not connected") { warn("live logs: \(error); following again") }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// Prints log lines once each: a line already printed (its timestamp is not past the newest
/// printed) is skipped, so the stored lines and the live ones can overlap.
actor LogPrinter {
    let format: Logs.LogFormat
    private(set) var newest: String?
    private var pending: [UInt8] = []
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(format: Logs.LogFormat) {
        self.format = format
    }

    /// Prints a line unless it was printed already.
    func print(_ entry: API.LogEntry) {
        if let newest, entry.timestamp <= newest { return }
        newest = entry.timestamp
        let text: String
        switch format {
        case .text: text = "\(entry.timestamp) \(entry.service) \(entry.stream == .stderr ? "! " : "")\(entry.message)\n"
        case .json: text = String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self) + "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Takes bytes of the live stream: one JSON log entry a line.
    func feed(_ bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[..<newline]
            if let entry = try? JSONDecoder().decode(API.LogEntry.self, from: Data(line)) { print(entry) }
            pending.removeSubrange(...newline)
        }
    }
}
