extension API {
    /// `PUT /v1/devices/{device}/tags`: tags to set and tag keys to remove, in one change.
    /// The answer is the device's tags after it.
    public struct TagChange: Codable, Sendable, Equatable {
        /// Tags to add or overwrite, key to value.
        public var set: [String: String]?
        /// Keys of tags to remove.
        public var remove: [String]?
        /// Creates a change; a field left nil is left out of the JSON.
        public init(set: [String: String]? = nil, remove: [String]? = nil) {
            self.set = set
            self.remove = remove
        }
    }
}
