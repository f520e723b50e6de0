import DroverModel
import SQLKit

extension SQLStore {
    public func appFiles(fleetID: String, release: String, kind: AppFileKind) async throws(ServerError) -> [AppFileRecord] {
        try await records(
            """
            SELECT * FROM app_files WHERE fleet_id = \(bind: fleetID) AND release_id = \(bind: release) AND kind = \(bind: kind.rawValue) ORDER BY name
            """, Self.appFile(_:))
    }

    public func fleetFileVersions() async throws(ServerError) -> [AppFileRecord] {
        try await records(
            "SELECT fleet_id, release_id, kind, name, '' AS sealed, version, size, created_at, updated_at FROM app_files WHERE release_id = ''",
            Self.appFile(_:))
    }

    public func putAppFiles(_ records: [AppFileRecord]) async throws(ServerError) {
        guard !records.isEmpty else { return }
        try await transaction { db in
            for file in records {
                try await db.raw(
                    """
                    INSERT INTO app_files (fleet_id, release_id, kind, name, sealed, version, size, created_at, updated_at)
                    VALUES (\(bind: file.fleetID), \(bind: file.release), \(bind: file.kind.rawValue), \(bind: file.name), \(bind: file.sealed),
                      \(bind: file.version), \(bind: file.size), \(bind: file.createdAt), \(bind: file.updatedAt))
                    ON CONFLICT (fleet_id, release_id, kind, name) DO UPDATE SET sealed = excluded.sealed, version = excluded.version,
                      size = excluded.size, updated_at = excluded.updated_at
                    """
                ).run()
            }
        }
    }

    public func removeAppFile(fleetID: String, release: String, kind: AppFileKind, name: String) async throws(ServerError) -> Bool {
        try await transaction { db in
            let found =
                try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM app_files
                    WHERE fleet_id = \(bind: fleetID) AND release_id = \(bind: release) AND kind = \(bind: kind.rawValue) AND name = \(bind: name)
                    """
                ).first()?.int("n") ?? 0
            try await db.raw(
                """
                DELETE FROM app_files
                WHERE fleet_id = \(bind: fleetID) AND release_id = \(bind: release) AND kind = \(bind: kind.rawValue) AND name = \(bind: name)
                """
            ).run()
            return found > 0
        }
    }

    static func appFile(_ row: any SQLRow) throws -> AppFileRecord {
        let kindText = try row.string("kind")
        guard let kind = AppFileKind(rawValue: kindText) else { throw ServerError(.storage, "app_files holds a value of unknown kind '\(kindText)'") }
        return AppFileRecord(
            fleetID: try row.string("fleet_id"), release: try row.string("release_id"), kind: kind, name: try row.string("name"),
            sealed: try row.string("sealed"), version: try row.string("version"), size: try row.int("size"), createdAt: try row.double("created_at"),
            updatedAt: try row.double("updated_at"))
    }
}
