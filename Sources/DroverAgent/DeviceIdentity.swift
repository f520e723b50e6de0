import DroverModel

/// The device an agent acts for. Everything the agent creates carries its id as a label, and
/// the agent touches nothing that lacks that label with that value.
public struct DeviceIdentity: Sendable, Equatable {
    /// The device id (a UUID from provisioning, or any stable string).
    public var id: String

    /// Creates an identity.
    public init(id: String) {
        self.id = id
    }

    /// A short form of the id for engine object names: up to 12 characters of `[a-z0-9]`.
    public var shortID: String {
        String(id.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(12))
    }

    /// The label filter that selects this device's objects, optionally of one app.
    public func labelFilter(app: String? = nil) -> [String: [String]] {
        var labels = ["\(DroverLabel.device)=\(id)"]
        if let app { labels.append("\(DroverLabel.app)=\(app)") }
        return ["label": labels]
    }
}
