import NIOCore
import NIOPosix

/// A duplex byte stream over a socket, with half-close either way: a tunnel's TCP connection,
/// or an engine connection hijacked by an attach. Both directions apply back-pressure: the
/// reader pulls, and a write waits while the socket's buffer is full.
public struct ByteStream: Sendable {
    /// The bytes that arrive, until the other side closes its sending half.
    public typealias Inbound = NIOAsyncChannelInboundStream<ByteBuffer>
    /// Where bytes are written; `finish()` closes this side's sending half.
    public typealias Outbound = NIOAsyncChannelOutboundWriter<ByteBuffer>

    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Connects to a TCP port.
    public static func connect(host: String, port: Int, timeout: TimeAmount = .seconds(10)) async throws -> ByteStream {
        try await ByteStream(channel: bootstrap(timeout).connect(host: host, port: port, channelInitializer: wrap))
    }

    /// Connects to a Unix domain socket.
    public static func connect(unixSocket path: String, timeout: TimeAmount = .seconds(10)) async throws -> ByteStream {
        try await ByteStream(channel: bootstrap(timeout).connect(unixDomainSocketPath: path, channelInitializer: wrap))
    }

    /// Connects to where an engine listens.
    static func connect(to endpoint: EngineEndpoint) async throws -> ByteStream {
        switch endpoint {
        case .unix(let path): try await connect(unixSocket: path)
        case .tcp(let host, let port): try await connect(host: host, port: port)
        }
    }

    /// Runs `body` with the two directions, and closes the socket when it returns or throws.
    public func run<Result: Sendable>(
        _ body: (_ inbound: Inbound, _ outbound: Outbound) async throws -> Result
    ) async throws -> Result {
        try await channel.executeThenClose { inbound, outbound in try await body(inbound, outbound) }
    }

    private static func bootstrap(_ timeout: TimeAmount) -> ClientBootstrap {
        ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(timeout)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
    }

    @Sendable private static func wrap(_ channel: any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> {
        channel.eventLoop.makeCompletedFuture {
            try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }
}
