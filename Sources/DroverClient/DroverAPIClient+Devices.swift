import DroverModel

/// Devices as people manage them: listing, changing, actions, tags, env and logs.
extension DroverAPIClient {
    /// `GET /v1/devices`.
    public func devices(_ filter: API.DeviceFilter = API.DeviceFilter()) async throws(ClientError) -> [API.Device] {
        try await call([API.Device].self, .GET, Self.path("devices", query: filter.queryItems.map { name, value in (name, Optional(value)) }))
    }

    /// `GET /v1/devices/{device}`: a device by name or UUID.
    public func device(_ device: String) async throws(ClientError) -> API.Device {
        try await call(API.Device.self, .GET, Self.path("devices", device))
    }

    /// `PATCH /v1/devices/{device}`: rename, move, pin or unpin.
    public func updateDevice(_ device: String, _ change: API.UpdateDevice) async throws(ClientError) -> API.Device {
        try await call(API.Device.self, .PATCH, Self.path("devices", device), body: change)
    }

    /// `DELETE /v1/devices/{device}`: its key stops working and its apps are removed.
    public func deleteDevice(_ device: String) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("devices", device))
    }

    /// `POST /v1/devices/{device}/actions`: the device carries it out when it next asks.
    public func act(on device: String, _ action: API.DeviceAction) async throws(ClientError) {
        _ = try await send(.POST, Self.path("devices", device, "actions"), body: action)
    }

    /// `PUT /v1/devices/{device}/tags`; answers the device's tags after the change.
    @discardableResult
    public func setTags(_ device: String, _ change: API.TagChange) async throws(ClientError) -> [String: String] {
        try await call([String: String].self, .PUT, Self.path("devices", device, "tags"), body: change)
    }

    /// `GET /v1/env`: the variables of a fleet, or of a device (and its fleet).
    public func env(fleet: String? = nil, device: String? = nil) async throws(ClientError) -> [API.EnvVar] {
        try await call([API.EnvVar].self, .GET, Self.path("env", query: [("fleet", fleet), ("device", device)]))
    }

    /// `PUT /v1/env`.
    public func setEnv(_ variable: API.SetEnv) async throws(ClientError) -> API.EnvVar {
        try await call(API.EnvVar.self, .PUT, Self.path("env"), body: variable)
    }

    /// `DELETE /v1/env`: the variable at exactly this scope.
    public func removeEnv(name: String, fleet: String? = nil, device: String? = nil, service: String? = nil) async throws(ClientError) {
        _ = try await send(.DELETE, Self.path("env", query: [("name", name), ("fleet", fleet), ("device", device), ("service", service)]))
    }

    /// `GET /v1/devices/{device}/logs`: up to `limit` lines, of one service or all, from an
    /// RFC 3339 time on (`since`) or after a sequence number (`after`, for following).
    public func logs(
        device: String, service: String? = nil, since: String? = nil, after: Int64? = nil, limit: Int = 100
    ) async throws(ClientError) -> [API.LogEntry] {
        let query: [(String, String?)] = [("limit", "\(limit)"), ("service", service), ("since", since), ("after", after.map { "\($0)" })]
        return try await call([API.LogEntry].self, .GET, Self.path("devices", device, "logs", query: query))
    }

    /// `GET /v1/devices/{device}/sessions`: the device's terminal sessions, newest first.
    public func sessions(device: String) async throws(ClientError) -> [API.SessionRecord] {
        try await call([API.SessionRecord].self, .GET, Self.path("devices", device, "sessions"))
    }

    /// `GET /v1/devices/{device}/metrics`: the newest sample and the per-minute history.
    public func metrics(device: String, since: String? = nil) async throws(ClientError) -> API.DeviceMetrics {
        try await call(API.DeviceMetrics.self, .GET, Self.path("devices", device, "metrics", query: [("since", since)]))
    }
}
