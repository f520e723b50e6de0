import DroverModel

/// What a person's request may do, decided by the role table (``API/Role/grants``): the
/// route's permission, which the route's entry in the OpenAPI document names, and the
/// person's roles. The routes never check a role themselves; the control plane asks this at
/// the one place where each request meets its fleet (``check(_:deviceScope:)``), and filters
/// lists with ``sees(_:)``.
public struct Access: Sendable {
    public let principal: Principal
    /// What the route does.
    public let permission: API.Permission
    /// The server's first organisation, whose owners may create others.
    let homeOrg: String?

    public var org: String { principal.org }

    /// Whether the person may do this anywhere: in the organisation, or in any fleet.
    var allowedAnywhere: Bool {
        if Self.organisationWide.contains(permission) { return organisationGrant != nil }
        return principal.anyRoles.contains { $0.grants[permission] != nil }
    }

    /// Permissions that concern the organisation as a whole, held only through its role.
    static let organisationWide: Set<API.Permission> = [.createFleet, .manageMembers, .createOrg, .pruneImages]

    /// The grant of the permission by the organisation-wide role, with its limits checked.
    var organisationGrant: API.Grant? {
        guard let role = principal.organisationRole, let grant = role.grants[permission] else { return nil }
        if grant == .homeOrganisationOnly, principal.org != homeOrg { return nil }
        return grant
    }

    /// Whether the person sees every fleet of the organisation: a role in the whole of it,
    /// through a credential not scoped to one fleet. Lists need no filtering then.
    public var seesEveryFleet: Bool { principal.organisationRole != nil }

    /// Whether the person sees the fleet at all (any role in it).
    public func sees(_ fleetID: String) -> Bool {
        principal.role(inFleet: fleetID) != nil
    }

    /// Passes if the route's permission holds in the fleet; a fleet the person does not see
    /// is "not found", as if it did not exist, and one they see but may not act on is 403.
    /// `deviceScope`: the change is to one device's settings, not the fleet's.
    public func check(_ fleet: FleetRecord, deviceScope: Bool = false) throws(ServerError) {
        guard fleet.orgID == org, let role = principal.role(inFleet: fleet.id) else {
            throw ServerError(.notFound, "no fleet named '\(fleet.name)'")
        }
        AuditDraft.current?.setFleet(fleet.id)
        guard let grant = role.grants[permission] else {
            throw ServerError(.forbidden, "your role '\(role.rawValue)' in fleet '\(fleet.name)' does not allow '\(permission.rawValue)'")
        }
        switch grant {
        case .notOnProduction where fleet.production:
            throw ServerError(.forbidden, "fleet '\(fleet.name)' is production: your role '\(role.rawValue)' may not '\(permission.rawValue)' there")
        case .fleetScopeOnly where deviceScope:
            throw ServerError(.forbidden, "your role '\(role.rawValue)' may set fleet-wide variables only, not a device's")
        default:
            return
        }
    }

    /// Passes if the route's permission holds for the organisation as a whole; `target` is the
    /// role of the member acted on, for the owners-only limit.
    public func checkOrganisation(target: API.Role? = nil) throws(ServerError) {
        guard let grant = organisationGrant else {
            let role = principal.organisationRole.map { "your role '\($0.rawValue)'" } ?? "a role in single fleets"
            throw ServerError(.forbidden, "\(role) does not allow '\(permission.rawValue)' in the organisation")
        }
        if grant == .exceptOwners, target == .owner {
            throw ServerError(.forbidden, "only owners may add, change or remove owners")
        }
    }

    /// The permissions the person holds in the organisation as a whole, for `GET /v1/me`.
    static func organisationPermissions(of principal: Principal, homeOrg: String?) -> [API.Permission] {
        API.Permission.allCases.filter { Access(principal: principal, permission: $0, homeOrg: homeOrg).organisationGrant != nil }
    }
}

/// Finding what a request names, as the person may see it: what is not theirs to see is "not
/// found", exactly as what does not exist.
extension Access {
    /// A fleet by name or id, with the route's permission checked in it.
    func fleet(in store: any DroverStore, _ reference: String, deviceScope: Bool = false) async throws(ServerError) -> FleetRecord {
        let fleet = try await store.fleet(org: org, named: reference)
        try check(fleet, deviceScope: deviceScope)
        return fleet
    }

    /// A device by name or UUID, with the route's permission checked in its fleet.
    func device(in store: any DroverStore, _ reference: String) async throws(ServerError) -> DeviceRecord {
        let device = try await store.device(org: org, named: reference)
        let fleet = try await store.fleet(id: device.fleetID)
        guard sees(fleet.id) else { throw ServerError(.notFound, "no device named '\(reference)'") }
        try check(fleet, deviceScope: true)
        return device
    }

    /// A release by id or prefix, with the route's permission checked in its fleet.
    func release(in store: any DroverStore, _ id: String) async throws(ServerError) -> (ReleaseRecord, FleetRecord) {
        let release = try await store.release(id: id)
        let fleet = try await store.fleet(id: release.fleetID)
        guard fleet.orgID == org, sees(fleet.id) else { throw ServerError(.notFound, "no release '\(id)'") }
        try check(fleet)
        return (release, fleet)
    }

    /// The organisation's fleets the person sees.
    func fleets(in store: any DroverStore) async throws(ServerError) -> [FleetRecord] {
        try await store.fleets(org: org).filter { sees($0.id) }
    }
}
