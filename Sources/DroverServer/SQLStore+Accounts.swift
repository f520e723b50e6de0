import DroverModel
import SQLKit

/// Organisations, users, their roles and credentials.
extension SQLStore {
    public func ensureOrg(_ name: String) async throws(ServerError) -> String {
        if let row = try await rows("SELECT id FROM orgs WHERE name = \(bind: name)").first, let id = try? row.string("id") { return id }
        let id = Self.newID()
        try await run("INSERT INTO orgs (id, name, created_at) VALUES (\(bind: id), \(bind: name), \(bind: Self.now))")
        return id
    }

    public func createOrg(name: String) async throws(ServerError) -> OrgRecord {
        let id = Self.newID()
        do {
            try await run("INSERT INTO orgs (id, name, created_at) VALUES (\(bind: id), \(bind: name), \(bind: Self.now))")
        } catch  where error.code == .conflict {
            throw ServerError(.conflict, "an organisation named '\(name)' already exists")
        }
        return try await org(named: id)
    }

    public func org(named reference: String) async throws(ServerError) -> OrgRecord {
        guard let row = try await rows("SELECT * FROM orgs WHERE name = \(bind: reference) OR id = \(bind: reference)").first else {
            throw ServerError(.notFound, "no organisation named '\(reference)'")
        }
        return try decode(row) { OrgRecord(id: try $0.string("id"), name: try $0.string("name"), createdAt: try $0.double("created_at")) }
    }

    public func orgs(lowercasedName name: String) async throws(ServerError) -> [OrgRecord] {
        try await records("SELECT * FROM orgs WHERE LOWER(name) = \(bind: name)") {
            OrgRecord(id: try $0.string("id"), name: try $0.string("name"), createdAt: try $0.double("created_at"))
        }
    }

    public func homeOrg() async throws(ServerError) -> String? {
        guard let row = try await rows("SELECT id FROM orgs ORDER BY created_at, id LIMIT 1").first else { return nil }
        return try decode(row) { try $0.string("id") }
    }

    public func userCount() async throws(ServerError) -> Int {
        try await count("SELECT COUNT(*) AS n FROM users")
    }

    public func createUser(_ user: UserRecord, fleetRole: (fleetID: String, role: API.Role)?) async throws(ServerError) {
        do {
            try await transaction { db in
                try await db.raw(
                    """
                    INSERT INTO users (id, org_id, name, password, invite_hash, invite_expires, org_role, created_at)
                    VALUES (\(bind: user.id), \(bind: user.orgID), \(bind: user.name), \(bind: user.password), \(bind: user.inviteHash),
                      \(bind: user.inviteExpires), \(bind: user.orgRole?.rawValue), \(bind: user.createdAt))
                    """
                ).run()
                if let fleetRole {
                    try await Self.checkFleet(fleetRole.fleetID, org: user.orgID, db: db)
                    try await db.raw(
                        "INSERT INTO fleet_roles (user_id, fleet_id, role) VALUES (\(bind: user.id), \(bind: fleetRole.fleetID), \(bind: fleetRole.role.rawValue))"
                    ).run()
                }
            }
        } catch  where error.code == .conflict {
            throw ServerError(.conflict, "a user named '\(user.name)' already exists")
        }
    }

    public func users(org: String) async throws(ServerError) -> [UserRecord] {
        try await records("SELECT * FROM users WHERE org_id = \(bind: org) ORDER BY name", Self.user(_:))
    }

    public func user(named name: String) async throws(ServerError) -> UserRecord? {
        try await records("SELECT * FROM users WHERE name = \(bind: name)", Self.user(_:)).first
    }

    public func user(id: String) async throws(ServerError) -> UserRecord? {
        try await records("SELECT * FROM users WHERE id = \(bind: id)", Self.user(_:)).first
    }

    public func user(invitation hash: String) async throws(ServerError) -> UserRecord? {
        try await records("SELECT * FROM users WHERE invite_hash = \(bind: hash)", Self.user(_:)).first
    }

