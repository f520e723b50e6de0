import DroverModel
import DroverTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A webhook receiver on 127.0.0.1, written as a user would write one: it checks each
/// delivery's `Drover-Signature` with the webhook's secret and keeps what it got. It can be
/// stopped and started again on the same port, and made to answer 503 a few times.
actor WebhookReceiver {
    /// One delivery as it arrived.
    struct Received: Sendable {
        /// The `Drover-Delivery` header.
        var delivery: String
        /// The `Drover-Event` header.
        var event: String
        /// What the signature check said.
        var verdict: WebhookSignature.Verdict
        /// The body, decoded.
        var payload: API.WebhookPayload
        /// Whether it was answered 2xx (else 503).
        var accepted = false
    }

    nonisolated let port: Int
    private let secret: String
    private var received: [Received] = []
    private var refusals = 0
    private var task: Task<Void, any Error>?

    /// A receiver for deliveries signed with `secret`; not listening yet.
    init(secret: String) throws {
        self.secret = secret
        port = try FreePort.pick()
    }

    /// Where a webhook should point.
    nonisolated var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Everything received, in order, answered with 503 or not.
    var deliveries: [Received] { received }
    /// What was accepted (answered 2xx), in order.
    var accepted: [Received] { received.filter(\.accepted) }

    /// Answers the next `count` deliveries with 503.
    func refuse(next count: Int) { refusals = count }

    /// Listens, and returns once it does.
    func start() async throws {
        let router = Router()
        let secret = self.secret
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(buffer: body)
            let header = { (name: String) in request.headers.first { $0.name.canonicalName == name.lowercased() }?.value ?? "" }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let arrival = Received(
                delivery: header(WebhookSignature.deliveryHeader), event: header(WebhookSignature.eventHeader),
                verdict: WebhookSignature.verify(header: header(WebhookSignature.signatureHeader), body: bytes, secret: secret),
                payload: try decoder.decode(API.WebhookPayload.self, from: Data(bytes)))
            return Response(status: await self.take(arrival) ? .noContent : .serviceUnavailable)
        }
        let (listening, ready) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "receiver"),
            onServerRunning: { _ in ready.yield() }, logger: Logger(label: "receiver"))
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        for await _ in listening { break }
    }

    /// Stops listening; what was received is kept.
    func stop() async {
        task?.cancel()
        _ = await task?.result
        task = nil
    }

    /// Keeps a delivery; whether it is accepted (2xx) or refused (503).
    private func take(_ arrival: Received) -> Bool {
        var arrival = arrival
        arrival.accepted = refusals == 0
        refusals = max(0, refusals - 1)
        received.append(arrival)
        return arrival.accepted
    }

    /// Waits until what was accepted satisfies `condition`, and returns it.
    @discardableResult
    nonisolated func wait(
        for what: String, timeout: Duration = .seconds(60), fileID: String = #fileID, line: Int = #line,
        until condition: @escaping @Sendable ([Received]) -> Bool
    ) async throws -> [Received] {
        try await eventually(what, timeout: timeout, every: .milliseconds(50), fileID: fileID, line: line) {
            await self.accepted
        } until: {
            condition($0)
        }
    }
}
