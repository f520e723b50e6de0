import DroverModel

/// Who a bearer credential or session cookie belongs to, and the credentials the server
/// mints itself: the first owner's token at first start.
actor Credentials {
    /// How long a resolved credential is trusted without asking the store again.
    static let cacheSeconds: Double = 10
    /// The name of the owner the first start creates.
    static let firstOwner = "admin"

    private let store: any DroverStore
    private var cache: [String: (identity: Identity, expires: Double)] = [:]
    private var home: String?

    /// Credentials over `store`.
    init(store: any DroverStore) {
        self.store = store
    }

    /// On a store without users: creates the first organisation and its owner, and returns
    /// the owner's first API token (shown once; nil when users exist).
    func bootstrap() async throws(ServerError) -> String? {
        let org = try await store.ensureOrg("default")
        guard try await store.userCount() == 0 else { return nil }
        let owner = UserRecord(
            id: Secrets.newID(), orgID: org, name: Self.firstOwner, password: nil, inviteHash: nil, inviteExpires: nil, orgRole: .owner,
            createdAt: WallClock.now)
        try await store.createUser(owner, fleetRole: nil)
        return try await mint(for: owner, name: "first admin", kind: .api).token
    }

    /// The server's first organisation (asked of the store once; it never changes).
    func homeOrg() async throws(ServerError) -> String? {
        if let home { return home }
        home = try await store.homeOrg()
        return home
    }

    /// Mints another API token for the first owner (`drover-server token create`, run on the
    /// server's own machine with its data directory).
    func createToken(label: String) async throws(ServerError) -> String {
        _ = try await bootstrap()
        guard let owner = try await store.user(named: Self.firstOwner) else {
            throw ServerError(.notFound, "the first owner '\(Self.firstOwner)' was removed; log in as another owner and use 'drover token create'")
        }
        return try await mint(for: owner, name: label, kind: .api).token
    }

    /// The first owner as a principal with no token.
    func firstOwner() async throws(ServerError) -> Principal? {
        guard let user = try await store.user(named: Self.firstOwner) else { return nil }
        return Principal(
            org: user.orgID, userID: user.id, userName: user.name, orgRole: user.orgRole, fleetRoles: [:], tokenID: "", tokenName: nil,
            scopeFleet: nil, ceiling: nil, csrf: nil, expiresAt: nil)
    }

    /// Makes and stores a token or a login session for a user.
    func mint(
        for user: UserRecord, name: String, kind: TokenRecord.Kind, fleetID: String? = nil, role: API.Role? = nil, expiresAt: Double? = nil
    ) async throws(ServerError) -> (token: String, record: TokenRecord) {
        let token = Secrets.mint(prefix: kind == .api ? "drv_" : "drs_")
        let record = TokenRecord(
            id: Secrets.newID(), hash: Secrets.hash(token), userID: user.id, orgID: user.orgID, kind: kind, name: name,
            prefix: String(token.prefix(10)), fleetID: fleetID, role: role, expiresAt: expiresAt,
            csrf: kind == .session ? Secrets.mint(prefix: "") : nil, createdAt: WallClock.now)
        try await store.addToken(record)
        return (token, record)
    }

    /// Resolves a bearer credential or a session cookie.
    func identity(credential: String) async throws(ServerError) -> Identity? {
        // Every device request carries its key: remembering answers for a few seconds keeps
        // the store out of the hot path. A change to people or their credentials clears it
        // here at once, and on other servers within its lifetime.
        let now = WallClock.now
        if let cached = cache[credential], cached.expires > now { return cached.identity }
        let identity = try await store.identity(credentialHash: Secrets.hash(credential))
        if let identity {
            if cache.count > 100_000 { cache.removeAll() }
            var expires = now + Self.cacheSeconds
            if case .user(let principal) = identity, let end = principal.expiresAt { expires = min(expires, end) }
            cache[credential] = (identity, expires)
        }
        return identity
    }

    /// Forgets a deleted device's key at once.
    func forget(device uuid: String) {
        cache = cache.filter {
            guard case .device(let cached, _) = $0.value.identity else { return true }
            return cached != uuid
        }
    }

    /// Forgets every person's credential: their roles or tokens changed.
    func forgetPeople() {
        cache = cache.filter {
            guard case .device = $0.value.identity else { return false }
            return true
        }
    }
}
