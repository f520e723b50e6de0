import Hummingbird

/// Reading parameters from a request's query, each refused with its name when out of range.
extension APIRoutes {
    /// A text parameter, at most `limit` bytes.
    static func text(_ query: Parameters, _ name: String, limit: Int) throws(ServerError) -> String? {
        guard let value = query[Substring(name)].map(String.init) else { return nil }
        guard value.utf8.count <= limit else { throw ServerError(.badRequest, "\(name) has at most \(limit) bytes; this one has \(value.utf8.count)") }
        return value
    }

    /// A whole-number parameter in `range`.
    static func integer(_ query: Parameters, _ name: String, in range: ClosedRange<Int>) throws(ServerError) -> Int? {
        guard let word = query[Substring(name)] else { return nil }
        guard let value = Int(String(word)), range.contains(value) else {
            throw ServerError(.badRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(word)'")
        }
        return value
    }

    /// The page of a device listing that `sort`, `order`, `limit` and `offset` ask for; nil
    /// when none is given (the whole list, by name).
    static func devicePage(_ query: Parameters) throws(ServerError) -> DevicePage? {
        guard ["sort", "order", "limit", "offset"].contains(where: { query[$0] != nil }) else { return nil }
        var page = DevicePage()
        if let word = query["sort"] {
            guard let key = DevicePage.Key(rawValue: String(word)) else {
                throw ServerError(.badRequest, "sort '\(word)' must be one of \(DevicePage.Key.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            page.key = key
        }
        if let word = query["order"] {
            guard word == "asc" || word == "desc" else { throw ServerError(.badRequest, "order '\(word)' must be asc or desc") }
            page.descending = word == "desc"
        }
        page.limit = try integer(query, "limit", in: 1...DevicePage.maxLimit)
        page.offset = try integer(query, "offset", in: 0...DevicePage.maxOffset) ?? 0
        return page
    }
}
