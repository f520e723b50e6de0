import ArgumentParser
import DroverClient
import DroverModel
import Foundation
import NIOCore
import NIOPosix

/// `drover tunnel DEVICE -p [SERVICE:]REMOTE:LOCAL`, as `balena tunnel`: local TCP ports that
/// lead to ports on a device, over the device's channel.
struct Tunnel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forward local TCP ports to ports on a device (its loopback, or a service's container).",
        discussion: """
            Each -p [SERVICE:]REMOTE:LOCAL listens on 127.0.0.1:LOCAL and forwards every connection to REMOTE on the device: \
            on its loopback, or with SERVICE on that service's container (its address on its app network). Runs until \
            interrupted; each connection that cannot be made is reported here and closed.
            """)

    @Argument(help: "The device, by name or UUID.") var device: String
    @Option(name: .customShort("p"), help: "[SERVICE:]REMOTE_PORT:LOCAL_PORT (repeatable).") var ports: [String]
    @OptionGroup var connection: Connection

    /// One forwarded port.
    struct Forward: Sendable, Equatable {
        var service: String?
        var remote: Int
        var local: Int

        init(service: String? = nil, remote: Int, local: Int) {
            self.service = service
            self.remote = remote
            self.local = local
        }

        /// Reads `[SERVICE:]REMOTE:LOCAL`.
        init(parsing text: String) throws {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count) else {
                throw ValidationError("-p \(text): write [SERVICE:]REMOTE_PORT:LOCAL_PORT, e.g. web:80:8080 or 22:2222")
            }
            func port(_ word: String, _ what: String) throws -> Int {
                guard let port = Int(word), (1...65535).contains(port) else {
                    throw ValidationError("-p \(text): the \(what) port must be a number from 1 to 65535, not '\(word)'")
                }
                return port
            }
            if parts.count == 3, parts[0].isEmpty { throw ValidationError("-p \(text): the service name is empty") }
            self.init(
                service: parts.count == 3 ? parts[0] : nil, remote: try port(parts[parts.count - 2], "remote"), local: try port(parts[parts.count - 1], "local")
            )
        }
    }

    func validate() throws {
        guard !ports.isEmpty else { throw ValidationError("name at least one -p [SERVICE:]REMOTE:LOCAL") }
        _ = try ports.map(Forward.init(parsing:))
    }

    func run() async throws {
        let forwards = try ports.map(Forward.init(parsing:))
        let (server, token) = try connection.resolved()
        guard let token else { throw ValidationError("no token: run 'drover login' or set DROVER_TOKEN") }
        let device = try await connection.with { try await $0.device(self.device) }
        if !device.online { warn("device \(device.name) looks offline; connections will fail until it is back") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for forward in forwards {
                let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(ChannelOptions.backlog, value: 256)
                    .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .bind(host: "127.0.0.1", port: forward.local) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        }
                    }
                let target = "\(forward.service.map { "service \($0)" } ?? "the device's loopback") port \(forward.remote)"
                FileHandle.standardOutput.write(Data("127.0.0.1:\(forward.local) → \(device.name): \(target)\n".utf8))
                group.addTask {
                    try await listener.executeThenClose { connections in
                        await withDiscardingTaskGroup { connectionGroup in
                            do {
                                for try await connection in connections {
                                    connectionGroup.addTask {
                                        await Self.forward(connection, forward, device: device.uuid, server: server, token: token, target: target)
                                    }
                                }
                            } catch {
                                warn("127.0.0.1:\(forward.local) stopped listening: \(error)")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Relays one local connection through a tunnel session, with half-close both ways.
    private static func forward(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ forward: Forward, device: String, server: String, token: String, target: String
    ) async {
        let request = API.StreamOpen(kind: .tunnel, service: forward.service, port: forward.remote)
        do {
            try await connection.executeThenClose { inbound, outbound in
                let end = try await SessionClient.run(server: server, credential: token, device: device, request) { input in
                    do {
                        for try await buffer in inbound {
                            try await input.send(buffer.readableBytesView)
                        }
                        try await input.eof()
                    } catch {}
                } output: { output in
                    switch output {
                    case .stdout(let bytes), .stderr(let bytes): try? await outbound.write(ByteBuffer(bytes: bytes))
                    case .eof: outbound.finish()
                    }
                }
                if let error = end.error { warn("127.0.0.1:\(forward.local) → \(target): \(error)") }
            }
        } catch {
            warn("127.0.0.1:\(forward.local) → \(target): \(error)")
        }
    }
}

/// Says something on standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("drover: \(message)\n".utf8))
}
