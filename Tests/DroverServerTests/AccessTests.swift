import DroverModel
import Testing

@testable import DroverServer

/// The limits of the role table, one by one, on the `Access` a request gets.
@Suite("Access: the role table's limits")
struct AccessTests {
    static let lab = FleetRecord(id: "lab-id", orgID: "org", name: "lab", createdAt: 0)
    static var production: FleetRecord {
        var fleet = FleetRecord(id: "prod-id", orgID: "org", name: "prod", createdAt: 0)
        fleet.production = true
        return fleet
    }

    static func access(_ role: API.Role, fleetRoles: [String: API.Role] = [:], scope: String? = nil, ceiling: API.Role? = nil, _ permission: API.Permission)
        -> Access
    {
        Access(
            principal: Principal(
                org: "org", userID: "u", userName: "u", orgRole: role, fleetRoles: fleetRoles, tokenID: "t", tokenName: nil, scopeFleet: scope,
                ceiling: ceiling, csrf: nil),
            permission: permission, homeOrg: "org")
    }

    static func code(_ body: () throws(ServerError) -> Void) -> ServerErrorCode? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test("a developer opens terminals on a fleet that is not production, and not on one that is")
    func production() {
        let developer = Self.access(.developer, .session)
        #expect(Self.code { () throws(ServerError) in try developer.check(Self.lab) } == nil)
        #expect(Self.code { () throws(ServerError) in try developer.check(Self.production) } == .forbidden)
        #expect(Self.code { () throws(ServerError) in try Self.access(.operator, .session).check(Self.production) } == nil)
    }

    @Test("a developer sets fleet-wide variables but not a device's")
    func fleetScope() {
        let developer = Self.access(.developer, .writeEnv)
        #expect(Self.code { () throws(ServerError) in try developer.check(Self.lab) } == nil)
        #expect(Self.code { () throws(ServerError) in try developer.check(Self.lab, deviceScope: true) } == .forbidden)
        #expect(Self.code { () throws(ServerError) in try Self.access(.viewer, .writeEnv).check(Self.lab) } == .forbidden)
    }

    @Test("an admin manages members but not owners; only the first organisation's owners create organisations")
    func organisation() {
        let admin = Self.access(.admin, .manageMembers)
        #expect(Self.code { () throws(ServerError) in try admin.checkOrganisation(target: .operator) } == nil)
        #expect(Self.code { () throws(ServerError) in try admin.checkOrganisation(target: .owner) } == .forbidden)
        #expect(Self.code { () throws(ServerError) in try Self.access(.owner, .createOrg).checkOrganisation() } == nil)
        var elsewhere = Self.access(.owner, .createOrg)
        elsewhere = Access(principal: elsewhere.principal, permission: .createOrg, homeOrg: "another")
        #expect(Self.code { () throws(ServerError) in try elsewhere.checkOrganisation() } == .forbidden)
    }

    @Test("a fleet role overrides the organisation's there; a token's scope and ceiling narrow both")
    func narrowing() {
        let viewerButOperatorInLab = Self.access(.viewer, fleetRoles: ["lab-id": .operator], .actOnDevice)
        #expect(Self.code { () throws(ServerError) in try viewerButOperatorInLab.check(Self.lab) } == nil)
        #expect(Self.code { () throws(ServerError) in try viewerButOperatorInLab.check(Self.production) } == .forbidden)
        let scoped = Self.access(.owner, scope: "lab-id", .read)
        #expect(!scoped.sees("prod-id") && scoped.sees("lab-id"))
        #expect(Self.code { () throws(ServerError) in try scoped.check(Self.production) } == .notFound)
        let ceiled = Self.access(.owner, ceiling: .viewer, .createRelease)
        #expect(Self.code { () throws(ServerError) in try ceiled.check(Self.lab) } == .forbidden)
        #expect(Self.access(.owner, scope: "lab-id", .createFleet).organisationGrant == nil, "a fleet-scoped token does no organisation-wide work")
    }
}
