/// How a server delivers webhooks: the operator's `--webhook-block-private`, and the
/// delivery policy (tests shorten it).
public struct WebhookSettings: Sendable {
    /// Refuse URLs whose host is, or resolves to, a private, loopback, link-local or otherwise
    /// non-public address: when a webhook is created, and again at every attempt.
    public var blockPrivateAddresses: Bool
    /// Attempts in flight at once, over all webhooks.
    public var concurrency: Int
    /// Attempts in flight at once to one webhook, so that a slow receiver holds only these.
    public var perWebhook: Int
    /// How long one attempt may take, connecting included.
    public var attemptTimeout: Duration
    /// When failed attempts are made again, and when a delivery is given up.
    public var retry: WebhookRetry

    /// Creates settings; the defaults are the server's.
    public init(
        blockPrivateAddresses: Bool = false, concurrency: Int = 16, perWebhook: Int = 4, attemptTimeout: Duration = .seconds(10),
        retry: WebhookRetry = WebhookRetry()
    ) {
        self.blockPrivateAddresses = blockPrivateAddresses
        self.concurrency = concurrency
        self.perWebhook = perWebhook
        self.attemptTimeout = attemptTimeout
        self.retry = retry
    }

    /// How long a claimed delivery is held before another attempt may claim it: well past an
    /// attempt's timeout, so only a claim lost with its server (a crash) runs out.
    var leaseSeconds: Double {
        let timeout = attemptTimeout.components
        return 3 * (Double(timeout.seconds) + Double(timeout.attoseconds) / 1e18) + 5
    }
}

/// When a failed delivery is tried again: after `firstDelay` seconds, doubling up to
/// `maximumDelay`, each delay times a random factor from 0.5 to 1 (so receivers that failed
/// together are not hit together again), until `giveUpAfter` seconds after the event; the
/// last attempt is made then, and a delivery that fails it too is dead.
public struct WebhookRetry: Sendable, Equatable {
    /// The delay after the first failed attempt, seconds.
    public var firstDelay: Double
    /// The longest delay, seconds.
    public var maximumDelay: Double
    /// How long after its event a delivery is tried, seconds.
    public var giveUpAfter: Double

    /// Creates a schedule: by default 5 s doubling to an hour, for 24 hours (about 30 attempts).
    public init(firstDelay: Double = 5, maximumDelay: Double = 3600, giveUpAfter: Double = 86_400) {
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.giveUpAfter = giveUpAfter
    }

    /// The delay after `failures` failed attempts (1 or more), before jitter.
    public func delay(afterFailures failures: Int) -> Double {
        // 2^30 × the first delay is past any maximum; the exponent stops there.
        min(maximumDelay, firstDelay * Double(1 << min(max(failures - 1, 0), 30)))
    }

    /// When to attempt a delivery queued at `createdAt` again after its `failures`-th failed
    /// attempt ended at `now`; nil when it is given up. `jitter` is the random factor, 0.5 to 1.
    public func retryAt(afterFailures failures: Int, createdAt: Double, now: Double, jitter: Double) -> Double? {
        let end = createdAt + giveUpAfter
        guard now < end else { return nil }
        return min(now + delay(afterFailures: failures) * min(max(jitter, 0.5), 1), end)
    }
}
