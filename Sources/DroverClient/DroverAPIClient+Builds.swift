import AsyncHTTPClient
import DroverModel
import Foundation
import NIOCore
import NIOFoundationCompat

/// The server's builder.
extension DroverAPIClient {
    /// `POST /v1/fleets/{fleet}/builds/{service}`: sends the build context (`context`, a tar)
    /// and hears the builder's lines as they come; returns the last line, the image or the
    /// build's error.
    public func buildImage(
        fleet: String, service: String, query: [(String, String?)], context: HTTPClientRequest.Body, onOutput: @Sendable (String) -> Void
    ) async throws(ClientError) -> API.BuildProgress {
        var request = HTTPClientRequest(url: server + Self.path("fleets", fleet, "builds", service, query: query))
        request.method = .POST
        if let credential { request.headers.add(name: "Authorization", value: "Bearer \(credential)") }
        request.headers.add(name: "Content-Type", value: "application/x-tar")
        request.body = context
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(2))
        } catch {
            throw ClientError(code: .unreachable, message: "cannot reach the Drover server at \(server): \(error)")
        }
        guard response.status.code < 400 else {
            let data = (try? await response.body.collect(upTo: 1 << 20)).map { Data(buffer: $0) } ?? Data()
            if let body = try? JSONDecoder().decode(API.ErrorBody.self, from: data) {
                throw ClientError(code: .init(rawValue: body.error.code), message: body.error.message, status: Int(response.status.code))
            }
            throw ClientError(code: .badResponse, message: "the server answered \(response.status)", status: Int(response.status.code))
        }
        var pending = Data()
        var last: API.BuildProgress?
        let decoder = JSONDecoder()
        do {
            for try await chunk in response.body {
                pending.append(Data(buffer: chunk))
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[pending.index(after: newline)...])
                    guard !line.isEmpty else { continue }
                    let progress = try decoder.decode(API.BuildProgress.self, from: line)
                    if let output = progress.output { onOutput(output) } else { last = progress }
                }
            }
        } catch let error as DecodingError {
            throw ClientError(code: .badResponse, message: "the builder's answer is not what this client expects: \(error)")
        } catch {
            throw ClientError(code: .unreachable, message: "the build's answer broke off: \(error)")
        }
        guard let last else { throw ClientError(code: .badResponse, message: "the builder's answer ended without an image or an error") }
        return last
    }
}
