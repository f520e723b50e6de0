import DroverCompression
import DroverModel
import Foundation
import Hummingbird

/// The request context: who is calling, set by the authentication middleware.
public struct DroverContext: RequestContext {
    /// Hummingbird's own per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The caller, when a valid bearer credential or session cookie was given.
    public var identity: Identity?
    /// The client's address, for the audit log.
    public let address: String?

    /// Creates a context for a request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        address = source.channel.remoteAddress?.ipAddress
    }

    /// The calling person; devices and anonymous callers are refused.
    func requirePerson() throws(ServerError) -> Principal {
        switch identity {
        case .user(let principal): return principal
        case .device: throw ServerError(.forbidden, "a device key cannot use this endpoint")
        case nil:
            throw ServerError(.unauthorized, "this endpoint needs an API token or a login: send 'Authorization: Bearer TOKEN' (drover login)")
        }
    }

    /// The calling device; users and anonymous callers are refused.
    func requireDevice() throws(ServerError) -> String { try requireDeviceIdentity().uuid }

    /// The calling device and its fleet, or 401/403.
    func requireDeviceIdentity() throws(ServerError) -> (uuid: String, fleetID: String) {
        switch identity {
        case .device(let uuid, let fleetID): return (uuid, fleetID)
        case .user: throw ServerError(.forbidden, "this endpoint is for devices: send the device's API key")
        case nil: throw ServerError(.unauthorized, "this endpoint needs the device's API key: send 'Authorization: Bearer KEY'")
        }
    }
}

/// JSON responses with one encoder configuration.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"response could not be encoded"}}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a request body, naming what is wrong in it.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws(ServerError) -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: API.Limits.body)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw ServerError(.payloadTooLarge, "the request body is larger than \(API.Limits.body >> 20) MiB")
        } catch {
            throw ServerError(.badRequest, "the request body broke off before its end")
        }
        var data = Data(buffer: buffer)
        if let encoding = request.headers[.contentEncoding] {
            guard encoding == "gzip" else { throw ServerError(.badRequest, "Content-Encoding '\(encoding)' is not supported; send gzip or nothing") }
            do {
                data = try Gzip.decompress(data, limit: API.Limits.body)
            } catch {
                throw ServerError(error.exceededLimit ? .payloadTooLarge : .badRequest, "body: \(error.message)")
            }
        }
        if let offset = Self.nulOffset(in: data) {
            throw ServerError(.badRequest, "body: text must not contain the NUL character (\\u0000, at byte \(offset))")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ServerError(.badRequest, "body: missing key '\(Self.path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw ServerError(.badRequest, "body: '\(Self.path(context.codingPath))' must be \(Self.describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw ServerError(.badRequest, "body: '\(Self.path(context.codingPath))' must be \(Self.describe(expected)), not null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw ServerError(.badRequest, "body: '\(Self.path(context.codingPath))' is not valid: \(context.debugDescription)")
        } catch {
            if let (path, number) = JSONNumberScan.firstUnrepresentable(in: [UInt8](data)) {
                throw ServerError(.badRequest, "body: '\(path)': \(number) is out of range")
            }
            throw ServerError(.badRequest, "body: not valid JSON")
        }
    }

    /// Where a JSON text holds a NUL character, raw or as `\u0000`. Stored text is read back
    /// cut at a NUL, so such text is refused rather than silently shortened. Backslashes only
    /// occur inside JSON strings, so pairing them up is enough to find escapes.
    static func nulOffset(in data: Data) -> Int? {
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0: return index
            case UInt8(ascii: "\\"):
                if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == UInt8(ascii: "0") }) {
                    return index
                }
                index += 2
            default: index += 1
            }
        }
        return nil
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is Int8.Type, is Int16.Type, is Int32.Type, is UInt.Type, is UInt8.Type, is UInt16.Type, is UInt32.Type, is UInt64.Type, is Float.Type:
            "a number"
        case is [String: Any].Type, is [String: String].Type: "an object"
        case is [Any].Type, is [String].Type: "an array"
        default: "a value of another kind"
        }
    }
}
