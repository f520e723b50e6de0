import SQLKit

/// The schema, as the migrations that build it from nothing or from any earlier version.
extension SQLStore {
    /// One schema step: a statement, or work that SQL alone cannot do safely on both stores.
    enum Migration: Sendable {
        /// A statement.
        case sql(String)
        /// Work done through the migration's transaction.
        case step(@Sendable (any SQLDatabase) async throws -> Void)
    }

    static let migrations: [Migration] = [
        .sql(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, org_id TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL,
              created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS fleets (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, tracked_release TEXT,
              created_at DOUBLE PRECISION NOT NULL, UNIQUE (org_id, name))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS provisioning_keys (id TEXT PRIMARY KEY, fleet_id TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
              expires_at DOUBLE PRECISION, device_limit INTEGER, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0,
              created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS devices (uuid TEXT PRIMARY KEY, fleet_id TEXT NOT NULL, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
              architecture TEXT, pinned_release TEXT, last_seen DOUBLE PRECISION, report TEXT, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS devices_fleet ON devices (fleet_id)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS releases (id TEXT PRIMARY KEY, fleet_id TEXT NOT NULL, compose TEXT NOT NULL, app TEXT NOT NULL,
              status TEXT NOT NULL, status_detail TEXT, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS releases_fleet ON releases (fleet_id, created_at)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS env_vars (fleet_id TEXT NOT NULL, device_uuid TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL,
              value TEXT NOT NULL, PRIMARY KEY (fleet_id, device_uuid, service, name))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS tags (device_uuid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (device_uuid, key))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, device_uuid TEXT NOT NULL, ts TEXT NOT NULL,
              service TEXT NOT NULL, stream TEXT NOT NULL, message TEXT NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS logs_device ON logs (device_uuid, seq)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS restarts (device_uuid TEXT NOT NULL, service TEXT NOT NULL, count INTEGER NOT NULL,
              PRIMARY KEY (device_uuid, service))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS stopped_services (device_uuid TEXT NOT NULL, service TEXT NOT NULL, PRIMARY KEY (device_uuid, service))
            """),
        .sql("ALTER TABLE fleets ADD COLUMN failing_share DOUBLE PRECISION"),
        .sql("ALTER TABLE fleets ADD COLUMN failing_min INTEGER"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS release_attempts (release_id TEXT NOT NULL, device_uuid TEXT NOT NULL, outcome TEXT NOT NULL,
              reason TEXT, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (release_id, device_uuid))
            """),
        // Device names became unique per fleet: older duplicates get the first free variant.
        .step(renameDuplicateDeviceNames),
        .sql("CREATE UNIQUE INDEX IF NOT EXISTS devices_fleet_name ON devices (fleet_id, name)"),
        // One-shot commands were counters in `restarts` under sentinel service names ('*' for
        // the whole app, '#purge', '#force', '#retry'): they become columns of their own, and
        // `restarts` keeps only per-service restarts. The counts carry over, so every device's
        // target stays byte for byte what it was.
        .sql(
            """
            CREATE TABLE IF NOT EXISTS device_commands (device_uuid TEXT PRIMARY KEY, restarts INTEGER NOT NULL DEFAULT 0,
              purges INTEGER NOT NULL DEFAULT 0, forced_updates INTEGER NOT NULL DEFAULT 0, retries INTEGER NOT NULL DEFAULT 0)
            """),
        .sql(
            """
            INSERT INTO device_commands (device_uuid, restarts, purges, forced_updates, retries)
            SELECT device_uuid, SUM(CASE WHEN service = '*' THEN count ELSE 0 END), SUM(CASE WHEN service = '#purge' THEN count ELSE 0 END),
              SUM(CASE WHEN service = '#force' THEN count ELSE 0 END), SUM(CASE WHEN service = '#retry' THEN count ELSE 0 END)
            FROM restarts WHERE service IN ('*', '#purge', '#force', '#retry') GROUP BY device_uuid
            """),
        .sql("DELETE FROM restarts WHERE service IN ('*', '#purge', '#force', '#retry')"),
        .sql("ALTER TABLE restarts RENAME TO service_restarts"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, device_uuid TEXT NOT NULL, user_label TEXT NOT NULL, service TEXT,
              command TEXT, started_at DOUBLE PRECISION NOT NULL, ended_at DOUBLE PRECISION, exit_code INTEGER, error TEXT)
            """),
        .sql("CREATE INDEX IF NOT EXISTS sessions_device ON sessions (device_uuid, started_at)"),
        // Device metrics: one row per device and minute (averages of the samples taken in it),
        // and the newest sample as the agent sent it.
        .sql(
            """
            CREATE TABLE IF NOT EXISTS metric_minutes (device_uuid TEXT NOT NULL, minute INTEGER NOT NULL, samples INTEGER NOT NULL,
              cpu DOUBLE PRECISION, memory_used DOUBLE PRECISION, memory_total DOUBLE PRECISION, state_disk_used DOUBLE PRECISION,
              engine_disk_used DOUBLE PRECISION, temperature DOUBLE PRECISION, PRIMARY KEY (device_uuid, minute))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS metric_latest (device_uuid TEXT PRIMARY KEY, time DOUBLE PRECISION NOT NULL, sample TEXT NOT NULL)
            """),
        // People: users with roles in their organisation and per fleet; tokens become a user's
        // (API tokens and login sessions); the tokens of an older data directory become those
        // of an owner named 'admin' (see `adoptOrphanTokens`). Fleets can be marked production.
        .sql(
            """
            CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL UNIQUE, password TEXT,
              invite_hash TEXT UNIQUE, invite_expires DOUBLE PRECISION, org_role TEXT, created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS fleet_roles (user_id TEXT NOT NULL, fleet_id TEXT NOT NULL, role TEXT NOT NULL,
              PRIMARY KEY (user_id, fleet_id))
            """),
        .sql("ALTER TABLE tokens ADD COLUMN id TEXT"),
        .sql("ALTER TABLE tokens ADD COLUMN user_id TEXT"),
        .sql("ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api'"),
        .sql("ALTER TABLE tokens ADD COLUMN prefix TEXT NOT NULL DEFAULT ''"),
        .sql("ALTER TABLE tokens ADD COLUMN fleet_id TEXT"),
        .sql("ALTER TABLE tokens ADD COLUMN expires_at DOUBLE PRECISION"),
        .sql("ALTER TABLE tokens ADD COLUMN csrf TEXT"),
        .step(adoptOrphanTokens),
        .sql("CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user_id)"),
        .sql("ALTER TABLE fleets ADD COLUMN production INTEGER NOT NULL DEFAULT 0"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at DOUBLE PRECISION NOT NULL, org_id TEXT NOT NULL,
              actor TEXT NOT NULL, token TEXT, address TEXT, action TEXT NOT NULL, target TEXT NOT NULL, fleet_id TEXT, request_id TEXT,
              result TEXT NOT NULL, status INTEGER NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS audit_org ON audit (org_id, id)"),
        .sql("CREATE INDEX IF NOT EXISTS audit_at ON audit (at)"),
        // Webhooks: an organisation's or a fleet's, the events each hears, and the durable queue
        // of deliveries (one row per event and webhook, with how its attempts went). A fact
        // announced once (a release failing or completed) is remembered, so noticing it again
        // queues nothing. `announced_online` is the presence last announced for a device, so
        // device.online and device.offline are each sent once per change.
        .sql(
            """
            CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, fleet_id TEXT, url TEXT NOT NULL, secret TEXT NOT NULL,
              created_at DOUBLE PRECISION NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS webhooks_org ON webhooks (org_id, fleet_id)"),
        .sql("CREATE TABLE IF NOT EXISTS webhook_subscriptions (webhook_id TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (webhook_id, event))"),
        .sql("CREATE TABLE IF NOT EXISTS webhook_facts (fact TEXT PRIMARY KEY, queued_at DOUBLE PRECISION NOT NULL)"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS webhook_deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL,
              status TEXT NOT NULL, attempts INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL, next_attempt_at DOUBLE PRECISION,
              last_attempt_at DOUBLE PRECISION, last_status INTEGER, last_latency_ms DOUBLE PRECISION, last_error TEXT, delivered_at DOUBLE PRECISION)
            """),
        .sql("CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)"),
        .sql("CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at)"),
        .sql("ALTER TABLE devices ADD COLUMN announced_online INTEGER NOT NULL DEFAULT 0"),
        .sql("CREATE INDEX IF NOT EXISTS devices_presence ON devices (announced_online, last_seen)"),
        // Releases pin each image by digest, per platform; devices say which platform they run.
        // A fleet's logins to private registries are kept sealed (see `SealedBox`).
        .sql("ALTER TABLE releases ADD COLUMN pins TEXT"),
        .sql("ALTER TABLE releases ADD COLUMN warnings TEXT"),
        .sql("ALTER TABLE devices ADD COLUMN platform TEXT"),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS registry_logins (fleet_id TEXT NOT NULL, registry TEXT NOT NULL, username TEXT NOT NULL,
              sealed_password TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (fleet_id, registry))
            """),
        // Clusters: a swarm formed from a fleet. Its join tokens are sealed; each device's own
        // word on its node (members), the latest a manager saw of the whole swarm, and the
        // nodes' comings and goings (events).
        .sql(
            """
            CREATE TABLE IF NOT EXISTS clusters (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, fleet_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
              managers TEXT NOT NULL, manager_count INTEGER NOT NULL, heartbeat DOUBLE PRECISION NOT NULL, sealed_tokens TEXT,
              observation TEXT, observed_at DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL, UNIQUE (org_id, name))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS cluster_members (cluster_id TEXT NOT NULL, device_uuid TEXT NOT NULL, node_id TEXT, state TEXT NOT NULL,
              manager INTEGER NOT NULL, address TEXT, error TEXT, ipvs INTEGER, engine_version TEXT, updated_at DOUBLE PRECISION NOT NULL,
              PRIMARY KEY (cluster_id, device_uuid))
            """),
        .sql(
            """
            CREATE TABLE IF NOT EXISTS cluster_events (cluster_id TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL,
              node_id TEXT, device_uuid TEXT, detail TEXT NOT NULL)
            """),
        .sql("CREATE INDEX IF NOT EXISTS cluster_events_time ON cluster_events (cluster_id, at)"),
        // A release is read either for single devices or as a Swarm stack (a fleet in cluster
        // mode), and is offered only in that mode.
        .sql("ALTER TABLE releases ADD COLUMN stack INTEGER NOT NULL DEFAULT 0"),
        // Secrets and configs, sealed: the fleet's own (release '') and those a release brought.
        .sql(
            """
            CREATE TABLE IF NOT EXISTS app_files (fleet_id TEXT NOT NULL, release_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
              sealed TEXT NOT NULL, version TEXT NOT NULL, size INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL,
              updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (fleet_id, release_id, kind, name))
            """),
    ]

    /// Applies the schema migrations not yet applied, in order, recording the version, all in
    /// one transaction: a crash mid-way leaves the schema as it was.
    public func migrate() async throws(ServerError) {
        try await transaction { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)").run()
            let stored = try await db.raw("SELECT value FROM meta WHERE key = 'schema_version'").first()?.string("value")
            let current = Int(stored ?? "0") ?? 0
            for (index, migration) in Self.migrations.enumerated() where index >= current {
                switch migration {
                case .sql(let statement): try await db.raw(SQLQueryString(statement)).run()
                case .step(let work): try await work(db)
                }
            }
            let version = String(Self.migrations.count)
            try await db.raw(
                "INSERT INTO meta (key, value) VALUES ('schema_version', \(bind: version)) ON CONFLICT (key) DO UPDATE SET value = \(bind: version)"
            ).run()
        }
    }

    /// Gives every device whose name another device of its fleet had first the first free
    /// variant of it (`pi-2`, …), as enrolment does now, so the unique index can be made.
    static func renameDuplicateDeviceNames(_ db: any SQLDatabase) async throws {
        let rows = try await db.raw("SELECT uuid, fleet_id, name FROM devices ORDER BY created_at, uuid").all()
        var seen: Set<[String]> = []
        for row in rows {
            let (uuid, fleet, name) = (try row.string("uuid"), try row.string("fleet_id"), try row.string("name"))
            guard !seen.insert([fleet, name]).inserted else { continue }
            let free = try await freeName(name, fleetID: fleet, uuid: uuid, db: db)
            try await db.raw("UPDATE devices SET name = \(bind: free) WHERE uuid = \(bind: uuid)").run()
            seen.insert([fleet, free])
        }
    }

    /// The schema version the store is at: how many migrations it has applied.
    func schemaVersion() async throws(ServerError) -> Int {
        Int(try await meta("schema_version") ?? "0") ?? 0
    }
}
