import Crypto
import DroverModel
import Foundation

/// A device's target as served: its canonical JSON and the ETag that names it.
public struct ServedTarget: Sendable, Equatable {
    /// The JSON body.
    public var body: Data
    /// The quoted ETag: a hash of the body, so it changes exactly when the body does.
    public var etag: String

    /// The served form of `target`.
    init(_ target: TargetState) {
        body = target.canonicalJSON()
        etag = "\"" + SHA256.hash(data: body).prefix(12).hexString + "\""
    }
}

/// Computes devices' targets from one snapshot of the store: no I/O, so every rule of what a
/// device runs is here, read top to bottom, and tested without a database.
struct TargetBuilder: Sendable {
    /// What targets are computed from.
    var snapshot: TargetSnapshot

    /// Whether the device's target is its fleet's shared one: it has nothing of its own (no
    /// pin, variable, command, stopped service or failing release kept), so a release costs
    /// one computation per fleet.
    func sharesFleetTarget(_ uuid: String) -> Bool {
        guard let placement = snapshot.devices[uuid] else { return false }
        let ownEnv = (snapshot.env[placement.fleetID] ?? []).contains { $0.deviceUUID == uuid }
        return snapshot.clusters[placement.fleetID] == nil && placement.pinned == nil && !ownEnv && snapshot.commands[uuid] == nil
            && snapshot.stopped[uuid] == nil
            && snapshot.keepFailing[uuid] == nil
    }

    /// The release a device is to run: the one it is pinned to (`pinned`, read by the caller),
    /// else a failing release it started and kept, else what its fleet offers.
    func release(of uuid: String, pinned: ReleaseRecord?) -> ReleaseRecord? {
        guard let placement = snapshot.devices[uuid] else { return nil }
        if placement.pinned != nil { return pinned }
        return snapshot.keepFailing[uuid] ?? snapshot.offered[placement.fleetID]
    }

    /// The device's target, or nil when the snapshot knows no such device or its fleet.
    func target(of uuid: String, pinned: ReleaseRecord?) -> ServedTarget? {
        guard let placement = snapshot.devices[uuid], let fleet = snapshot.fleets[placement.fleetID] else { return nil }
        let variables = (snapshot.env[fleet.id] ?? []).filter { $0.deviceUUID.isEmpty || $0.deviceUUID == uuid }.map(\.scoped)
        let config = Self.deviceConfig(variables)
        // A device of a fleet in cluster mode runs the fleet's release as a node of its swarm.
        if let cluster = snapshot.clusters[fleet.id] {
            let part = ClusterPlan.target(for: uuid, cluster, advertiseAddress: config?["DROVER_SWARM_ADVERTISE_ADDR"])
            return ServedTarget(TargetState(apps: [:], config: config, cluster: part))
        }
        guard let release = release(of: uuid, pinned: pinned) else { return ServedTarget(TargetState(apps: [:], config: config)) }
        var app = release.app
        for (name, pin) in release.pins {
            guard var service = app.services[name] else { continue }
            service.image = Self.image(pin, for: placement.platform, service: &service)
            app.services[name] = service
        }
        if !variables.isEmpty {
            for name in app.services.keys {
                var environment = app.services[name]?.environment ?? [:]
                for (key, resolved) in EnvironmentScope.resolve(variables, service: name) { environment[key] = resolved.value }
                app.services[name]?.environment = environment.isEmpty ? nil : environment
            }
        }
        Self.fillExternalVersions(&app, fleetFiles: snapshot.fleetFiles[fleet.id] ?? [:])
        var target = AppTarget(release: release.id, app: app)
        let commands = snapshot.commands[uuid] ?? DeviceCommands()
        var restarts = commands.serviceRestarts
        // On the wire the whole app's restarts are the counter of service `*`.
        if commands.appRestarts > 0 { restarts["*"] = commands.appRestarts }
        target.restarts = restarts.isEmpty ? nil : restarts
        target.purges = commands.purges > 0 ? commands.purges : nil
        target.forcedUpdates = commands.forcedUpdates > 0 ? commands.forcedUpdates : nil
        target.retries = commands.retries > 0 ? commands.retries : nil
        target.stopped = snapshot.stopped[uuid]
        return ServedTarget(TargetState(apps: [fleet.name: target], config: config))
    }

    /// A release's own secrets and configs carry their versions; an external one is the
    /// fleet's, whose value may change under the release: its version is looked up now
    /// (`fleetFiles`: "kind/name" → version), and is `missing` while the fleet has none.
    static func fillExternalVersions(_ app: inout AppSpec, fleetFiles: [String: String]) {
        for kind in AppFileKind.allCases {
            var files = app.files(kind)
            for (name, file) in files where file.source == .external {
                files[name]?.version = fleetFiles["\(kind.rawValue)/\(file.storedName(name))"] ?? "missing"
            }
            if kind == .secret { app.secrets = files.isEmpty ? nil : files } else { app.configs = files.isEmpty ? nil : files }
        }
    }

    /// The image a device runs for a pinned service: its platform's own manifest. A device of a
    /// platform the image lacks (a release made with `--allow-missing-platforms`) is given the
    /// release's reference and its platform, so its engine refuses the pull in plain words
    /// ("no matching manifest for linux/arm/v7") instead of running a binary it cannot execute.
    static func image(_ pin: API.ImagePin, for platform: Platform?, service: inout ServiceSpec) -> String {
        guard let platform else { return pin.reference }
        if let own = pin.reference(for: platform) { return own }
        if service.platform == nil { service.platform = platform.description }
        return pin.reference
    }

    /// The device's settings: the `DROVER_*` variables of its fleet and its own that are not
    /// for one service, the narrower scope winning; nil when there are none.
    static func deviceConfig(_ variables: [ScopedVariable]) -> [String: String]? {
        var config: [String: ScopedVariable] = [:]
        for variable in variables where variable.service == nil && variable.name.hasPrefix("DROVER_") {
            if let known = config[variable.name], known.scope > variable.scope { continue }
            config[variable.name] = variable
        }
        return config.isEmpty ? nil : config.mapValues(\.value)
    }
}
