import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// What `POST /build` is asked to build.
public struct BuildOptions: Sendable {
    /// The tag to give the image, `repository:tag`.
    public var tag: String
    /// The Dockerfile's path inside the context.
    public var dockerfile: String?
    /// `--build-arg`s.
    public var buildArgs: [String: String]
    /// Labels for the image.
    public var labels: [String: String]
    /// The stage to build.
    public var target: String?
    /// Do not use the build cache.
    public var noCache: Bool
    /// `os/arch[/variant]` to build for.
    public var platform: String?

    /// Options.
    public init(
        tag: String, dockerfile: String? = nil, buildArgs: [String: String] = [:], labels: [String: String] = [:], target: String? = nil,
        noCache: Bool = false, platform: String? = nil
    ) {
        self.tag = tag
        self.dockerfile = dockerfile
        self.buildArgs = buildArgs
        self.labels = labels
        self.target = target
        self.noCache = noCache
        self.platform = platform
    }
}

/// One line of a build's output stream.
public struct BuildEvent: Codable, Sendable {
    /// Builder output (`Step 2/4 : COPY …`, a `RUN` step's own output).
    public var stream: String?
    /// A status line (pulling a base image).
    public var status: String?
    /// The error that ended the build.
    public var error: String?
    /// The built image's id (`{"aux": {"ID": "sha256:…"}}`).
    public var aux: Aux?

    /// The built image.
    public struct Aux: Codable, Sendable {
        /// Its id.
        public var id: String?
        enum CodingKeys: String, CodingKey { case id = "ID" }
    }
}

/// A build the engine refused or that failed at a step: the builder's own words, and the step.
public struct BuildFailure: Error, Sendable, CustomStringConvertible {
    /// The step that failed, as the builder numbered it (`Step 3/5 : RUN make`), when known.
    public var step: String?
    /// The step's index (1-based) among the Dockerfile's instructions, when known.
    public var stepIndex: Int?
    /// What the builder said.
    public var message: String
    /// The builder's last lines of output before it failed.
    public var output: [String]

    /// What failed, in one paragraph.
    public var description: String {
        [step.map { "\($0) failed: " } ?? "", message].joined()
    }
}

extension DockerClient {
    /// `POST /build` with `context`, a tar stream, calling `output` with each line the builder
    /// prints. Returns the image id. A failure inside the stream throws ``BuildFailure`` with
    /// the step that failed and the builder's message.
    public func build(
        context: HTTPClientRequest.Body, options: BuildOptions, timeout: TimeAmount = .hours(2), output: @Sendable (String) -> Void = { _ in }
    ) async throws -> String {
        var query: [(String, String)] = [("t", options.tag), ("rm", "1"), ("forcerm", "1")]
        if let dockerfile = options.dockerfile { query.append(("dockerfile", dockerfile)) }
        if !options.buildArgs.isEmpty { query.append(("buildargs", Self.json(options.buildArgs))) }
        if !options.labels.isEmpty { query.append(("labels", Self.json(options.labels))) }
        if let target = options.target { query.append(("target", target)) }
        if options.noCache { query.append(("nocache", "1")) }
        if let platform = options.platform { query.append(("platform", platform)) }
        let response = try await start(
            .POST, "/build", query: query, headers: [("Content-Type", "application/x-tar")], timeout: timeout, streaming: context)
        var splitter = LineSplitter()
        var imageID: String?
        var failure: String?
        var step: String?
        var recent: [String] = []
        var text = ""
        do {
            for try await chunk in response.body {
                for line in splitter.feed(chunk) {
                    let event = try JSONDecoder().decode(BuildEvent.self, from: Data(buffer: line))
                    if let id = event.aux?.id { imageID = id }
                    if let error = event.error { failure = error }
                    if let said = event.stream ?? event.status {
                        text += said
                        while let newline = text.firstIndex(of: "\n") {
                            let printed = String(text[..<newline])
                            text = String(text[text.index(after: newline)...])
                            if printed.hasPrefix("Step ") { step = printed }
                            recent.append(printed)
                            if recent.count > 20 { recent.removeFirst() }
                            output(printed)
                        }
                    }
                }
            }
        } catch {
            throw DockerError(.streamError, "building \(options.tag) broke off", cause: error)
        }
        if !text.isEmpty { output(text) }
        if let failure {
            throw BuildFailure(step: step, stepIndex: step.flatMap(Self.stepIndex), message: failure, output: recent)
        }
        guard let imageID else {
            // Engines before 1.30 printed no aux line: the tag names the image.
            guard let image = try await inspectImage(options.tag) else { throw DockerError(.badResponse, "the build of \(options.tag) named no image") }
            return image.id
        }
        return imageID
    }

    /// `N` of `Step N/M : …`.
    static func stepIndex(_ line: String) -> Int? {
        guard line.hasPrefix("Step "), let slash = line.firstIndex(of: "/") else { return nil }
        return Int(line[line.index(line.startIndex, offsetBy: 5)..<slash])
    }

    static func json(_ map: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(map)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
