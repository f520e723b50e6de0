import SQLKit

/// Organisations, tokens and the store's own settings.
extension SQLStore {
    public func ensureOrg(_ name: String) async throws(ServerError) -> String {
        if let row = try await rows("SELECT id FROM orgs WHERE name = \(bind: name)").first, let id = try? row.string("id") { return id }
        let id = Self.newID()
        try await run("INSERT INTO orgs (id, name, created_at) VALUES (\(bind: id), \(bind: name), \(bind: Self.now))")
        return id
    }

    public func addToken(hash: String, org: String, role: String, label: String) async throws(ServerError) {
        try await run(
            "INSERT INTO tokens (hash, org_id, role, label, created_at) VALUES (\(bind: hash), \(bind: org), \(bind: role), \(bind: label), \(bind: Self.now))"
        )
    }

    public func tokenCount() async throws(ServerError) -> Int {
        try await count("SELECT COUNT(*) AS n FROM tokens")
    }

    public func identity(credentialHash hash: String) async throws(ServerError) -> Identity? {
        if let row = try await rows("SELECT org_id, role, label FROM tokens WHERE hash = \(bind: hash)").first {
            return try decode(row) { Identity.user(org: try $0.string("org_id"), role: try $0.string("role"), label: try $0.string("label")) }
        }
        if let row = try await rows("SELECT uuid, fleet_id FROM devices WHERE key_hash = \(bind: hash)").first {
            return try decode(row) { Identity.device(uuid: try $0.string("uuid"), fleetID: try $0.string("fleet_id")) }
        }
        return nil
    }

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
