import DroverModel
import Foundation

/// People: organisations, users and their roles, logins, API tokens, and the audit log.
struct Accounts: Sendable {
    /// How long a login session lasts.
    static let sessionSeconds: Double = 7 * 86_400
    /// How long an invitation may wait to be taken.
    static let invitationSeconds: Double = 7 * 86_400
    /// How long audit entries are kept.
    static let auditRetentionSeconds: Double = 90 * 86_400

    let store: any DroverStore
    let credentials: Credentials
    let throttle = LoginThrottle()

    // MARK: Logging in

    /// Checks a name and password (or takes an invitation and sets the password) and opens a
    /// session. Every failure says the same, whether or not the user exists.
    func login(_ body: API.Login, address: String?) async throws(ServerError) -> API.LoginSession {
        let now = WallClock.now
        let refused = ServerError(.unauthorized, "the user name or password is wrong")
        if let wait = throttle.wait(name: body.username, address: address, now: now) {
            throw ServerError(.tooManyRequests, "too many failed logins; try again in \(Int(wait.rounded(.up))) s")
        }
        let user: UserRecord
        if let invitation = body.invitation {
            try Passwords.validate(body.password)
            guard let invited = try await store.user(invitation: Secrets.hash(invitation)), invited.name == body.username,
                (invited.inviteExpires ?? 0) > now
            else {
                throw await failed(body.username, address: address, refused: refused)
            }
            try await store.setPassword(userID: invited.id, try Passwords.hash(body.password))
            user = invited
        } else {
            guard let found = try await store.user(named: body.username), let stored = found.password else {
                Passwords.verifyNothing(body.password)
                throw await failed(body.username, address: address, refused: refused)
            }
            guard Passwords.verify(body.password, against: stored) else {
                throw await failed(body.username, address: address, refused: refused)
            }
            user = found
        }
        throttle.succeeded(name: body.username)
        let expires = now + Self.sessionSeconds
        let (token, record) = try await credentials.mint(for: user, name: "login", kind: .session, expiresAt: expires)
        try await store.appendAudit(
            AuditRecord(
                at: now, orgID: user.orgID, actor: user.name, address: address, action: body.invitation == nil ? "login" : "login.invitation",
                target: "user:\(user.name)", result: "ok", status: 200))
        return API.LoginSession(
            token: token, expiresAt: Date(timeIntervalSince1970: expires), csrf: record.csrf ?? "", user: try await view(user))
    }

    /// Counts a failed login, audits it in the user's organisation when the user exists, and
    /// gives back the one error every failure shows.
    private func failed(_ name: String, address: String?, refused: ServerError) async -> ServerError {
        let now = WallClock.now
        throttle.failed(name: name, address: address, now: now)
        if let user = try? await store.user(named: name) {
            try? await store.appendAudit(
                AuditRecord(
                    at: now, orgID: user.orgID, actor: user.name, address: address, action: "login.failed", target: "user:\(name)",
                    result: "unauthorized", status: 401))
        }
        return refused
    }

    /// Ends the session or token given.
    func logout(credential: String) async throws(ServerError) {
        try await store.deleteToken(hash: Secrets.hash(credential))
        await credentials.forgetPeople()
    }

    // MARK: Organisations and members

    func createOrg(_ access: Access, _ body: API.CreateOrg) async throws(ServerError) -> API.Org {
        try access.checkOrganisation()
        try ControlPlane.validateName(body.name, what: "organisation name")
        let org = try await store.createOrg(name: body.name)
        return API.Org(id: org.id, name: org.name, createdAt: Date(timeIntervalSince1970: org.createdAt))
    }

