import DroverModel
import Foundation
import SQLKit

/// Reading records out of rows: the only place that knows the column names of each record.
extension SQLStore {
    static func fleet(_ row: any SQLRow) throws -> FleetRecord {
        var fleet = FleetRecord(
            id: try row.string("id"), orgID: try row.string("org_id"), name: try row.string("name"),
            trackedRelease: try row.optionalString("tracked_release"), createdAt: try row.double("created_at"),
            failingShare: try row.optionalDouble("failing_share") ?? 0.2, failingMin: try row.optionalInt("failing_min") ?? 2)
        fleet.production = (try row.optionalInt("production") ?? 0) != 0
        return fleet
    }

    static func device(_ row: any SQLRow) throws -> DeviceRecord {
        DeviceRecord(
            uuid: try row.string("uuid"), fleetID: try row.string("fleet_id"), name: try row.string("name"),
            architecture: try row.optionalString("architecture"), platform: try row.optionalString("platform"),
            pinnedRelease: try row.optionalString("pinned_release"),
            lastSeen: try row.optionalDouble("last_seen"),
            report: try row.optionalString("report").flatMap { try JSONDecoder().decode(API.StateReport.self, from: Data($0.utf8)) },
            createdAt: try row.double("created_at"))
    }

    static func release(_ row: any SQLRow) throws -> ReleaseRecord {
        let id = try row.string("id")
        let word = try row.string("status")
        guard let status = API.ReleaseStatus(rawValue: word) else {
            throw ServerError(.storage, "release \(id) has status '\(word)' in the store, which is not one of \(API.ReleaseStatus.words)")
        }
        return ReleaseRecord(
            id: id, fleetID: try row.string("fleet_id"), app: try JSONDecoder().decode(AppSpec.self, from: Data(try row.string("app").utf8)),
            status: status, statusDetail: try row.optionalString("status_detail"), createdAt: try row.double("created_at"),
            pins: try row.optionalString("pins").map { try JSONDecoder().decode([String: API.ImagePin].self, from: Data($0.utf8)) } ?? [:],
            warnings: try row.optionalString("warnings").map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [],
            stack: (try row.optionalInt("stack") ?? 0) != 0)
    }

    static func env(_ row: any SQLRow) throws -> EnvRecord {
        EnvRecord(
            fleetID: try row.string("fleet_id"), deviceUUID: try row.string("device_uuid"), service: try row.string("service"),
            name: try row.string("name"), value: try row.string("value"))
    }

    static func key(_ row: any SQLRow) throws -> KeyRecord {
        KeyRecord(
            id: try row.string("id"), fleetID: try row.string("fleet_id"), expiresAt: try row.optionalDouble("expires_at"),
            deviceLimit: try row.optionalInt("device_limit"), used: try row.int("used"), revoked: try row.int("revoked") != 0)
    }

    static func attempt(_ row: any SQLRow) throws -> ReleaseAttempt {
        let word = try row.string("outcome")
        guard let outcome = API.RolloutOutcome(rawValue: word) else {
            throw ServerError(.storage, "a release attempt has outcome '\(word)' in the store, which is not one of \(API.RolloutOutcome.words)")
        }
        return ReleaseAttempt(
            releaseID: try row.string("release_id"), deviceUUID: try row.string("device_uuid"), deviceName: try row.string("name"),
            outcome: outcome, reason: try row.optionalString("reason"))
    }

    /// Reads one row, turning a failure into a storage error.
    func decode<T>(_ row: any SQLRow, _ make: (any SQLRow) throws -> T) throws(ServerError) -> T {
        do {
            return try make(row)
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.storage, "a stored row could not be read", cause: error)
        }
    }

    /// Reads every row.
    func decodeAll<T>(_ rows: [any SQLRow], _ make: (any SQLRow) throws -> T) throws(ServerError) -> [T] {
        var out: [T] = []
        for row in rows { out.append(try decode(row, make)) }
        return out
    }

    /// The rows of a query, each read as a record.
    func records<T>(_ sql: SQLQueryString, _ make: (any SQLRow) throws -> T) async throws(ServerError) -> [T] {
        try decodeAll(try await rows(sql), make)
    }
}

extension SQLRow {
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func double(_ column: String) throws -> Double { try decode(column: column, as: Double.self) }
    func optionalDouble(_ column: String) throws -> Double? { try decode(column: column, as: Double?.self) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try decode(column: column, as: Int?.self) }
}
