import DroverModel
import Foundation
import SQLKit

/// Releases and devices' attempts at them.
extension SQLStore {
    public func addRelease(_ release: ReleaseRecord, compose: String, fleet: FleetRecord) async throws(ServerError) {
        let appJSON = String(decoding: Canonical.encode(release.app), as: UTF8.self)
        let pins = release.pins.isEmpty ? nil : String(decoding: Canonical.encode(release.pins), as: UTF8.self)
        let warnings = release.warnings.isEmpty ? nil : String(decoding: Canonical.encode(release.warnings), as: UTF8.self)
        try await transaction { db in
            try await Self.requireFleet(fleet, db: db)
            try await db.raw(
                """
                INSERT INTO releases (id, fleet_id, compose, app, status, status_detail, created_at, pins, warnings, stack)
                VALUES (\(bind: release.id), \(bind: release.fleetID), \(bind: compose), \(bind: appJSON), \(bind: release.status.rawValue),
                  \(bind: release.statusDetail), \(bind: release.createdAt), \(bind: pins), \(bind: warnings), \(bind: release.stack ? 1 : 0))
                """
            ).run()
        }
    }

    public func releases(fleetID: String) async throws(ServerError) -> [ReleaseRecord] {
        try await records("SELECT * FROM releases WHERE fleet_id = \(bind: fleetID) ORDER BY created_at DESC", Self.release(_:))
    }

    public func release(id: String) async throws(ServerError) -> ReleaseRecord {
        let prefix = id.count >= 6 ? Self.likePrefix(id) : "\u{1}"
        let found = try await rows("SELECT * FROM releases WHERE id = \(bind: id) OR id LIKE \(bind: prefix) ESCAPE '\\'")
        guard found.count == 1 else {
            throw ServerError(found.isEmpty ? .notFound : .conflict, found.isEmpty ? "no release '\(id)'" : "'\(id)' names several releases")
        }
        return try decode(found[0], Self.release(_:))
    }

    public func releaseCompose(id: String) async throws(ServerError) -> String {
        guard let compose = try await records("SELECT compose FROM releases WHERE id = \(bind: id)", { try $0.string("compose") }).first else {
            throw ServerError(.notFound, "no release '\(id)'")
        }
        return compose
    }

    public func newestUsableRelease(fleetID: String, stack: Bool) async throws(ServerError) -> ReleaseRecord? {
        try await records(
            """
            SELECT * FROM releases WHERE fleet_id = \(bind: fleetID) AND status <> \(bind: API.ReleaseStatus.failing.rawValue)
              AND stack = \(bind: stack ? 1 : 0)
            ORDER BY created_at DESC LIMIT 1
            """, Self.release(_:)
        ).first
    }

    public func failingReleases() async throws(ServerError) -> [ReleaseRecord] {
        try await records("SELECT * FROM releases WHERE status = \(bind: API.ReleaseStatus.failing.rawValue)", Self.release(_:))
    }

    public func attemptCounts(release: String) async throws(ServerError) -> [API.RolloutOutcome: Int] {
        let counts = try await records("SELECT outcome, COUNT(*) AS n FROM release_attempts WHERE release_id = \(bind: release) GROUP BY outcome") {
            (outcome: try $0.string("outcome"), count: try $0.int("n"))
        }
        var out: [API.RolloutOutcome: Int] = [:]
        for entry in counts {
            guard let outcome = API.RolloutOutcome(rawValue: entry.outcome) else {
                throw ServerError(.storage, "a release attempt has outcome '\(entry.outcome)' in the store, which is not one of \(API.RolloutOutcome.words)")
            }
            out[outcome] = entry.count
        }
        return out
    }

    public func attempts(release: String, outcome: API.RolloutOutcome, limit: Int) async throws(ServerError) -> [ReleaseAttempt] {
        try await records(
            """
            SELECT a.release_id, a.device_uuid, d.name, a.outcome, a.reason FROM release_attempts a JOIN devices d ON d.uuid = a.device_uuid
            WHERE a.release_id = \(bind: release) AND a.outcome = \(bind: outcome.rawValue) ORDER BY a.updated_at LIMIT \(bind: limit)
            """, Self.attempt(_:))
    }

    public func unfinishedAttemptsOnFailingReleases() async throws(ServerError) -> [ReleaseAttempt] {
        try await records(
            """
            SELECT a.release_id, a.device_uuid, d.name, a.outcome, a.reason FROM release_attempts a JOIN releases r ON r.id = a.release_id
            JOIN devices d ON d.uuid = a.device_uuid
            WHERE r.status = \(bind: API.ReleaseStatus.failing.rawValue) AND a.outcome <> \(bind: API.RolloutOutcome.rolledBack.rawValue)
            """, Self.attempt(_:))
    }

    public func markFailing(release: String, detail: String) async throws(ServerError) {
        try await run(
            """
            UPDATE releases SET status = \(bind: API.ReleaseStatus.failing.rawValue), status_detail = \(bind: detail) WHERE id = \(bind: release)
            """)
    }
}
