import Foundation

extension API {
    /// `POST /v1/orgs`.
    public struct CreateOrg: Codable, Sendable, Equatable {
        public var name: String
        public init(name: String) { self.name = name }
    }

    /// An organisation.
    public struct Org: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var createdAt: Date
        public init(id: String, name: String, createdAt: Date) {
            self.id = id
            self.name = name
            self.createdAt = createdAt
        }
    }

    /// `POST /v1/users`: a member of an organisation. Without a password the answer carries an
    /// invitation token, shown once, with which the person sets their own.
    public struct CreateUser: Codable, Sendable, Equatable {
        public var name: String
        public var role: Role
        /// The fleet the role holds in; none: the whole organisation.
        public var fleet: String?
        /// The organisation, by name; none: the caller's.
        public var org: String?
        public var password: String?
        public init(name: String, role: Role, fleet: String? = nil, org: String? = nil, password: String? = nil) {
            self.name = name
            self.role = role
            self.fleet = fleet
            self.org = org
            self.password = password
        }
    }

    /// A member and their roles.
    public struct User: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var org: String
        /// The role in the whole organisation, if any.
        public var role: Role?
        /// Roles in single fleets, by fleet name; they override the organisation's role there.
        public var fleetRoles: [String: Role]
        /// Whether an invitation is still open (no password set yet).
        public var invited: Bool
        public var createdAt: Date
        public init(id: String, name: String, org: String, role: Role?, fleetRoles: [String: Role], invited: Bool, createdAt: Date) {
            self.id = id
            self.name = name
            self.org = org
            self.role = role
            self.fleetRoles = fleetRoles
            self.invited = invited
            self.createdAt = createdAt
        }
    }

    /// The answer to creating a user: the user, and an invitation token when no password was given.
    public struct CreatedUser: Codable, Sendable, Equatable {
        public var user: User
        public var invitation: String?
        public init(user: User, invitation: String?) {
            self.user = user
            self.invitation = invitation
        }
    }

    /// `PUT /v1/users/{user}/roles`: grants a role in the organisation or in one fleet; a nil
    /// role takes it away.
    public struct SetRole: Codable, Sendable, Equatable {
        public var role: Role?
        public var fleet: String?
        public init(role: Role?, fleet: String? = nil) {
            self.role = role
            self.fleet = fleet
        }
    }

    /// `POST /v1/login`: a name and password, or an invitation token and the new password.
    public struct Login: Codable, Sendable, Equatable {
        public var username: String
        public var password: String
        public var invitation: String?
        public init(username: String, password: String, invitation: String? = nil) {
            self.username = username
            self.password = password
            self.invitation = invitation
        }
    }

    /// The answer to a login: a session token (also set as a cookie for browsers), when it
    /// expires, and the CSRF token a browser sends back on every change.
    public struct LoginSession: Codable, Sendable, Equatable {
        public var token: String
        public var expiresAt: Date
        public var csrf: String
        public var user: User
        public init(token: String, expiresAt: Date, csrf: String, user: User) {
            self.token = token
            self.expiresAt = expiresAt
            self.csrf = csrf
            self.user = user
        }
    }

    /// `PUT /v1/me/password`.
    public struct ChangePassword: Codable, Sendable, Equatable {
        public var password: String
        public init(password: String) { self.password = password }
    }

    /// `POST /v1/tokens`: a personal or CI token.
    public struct CreateToken: Codable, Sendable, Equatable {
        public var name: String
        /// Only this fleet; none: wherever the owner's roles hold.
        public var fleet: String?
        /// At most this role; none: the owner's.
        public var role: Role?
        /// Seconds it lives; none: until removed.
        public var expiresIn: Double?
        public init(name: String, fleet: String? = nil, role: Role? = nil, expiresIn: Double? = nil) {
            self.name = name
            self.fleet = fleet
            self.role = role
            self.expiresIn = expiresIn
        }
    }

    /// An API token as listed: never its secret, which is shown once.
    public struct Token: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        /// The first characters of the token, to tell it apart.
        public var prefix: String
        public var user: String
        public var fleet: String?
        public var role: Role?
        public var expiresAt: Date?
        public var createdAt: Date
        public init(id: String, name: String, prefix: String, user: String, fleet: String?, role: Role?, expiresAt: Date?, createdAt: Date) {
            self.id = id
            self.name = name
            self.prefix = prefix
            self.user = user
            self.fleet = fleet
            self.role = role
            self.expiresAt = expiresAt
            self.createdAt = createdAt
        }
    }

    /// The answer to creating a token: the token itself, shown this once.
    public struct CreatedToken: Codable, Sendable, Equatable {
        public var token: String
        public var info: Token
        public init(token: String, info: Token) {
            self.token = token
            self.info = info
        }
    }

    /// `GET /v1/me`: who the credential belongs to and what it may do, so that a client shows
    /// only what it may use.
    public struct Me: Codable, Sendable, Equatable {
        public var user: User
        /// The token's name, for an API token; none for a login session.
        public var token: String?
        /// What the credential may do in the organisation as a whole.
        public var permissions: [Permission]
        /// A login session's CSRF token, for a page loaded again after the login: every change
        /// made with the session cookie sends it as `X-CSRF-Token`. None for an API token.
        public var csrf: String?
        public init(user: User, token: String?, permissions: [Permission], csrf: String? = nil) {
            self.user = user
            self.token = token
            self.permissions = permissions
            self.csrf = csrf
        }
    }

    /// One line of the audit log.
    public struct AuditEntry: Codable, Sendable, Equatable {
        public var id: Int64
        public var at: Date
        /// The user's name, or `device:UUID`.
        public var actor: String
        /// The API token's name when one was used; none for a login session.
        public var token: String?
        public var address: String?
        /// The operation, e.g. `createRelease`, `session.terminal`, `login.failed`.
        public var action: String
        /// What it acted on: the request's path, or a device or fleet.
        public var target: String
        public var fleet: String?
        public var requestID: String?
        /// `ok`, or the error's code.
        public var result: String
        public var status: Int
        public init(
            id: Int64, at: Date, actor: String, token: String?, address: String?, action: String, target: String, fleet: String?,
            requestID: String?, result: String, status: Int
        ) {
            self.id = id
            self.at = at
            self.actor = actor
            self.token = token
            self.address = address
            self.action = action
            self.target = target
            self.fleet = fleet
            self.requestID = requestID
            self.result = result
            self.status = status
        }
    }
}
