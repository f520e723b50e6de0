import SQLKit

/// The store's own settings and counters.
extension SQLStore {
    /// The store generation: bumped by every change that can alter a device's target, so
    /// cached targets are known to be fresh by reading one row.
    public func generation() async throws(ServerError) -> Int64 {
        Int64(try await meta("generation") ?? "0") ?? 0
    }

    public func bumpGeneration() async throws(ServerError) {
        try await run(
            "INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)"
        )
    }

    func meta(_ key: String) async throws(ServerError) -> String? {
        guard let row = try await rows("SELECT value FROM meta WHERE key = \(bind: key)").first else { return nil }
        return try decode(row) { try $0.string("value") }
    }

    /// The number in column `n` of a counting query's one row.
    func count(_ sql: SQLQueryString) async throws(ServerError) -> Int {
        guard let row = try await rows(sql).first else { return 0 }
        return try decode(row) { try $0.int("n") }
    }
}
