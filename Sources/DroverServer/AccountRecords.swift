import DroverModel

/// Who is calling: a person (through an API token or a login session) or a device.
public enum Identity: Sendable, Equatable {
    /// A person of an organisation.
    case user(Principal)
    /// A device, by UUID.
    case device(uuid: String, fleetID: String)
}

/// A person as a credential presents them: their roles, narrowed by the token's scope.
public struct Principal: Sendable, Equatable {
    /// The organisation they belong to.
    public var org: String
    public var userID: String
    public var userName: String
    /// The role in the whole organisation, if any.
    public var orgRole: API.Role?
    /// Roles in single fleets, by fleet id: there they override the organisation's role.
    public var fleetRoles: [String: API.Role]
    /// The credential: its id, and its name for an API token (nil for a login session).
    public var tokenID: String
    public var tokenName: String?
    /// A token limited to one fleet.
    public var scopeFleet: String?
    /// A token limited to at most this role.
    public var ceiling: API.Role?
    /// A login session's CSRF token, which a browser must send back on every change.
    public var csrf: String?
    /// When the credential stops working, if it does.
    public var expiresAt: Double?

    /// The role that holds in a fleet: its own, else the organisation's, within the token's
    /// scope and ceiling; nil: the fleet is not theirs to see.
    public func role(inFleet fleetID: String) -> API.Role? {
        if let scopeFleet, scopeFleet != fleetID { return nil }
        guard let role = fleetRoles[fleetID] ?? orgRole else { return nil }
        return ceiling.map { min($0, role) } ?? role
    }

    /// The role that holds for the organisation as a whole (members, new fleets, tokens).
    public var organisationRole: API.Role? {
        guard scopeFleet == nil, let orgRole else { return nil }
        return ceiling.map { min($0, orgRole) } ?? orgRole
    }

    /// Every role the credential holds anywhere.
    public var anyRoles: [API.Role] {
        var roles = Array(Set(fleetRoles.keys.compactMap { role(inFleet: $0) }))
        if let scopeFleet {
            if let role = role(inFleet: scopeFleet) { roles.append(role) }
        } else if let organisationRole {
            roles.append(organisationRole)
        }
        return roles
    }
}

/// An organisation as stored.
public struct OrgRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdAt: Double
}

/// A user as stored.
public struct UserRecord: Sendable, Equatable {
    public var id: String
    public var orgID: String
    public var name: String
    /// The password's hash in ``Passwords``' form; nil until an invitation is taken.
    public var password: String?
    public var inviteHash: String?
    public var inviteExpires: Double?
    public var orgRole: API.Role?
    public var createdAt: Double
}

/// An API token or a login session as stored: only the hash of its secret.
public struct TokenRecord: Sendable, Equatable {
    /// API tokens people and CI make, and sessions from a login.
    public enum Kind: String, Sendable {
        case api, session
    }
    public var id: String
    public var hash: String
    public var userID: String
    public var orgID: String
    public var kind: Kind
    public var name: String
    public var prefix: String
    public var fleetID: String?
    public var role: API.Role?
    public var expiresAt: Double?
    public var csrf: String?
    public var createdAt: Double
}

/// One audit entry as stored.
public struct AuditRecord: Sendable, Equatable {
    public var id: Int64 = 0
    public var at: Double
    public var orgID: String
    public var actor: String
    public var token: String?
    public var address: String?
    public var action: String
    public var target: String
    public var fleetID: String?
    public var requestID: String?
    public var result: String
    public var status: Int
}

/// What to read of the audit log.
public struct AuditQuery: Sendable {
    public var actor: String?
    public var fleetID: String?
    public var action: String?
    /// Only entries about this device (name or id): resolved into `targets`.
    public var device: String?
    /// Only entries whose target is one of these, or starts with one of them and '/'.
    public var targets: [String] = []
    public var since: Double?
    /// Entries before this id (pages back); nil: from the newest.
    public var before: Int64?
    public var limit: Int = 100
}
