import DroverModel

/// Device metrics and the Prometheus scrape in the document.
extension OpenAPIDocument {
    private typealias S = Schema

    /// `POST /v1/device/metrics`, `GET /v1/devices/{device}/metrics` and `GET /metrics`.
    static let metricOperations: [Operation] = [
        Operation(
            method: "post", path: "/v1/device/metrics", id: "shipMetrics", summary: "Send a batch of the calling device's metric samples",
            caller: .device, body: "MetricBatch", gzip: true,
            responses: [
                "204": empty("Stored: folded into the device's per-minute history (24 hours kept); the newest sample kept whole"),
                "400": error("More than 360 samples, or a figure that is not a finite number in its range; the message names it"),
            ]),
        Operation(
            method: "get", path: "/v1/devices/{device}/metrics", id: "deviceMetrics",
            summary: "A device's newest metrics sample and its per-minute history of the last 24 hours", caller: .person(.read),
            parameters: [
                path("device", "Device name, UUID, or a unique UUID prefix of 7 or more characters"),
                query("since", ["type": "string"], "Only minutes from this time on: RFC 3339, or seconds since 1970"),
            ],
            responses: [
                "200": json("The newest sample and the history, oldest minute first", S.ref("DeviceMetrics")),
                "400": error("since is neither an RFC 3339 time nor a number of seconds"),
                "404": error("No device of that name, UUID or UUID prefix in your organisation"),
                "409": error("The reference names several devices (a shared name or UUID prefix); use the UUID"),
            ]),
        Operation(
            method: "get", path: "/metrics", id: "prometheus", summary: "The server's metrics in the Prometheus text format", caller: .anyone,
            responses: [
                "200": [
                    "description": "Prometheus text exposition format 0.0.4",
                    "content": ["text/plain": ["schema": ["type": "string"]]],
                ]
            ]),
    ]

    /// The metrics bodies.
    static var metricSchemas: [String: Value] {
        var schemas: [String: Value] = [:]
        let bytes = S.integer("Bytes", minimum: 0)
        for (suffix, direction) in [("", S.Direction.response), ("Input", .request)] {
            let disk = S.object(
                "Used and total bytes of a filesystem", direction, [S.required("used", bytes), S.required("total", bytes)])
            let container = S.object(
                "One of Drover's containers", direction,
                [
                    S.required("app", S.string("App")), S.required("service", S.string("Service")),
                    S.required("cpu", number("CPU use, percent of one core", minimum: 0)),
                    S.required("memory", S.integer("Memory in use, bytes (less page cache)", minimum: 0)),
                ])
            schemas["MetricSample" + suffix] = S.object(
                "One sample of a device's host; any figure but the time may be missing", direction,
                [
                    S.required("time", number("When it was taken, seconds since 1970 (the device's clock)", minimum: 0)),
                    S.optional("cpu", number("CPU use, percent of one core, over all cores (0 to 100 x cores)", minimum: 0)),
                    S.optional("memoryUsed", S.integer("Memory in use (total less available), bytes", minimum: 0)),
                    S.optional("memoryTotal", S.integer("Memory in all, bytes", minimum: 0)),
                    S.optional("stateDisk", disk),
                    S.optional("engineDisk", disk),
                    S.optional("temperature", number("The hottest thermal zone, degrees Celsius")),
                    S.optional("uptime", number("Seconds since boot", minimum: 0)),
                    S.optional("containers", S.array("Drover's containers", of: container)),
                ])
        }
        schemas["MetricBatch"] = S.object(
            "POST /v1/device/metrics", .request,
            [S.required("samples", S.array("Samples, oldest first; at most 360 a batch", of: S.ref("MetricSampleInput")).merging(["maxItems": 360]))])
        let average = { (what: String) in number("Average \(what) over the minute's samples") }
        schemas["MetricMinute"] = S.object(
            "One minute of a device's history", .response,
            [
                S.required("minute", number("The minute's start, seconds since 1970")),
                S.required("samples", S.integer("Samples folded into it", minimum: 1)),
                S.optional("cpu", average("CPU use, percent of one core")),
                S.optional("memoryUsed", average("bytes of memory in use")),
                S.optional("memoryTotal", number("Memory in all, bytes (the newest figure)")),
                S.optional("stateDiskUsed", average("bytes in use on the state directory's filesystem")),
                S.optional("engineDiskUsed", average("bytes in use on the engine's data root")),
                S.optional("temperature", average("temperature, degrees Celsius")),
            ])
        schemas["DeviceMetrics"] = S.object(
            "A device's metrics", .response,
            [
                S.required("device", S.string("Device UUID")),
                S.optional("latest", S.ref("MetricSample")),
                S.required("history", S.array("Minutes of the last 24 hours, oldest first", of: S.ref("MetricMinute"))),
            ])
        return schemas
    }

    /// A floating-point number.
    static func number(_ description: String, minimum: Double? = nil) -> Value {
        var schema: [String: Value] = ["type": "number", "description": .string(description)]
        if let minimum { schema["minimum"] = .number(minimum) }
        return .object(schema)
    }
}
