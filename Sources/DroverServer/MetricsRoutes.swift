import DroverModel
import Foundation
import Hummingbird

/// The metrics routes: devices send samples, people read a device's history, Prometheus
/// scrapes the server.
struct MetricsRoutes {
    let plane: ControlPlane

    /// Adds `POST /v1/device/metrics`, `GET /v1/devices/{device}/metrics` and `GET /metrics`.
    func register(on router: Router<DroverContext>) {
        let v1 = PeopleRoutes(group: router.group("v1"), plane: plane)
        let device = router.group("v1").add(middleware: RequireCaller(caller: .device))
        device.post("device/metrics") { request, context in
            let (uuid, fleetID) = try context.requireDeviceIdentity()
            let batch = try await JSONBody.decode(API.MetricBatch.self, from: request)
            try await plane.recordMetrics(device: uuid, fleet: fleetID, batch)
            return Response(status: .noContent)
        }
        v1.get("devices/:device/metrics") { request, context, access in
            let since = try request.uri.queryParameters["since"].map { text throws(ServerError) in try Self.time(String(text)) }
            return JSONBody.response(
                try await plane.metrics(access, device: try context.parameters.require("device"), since: since))
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: try await plane.prometheusText())))
        }
    }

    /// `?since=`: an RFC 3339 time or seconds since 1970.
    static func time(_ text: String) throws(ServerError) -> Double {
        if let seconds = Double(text), seconds.isFinite, API.Limits.sampleTime.contains(seconds) { return seconds }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return date.timeIntervalSince1970 }
        throw ServerError(.badRequest, "since must be an RFC 3339 time (2026-11-26T08:00:00Z) or seconds since 1970, got '\(text)'")
    }
}

/// Counts every request and times it, labelled by the route pattern it matched
/// (`/v1/devices/{device}`), never the raw path, so a scan of random paths adds no series.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = DroverContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: DroverContext, next: (Request, DroverContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            metrics.request(
                route: context.endpointPath ?? "NotFound", method: request.method.rawValue, status: status, duration: ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch {
            // The error middleware answers every error; one that gets past it is Hummingbird's to answer.
            record((error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }
}
