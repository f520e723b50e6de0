// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// How the device agent is linked for release on Linux, to keep a long-running daemon on a
/// small board lean (idle RSS measured by `bench/apply-vs-compose`):
/// - not position-independent: no 120,000 run-time relocations to read at start, and no data
///   pages made private by applying them (1.4 MB of dirty memory). The code sits at a fixed
///   address, as a Go daemon's does; the stack, heap and libraries are still randomised.
/// - no exported dynamic symbols: the static Swift runtime exports 34,000 by default, and the
///   loader touches their table. Nothing loads plug-ins into the agent.
/// - libstdc++ linked statically when `scripts/build-agent` has put its archive in
///   `.build/agent-link` (the shared library costs 1.5 MB of RSS for the little the runtime
///   uses); without that directory the linker uses the shared one.
/// - the code it runs side by side: `Sources/drover-agent/hot.order` names the 1.8 MB of
///   functions a daemon round and the one-shot commands run (written by
///   `scripts/profile-agent`), and the link places them together. The kernel maps code 64 KB
///   around each page touched: scattered through the 24 MB of code, those functions kept
///   15 MB of it resident; together, the agent idles at 17–18 MB instead of 24. It takes
///   effect for code built with function sections, as `scripts/build-agent` builds it; the
///   toolchain's Foundation archives are built without, and stay where they are.
let agentReleaseLinkFlags = [
    "-Xlinker", "--no-pie", "-Xlinker", "--no-export-dynamic", "-L", "\(Context.packageDirectory)/.build/agent-link",
    "-Xlinker", "--section-ordering-file=\(Context.packageDirectory)/Sources/drover-agent/hot.order",
]

let package = Package(
    name: "drover",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "drover-agent", targets: ["drover-agent"]),
        .executable(name: "drover", targets: ["drover"]),
        .library(name: "DroverModel", targets: ["DroverModel"]),
        .library(name: "DockerEngine", targets: ["DockerEngine"]),
        .library(name: "DroverAgent", targets: ["DroverAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // 4.x for jwt-kit; 3.x code builds unchanged.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.15.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "DroverCompression", dependencies: ["CZlib"], swiftSettings: strict),
        // Pseudo-terminals: what Swift cannot call itself (ioctl is variadic; a child's
        // controlling terminal is set up between fork and exec).
        .target(name: "CDroverPTY"),
        .target(name: "DroverErrors", swiftSettings: strict),
        .target(
            name: "DroverModel",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DockerEngine",
            dependencies: [
                "DroverErrors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverRegistry",
            dependencies: [
                "DroverModel", "DroverErrors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Building images from compose `build:` sections and pushing them, for `drover push`.
        .target(
            name: "DroverBuild",
            dependencies: [
                "DroverModel", "DockerEngine", "DroverRegistry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverAgent",
            dependencies: [
                "DroverModel", "DockerEngine", "DroverClient", "DroverErrors", "CDroverPTY",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverAgentCLI",
            dependencies: [
                "DroverAgent", "DroverModel", "DockerEngine", "DroverCLISupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverServer",
            dependencies: [
                "DroverModel", "DroverCompression", "DroverErrors", "DroverRegistry", "DroverBuild", "DockerEngine",
                // Registry tokens (JWT, ES256) and the certificate Distribution trusts them by.
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                // Webhook deliveries are POSTed with it.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The dashboard's files, compiled into the binary (see DashboardFiles.swift).
            resources: [.embedInCode("Dashboard")],
            swiftSettings: strict
        ),
        .target(
            name: "DroverClient",
            dependencies: [
                "DroverModel", "DroverCompression", "DroverErrors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverCLISupport",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .target(
            name: "DroverCLI",
            dependencies: [
                "DroverClient", "DroverModel", "DroverCLISupport", "CDroverPTY", "DroverBuild", "DroverRegistry", "DockerEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverServerCLI",
            dependencies: [
                "DroverServer", "DockerEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DroverSimulator",
            dependencies: [
                "DroverClient", "DroverModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "drover-sim", dependencies: ["DroverSimulator"], swiftSettings: strict),
        .executableTarget(
            name: "drover",
            dependencies: ["DroverCLI", "DroverServerCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "drover-agent",
            dependencies: [
                "DroverAgentCLI", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["hot.order"],
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(agentReleaseLinkFlags, .when(platforms: [.linux], configuration: .release))]
        ),
        // What the test targets share: a live server, the real test engine, the environment
        // gate and `eventually`. A plain target under Tests/, built only for the tests.
        .target(
            name: "DroverTestSupport",
            dependencies: [
                "DroverServer", "DroverClient", "DroverModel", "DroverAgent", "DockerEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/DroverTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "DroverModelTests", dependencies: ["DroverModel"], swiftSettings: strict),
        .testTarget(name: "DroverBuildTests", dependencies: ["DroverBuild", "DroverRegistry", "DroverModel"], swiftSettings: strict),
        .testTarget(
            name: "DroverCLITests",
            dependencies: ["DroverCLI", "DroverClient", "DroverModel", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DockerEngineTests",
            dependencies: [
                "DockerEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverServerTests",
            dependencies: [
                "DroverServer", "DroverModel", "DroverClient", "DroverAgent", "DockerEngine", "DroverCompression", "DroverCLI",
                "DroverTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DroverAgentTests",
            dependencies: [
                "DroverAgent", "DroverModel", "DockerEngine", "DroverAgentCLI", "DroverTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Suites that need a real dockerd (and most a real server and agents): skipped, saying
        // why, when DROVER_TEST_DOCKER_HOST is not set; scripts/test sets it.
        .testTarget(
            name: "DroverEndToEndTests",
            dependencies: [
                "DroverTestSupport", "DroverServer", "DroverClient", "DroverModel", "DroverAgent", "DroverAgentCLI", "DockerEngine",
                "DroverCLI", "DroverRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
