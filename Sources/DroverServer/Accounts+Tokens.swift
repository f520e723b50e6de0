import DroverModel
import Foundation

/// API tokens, who is calling, and the audit log.
extension Accounts {
    /// The longest a token may live: ten years.
    static let longestTokenSeconds: Double = 10 * 365 * 86_400

    /// Creates an API token for the caller, within their own roles: a fleet they see, a role
    /// no higher than theirs there.
    func createToken(_ access: Access, _ body: API.CreateToken) async throws(ServerError) -> API.CreatedToken {
        try ControlPlane.validateName(body.name, what: "token name")
        guard let user = try await store.user(id: access.principal.userID) else { throw ServerError(.unauthorized, "the user was removed") }
        var fleetID: String?
        if let name = body.fleet {
            let fleet = try await store.fleet(org: access.org, named: name)
            guard access.sees(fleet.id) else { throw ServerError(.notFound, "no fleet named '\(name)'") }
            fleetID = fleet.id
        }
        if let role = body.role {
            let held = fleetID.flatMap { access.principal.role(inFleet: $0) } ?? access.principal.anyRoles.max()
            guard let held, role <= held else {
                throw ServerError(.forbidden, "a token's role is at most your own (\(access.principal.anyRoles.max()?.rawValue ?? "none"))")
            }
        }
        var expiresAt: Double?
        if let seconds = body.expiresIn {
            guard seconds.isFinite, seconds > 0, seconds <= Self.longestTokenSeconds else {
                throw ServerError(.badRequest, "expiresIn must be a number of seconds above 0 and at most ten years, got \(seconds)")
            }
            expiresAt = WallClock.now + seconds
        }
        let (token, record) = try await credentials.mint(
            for: user, name: body.name, kind: .api, fleetID: fleetID, role: body.role, expiresAt: expiresAt)
        return API.CreatedToken(token: token, info: try await view(record, user: user))
    }

    func tokens(_ access: Access) async throws(ServerError) -> [API.Token] {
        guard let user = try await store.user(id: access.principal.userID) else { return [] }
        var out: [API.Token] = []
        for record in try await store.tokens(userID: user.id, kind: .api) { out.append(try await view(record, user: user)) }
        return out
    }

    func deleteToken(_ access: Access, _ id: String) async throws(ServerError) {
        guard try await store.deleteToken(id: id, userID: access.principal.userID) else {
            throw ServerError(.notFound, "you have no token with id '\(id)'")
        }
        await credentials.forgetPeople()
    }

    private func view(_ record: TokenRecord, user: UserRecord) async throws(ServerError) -> API.Token {
        let fleet = try await record.fleetID.asyncMap { id throws(ServerError) in try await store.fleet(id: id).name }
        return API.Token(
            id: record.id, name: record.name, prefix: record.prefix, user: user.name, fleet: fleet, role: record.role,
            expiresAt: record.expiresAt.map { Date(timeIntervalSince1970: $0) }, createdAt: Date(timeIntervalSince1970: record.createdAt))
    }

    /// Who the credential belongs to and what it may do in the organisation.
    func me(_ access: Access) async throws(ServerError) -> API.Me {
        guard let user = try await store.user(id: access.principal.userID) else { throw ServerError(.unauthorized, "the user was removed") }
        return API.Me(
            user: try await view(user), token: access.principal.tokenName,
            permissions: Access.organisationPermissions(of: access.principal, homeOrg: access.homeOrg), csrf: access.principal.csrf)
    }

    // MARK: Audit

    /// The organisation's entries the caller may read: those of fleets they see, and, with an
    /// organisation-wide role, those of the organisation itself.
    func audit(_ access: Access, _ query: AuditQuery) async throws(ServerError) -> [API.AuditEntry] {
        var query = query
        var fleetNames: [String: String] = [:]
        for fleet in try await store.fleets(org: access.org) { fleetNames[fleet.id] = fleet.name }
        if let fleet = query.fleetID {
            let record = try await store.fleet(org: access.org, named: fleet)
            try access.check(record)
            query.fleetID = record.id
        }
        if let reference = query.device {
            // What was done to it through its routes (by name or id), and its sessions.
            let device = try await access.device(in: store, reference)
            query.targets = ["/v1/devices/\(device.name)", "/v1/devices/\(device.uuid)", "device:\(device.name)"]
        }
        let wholeOrganisation = access.principal.organisationRole != nil
        return try await store.audit(org: access.org, query).compactMap { entry in
            if let fleet = entry.fleetID { guard access.sees(fleet) else { return nil } } else if !wholeOrganisation { return nil }
            return API.AuditEntry(
                id: entry.id, at: Date(timeIntervalSince1970: entry.at), actor: entry.actor, token: entry.token, address: entry.address,
                action: entry.action, target: entry.target, fleet: entry.fleetID.map { fleetNames[$0] ?? $0 }, requestID: entry.requestID,
                result: entry.result, status: entry.status)
        }
    }

    /// Writes an entry that goes with no change of the store: a session, a failed request.
    func record(_ entry: AuditRecord) async {
        try? await store.appendAudit(entry)
    }

    /// Drops audit entries past their retention and expired credentials.
    func prune() async throws(ServerError) {
        let now = WallClock.now
        try await store.pruneAudit(before: now - Self.auditRetentionSeconds)
        try await store.deleteExpiredTokens(before: now)
    }
}
