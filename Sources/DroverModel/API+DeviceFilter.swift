extension API {
    /// Which devices `GET /v1/devices` lists (`?fleet=&tag=KEY=VALUE&online=&status=`); a field
    /// left nil or empty matches every device.
    public struct DeviceFilter: Sendable, Equatable {
        /// Only this fleet (name or id).
        public var fleet: String?
        /// Only devices that have all these tags.
        public var tags: [String: String]
        /// Only devices that are (or are not) online.
        public var online: Bool?
        /// Only devices with this status.
        public var status: DeviceStatus?

        /// Creates a filter.
        public init(fleet: String? = nil, tags: [String: String] = [:], online: Bool? = nil, status: DeviceStatus? = nil) {
            self.fleet = fleet
            self.tags = tags
            self.online = online
            self.status = status
        }

        /// The query items, name and unescaped value, in a stable order; nil values are left out.
        public var queryItems: [(String, String)] {
            var items: [(String, String)] = []
            if let fleet { items.append(("fleet", fleet)) }
            for (key, value) in tags.sorted(by: { $0.key < $1.key }) { items.append(("tag", "\(key)=\(value)")) }
            if let online { items.append(("online", "\(online)")) }
            if let status { items.append(("status", status.rawValue)) }
            return items
        }
    }
}