    public func fleetRoles(userIDs: [String]) async throws(ServerError) -> [String: [String: API.Role]] {
        guard !userIDs.isEmpty else { return [:] }
        let rows = try await rows("SELECT user_id, fleet_id, role FROM fleet_roles WHERE user_id IN (\(binds: userIDs))")
        var roles: [String: [String: API.Role]] = [:]
        for row in rows {
            let (user, fleet, word) = try decode(row) { (try $0.string("user_id"), try $0.string("fleet_id"), try $0.string("role")) }
            if let role = API.Role(rawValue: word) { roles[user, default: [:]][fleet] = role }
        }
        return roles
    }

    public func setPassword(userID: String, _ password: String) async throws(ServerError) {
        try await run("UPDATE users SET password = \(bind: password), invite_hash = NULL, invite_expires = NULL WHERE id = \(bind: userID)")
    }

    public func setRole(userID: String, fleetID: String?, _ role: API.Role?) async throws(ServerError) {
        try await transaction { db in
            guard let org = try await db.raw("SELECT org_id FROM users WHERE id = \(bind: userID)").first()?.string("org_id") else {
                throw ServerError(.notFound, "no such user")
            }
            if let fleetID {
                try await Self.checkFleet(fleetID, org: org, db: db)
                try await db.raw("DELETE FROM fleet_roles WHERE user_id = \(bind: userID) AND fleet_id = \(bind: fleetID)").run()
                if let role {
                    try await db.raw("INSERT INTO fleet_roles (user_id, fleet_id, role) VALUES (\(bind: userID), \(bind: fleetID), \(bind: role.rawValue))")
                        .run()
                }
            } else {
                try await db.raw("UPDATE users SET org_role = \(bind: role?.rawValue) WHERE id = \(bind: userID)").run()
            }
        }
    }

    public func deleteUser(id: String) async throws(ServerError) {
        try await transaction { db in
            for table in ["tokens", "fleet_roles"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE user_id = \(bind: id)").run()
            }
            try await db.raw("DELETE FROM users WHERE id = \(bind: id)").run()
        }
    }

    public func addToken(_ token: TokenRecord) async throws(ServerError) {
        try await run(
            """
            INSERT INTO tokens (hash, org_id, role, label, created_at, id, user_id, kind, prefix, fleet_id, expires_at, csrf)
            VALUES (\(bind: token.hash), \(bind: token.orgID), \(bind: token.role?.rawValue ?? ""), \(bind: token.name), \(bind: token.createdAt),
              \(bind: token.id), \(bind: token.userID), \(bind: token.kind.rawValue), \(bind: token.prefix), \(bind: token.fleetID),
              \(bind: token.expiresAt), \(bind: token.csrf))
            """)
    }

    public func tokens(userID: String, kind: TokenRecord.Kind) async throws(ServerError) -> [TokenRecord] {
        try await records(
            "SELECT * FROM tokens WHERE user_id = \(bind: userID) AND kind = \(bind: kind.rawValue) ORDER BY created_at", Self.token(_:))
    }

    public func deleteToken(id: String, userID: String) async throws(ServerError) -> Bool {
        try await transaction { db in
            let found = try await db.raw("SELECT hash FROM tokens WHERE id = \(bind: id) AND user_id = \(bind: userID)").first() != nil
            try await db.raw("DELETE FROM tokens WHERE id = \(bind: id) AND user_id = \(bind: userID)").run()
            return found
        }
    }

    public func deleteToken(hash: String) async throws(ServerError) {
        try await run("DELETE FROM tokens WHERE hash = \(bind: hash)")
    }

    public func deleteExpiredTokens(before time: Double) async throws(ServerError) {
        try await run("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < \(bind: time)")
    }

    public func tokenCount() async throws(ServerError) -> Int {
        try await count("SELECT COUNT(*) AS n FROM tokens")
    }

