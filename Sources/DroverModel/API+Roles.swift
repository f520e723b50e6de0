extension API {
    /// What a person may do in an organisation or a fleet, from most to least. Modelled on
    /// balena's member roles and Kubernetes' built-in roles; ``Role/grants`` is the one table
    /// that every route is checked against.
    public enum Role: String, ProtocolWord, Comparable {
        case owner, admin, `operator`, developer, viewer

        /// Higher is more.
        var rank: Int {
            switch self {
            case .owner: 4
            case .admin: 3
            case .operator: 2
            case .developer: 1
            case .viewer: 0
            }
        }

        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

        /// What the role may do, and where: the role/permission table. A permission that is
        /// not listed is refused.
        public var grants: [Permission: Grant] {
            Self.table[self] ?? [:]
        }

        /// The table itself, written once.
        static let table: [Role: [Permission: Grant]] = {
            let read: [Permission: Grant] = [.read: .always, .readAudit: .always, .ownTokens: .always]
            let developer = read.merging([
                .createRelease: .always, .writeEnv: .fleetScopeOnly, .session: .notOnProduction, .manageWebhooks: .always,
            ]) { $1 }
            let `operator` = read.merging([
                .manageFleet: .always, .manageKeys: .always, .manageDevice: .always, .actOnDevice: .always, .tagDevice: .always,
                .session: .always, .writeEnv: .always, .manageWebhooks: .always,
            ]) { $1 }
            var admin = developer.merging(`operator`) { lhs, rhs in max(lhs, rhs) }
            admin.merge([
                .createFleet: .always, .deleteFleet: .always, .deleteDevice: .always, .manageMembers: .exceptOwners, .pruneImages: .always,
            ]) { $1 }
            var owner = admin
            for permission in Permission.allCases { owner[permission] = .always }
            owner[.createOrg] = .homeOrganisationOnly
            return [.viewer: read, .developer: developer, .operator: `operator`, .admin: admin, .owner: owner]
        }()
    }

    /// One thing a route does, as the role table names it.
    public enum Permission: String, ProtocolWord {
        /// Read fleets, devices, releases, env, logs, metrics and sessions.
        case read
        /// Read the audit log (entries of the fleets one may read).
        case readAudit = "read-audit"
        /// Create, list and remove one's own API tokens; change one's own password.
        case ownTokens = "own-tokens"
        /// Create a fleet.
        case createFleet = "create-fleet"
        /// Change a fleet's settings, what release it tracks among them.
        case manageFleet = "manage-fleet"
        /// Delete a fleet.
        case deleteFleet = "delete-fleet"
        /// Create, list and revoke provisioning keys.
        case manageKeys = "manage-keys"
        /// Create a release.
        case createRelease = "create-release"
        /// Rename, move and pin a device.
        case manageDevice = "manage-device"
        /// Delete a device.
        case deleteDevice = "delete-device"
        /// Restart, reboot, stop, start and purge.
        case actOnDevice = "act-on-device"
        /// Set and remove tags.
        case tagDevice = "tag-device"
        /// Open a terminal or a tunnel on a device.
        case session
        /// Set and remove environment variables.
        case writeEnv = "write-env"
        /// Create and remove webhooks.
        case manageWebhooks = "manage-webhooks"
        /// Add, change and remove members of the organisation.
        case manageMembers = "manage-members"
        /// Create organisations (the server's own: owners of its first organisation).
        case createOrg = "create-org"
        /// Delete images from the server's registry that no kept release uses.
        case pruneImages = "prune-images"
    }

    /// Where a role holds a permission: everywhere, or with a limit the route's target is
    /// checked against.
    public enum Grant: String, ProtocolWord, Comparable {
        /// Not on fleets marked production.
        case notOnProduction = "not-on-production"
        /// Fleet-wide variables only, not a device's.
        case fleetScopeOnly = "fleet-scope-only"
        /// Members of any role but owner.
        case exceptOwners = "except-owners"
        /// Only in the server's first organisation, the one created at first start.
        case homeOrganisationOnly = "home-organisation-only"
        /// Everywhere the role holds.
        case always

        var rank: Int {
            switch self {
            case .notOnProduction, .fleetScopeOnly, .exceptOwners, .homeOrganisationOnly: 0
            case .always: 1
            }
        }

        public static func < (lhs: Grant, rhs: Grant) -> Bool { lhs.rank < rhs.rank }
    }
}
