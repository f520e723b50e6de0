import ArgumentParser
import DroverCLISupport
import DroverClient
import DroverModel
import Foundation

extension API.Role: ExpressibleByArgument {}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End the saved session on the server and forget it here.")
    @OptionGroup var connection: Connection
    func run() async throws {
        try await connection.with { try await $0.logout() }
        try? FileManager.default.removeItem(atPath: Connection.configPath)
        print("logged out")
    }
}

struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "org", abstract: "Organisations.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organisation (owners of the server's first organisation); add its owner with 'drover user create --org'.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            let org = try await connection.with { try await $0.createOrg(name: name) }
            print("created organisation \(org.name) \(org.id)")
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Members of the organisation and their roles.",
        subcommands: [Create.self, List.self, Remove.self, Role.self, Passwd.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a member; without --password-stdin, print an invitation token (the last word), shown once.")
        @Argument var name: String
        @Option(name: .long, help: "owner, admin, operator, developer or viewer.") var role: API.Role
        @Option(name: .long, help: "The role holds in this fleet only.") var fleet: String?
        @Option(name: .long, help: "Another organisation (owners of the server's first organisation).") var org: String?
        @Flag(name: .long, help: "Read the password from standard input.") var passwordStdin = false
        @OptionGroup var connection: Connection
        func run() async throws {
            let password = passwordStdin ? try Password.read(fromStandardInput: true, prompt: "") : nil
            let created = try await connection.with {
                try await $0.createUser(API.CreateUser(name: name, role: role, fleet: fleet, org: org, password: password))
            }
            let place = fleet.map { "fleet \($0)" } ?? "organisation \(created.user.org)"
            if let invitation = created.invitation {
                print("added \(name) as \(role.rawValue) of \(place); they log in with 'drover login --user \(name) --invite TOKEN'; invitation: \(invitation)")
            } else {
                print("added \(name) as \(role.rawValue) of \(place)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the members and their roles.")
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.users() }, table: AccountView.users)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a member with their tokens and sessions.")
        @Argument var name: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.deleteUser(name) }
            print("removed \(name)")
        }
    }

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a member's role in the organisation or one fleet, or remove it.")
        @Argument var name: String
        @Option(name: .long, help: "The role to grant.") var role: API.Role?
        @Flag(name: .long, help: "Take the role away instead.") var remove = false
        @Option(name: .long, help: "In this fleet only.") var fleet: String?
        @OptionGroup var connection: Connection
        func validate() throws {
            guard (role == nil) == remove else { throw ValidationError("give --role ROLE, or --remove") }
        }
        func run() async throws {
            let user = try await connection.with { try await $0.setRole(name, API.SetRole(role: role, fleet: fleet)) }
            print(AccountView.users([user]))
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set your own password.")
        @Flag(name: .long, help: "Read the password from standard input.") var passwordStdin = false
        @OptionGroup var connection: Connection
        func run() async throws {
            let password = try Password.read(fromStandardInput: passwordStdin, prompt: "new password: ")
            try await connection.with { try await $0.changePassword(password) }
            print("password set")
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Your API tokens, for CI and scripts.", subcommands: [Create.self, List.self, Remove.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token; it is the last word printed, shown once.")
        @Argument var name: String
        @Option(name: .long, help: "Only this fleet.") var fleet: String?
        @Option(name: .long, help: "At most this role.") var role: API.Role?
        @Option(name: .long, help: "Lifetime: 90d, 12h, 30m or 3600s.") var expires: String?
        @OptionGroup var connection: Connection
        func run() async throws {
            let seconds = try expires.map { try Duration.seconds(of: $0) }
            let created = try await connection.with {
                try await $0.createToken(API.CreateToken(name: name, fleet: fleet, role: role, expiresIn: seconds))
            }
            print("created token \(created.info.name) (\(created.info.id)): \(created.token)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your API tokens (never their secrets).")
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            try output.print(try await connection.with { try await $0.tokens() }, table: AccountView.tokens)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Revoke one of your API tokens by id.")
        @Argument var id: String
        @OptionGroup var connection: Connection
        func run() async throws {
            try await connection.with { try await $0.deleteToken(id) }
            print("revoked \(id)")
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Who did what.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The audit log, newest first.")
        @Option(name: .long, help: "Only this user's entries.") var user: String?
        @Option(name: .long, help: "Only this fleet's entries.") var fleet: String?
        @Option(name: .long, help: "Only entries from this time on: RFC 3339, or an age such as 24h or 7d.") var since: String?
        @Option(name: .long, help: "Only this action, e.g. createRelease, session.terminal, login.failed.") var action: String?
        @Option(name: .long, help: "At most this many.") var limit: Int = 100
        @OptionGroup var connection: Connection
        @OptionGroup var output: OutputOption
        func run() async throws {
            let from = since.map { text in
                (try? Duration.seconds(of: text)).map { String(Date().timeIntervalSince1970 - $0) } ?? text
            }
            let entries = try await connection.with {
                try await $0.audit(user: user, fleet: fleet, action: action, since: from, limit: limit)
            }
            try output.print(entries, table: AccountView.audit)
        }
    }
}

extension Duration {
    /// Seconds in a lifetime or an age written `90d`, `12h`, `30m` or `3600s`.
    static func seconds(of text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Double(text.dropLast()), count.isFinite, count > 0 else {
            throw ValidationError("write a duration as a number and s, m, h or d (90d, 12h), not '\(text)'")
        }
        return count * unit
    }
}

/// How people, tokens and the audit log read on a terminal.
enum AccountView {
    static func users(_ users: [API.User]) -> String {
        TerminalOutput.table(
            ["NAME", "ROLE", "FLEET ROLES", "STATE"],
            users.map { user in
                [
                    user.name, user.role?.rawValue ?? "-",
                    user.fleetRoles.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.rawValue)" }.joined(separator: ",").nonEmpty ?? "-",
                    user.invited ? "invited" : "active",
                ]
            })
    }

    static func tokens(_ tokens: [API.Token]) -> String {
        TerminalOutput.table(
            ["ID", "NAME", "PREFIX", "FLEET", "ROLE", "EXPIRES"],
            tokens.map {
                [$0.id, $0.name, $0.prefix, $0.fleet ?? "-", $0.role?.rawValue ?? "-", $0.expiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? "never"]
            })
    }

    static func audit(_ entries: [API.AuditEntry]) -> String {
        TerminalOutput.table(
            ["TIME", "USER", "ACTION", "TARGET", "FLEET", "RESULT"],
            entries.map {
                [ISO8601DateFormatter().string(from: $0.at), $0.actor + ($0.token.map { " (\($0))" } ?? ""), $0.action, $0.target, $0.fleet ?? "-", $0.result]
            })
    }
}

extension String {
    /// Nil for the empty string.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
