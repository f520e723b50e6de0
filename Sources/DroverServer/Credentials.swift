/// API tokens and who a bearer credential belongs to.
actor Credentials {
    /// How long a resolved credential is trusted without asking the store again.
    static let cacheSeconds: Double = 10

    private let store: any DroverStore
    private var cache: [String: (identity: Identity, expires: Double)] = [:]

    /// Credentials over `store`.
    init(store: any DroverStore) {
        self.store = store
    }

    /// Creates the default organisation and, on a store without tokens, an admin token
    /// (returned once; nil when tokens exist).
    func bootstrap() async throws(ServerError) -> String? {
        let org = try await store.ensureOrg("default")
        guard try await store.tokenCount() == 0 else { return nil }
        return try await mint(org: org, label: "first admin")
    }

    /// The default organisation's id (the one the admin token belongs to).
    func defaultOrg() async throws(ServerError) -> String {
        try await store.ensureOrg("default")
    }

    /// Mints another admin token for the default organisation.
    func createToken(label: String) async throws(ServerError) -> String {
        try await mint(org: try await store.ensureOrg("default"), label: label)
    }

    private func mint(org: String, label: String) async throws(ServerError) -> String {
        let token = Secrets.mint(prefix: "drv_")
        try await store.addToken(hash: Secrets.hash(token), org: org, role: "admin", label: label)
        return token
    }

    /// Resolves a bearer credential.
    func identity(credential: String) async throws(ServerError) -> Identity? {
        // Every device request carries its key: remembering answers for a few seconds keeps
        // the store out of the hot path. A deleted device is forgotten here at once, and on
        // other servers within the cache's lifetime.
        let now = WallClock.now
        if let cached = cache[credential], cached.expires > now { return cached.identity }
        let identity = try await store.identity(credentialHash: Secrets.hash(credential))
        if let identity {
            if cache.count > 100_000 { cache.removeAll() }
            cache[credential] = (identity, now + Self.cacheSeconds)
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
}
