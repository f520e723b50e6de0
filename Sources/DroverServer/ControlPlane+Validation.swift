import DroverModel

/// What the control plane checks of what callers send, before it touches the store.
extension ControlPlane {
    /// Refuses text longer than `limit` UTF-8 bytes, naming the field and the limit.
    static func validateText(_ text: String, what: String, limit: Int) throws(ServerError) {
        let size = text.utf8.count
        guard size <= limit else { throw ServerError(.badRequest, "\(what) is \(size) bytes; at most \(limit) are accepted") }
    }

    /// A platform a caller named, or a 400 that says what a platform looks like.
    static func platform(_ text: String, what: String) throws(ServerError) -> Platform {
        do {
            return try Platform(parsing: text)
        } catch {
            throw ServerError(.badRequest, "\(what): \(error.message)")
        }
    }

    /// Refuses a state report with an oversized field, naming it.
    static func validate(_ report: API.StateReport) throws(ServerError) {
        if let platform = report.platform { _ = try Self.platform(platform, what: "body: platform") }
        let labels: [(String, String?)] = [
            ("release", report.release), ("architecture", report.architecture), ("rollout.release", report.rollout?.release),
        ]
        for case let (field, value?) in labels { try validateText(value, what: "body: \(field)", limit: API.Limits.label) }
        if let detail = report.statusDetail { try validateText(detail, what: "body: statusDetail", limit: API.Limits.detail) }
        if let reason = report.rollout?.reason { try validateText(reason, what: "body: rollout.reason", limit: API.Limits.detail) }
        if let dropped = report.droppedLogLines, dropped < 0 {
            throw ServerError(.badRequest, "body: droppedLogLines must be 0 or more, got \(dropped)")
        }
        guard let services = report.services else { return }
        guard services.count <= API.Limits.reportedServices else {
            throw ServerError(.badRequest, "body: services holds \(services.count) entries; at most \(API.Limits.reportedServices) are accepted")
        }
        for (name, state) in services {
            try validateText(name, what: "body: services key", limit: API.Limits.label)
            let fields: [(String, String?)] = [
                ("release", state.release), ("containerID", state.containerID),
            ]
            for case let (field, value?) in fields { try validateText(value, what: "body: services.\(name).\(field)", limit: API.Limits.label) }
            for case let (field, value?) in [("replicas", state.replicas), ("running", state.running)] where !ServiceLimits.replicas.contains(value) {
                throw ServerError(
                    .badRequest,
                    "body: services.\(name).\(field) is \(value); it must be from \(ServiceLimits.replicas.lowerBound) to \(ServiceLimits.replicas.upperBound)")
            }
            if let failure = state.failure { try validateText(failure, what: "body: services.\(name).failure", limit: API.Limits.detail) }
        }
    }

    static func validateName(_ name: String, what: String) throws(ServerError) {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else {
            throw ServerError(.badRequest, "\(what) '\(name)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        // A fleet's name names directories on its devices: '.' and '..' would name others.
        guard name != ".", name != ".." else { throw ServerError(.badRequest, "\(what) '\(name)' must not be '.' or '..'") }
    }
}
