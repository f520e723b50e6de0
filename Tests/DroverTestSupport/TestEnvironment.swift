import Foundation
import Testing

/// What the suites that need real parts read from the environment `scripts/test` sets up.
public enum TestEnvironment {
    /// Where a real engine and registry for tests are, or why a suite cannot have them.
    public enum Engine: Sendable {
        /// `DROVER_TEST_DOCKER_HOST` names a dockerd; the registry holds the busybox test images.
        case available(dockerHost: String, registry: String)
        /// The variable is not set; the reason says how to get one.
        case missing(reason: String)
    }

    /// The engine for tests. `DROVER_TEST_DOCKER_HOST` is the dockerd's address (e.g.
    /// `unix:///var/tmp/drover/docker/docker.sock`) and `DROVER_TEST_REGISTRY` the registry with
    /// the test images (127.0.0.1:5055 when unset); `scripts/test` starts both and sets both.
    public static let engine: Engine = {
        let environment = ProcessInfo.processInfo.environment
        let registry = environment["DROVER_TEST_REGISTRY"] ?? "127.0.0.1:5055"
        guard let host = environment["DROVER_TEST_DOCKER_HOST"], !host.isEmpty else {
            return .missing(
                reason: "needs a real dockerd: DROVER_TEST_DOCKER_HOST is not set. Run scripts/test, which starts a dockerd and a "
                    + "registry and sets it, or set DROVER_TEST_DOCKER_HOST (and DROVER_TEST_REGISTRY, default 127.0.0.1:5055) yourself")
        }
        return .available(dockerHost: host, registry: registry)
    }()

    /// The registry that holds the test images, also when no engine is configured.
    public static var registry: String {
        switch engine {
        case .available(_, let registry): registry
        case .missing: ProcessInfo.processInfo.environment["DROVER_TEST_REGISTRY"] ?? "127.0.0.1:5055"
        }
    }

    /// The engine's address, when one is configured.
    public static var dockerHost: String? {
        if case .available(let host, _) = engine { return host }
        return nil
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs a suite or test only when `DROVER_TEST_DOCKER_HOST` names a real dockerd; otherwise
    /// Swift Testing reports it skipped with the reason and how to get an engine.
    public static var needsEngine: Self {
        switch TestEnvironment.engine {
        case .available: .enabled(if: true)
        case .missing(let reason): .enabled(if: false, Comment(rawValue: reason))
        }
    }
}
