import DroverModel

/// One open page's share of ``LiveEvents``: the hints it may hear, as its caller may see them.
/// A hint names only ids, but even ids of another organisation's fleets are not told.
struct LiveListener: Sendable {
    /// What the page asked to hear.
    enum Subject: Sendable, Equatable {
        /// Everything the caller sees.
        case everything
        /// One fleet.
        case fleet(id: String)
        /// One device: its own hints, and its fleet's that are about no one device (env,
        /// releases), which change what the device's page shows.
        case device(uuid: String, fleetID: String)
    }

    let subject: Subject
    let org: String
    let stream: AsyncStream<LiveEvent>
    private let visible: VisibleFleets

    /// The fleets the caller sees, read again when a fleet changes (one may have been created).
    private actor VisibleFleets {
        let access: Access
        let store: any DroverStore
        var ids: Set<String>

        init(access: Access, store: any DroverStore, ids: Set<String>) {
            self.access = access
            self.store = store
            self.ids = ids
        }

        func contains(_ id: String) -> Bool { ids.contains(id) }

        func refresh() async {
            // A failed read keeps the fleets seen so far: a hint missed is not a leak.
            if let fleets = try? await access.fleets(in: store) { ids = Set(fleets.map(\.id)) }
        }
    }

    /// Starts listening for `access`'s caller: to one fleet or device (by name or id), or to
    /// all it sees. An unknown or unseen fleet or device is refused as its routes refuse it.
    static func open(_ access: Access, fleet: String?, device: String?, store: any DroverStore, hub: LiveEvents) async throws(ServerError)
        -> LiveListener
    {
        let subject: Subject
        if let device {
            let record = try await access.device(in: store, device)
            subject = .device(uuid: record.uuid, fleetID: record.fleetID)
        } else if let fleet {
            subject = .fleet(id: try await access.fleet(in: store, fleet).id)
        } else {
            subject = .everything
        }
        let ids = Set(try await access.fleets(in: store).map(\.id))
        let deviceID: String? = if case .device(let uuid, _) = subject { uuid } else { nil }
        return LiveListener(
            subject: subject, org: access.org, stream: hub.listen(device: deviceID),
            visible: VisibleFleets(access: access, store: store, ids: ids))
    }

    /// Whether the page hears `event`.
    func admits(_ event: LiveEvent) async -> Bool {
        guard let fleetID = event.fleetID else {
            return event.orgID == org && subject == .everything
        }
        // A fleet deleted was seen before the refresh; one created is seen after it.
        var seen = await visible.contains(fleetID)
        if event.kind == .fleet {
            await visible.refresh()
            if !seen { seen = await visible.contains(fleetID) }
        }
        guard seen else { return false }
        switch subject {
        case .everything: return true
        case .fleet(let id): return fleetID == id
        case .device(let uuid, let deviceFleet):
            return event.deviceID == uuid || (event.deviceID == nil && fleetID == deviceFleet)
        }
    }
}
