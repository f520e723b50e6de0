/// How a service is updated, read from its `io.drover.update.*` labels.
public enum UpdateStrategy: String, Codable, Sendable, CaseIterable {
    /// Nothing of the app stops until every image of the new release is on the device (default).
    case downloadThenKill = "download-then-kill"
    /// The old container stops before its new image is pulled (devices short of memory).
    case killThenDownload = "kill-then-download"
    /// The old container and its image are removed before the new image is pulled (devices short of storage).
    case deleteThenDownload = "delete-then-download"
    /// The new container starts beside the old one, which is removed once the new one signals
    /// completion (or the hand-over timeout passes).
    case handOver = "hand-over"
}

/// A service's update policy: its strategy, hand-over timeout and health window.
public struct UpdatePolicy: Sendable, Equatable {
    /// The strategy.
    public var strategy: UpdateStrategy
    /// Seconds a hand-over waits for the new container's signal before removing the old one.
    public var handoverTimeout: Double
    /// Seconds after an update during which an unhealthy or crash-looping service rolls the app back.
    public var healthWindow: Double

    /// The hand-over timeout without a label.
    public static let defaultHandoverTimeout = 60.0
    /// The health window without a label.
    public static let defaultHealthWindow = 120.0

    /// Every `io.drover.*` label a service may set.
    public static let knownLabels: Set<String> = [DroverLabel.updateStrategy, DroverLabel.handoverTimeout, DroverLabel.healthWindow]

    /// The defaults.
    public init() {
        strategy = .downloadThenKill
        handoverTimeout = Self.defaultHandoverTimeout
        healthWindow = Self.defaultHealthWindow
    }

    /// Reads a service's labels. An unknown strategy, a bad duration or an unknown
    /// `io.drover.` label is an error, never silently defaulted.
    public init(labels: [String: String]?, service: String, path: String? = nil, line: Int? = nil) throws(ModelError) {
        self.init()
        let base = path ?? "services.\(service).labels"
        for (key, value) in (labels ?? [:]).sorted(by: { $0.key < $1.key }) where key.hasPrefix("io.drover.") {
            let at = "\(base).\(key)"
            switch key {
            case DroverLabel.updateStrategy:
                guard let strategy = UpdateStrategy(rawValue: value.trimmingCharacters(in: .whitespaces)) else {
                    var message =
                        "service '\(service)': update strategy '\(value)' is not one of \(UpdateStrategy.allCases.map(\.rawValue).joined(separator: ", "))"
                    if let guess = ComposeParser.closest(to: value, in: Set(UpdateStrategy.allCases.map(\.rawValue))) {
                        message += "; did you mean '\(guess)'?"
                    }
                    throw ModelError(.invalidValue, at: at, line: line, message)
                }
                self.strategy = strategy
            case DroverLabel.handoverTimeout:
                handoverTimeout = try Self.seconds(value, service: service, key: key, at: at, line: line)
            case DroverLabel.healthWindow:
                healthWindow = try Self.seconds(value, service: service, key: key, at: at, line: line)
            case DroverLabel.device, DroverLabel.app, DroverLabel.service, DroverLabel.release, DroverLabel.configHash, DroverLabel.resourceName:
                throw ModelError(.invalidValue, at: at, line: line, "service '\(service)': label '\(key)' is set by Drover itself and cannot be given")
            default:
                var message = "service '\(service)': unknown Drover label '\(key)'; known ones are \(Self.knownLabels.sorted().joined(separator: ", "))"
                if let guess = ComposeParser.closest(to: key, in: Self.knownLabels) { message += "; did you mean '\(guess)'?" }
                throw ModelError(.unsupported, at: at, line: line, message)
            }
        }
    }

    private static func seconds(_ text: String, service: String, key: String, at: String, line: Int?) throws(ModelError) -> Double {
        let nanoseconds: Int64
        do {
            nanoseconds = try ComposeValues.duration(text, path: at, line: line)
        } catch {
            throw ModelError(error.code, at: at, line: line, "service '\(service)': label '\(key)': \(error.message)")
        }
        guard nanoseconds > 0 else {
            throw ModelError(.invalidValue, at: at, line: line, "service '\(service)': label '\(key)' must be longer than zero, got '\(text)'")
        }
        return Double(nanoseconds) / 1e9
    }
}

extension ServiceSpec {
    /// The service's update policy; labels that do not parse give the defaults (targets are
    /// validated before they reach the planner, so this only matters for hand-made snapshots).
    public var updatePolicy: UpdatePolicy {
        (try? UpdatePolicy(labels: labels, service: "")) ?? UpdatePolicy()
    }
}
