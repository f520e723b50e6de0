import DroverModel
import DroverRegistry
import Foundation
import Logging

/// The server's side of registries: the tokens of its own registry (who may pull and push
/// which repository), what a device hands its engine to pull, fleets' logins to private
/// registries, and pinning a release's images by digest.
///
/// Repositories of the server's registry are named `ORG/FLEET/SERVICE` (lowercased): a
/// device pulls its own fleet's only, a person pulls what their role lets them read and pushes
/// where it lets them create releases.
struct Registry: Sendable {
    let store: any DroverStore
    let settings: RegistrySettings
    /// Nil when the server has no registry of its own.
    let issuer: RegistryTokenIssuer?
    let client: RegistryClient
    let box: SecretBox
    let homeOrg: @Sendable () async throws(ServerError) -> String?
    let logger: Logger

    // MARK: Tokens

    /// `GET /v1/registry/token`: a token for the scopes asked, holding the part of each that
    /// the caller may have (possibly none, as the specification has it: the registry then
    /// refuses). Nobody gets anything without a credential.
    func token(for identity: Identity?, service: String?, scopes: [String], now: Date = Date()) async throws(ServerError) -> API.RegistryToken {
        guard let issuer else { throw ServerError(.unavailable, "this server runs no registry of its own (start it with --registry)") }
        if let service, service != settings.service {
            throw ServerError(.badRequest, "service '\(service)' is not this server's registry, '\(settings.service)'")
        }
        guard let identity else {
            throw ServerError(.unauthorized, "the registry needs a credential: 'docker login' with an API token as the password, or a device key")
        }
        var access: [RegistryAccess] = []
        for text in scopes {
            let scope = try RegistryScope(parsing: text)
            if let granted = try await grant(scope, to: identity) { access.append(granted) }
        }
        let token = try await issuer.token(access: access, subject: Self.subject(identity), lifetime: settings.tokenLifetime, now: now)
        return API.RegistryToken(token: token, expiresIn: settings.tokenLifetime, issuedAt: now)
    }

    /// What of `scope` the caller may have; nil for nothing.
    func grant(_ scope: RegistryScope, to identity: Identity) async throws(ServerError) -> RegistryAccess? {
        // The catalog lists every organisation's repositories: only the server itself reads it.
        guard scope.type == "repository", let fleet = try await fleet(owning: scope.name) else { return nil }
        var allowed: [String] = []
        switch identity {
        case .device(_, let fleetID):
            if fleetID == fleet.id { allowed = ["pull"] }
        case .user(let principal):
            let permissions: [(String, API.Permission)] = [("pull", .read), ("push", .createRelease), ("delete", .pruneImages)]
            for (action, permission) in permissions {
                let access = Access(principal: principal, permission: permission, homeOrg: try await homeOrg())
                if (try? access.check(fleet)) != nil { allowed.append(action) }
            }
        }
        let asked = scope.actions.contains("*") ? allowed : scope.actions.filter(allowed.contains)
        // Distribution needs pull beside push to push at all.
        guard !asked.isEmpty else { return nil }
        return RegistryAccess(type: "repository", name: scope.name, actions: asked)
    }

    /// The fleet a repository of the server's registry belongs to: `ORG/FLEET/…`, matched
    /// without regard to case. Two fleets of one organisation whose names differ only in case
    /// share no repository: neither is given one.
    func fleet(owning repository: String) async throws(ServerError) -> FleetRecord? {
        let parts = repository.split(separator: "/")
        guard parts.count >= 3 else { return nil }
        let orgs = try await store.orgs(lowercasedName: String(parts[0]))
        guard orgs.count == 1 else { return nil }
        let org = orgs[0]
        let fleets = try await store.fleets(org: org.id).filter { $0.name.lowercased() == parts[1] }
        return fleets.count == 1 ? fleets[0] : nil
    }

    /// `ORG/FLEET/SERVICE` for a fleet's service, or why the names cannot make one.
    func repository(fleet: FleetRecord, service: String) async throws(ServerError) -> String {
        let org = try await store.org(named: fleet.orgID)
        let parts = [org.name, fleet.name, service].map { $0.lowercased() }
        for part in parts where !ImageReference.isPathComponent(part) {
            throw ServerError(
                .badRequest,
                "'\(part)' cannot be part of a repository name (lowercase letters and digits, separated by '.', '_' or '-'); rename the organisation, fleet or service"
            )
        }
        return parts.joined(separator: "/")
    }

