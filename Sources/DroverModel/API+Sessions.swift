import Foundation

extension API {
    /// A session on a device, as a person asks for it and as the server passes it to the
    /// device on a channel stream (the `open` frame): a terminal (`drover ssh`), one TCP
    /// connection of a tunnel (`drover tunnel`), or the live logs (`drover logs -f`).
    public struct StreamOpen: Codable, Sendable, Equatable {
        /// The kinds of session.
        public enum Kind: String, Codable, Sendable {
            /// A command, or a shell, in a service's container or on the host.
            case terminal
            /// A TCP connection to a port of a service's container or of the device's loopback.
            case tunnel
            /// The containers' log lines as they are printed.
            case logs
        }
        /// What the session is.
        public var kind: Kind
        /// terminal, tunnel: the service whose container is the end; none: the device's host.
        /// logs: only this service's lines.
        public var service: String?
        /// terminal: the command and its arguments; none: a login shell.
        public var command: [String]?
        /// terminal: whether the command gets a pseudo-terminal (the local side is one).
        public var tty: Bool?
        /// terminal: the size of the local terminal.
        public var columns: Int?
        public var rows: Int?
        /// tunnel: the TCP port on the device's side.
        public var port: Int?

        /// Creates a request.
        public init(
            kind: Kind, service: String? = nil, command: [String]? = nil, tty: Bool? = nil, columns: Int? = nil, rows: Int? = nil,
            port: Int? = nil
        ) {
            self.kind = kind
            self.service = service
            self.command = command
            self.tty = tty
            self.columns = columns
            self.rows = rows
            self.port = port
        }

        /// The largest terminal side, in characters.
        public static let maxTerminalSide = 10_000

        /// Refuses what a device could not act on, naming the field.
        public func validate() throws(ModelError) {
            if let service, service.isEmpty || service.utf8.count > Limits.label {
                throw ModelError(.invalidValue, at: "service", "a service name has 1 to \(Limits.label) bytes")
            }
            if let command {
                guard !command.isEmpty, command.count <= 1_000 else {
                    throw ModelError(.invalidValue, at: "command", "a command has 1 to 1000 words; this one has \(command.count)")
                }
                guard command.allSatisfy({ $0.utf8.count <= Limits.envValue && !$0.contains("\u{0}") }) else {
                    throw ModelError(.invalidValue, at: "command", "a command's word has at most \(Limits.envValue) bytes and no NUL")
                }
            }
            for (name, side) in [("columns", columns), ("rows", rows)] {
                if let side, !(1...Self.maxTerminalSide).contains(side) {
                    throw ModelError(.invalidValue, at: name, "\(name) must be from 1 to \(Self.maxTerminalSide); got \(side)")
                }
            }
            switch kind {
            case .tunnel:
                guard let port, (1...65535).contains(port) else {
                    throw ModelError(.invalidValue, at: "port", "a tunnel needs a port from 1 to 65535; got \(port.map(String.init) ?? "none")")
                }
                if command != nil { throw ModelError(.invalidValue, at: "command", "a tunnel runs no command") }
            case .terminal, .logs:
                if port != nil { throw ModelError(.invalidValue, at: "port", "only a tunnel has a port") }
            }
        }
    }

    /// How a stream ended: the remote command's exit code, or what went wrong.
    public struct StreamEnd: Codable, Sendable, Equatable {
        /// terminal: the command's exit code.
        public var exitCode: Int?
        /// What went wrong, said for a person ("nothing listens on port 81 of service web").
        public var error: String?

        /// Creates an end.
        public init(exitCode: Int? = nil, error: String? = nil) {
            self.exitCode = exitCode
            self.error = error
        }
    }

    /// A text message on a person's session WebSocket (`GET /v1/devices/{id}/session`),
    /// either way. The first message from the person is the ``StreamOpen``; after it, binary
    /// messages carry the bytes (the first byte says which: 1 the main stream, 2 standard
    /// error) and text messages are these.
    public struct SessionControl: Codable, Sendable, Equatable {
        /// person → server: the local terminal's new size.
        public var columns: Int?
        public var rows: Int?
        /// either way: no more bytes come from this side.
        public var eof: Bool?
        /// server → person: the session is over, with this exit code or error.
        public var end: StreamEnd?

        /// Creates a message.
        public init(columns: Int? = nil, rows: Int? = nil, eof: Bool? = nil, end: StreamEnd? = nil) {
            self.columns = columns
            self.rows = rows
            self.eof = eof
            self.end = end
        }

        /// The first byte of a binary message of the main stream, and of standard error.
        public static let mainStream: UInt8 = 1
        public static let errorStream: UInt8 = 2
    }

    /// A terminal session as recorded: who opened it, where, when, and how it ended.
    public struct SessionRecord: Codable, Sendable, Equatable {
        public var id: String
        public var device: String
        /// The token's name of the person who opened it.
        public var user: String
        /// The service, or none for the host.
        public var service: String?
        /// The command, or none for a shell.
        public var command: [String]?
        public var startedAt: String
        public var endedAt: String?
        public var exitCode: Int?
        public var error: String?

        /// Creates a record.
        public init(
            id: String, device: String, user: String, service: String?, command: [String]?, startedAt: String, endedAt: String? = nil,
            exitCode: Int? = nil, error: String? = nil
        ) {
            self.id = id
            self.device = device
            self.user = user
            self.service = service
            self.command = command
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.exitCode = exitCode
            self.error = error
        }
    }
}