    public func identity(credentialHash hash: String) async throws(ServerError) -> Identity? {
        if let token = try await records("SELECT * FROM tokens WHERE hash = \(bind: hash)", Self.token(_:)).first {
            if let expires = token.expiresAt, expires <= Self.now { return nil }
            guard let user = try await user(id: token.userID) else { return nil }
            let roles = try await fleetRoles(userIDs: [user.id])[user.id] ?? [:]
            return .user(
                Principal(
                    org: user.orgID, userID: user.id, userName: user.name, orgRole: user.orgRole, fleetRoles: roles, tokenID: token.id,
                    tokenName: token.kind == .api ? token.name : nil, scopeFleet: token.fleetID, ceiling: token.role, csrf: token.csrf,
                    expiresAt: token.expiresAt))
        }
        if let row = try await rows("SELECT uuid, fleet_id FROM devices WHERE key_hash = \(bind: hash)").first {
            return try decode(row) { Identity.device(uuid: try $0.string("uuid"), fleetID: try $0.string("fleet_id")) }
        }
        return nil
    }

    /// Refuses a fleet that is not the organisation's, inside a transaction.
    private static func checkFleet(_ fleetID: String, org: String, db: any SQLDatabase) async throws {
        guard try await db.raw("SELECT id FROM fleets WHERE id = \(bind: fleetID) AND org_id = \(bind: org)").first() != nil else {
            throw ServerError(.notFound, "no fleet with id '\(fleetID)' in the organisation")
        }
    }

    static func user(_ row: any SQLRow) throws -> UserRecord {
        UserRecord(
            id: try row.string("id"), orgID: try row.string("org_id"), name: try row.string("name"), password: try row.optionalString("password"),
            inviteHash: try row.optionalString("invite_hash"), inviteExpires: try row.optionalDouble("invite_expires"),
            orgRole: try row.optionalString("org_role").flatMap(API.Role.init(rawValue:)), createdAt: try row.double("created_at"))
    }

    static func token(_ row: any SQLRow) throws -> TokenRecord {
        TokenRecord(
            id: try row.optionalString("id") ?? "", hash: try row.string("hash"), userID: try row.optionalString("user_id") ?? "",
            orgID: try row.string("org_id"), kind: TokenRecord.Kind(rawValue: try row.string("kind")) ?? .api, name: try row.string("label"),
            prefix: try row.string("prefix"), fleetID: try row.optionalString("fleet_id"), role: API.Role(rawValue: try row.string("role")),
            expiresAt: try row.optionalDouble("expires_at"), csrf: try row.optionalString("csrf"), createdAt: try row.double("created_at"))
    }

    /// Gives the tokens of a data directory from before users (all of them admin tokens of
    /// their organisation) to an owner of that organisation, made for them and named 'admin'
    /// (or 'admin-ORG' where that name is taken), who sets a password with
    /// `drover user passwd`. Each keeps its hash, so it goes on working.
    static func adoptOrphanTokens(_ db: any SQLDatabase) async throws {
        let orgs = try await db.raw("SELECT DISTINCT t.org_id AS org_id, o.name AS name FROM tokens t JOIN orgs o ON o.id = t.org_id WHERE t.user_id IS NULL")
            .all()
        for row in orgs {
            let (org, orgName) = (try row.string("org_id"), try row.string("name"))
            let taken = try await db.raw("SELECT id FROM users WHERE name = 'admin'").first() != nil
            let userID = newID()
            try await db.raw(
                """
                INSERT INTO users (id, org_id, name, org_role, created_at)
                VALUES (\(bind: userID), \(bind: org), \(bind: taken ? "admin-\(orgName)" : "admin"), 'owner', \(bind: now))
                """
            ).run()
            let tokens = try await db.raw("SELECT hash FROM tokens WHERE org_id = \(bind: org) AND user_id IS NULL").all()
            for token in tokens {
                try await db.raw(
                    "UPDATE tokens SET user_id = \(bind: userID), id = \(bind: newID()), role = '' WHERE hash = \(bind: try token.string("hash"))"
                ).run()
            }
        }
    }
}
