import AsyncHTTPClient
import DroverModel
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Delivers what the webhook queue holds: claims the deliveries that are due, POSTs each one's
/// signed body with a deadline, and records the answer's status, the latency and any error,
/// with the next attempt (backoff with jitter, ``WebhookRetry``) or the delivery dead. At most
/// `concurrency` attempts are in flight, and `perWebhook` to one webhook, so a slow receiver
/// holds a few slots, not the queue.
///
/// It looks for due deliveries when an event is queued on this server (``ring()``), when an
/// attempt ends, and every second otherwise (retries coming due, other servers' events). A
/// stopping server cancels its attempts in flight and makes them due again at once, rather
/// than wait out their timeouts; a server that dies holding claims loses nothing: a claim
/// expires after ``WebhookSettings/leaseSeconds`` and the delivery is attempted again. So each
/// delivery arrives at least once, and a receiver tells repeats by the delivery id.
final class WebhookCourier: Service, Sendable {
    private let store: any DroverStore
    private let settings: WebhookSettings
    private let logger: Logger
    private let poll: Duration
    private let doorbell = Doorbell()
    private let stopping = Atomic<Bool>(false)
    /// Attempts in flight, by webhook.
    private let inFlight = Mutex<[String: Int]>([:])

    /// A courier for `store`'s queue.
    init(store: any DroverStore, settings: WebhookSettings, logger: Logger, poll: Duration = .seconds(1)) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.poll = poll
    }

    /// Says that deliveries were queued, so they go out now rather than at the next look.
    func ring() { doorbell.ring() }

    func run() async throws {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: TimeAmount(settings.attemptTimeout)))
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        // A receiver that refuses connections fails the attempt at once, to be retried on the
        // delivery's schedule, instead of holding a slot while the pool tries again.
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled, !stopping.load(ordering: .relaxed) {
                    let (claims, more) = await claim()
                    for claim in claims {
                        inFlight.withLock { $0[claim.webhookID, default: 0] += 1 }
                        group.addTask {
                            await self.attempt(claim, http: http)
                            self.inFlight.withLock { counts in
                                counts[claim.webhookID, default: 1] -= 1
                                if counts[claim.webhookID] == 0 { counts[claim.webhookID] = nil }
                            }
                            self.doorbell.ring()
                        }
                    }
                    // Deliveries passed over for their webhook's cap may leave room for others.
                    if more { continue }
                    await withTaskCancellationHandler {
                        await doorbell.wait(upTo: poll)
                    } onCancel: {
                        doorbell.ring()
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.doorbell.ring()
        }
        try await http.shutdown()
    }

    /// Claims as many due deliveries as there are free slots, within each webhook's cap.
    private func claim() async -> (claims: [DeliveryClaim], more: Bool) {
        let busy = inFlight.withLock { $0 }
        let free = settings.concurrency - busy.values.reduce(0, +)
        guard free > 0 else { return ([], false) }
        do {
            return try await store.claimDeliveries(
                limit: free, perWebhook: settings.perWebhook, inFlight: busy, now: WallClock.now, lease: settings.leaseSeconds)
        } catch {
            logger.warning("claiming webhook deliveries failed; will try again", metadata: ["error": "\(error)"])
            return ([], false)
        }
    }

    /// One attempt at a delivery, recorded however it ends.
    private func attempt(_ claim: DeliveryClaim, http: HTTPClient) async {
        let started = ContinuousClock.now
        var status: Int?
        let outcome: DeliveryAttempt.Outcome
        do {
            if settings.blockPrivateAddresses {
                try await WebhookAddress.refusePrivate(host: try WebhookAddress.check(claim.url, field: "url").host, field: "url")
            }
            let response = try await http.execute(Self.request(for: claim), deadline: .now() + TimeAmount(settings.attemptTimeout))
            status = Int(response.status.code)
            let excerpt = try await Self.excerpt(of: response.body)
            let latency = Self.milliseconds(since: started)
            if response.status.code / 100 == 2 {
                outcome = .delivered(statusCode: Int(response.status.code), latencyMs: latency)
            } else {
                let said = excerpt.isEmpty ? "" : ": \(excerpt)"
                outcome = failure(claim, status: status, latency: latency, error: "the receiver answered \(response.status.code)\(said)")
            }
        } catch  where Task.isCancelled {
            outcome = .released
        } catch {
            outcome = failure(claim, status: status, latency: Self.milliseconds(since: started), error: Self.describe(error, url: claim.url))
        }
        // Recorded also when the server is stopping (this task is then cancelled, and the store
        // refuses work for cancelled tasks): a released claim is due again at once.
        let store = self.store
        let attempt = DeliveryAttempt(id: claim.id, at: WallClock.now, outcome: outcome)
        do {
            try await Task { try await store.recordAttempt(attempt) }.value
        } catch {
            // The claim runs out and the delivery is attempted again: at least once still holds.
            logger.warning("recording a webhook attempt failed", metadata: ["delivery": "\(claim.id)", "error": "\(error)"])
        }
        if case .failed(_, _, let error, let retryAt) = outcome {
            logger.info(
                retryAt == nil ? "webhook delivery is dead: its last attempt failed" : "webhook delivery attempt failed; will retry",
                metadata: ["delivery": "\(claim.id)", "event": "\(claim.event.rawValue)", "attempts": "\(claim.attempts + 1)", "error": "\(error)"])
        }
    }

    private func failure(_ claim: DeliveryClaim, status: Int?, latency: Double, error: String) -> DeliveryAttempt.Outcome {
        let now = WallClock.now
        let retryAt = settings.retry.retryAt(afterFailures: claim.attempts + 1, createdAt: claim.createdAt, now: now, jitter: Double.random(in: 0.5...1))
        return .failed(statusCode: status, latencyMs: latency, error: API.Limits.clip(error, to: 1024), retryAt: retryAt)
    }

    /// The signed POST of a delivery.
    static func request(for claim: DeliveryClaim, at timestamp: Int = Int(WallClock.now)) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: claim.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Drover-Webhooks/1")
        request.headers.add(
            name: WebhookSignature.signatureHeader, value: WebhookSignature.header(body: Array(claim.body.utf8), secret: claim.secret, timestamp: timestamp))
        request.headers.add(name: WebhookSignature.deliveryHeader, value: claim.id)
        request.headers.add(name: WebhookSignature.eventHeader, value: claim.event.rawValue)
        request.body = .bytes(ByteBuffer(string: claim.body))
        return request
    }

    /// The start of an answer's body, for the delivery log; the rest is read and dropped, up to
    /// 64 KiB, so the connection can be used again.
    private static func excerpt(of body: HTTPClientResponse.Body) async throws -> String {
        var kept: [UInt8] = []
        var read = 0
        for try await chunk in body {
            if kept.count < 200 { kept += chunk.readableBytesView.prefix(200 - kept.count) }
            read += chunk.readableBytes
            if read > 64 << 10 { break }
        }
        return String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An attempt's failure in a few words: the usual ones plainly, anything else as it is.
    static func describe(_ error: any Error, url: String) -> String {
        if let error = error as? ServerError { return error.message }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no answer within the attempt's timeout"
            case .connectTimeout: return "could not connect within 5 s"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused: nothing listens at \(url)" }
        return text
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        // Microseconds are plenty: the figure is for people reading the delivery log.
        return ((Double(elapsed.seconds) * 1e3 + Double(elapsed.attoseconds) / 1e15) * 1000).rounded() / 1000
    }
}

/// A wake-up for one waiter: ``ring()`` ends the current ``wait(upTo:)``, or the next one at
/// once when nobody waits; rings while nobody waits count as one.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Wakes the waiter, or the next one.
    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Waits for a ring, at most `timeout`.
    func wait(upTo timeout: Duration) async {
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.ring()
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}
