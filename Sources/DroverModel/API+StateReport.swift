extension API.StateReport {
    /// How one field of a state report travels. The agent sends a delta, only the fields that
    /// changed since the report the server last accepted, and the server merges it into the
    /// stored report. Both directions come from this one table, so a field cannot be added to
    /// the sender and forgotten by the receiver (a test checks that the table names every
    /// stored property).
    struct Field {
        /// The properties this entry covers.
        let names: [String]
        /// Copies the field into `delta` when `report` differs from `accepted`.
        let carry: (_ report: API.StateReport, _ accepted: API.StateReport?, _ delta: inout API.StateReport) -> Void
        /// Takes the field from `delta` into `stored` when the delta carries it.
        let merge: (_ stored: inout API.StateReport, _ delta: API.StateReport) -> Void

        /// A field sent when it changed and kept by the server until a delta carries a new value.
        static func value<Value: Equatable>(_ name: String, _ path: WritableKeyPath<API.StateReport, Value?>) -> Field {
            Field(
                names: [name],
                carry: { report, accepted, delta in
                    if report[keyPath: path] != accepted?[keyPath: path] { delta[keyPath: path] = report[keyPath: path] }
                },
                merge: { stored, delta in
                    if let value = delta[keyPath: path] { stored[keyPath: path] = value }
                })
        }
    }

    /// Every field of a report, and how it travels.
    static var fields: [Field] {
        [
            .value("release", \.release),
            // A status and its detail travel together: a new status without a detail clears
            // the old detail instead of leaving a stale reason beside it.
            Field(
                names: ["status", "statusDetail"],
                carry: { report, accepted, delta in
                    if report.status != accepted?.status || report.statusDetail != accepted?.statusDetail {
                        delta.status = report.status
                        delta.statusDetail = report.statusDetail
                    }
                },
                merge: { stored, delta in
                    if let status = delta.status {
                        stored.status = status
                        stored.statusDetail = delta.statusDetail
                    }
                }),
            .value("services", \.services),
            .value("architecture", \.architecture),
            .value("platform", \.platform),
            .value("rollout", \.rollout),
            // A count of lines lost since the last report: it is news once, never state.
            Field(
                names: ["droppedLogLines"],
                carry: { report, _, delta in delta.droppedLogLines = report.droppedLogLines },
                merge: { stored, _ in stored.droppedLogLines = nil }),
        ]
    }

    /// The names of the report's properties that the field table covers.
    static var fieldNames: Set<String> { Set(fields.flatMap(\.names)) }

    /// The fields of this report that differ from `accepted`, the last report the server
    /// accepted; every field when there is none. Empty when nothing changed.
    public func delta(since accepted: API.StateReport?) -> API.StateReport {
        var delta = API.StateReport()
        for field in Self.fields { field.carry(self, accepted, &delta) }
        return delta
    }

    /// This stored report with what `delta` carries.
    public func merging(_ delta: API.StateReport) -> API.StateReport {
        var merged = self
        for field in Self.fields { field.merge(&merged, delta) }
        return merged
    }

    /// Whether the report carries nothing.
    public var isEmpty: Bool { self == API.StateReport() }
}
