/// Where a Docker Engine listens: a Unix socket or a TCP address.
public enum EngineEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// A Unix domain socket at the given path.
    case unix(path: String)
    /// Plain TCP (no TLS) at host and port.
    case tcp(host: String, port: Int)

    /// The engine's default socket on Linux.
    public static let defaultSocket = EngineEndpoint.unix(path: "/var/run/docker.sock")

    /// Parses `unix:///path`, `tcp://host:port`, or a bare absolute socket path.
    public init(parsing text: String) throws(DockerError) {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") else {
                throw DockerError(.badEndpoint, "engine address '\(text)' must name an absolute socket path, e.g. unix:///var/run/docker.sock")
            }
            self = .unix(path: path)
        } else if text.hasPrefix("tcp://") || text.hasPrefix("http://") {
            let rest = text.drop(while: { $0 != "/" }).dropFirst(2)
            let hostPort = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            guard let colon = hostPort.lastIndex(of: ":"),
                let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port)
            else {
                throw DockerError(.badEndpoint, "engine address '\(text)' must be tcp://HOST:PORT with a port from 1 to 65535")
            }
            var host = String(hostPort[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else {
                throw DockerError(.badEndpoint, "engine address '\(text)' has no host")
            }
            self = .tcp(host: host, port: port)
        } else if text.hasPrefix("/") {
            self = .unix(path: text)
        } else {
            throw DockerError(.badEndpoint, "engine address '\(text)' is not understood: use unix:///path/to/docker.sock or tcp://host:port")
        }
    }

    /// The endpoint named by `DOCKER_HOST` in the given environment, or the default socket.
    public static func fromEnvironment(_ environment: [String: String]) throws(DockerError) -> EngineEndpoint {
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            return try EngineEndpoint(parsing: host)
        }
        return .defaultSocket
    }

    /// The URL prefix AsyncHTTPClient connects to for this endpoint.
    var baseURL: String {
        switch self {
        case .unix(let path):
            let host = path.addingPercentEncodingForURLHost()
            return "http+unix://\(host)"
        case .tcp(let host, let port):
            return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        }
    }

    /// The Host header to send: the engine ignores it, but HTTP/1.1 requires one.
    var hostHeader: String {
        switch self {
        case .unix: "docker"
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        }
    }
}

extension String {
    /// Percent-encodes every byte that may not stand in a URL host, as AsyncHTTPClient expects
    /// for the socket path of an `http+unix` URL.
    fileprivate func addingPercentEncodingForURLHost() -> String {
        var out = ""
        for byte in self.utf8 {
            let allowed =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if allowed {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
