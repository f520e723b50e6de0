import DroverModel
import SQLKit

extension SQLStore {
    public func registryLogins(fleetID: String) async throws(ServerError) -> [RegistryLoginRecord] {
        try await records("SELECT * FROM registry_logins WHERE fleet_id = \(bind: fleetID) ORDER BY registry") { row in
            RegistryLoginRecord(
                fleetID: try row.string("fleet_id"), registry: try row.string("registry"), username: try row.string("username"),
                sealedPassword: try row.string("sealed_password"), createdAt: try row.double("created_at"))
        }
    }

    public func setRegistryLogin(_ login: RegistryLoginRecord) async throws(ServerError) {
        try await transaction { db in
            try await db.raw(
                """
                INSERT INTO registry_logins (fleet_id, registry, username, sealed_password, created_at)
                VALUES (\(bind: login.fleetID), \(bind: login.registry), \(bind: login.username), \(bind: login.sealedPassword), \(bind: login.createdAt))
                ON CONFLICT (fleet_id, registry) DO UPDATE SET username = excluded.username, sealed_password = excluded.sealed_password,
                  created_at = excluded.created_at
                """
            ).run()
        }
    }

    public func removeRegistryLogin(fleetID: String, registry: String) async throws(ServerError) -> Bool {
        try await transaction { db in
            let found =
                try await db.raw(
                    "SELECT COUNT(*) AS n FROM registry_logins WHERE fleet_id = \(bind: fleetID) AND registry = \(bind: registry)"
                ).first()?.int("n") ?? 0
            try await db.raw("DELETE FROM registry_logins WHERE fleet_id = \(bind: fleetID) AND registry = \(bind: registry)").run()
            return found > 0
        }
    }
}
