extension API {
    /// The sizes the server accepts, in one place: the server refuses anything larger with a
    /// 400 (413 for a whole body) that names the field and the limit, and the agent keeps
    /// within them when it reports and ships logs.
    public enum Limits {
        /// A request body, after any gzip decoding (bytes).
        public static let body = 8 << 20
        /// A compose document in a release (bytes).
        public static let compose = 1 << 20
        /// Lines in one log batch.
        public static let logBatchLines = 500
        /// One log line's text (UTF-8 bytes); dockerd itself splits lines at 16 KiB.
        public static let logMessage = 16 << 10
        /// A short label: a log line's service, stream or timestamp, an architecture, a
        /// reported status or release (UTF-8 bytes).
        public static let label = 256
        /// A human explanation: a status detail or a rollout reason (UTF-8 bytes).
        public static let detail = 4 << 10
        /// An environment variable's value (UTF-8 bytes).
        public static let envValue = 32 << 10
        /// A tag's value (UTF-8 bytes).
        public static let tagValue = 1 << 10
        /// A credential or provisioning key as sent (UTF-8 bytes).
        public static let secret = 256
        /// Tags set and removed in one change.
        public static let tagsPerChange = 256
        /// Services in one state report, and in one release.
        public static let reportedServices = 1_000
        /// The longest a device may ask the server to hold its target request (seconds).
        public static let longPollSeconds = 60.0
    }
}

extension API.Limits {
    /// `text` cut to at most `limit` UTF-8 bytes at a character boundary, marked as cut, with
    /// NUL characters (which the server refuses) replaced by U+FFFD.
    public static func clip(_ text: String, to limit: Int) -> String {
        let text = text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
        guard text.utf8.count > limit else { return text }
        let marker = " …[cut]"
        var out = ""
        var size = 0
        for character in text {
            let width = String(character).utf8.count
            guard size + width <= limit - marker.utf8.count else { break }
            out.append(character)
            size += width
        }
        return out + marker
    }
}

extension API.StateReport {
    /// The report with every free-text field cut to the server's limits: an engine error or a
    /// health probe's output can be long, and a report the server refuses would be sent again
    /// and again.
    public func clipped() -> API.StateReport {
        var report = self
        report.release = release.map { API.Limits.clip($0, to: API.Limits.label) }
        report.statusDetail = statusDetail.map { API.Limits.clip($0, to: API.Limits.detail) }
        report.rollout?.reason = rollout?.reason.map { API.Limits.clip($0, to: API.Limits.detail) }
        return report
    }
}

extension API.LogEntry {
    /// The line with its text cut to the server's limit for one line, and without NUL.
    public func clipped() -> API.LogEntry {
        var entry = self
        entry.message = API.Limits.clip(message, to: API.Limits.logMessage)
        entry.service = API.Limits.clip(service, to: API.Limits.label)
        return entry
    }
}
