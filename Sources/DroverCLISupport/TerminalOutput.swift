import Foundation

/// How the command lines print: pretty JSON, aligned columns, or a sheet of labelled lines.
public enum TerminalOutput {
    /// `value` as sorted, pretty JSON with ISO 8601 dates.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Prints `value` as sorted, pretty JSON with ISO 8601 dates.
    public static func printJSON<T: Encodable>(_ value: T) throws {
        print(try json(value))
    }

    /// Formats rows under a header in aligned columns.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Formats one object as `label: value` lines with the values aligned; an empty value
    /// prints `-`, so a missing field is seen as missing rather than as a blank.
    public static func sheet(_ fields: [(String, String)]) -> String {
        let width = fields.map(\.0.count).max() ?? 0
        return fields.map { label, value in
            (label + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + " " + (value.isEmpty ? "-" : value)
        }.joined(separator: "\n")
    }

    /// How long ago `date` was, as people say it: `12s ago`, `5m ago`, `3h ago`, `2d ago`.
    public static func ago(_ date: Date?, now: Date = Date()) -> String {
        guard let date else { return "never" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds)s ago" }
        if seconds < 3600 { return "\(seconds / 60)m ago" }
        if seconds < 172_800 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86400)d ago"
    }
}
