import ArgumentParser
import DroverCLISupport
import DroverModel
import Foundation

/// How webhooks and their deliveries read on a terminal, and what the commands take in.
enum WebhookView {
    /// `E1,E2` as events, refusing a word that is not one.
    static func events(_ list: String) throws -> [API.WebhookEvent] {
        let words = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let allowed = API.WebhookEvent.subscribable.map(\.rawValue).joined(separator: ", ")
        guard !words.isEmpty else { throw ValidationError("--events names no event; name some of \(allowed)") }
        return try words.map { word in
            guard let event = API.WebhookEvent(rawValue: word), event != .ping else {
                throw ValidationError("--events: '\(word)' is not one of \(allowed)")
            }
            return event
        }
    }

    /// The secret as read from standard input, without its line ending.
    static func secret(from data: Data) throws -> String {
        var text = String(decoding: data, as: UTF8.self)
        // "\r\n" is one Character, a newline like "\n".
        while text.last?.isNewline == true { text.removeLast() }
        guard !text.isEmpty else {
            throw ValidationError("--secret-stdin read nothing; pipe the secret in, e.g. 'printf %s \"$SECRET\" | drover webhook create …'")
        }
        return text
    }

    /// What `webhook create` prints: a secret the server made (once), then the id last.
    static func created(_ webhook: API.Webhook, secretGiven: Bool) -> String {
        var lines: [String] = []
        if !secretGiven, let secret = webhook.secret { lines.append("signing secret (shown only now): \(secret)") }
        lines.append("created webhook for \(scope(webhook)) (\(webhook.events.map(\.rawValue).joined(separator: ", "))) to \(webhook.url): \(webhook.id)")
        return lines.joined(separator: "\n")
    }

    /// Whose events a webhook hears.
    static func scope(_ webhook: API.Webhook) -> String {
        webhook.fleet.map { "fleet \($0)" } ?? "organisation \(webhook.org)"
    }

    /// One line per webhook.
    static func table(_ webhooks: [API.Webhook]) -> String {
        TerminalOutput.table(
            ["ID", "SCOPE", "EVENTS", "URL"],
            webhooks.map { [$0.id, scope($0), $0.events.map(\.rawValue).joined(separator: ","), $0.url] })
    }

    /// One line per delivery, newest first as the server sends them.
    static func deliveries(_ deliveries: [API.WebhookDelivery], now: Date = Date()) -> String {
        TerminalOutput.table(
            ["ID", "EVENT", "STATUS", "ATTEMPTS", "CODE", "LATENCY", "QUEUED", "NEXT", "ERROR"], deliveries.map { row($0, now: now) })
    }

    private static func row(_ delivery: API.WebhookDelivery, now: Date) -> [String] {
        let latency = delivery.lastLatencyMs.map { "\(($0 * 10).rounded() / 10) ms" } ?? "-"
        let next = delivery.nextAttemptAt.map { dueIn($0, now: now) } ?? "-"
        return [
            delivery.id, delivery.event.rawValue, delivery.status.rawValue, String(delivery.attempts), delivery.lastStatusCode.map(String.init) ?? "-",
            latency, TerminalOutput.ago(delivery.createdAt, now: now), next, delivery.lastError ?? "-",
        ]
    }

    /// How long until `date`: `in 12s`, `in 5m`, `now` once due.
    static func dueIn(_ date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded(.up))
        if seconds <= 0 { return "now" }
        if seconds < 60 { return "in \(seconds)s" }
        if seconds < 3600 { return "in \(seconds / 60)m" }
        return "in \(seconds / 3600)h"
    }
}
