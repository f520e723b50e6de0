import Logging
import ServiceLifecycle

/// Work the application repeats beside its HTTP server every `interval` until it stops. An
/// application's services stop after its HTTP server, so work that runs once more on stopping
/// comes after the last request was answered, and before the store is closed.
struct RecurringWork: Service {
    /// How long between runs.
    var interval: Duration
    /// Whether the work runs once more when the server stops.
    var runsOnStop: Bool
    /// The work.
    var work: @Sendable () async -> Void

    /// Reads the store generation, so this server notices other servers' changes and wakes
    /// its long-polls for them.
    static func generationWatcher(_ targets: Targets, every interval: Duration) -> RecurringWork {
        RecurringWork(interval: interval, runsOnStop: false) { await targets.refreshGeneration() }
    }

    /// Writes devices' last-seen times, and once more on stopping.
    static func lastSeenWriter(_ presence: Presence, every interval: Duration) -> RecurringWork {
        RecurringWork(interval: interval, runsOnStop: true) { await presence.flush() }
    }

    /// Counts a device whose channel is open as heard from: it long-polls no more, and is
    /// online as long as its socket is (the pings keep it honest).
    static func channelPresence(_ channels: ChannelHub, _ presence: Presence) -> RecurringWork {
        RecurringWork(interval: .seconds(Presence.writeEverySeconds), runsOnStop: false) {
            for uuid in channels.connectedDevices { await presence.touch(uuid) }
        }
    }

    /// Drops audit entries older than 90 days and expired tokens and sessions, hourly.
    static func accountPruner(_ accounts: Accounts, logger: Logger) -> RecurringWork {
        RecurringWork(interval: .seconds(3600), runsOnStop: false) {
            do {
                try await accounts.prune()
            } catch {
                logger.warning("cannot prune the audit log", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Announces devices that came online or went offline to webhooks (device.online,
    /// device.offline), reading the store's last-seen times every 5 s.
    static func presenceAnnouncer(_ events: WebhookEvents, every interval: Duration = .seconds(5)) -> RecurringWork {
        RecurringWork(interval: interval, runsOnStop: false) { await events.announcePresence() }
    }

    /// Drops webhook deliveries queued more than 3 days ago that are no longer pending, hourly.
    static func webhookHistoryPruner(_ store: any DroverStore, logger: Logger) -> RecurringWork {
        RecurringWork(interval: .seconds(3600), runsOnStop: false) {
            let now = WallClock.now
            do {
                try await store.pruneWebhookHistory(before: now - 3 * 86_400, factsBefore: now - 30 * 86_400)
            } catch {
                logger.warning("pruning the webhook delivery log failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard runsOnStop || !(Task.isShuttingDownGracefully || Task.isCancelled) else { return }
            await work()
        }
    }
}
