import DockerEngine
import DroverBuild
import DroverModel
import Foundation
import Hummingbird
import Logging

/// `POST /v1/fleets/{fleet}/builds/{service}`: the body is the build context (a tar), the query
/// says how to build; the answer streams the builder's output as newline-delimited JSON
/// (``API/BuildProgress``), ending with the image or the error.
enum BuildRoute {
    /// The largest build context taken.
    static let maxContextBytes = 4 << 30

    static func add(to v1: PeopleRoutes, plane: ControlPlane) {
        v1.post("fleets/:fleet/builds/:service") { request, context, access in
            let service = try context.parameters.require("service")
            let (_, repository) = try await plane.builds.prepare(access, fleet: try context.parameters.require("fleet"), service: service)
            let build = try buildRequest(request.uri.queryParameters, service: service)
            let tar = try await receive(request)
            let stream = AsyncStream<API.BuildProgress> { continuation in
                let work = Task {
                    do {
                        let image = try await plane.builds.build(build, repository: repository, context: tar) { line in
                            continuation.yield(API.BuildProgress(output: line))
                        }
                        continuation.yield(API.BuildProgress(image: image))
                    } catch let failure as BuildFailure {
                        continuation.yield(
                            API.BuildProgress(
                                error: API.ErrorBody(code: ServerErrorCode.buildFailed.rawValue, message: failure.description).error,
                                step: failure.stepIndex))
                    } catch {
                        continuation.yield(API.BuildProgress(error: API.ErrorBody(code: ServerErrorCode.buildFailed.rawValue, message: "\(error)").error))
                    }
                    tar.remove()
                    continuation.finish()
                }
                continuation.onTermination = { _ in work.cancel() }
            }
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    for await line in stream {
                        try await writer.write(ByteBuffer(data: (try? JSONBody.encoder.encode(line)) ?? Data("{}".utf8)))
                        try await writer.write(ByteBuffer(string: "\n"))
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// The build the query asks for.
    static func buildRequest(_ query: Parameters, service: String) throws(ServerError) -> ImageBuilds.Request {
        let tag = query["tag"].map(String.init) ?? "latest"
        guard tag.count <= 128, let first = tag.first, first.isLetter || first.isNumber || first == "_",
            tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else {
            throw ServerError(.badRequest, "tag '\(tag)' is not a tag (letters, digits, '_', '.', '-', up to 128)")
        }
        var platforms: [Platform] = []
        for text in (query["platform"].map(String.init) ?? "").split(separator: ",") {
            platforms.append(try ControlPlane.platform(String(text).trimmingCharacters(in: .whitespaces), what: "platform"))
        }
        func map(_ name: String) throws(ServerError) -> [String: String] {
            guard let text = query[Substring(name)] else { return [:] }
            do {
                return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
            } catch {
                throw ServerError(.badRequest, "\(name) must be a JSON object of strings")
            }
        }
        return ImageBuilds.Request(
            service: service, tag: tag, platforms: platforms,
            recipe: BuildRecipe(
                context: ".", dockerfile: query["dockerfile"].map(String.init) ?? "Dockerfile", args: try map("args"), labels: try map("labels"),
                target: query["target"].map(String.init), noCache: query["nocache"] == "1" || query["nocache"] == "true"))
    }

    /// The context, written to a temporary file as it arrives.
    static func receive(_ request: Request) async throws -> BuildContext {
        let path = NSTemporaryDirectory() + "drover-build-\(UUID().uuidString).tar"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ServerError(.internalFailure, "cannot write a temporary file for the build context")
        }
        var size: Int64 = 0
        do {
            for try await chunk in request.body {
                size += Int64(chunk.readableBytes)
                guard size <= maxContextBytes else { throw ServerError(.payloadTooLarge, "the build context is larger than \(maxContextBytes >> 30) GiB") }
                try handle.write(contentsOf: Data(buffer: chunk))
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        guard size > 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw ServerError(.badRequest, "the body must be the build context, a tar; it is empty")
        }
        return BuildContext(path: path, size: size, entries: 0)
    }
}