    func createUser(_ access: Access, _ body: API.CreateUser) async throws(ServerError) -> API.CreatedUser {
        try ControlPlane.validateName(body.name, what: "user name")
        var org = access.org
        if let name = body.org {
            let named = try await store.org(named: name)
            // Members of another organisation are added by the server's own owners only.
            if named.id != access.org {
                try Access(principal: access.principal, permission: .createOrg, homeOrg: access.homeOrg).checkOrganisation()
            }
            org = named.id
        }
        if org == access.org { try access.checkOrganisation(target: body.role) }
        var fleetRole: (String, API.Role)?
        if let fleet = body.fleet { fleetRole = (try await store.fleet(org: org, named: fleet).id, body.role) }
        var invitation: String?
        var user = UserRecord(
            id: Secrets.newID(), orgID: org, name: body.name, password: nil, inviteHash: nil, inviteExpires: nil,
            orgRole: body.fleet == nil ? body.role : nil, createdAt: WallClock.now)
        if let password = body.password {
            try Passwords.validate(password)
            user.password = try Passwords.hash(password)
        } else {
            let token = Secrets.mint(prefix: "dri_")
            invitation = token
            user.inviteHash = Secrets.hash(token)
            user.inviteExpires = WallClock.now + Self.invitationSeconds
        }
        try await store.createUser(user, fleetRole: fleetRole)
        return API.CreatedUser(user: try await view(user), invitation: invitation)
    }

    func users(_ access: Access) async throws(ServerError) -> [API.User] {
        var out: [API.User] = []
        for user in try await store.users(org: access.org) { out.append(try await view(user)) }
        return out
    }

    func deleteUser(_ access: Access, _ name: String) async throws(ServerError) {
        let user = try await member(access, name)
        try access.checkOrganisation(target: user.orgRole)
        guard user.id != access.principal.userID else { throw ServerError(.conflict, "you cannot remove yourself; ask another admin") }
        try await store.deleteUser(id: user.id)
        await credentials.forgetPeople()
    }

    func setRole(_ access: Access, _ name: String, _ body: API.SetRole) async throws(ServerError) -> API.User {
        let user = try await member(access, name)
        try access.checkOrganisation(target: max(user.orgRole ?? .viewer, body.role ?? .viewer))
        // So that no one locks themselves (or the last owner) out by mistake.
        guard user.id != access.principal.userID else { throw ServerError(.conflict, "you cannot change your own role; ask another admin") }
        let fleetID = try await body.fleet.asyncMap { name throws(ServerError) in try await store.fleet(org: access.org, named: name).id }
        try await store.setRole(userID: user.id, fleetID: fleetID, body.role)
        await credentials.forgetPeople()
        return try await view(try await store.user(id: user.id) ?? user)
    }

    /// Sets the caller's own password.
    func changePassword(_ access: Access, _ body: API.ChangePassword) async throws(ServerError) {
        try Passwords.validate(body.password)
        try await store.setPassword(userID: access.principal.userID, try Passwords.hash(body.password))
    }

    /// A member of the caller's organisation by name: any other is "not found".
    func member(_ access: Access, _ name: String) async throws(ServerError) -> UserRecord {
        guard let user = try await store.user(named: name), user.orgID == access.org else {
            throw ServerError(.notFound, "no user named '\(name)' in your organisation")
        }
        return user
    }

    /// A user as the API shows them, fleet roles by fleet name.
    func view(_ user: UserRecord) async throws(ServerError) -> API.User {
        let roles = try await store.fleetRoles(userIDs: [user.id])[user.id] ?? [:]
        var byName: [String: API.Role] = [:]
        for (fleetID, role) in roles {
            if let fleet = try? await store.fleet(id: fleetID) { byName[fleet.name] = role }
        }
        return API.User(
            id: user.id, name: user.name, org: (try? await store.org(named: user.orgID).name) ?? user.orgID, role: user.orgRole,
            fleetRoles: byName, invited: user.password == nil, createdAt: Date(timeIntervalSince1970: user.createdAt))
    }
}

extension Optional {
    /// `map` with an async, throwing transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws(ServerError) -> T) async throws(ServerError) -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
