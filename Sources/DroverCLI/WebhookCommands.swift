import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Webhooks: POSTs of signed events to a URL of yours.",
        subcommands: [Create.self, List.self, Remove.self, Test.self, Deliveries.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a webhook for a fleet or the whole organisation; prints its id last.",
            discussion: "Events: \(API.WebhookEvent.subscribable.map(\.rawValue).joined(separator: ", ")).")
        @Option(name: .long, help: "The fleet whose events it hears.") var fleet: String?
        @Option(name: .long, help: "The organisation (name or id): the webhook hears every fleet's events.") var org: String?
        @Option(name: .long, help: "Where deliveries are POSTed (http or https).") var url: String
        @Option(name: .long, help: "Events it hears, comma-separated.") var events: String
        @Flag(name: .long, help: "Read the signing secret from standard input; without it the server makes one and it is printed once.")
        var secretStdin = false
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption

        func validate() throws {
            guard (fleet == nil) != (org == nil) else { throw ValidationError("name either --fleet F or --org O") }
            _ = try WebhookView.events(events)
        }

        func run() async throws {
            let secret = secretStdin ? try WebhookView.secret(from: FileHandle.standardInput.readDataToEndOfFile()) : nil
            let body = API.CreateWebhook(url: url, events: try WebhookView.events(events), secret: secret, fleet: fleet, org: org)
            let webhook = try await connection.with { try await $0.createWebhook(body) }
            try output.print(webhook) { WebhookView.created($0, secretGiven: secret != nil) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List webhooks (secrets are never shown).")
        @Option(name: .long, help: "Only this fleet's.") var fleet: String?
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.webhooks(fleet: fleet) }, table: WebhookView.table)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a webhook; its pending deliveries are dropped.")
        @Argument var id: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.deleteWebhook(id) }
            print("deleted webhook \(id)")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a ping to a webhook; prints its delivery id last.")
        @Argument var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            let delivery = try await connection.with { try await $0.testWebhook(id) }
            try output.print(delivery) { "queued a ping to webhook \(id) (see 'drover webhook deliveries \(id)'): \($0.id)" }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A webhook's newest 100 deliveries and how their attempts went.")
        @Argument var id: String
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.webhookDeliveries(id) }) { WebhookView.deliveries($0) }
        }
    }
}