    /// A token the server gives itself for its own work on its registry.
    func ownToken(_ access: [RegistryAccess]) async throws(ServerError) -> String {
        guard let issuer else { throw ServerError(.unavailable, "this server runs no registry of its own (start it with --registry)") }
        return try await issuer.token(access: access, subject: "drover-server", lifetime: 600)
    }

    static func subject(_ identity: Identity) -> String {
        switch identity {
        case .device(let uuid, _): "device:" + uuid
        case .user(let principal): "user:" + principal.userName
        }
    }

    // MARK: Pulls

    /// `POST /v1/device/pull-auth`: what the device's engine needs to pull `image`: a token
    /// for the server's registry (its own fleet's repositories only), or the fleet's login to
    /// the image's registry; nothing for registries the server knows nothing of.
    func pullAuth(device uuid: String, fleetID: String, image: String) async throws(ServerError) -> API.PullAuth {
        try ControlPlane.validateText(image, what: "body: image", limit: 1024)
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: image)
        } catch {
            throw ServerError(.badRequest, "body: \(error.message)")
        }
        if reference.registry == settings.address, issuer != nil {
            let scope = try RegistryScope(parsing: "repository:\(reference.repository):pull")
            guard let access = try await grant(scope, to: .device(uuid: uuid, fleetID: fleetID)) else { return API.PullAuth(registryAuth: nil) }
            let token = try await ownToken([access])
            return API.PullAuth(registryAuth: RegistryClient.engineAuth(["registrytoken": token]))
        }
        guard let login = try await store.registryLogins(fleetID: fleetID).first(where: { $0.registry == reference.registry }) else {
            return API.PullAuth(registryAuth: nil)
        }
        let password = try box.open(login.sealedPassword, context: RegistryLoginRecord.sealingContext(fleetID: fleetID, registry: login.registry))
        return API.PullAuth(
            registryAuth: RegistryClient.engineAuth(["username": login.username, "password": password, "serveraddress": login.registry]))
    }

    /// How the server reaches `registry` for a fleet: its own token for its own registry,
    /// the fleet's login for a private one, anonymously otherwise.
    func credentials(for reference: ImageReference, fleet: FleetRecord, actions: [String] = ["pull"]) async throws(ServerError)
        -> RegistryClient.Credentials
    {
        if reference.registry == settings.address, issuer != nil {
            return .bearer(try await ownToken([RegistryAccess(type: "repository", name: reference.repository, actions: actions)]))
        }
        guard let login = try await store.registryLogins(fleetID: fleet.id).first(where: { $0.registry == reference.registry }) else {
            return .anonymous
        }
        let password = try box.open(login.sealedPassword, context: RegistryLoginRecord.sealingContext(fleetID: fleet.id, registry: login.registry))
        return .basic(username: login.username, password: password)
    }

    // MARK: Pinning

    /// Each service's image pinned by digest, per platform, and what could not be checked.
    /// Fails, naming the service, when an image does not exist or its registry refuses, when
    /// it lies in another fleet's repository of the server's registry (the fleet's devices
    /// could not pull it), and, unless `allowMissingPlatforms`, when it lacks a platform that
    /// devices of the fleet run. A registry that cannot be reached is a warning: the devices
    /// then pull the tag, as `docker stack deploy` does.
    func pins(_ app: AppSpec, fleet: FleetRecord, allowMissingPlatforms: Bool) async throws(ServerError)
        -> (pins: [String: API.ImagePin], warnings: [String])
    {
        var pins: [String: API.ImagePin] = [:]
        var warnings: [String] = []
        let platforms = try await store.platforms(fleetID: fleet.id)
        var missing: [String] = []
        for (name, service) in app.services.sorted(by: { $0.key < $1.key }) {
            guard let image = service.image else { continue }
            let reference: ImageReference
            do {
                reference = try ImageReference(parsing: image)
            } catch {
                throw ServerError(.invalidCompose, "services.\(name).image: \(error.message)")
            }
            if reference.registry == settings.address, issuer != nil, try await self.fleet(owning: reference.repository)?.id != fleet.id {
                throw ServerError(
                    .imageUnavailable,
                    "services.\(name).image: \(reference.name) is not a repository of fleet '\(fleet.name)' (\(try await repository(fleet: fleet, service: name)) would be); its devices may pull only their own fleet's images"
                )
            }
            let pin: API.ImagePin
            let credentials = try await credentials(for: reference, fleet: fleet)
            do throws(RegistryError) {
                pin = try await ImageResolver(client: client).resolve(reference, credentials: credentials)
            } catch {
                switch error.code {
                case .unreachable:
                    warnings.append("services.\(name).image: \(image) is not pinned, its registry did not answer (\(error.message)); devices pull the tag")
                    continue
                case .unauthorized, .denied:
                    throw ServerError(
                        .imageUnavailable,
                        "services.\(name).image: the registry refuses to show \(image) (\(error.message)); if it is private, store the fleet's login: drover registry login --fleet \(fleet.name) \(reference.registry)"
                    )
                case .notFound:
                    throw ServerError(.imageUnavailable, "services.\(name).image: \(image) does not exist in its registry (\(error.message))")
                case .invalidResponse, .rejected:
                    throw ServerError(.imageUnavailable, "services.\(name).image: \(error.message)")
                }
            }
            pins[name] = pin
            let lacking = platforms.keys.compactMap { try? Platform(parsing: $0) }.filter { platform in
                service.platform == nil && !pin.has(platform)
            }.sorted()
            if !lacking.isEmpty {
                let counts = lacking.map { "\($0) (\(platforms[$0.description] ?? 0) device\(platforms[$0.description] == 1 ? "" : "s"))" }
                missing.append(
                    "service '\(name)': \(image) has no image for \(counts.joined(separator: ", ")); it has \(pin.platforms.keys.sorted().joined(separator: ", "))"
                )
            }
        }
        if !missing.isEmpty, !allowMissingPlatforms {
            throw ServerError(
                .missingPlatform,
                "devices of fleet '\(fleet.name)' could not run this release: " + missing.joined(separator: "; ")
                    + ". Build the image for those platforms (drover push --platform), or create it anyway with --allow-missing-platforms")
        }
        warnings += missing.map { "\($0); those devices report it and keep their release" }
        return (pins, warnings)
    }

    // MARK: Logins

    /// A fleet's logins to private registries, without their passwords.
    func logins(_ access: Access, fleet reference: String) async throws(ServerError) -> [API.RegistryLogin] {
        let fleet = try await access.fleet(in: store, reference)
        return try await store.registryLogins(fleetID: fleet.id).map {
            API.RegistryLogin(fleet: fleet.name, registry: $0.registry, username: $0.username, createdAt: Date(timeIntervalSince1970: $0.createdAt))
        }
    }

    /// Stores a fleet's login to a registry, its password sealed.
    func setLogin(_ access: Access, fleet reference: String, _ body: API.SetRegistryLogin) async throws(ServerError) -> API.RegistryLogin {
        let fleet = try await access.fleet(in: store, reference)
        let registry = try Self.registryHost(body.registry)
        try ControlPlane.validateText(body.username, what: "body: username", limit: API.Limits.label)
        try ControlPlane.validateText(body.password, what: "body: password", limit: API.Limits.envValue)
        guard !body.username.isEmpty, !body.password.isEmpty else { throw ServerError(.badRequest, "body: username and password must not be empty") }
        if registry == settings.address {
            throw ServerError(.badRequest, "body: registry \(registry) is this server's own; its devices are given tokens for it")
        }
        let now = WallClock.now
        let sealed = try box.seal(body.password, context: RegistryLoginRecord.sealingContext(fleetID: fleet.id, registry: registry))
        try await store.setRegistryLogin(
            RegistryLoginRecord(fleetID: fleet.id, registry: registry, username: body.username, sealedPassword: sealed, createdAt: now))
        return API.RegistryLogin(fleet: fleet.name, registry: registry, username: body.username, createdAt: Date(timeIntervalSince1970: now))
    }

    /// Removes a fleet's login to a registry.
    func removeLogin(_ access: Access, fleet reference: String, registry: String) async throws(ServerError) {
        let fleet = try await access.fleet(in: store, reference)
        guard try await store.removeRegistryLogin(fleetID: fleet.id, registry: try Self.registryHost(registry)) else {
            throw ServerError(.notFound, "fleet '\(fleet.name)' has no login to \(registry)")
        }
    }

    /// A registry's host as images name it: `ghcr.io`, `harbor.example.com:8443`; Docker Hub
    /// is `docker.io`. A URL's scheme and path are dropped, as `docker login` does.
    static func registryHost(_ text: String) throws(ServerError) -> String {
        var host = Substring(text.lowercased())
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
        host = host.prefix { $0 != "/" }
        if ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(String(host)) { host = "docker.io" }
        guard !host.isEmpty, host.count <= 255,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]") })
        else {
            throw ServerError(.badRequest, "registry '\(text)' is not a registry host such as ghcr.io or harbor.example.com:8443")
        }
        return String(host)
    }
}
