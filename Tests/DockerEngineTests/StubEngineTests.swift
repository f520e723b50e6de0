import DockerEngine
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// A tiny in-process HTTP server on a Unix socket that plays an engine with canned answers,
/// for what a real dockerd cannot be made to do (speak an old API, hang, answer garbage).
final class StubEngine: Sendable {
    /// What the stub answers: status, headers and body per request path; nil means never answer.
    typealias Route = @Sendable (String) -> (HTTPResponseStatus, [(String, String)], String)?

    let socketPath: String
    private let channel: any Channel

    init(route: @escaping Route) async throws {
        socketPath = NSTemporaryDirectory() + "drover-stub-\(UUID().uuidString.prefix(8)).sock"
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(route: route))
                }
            }
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true)
            .get()
    }

    func close() async throws {
        try await channel.close()
    }

    var endpoint: EngineEndpoint { .unix(path: socketPath) }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let route: Route
        init(route: @escaping Route) { self.route = route }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            guard let (status, headers, body) = route(head.uri) else { return }  // hang
            var responseHeaders = HTTPHeaders(headers)
            responseHeaders.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: responseHeaders))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

@Suite("Docker client against a stub engine")
struct StubEngineTests {
    @Test("a newer engine is spoken to at Drover's newest API version")
    func clampsVersion() async throws {
        let stub = try await StubEngine { uri in
            if uri == "/_ping" { return (.ok, [("Api-Version", "1.99")], "OK") }
            if uri.hasPrefix("/v1.47/version") { return (.ok, [], #"{"Version":"99.0","ApiVersion":"1.99"}"#) }
            return (.notFound, [], #"{"message":"unexpected \#(uri)"}"#)
        }
        let client = try await DockerClient.connect(to: stub.endpoint)
        #expect(client.apiVersion == DockerClient.maximumAPIVersion)
        #expect(try await client.version().version == "99.0")
        try await client.shutdown()
        try await stub.close()
    }

    @Test("an engine older than API 1.41 is refused with its version named")
    func refusesOldEngine() async throws {
        let stub = try await StubEngine { _ in (.ok, [("Api-Version", "1.40")], "OK") }
        let error = await #expect(throws: DockerError.self) { try await DockerClient.connect(to: stub.endpoint) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.message.contains("1.40") == true)
        try await stub.close()
    }

    @Test("a request that gets no answer fails at its deadline")
    func deadline() async throws {
        let stub = try await StubEngine { uri in uri == "/_ping" ? (.ok, [("Api-Version", "1.41")], "OK") : nil }
        let client = try await DockerClient.connect(to: stub.endpoint, requestTimeout: .milliseconds(300))
        let error = await #expect(throws: DockerError.self) { try await client.info() }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("timed out after 300ms") == true)
        try await client.shutdown()
        try await stub.close()
    }

    @Test("a stop or restart with the longest grace period a release may carry is sent, not trapped on", arguments: [Int.max, Int(Int32.max), -1])
    func longestGrace(seconds: Int) async throws {
        let stub = try await StubEngine { uri in
            if uri == "/_ping" { return (.ok, [("Api-Version", "1.41")], "OK") }
            return (.noContent, [], "")
        }
        let client = try await DockerClient.connect(to: stub.endpoint)
        try await client.stopContainer("web", timeoutSeconds: seconds)
        try await client.restartContainer("web", timeoutSeconds: seconds)
        try await client.shutdown()
        try await stub.close()
    }

    @Test("an answer that is not JSON is reported, not crashed on; an oversized one is refused")
    func badAnswers() async throws {
        let stub = try await StubEngine { uri in
            if uri == "/_ping" { return (.ok, [("Api-Version", "1.41")], "OK") }
            if uri.hasPrefix("/v1.41/info") { return (.ok, [], "<html>proxy error</html>") }
            return (.ok, [], String(repeating: "x", count: 4096))
        }
        let client = try await DockerClient.connect(to: stub.endpoint, maxResponseBytes: 1024)
        let garbage = await #expect(throws: DockerError.self) { try await client.info() }
        #expect(garbage?.code == .badResponse)
        let big = await #expect(throws: DockerError.self) { try await client.version() }
        #expect(big?.code == .badResponse)
        try await client.shutdown()
        try await stub.close()
    }
}
