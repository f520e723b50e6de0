import Crypto
import DroverCompression
import DroverModel
import Foundation

/// One file the dashboard is made of, ready to serve: its bytes, gzipped bytes, type and ETag.
struct DashboardAsset: Sendable {
    let bytes: Data
    /// Nil when gzip would not make it smaller.
    let gzipped: Data?
    let contentType: String
    let etag: String

    init(name: String, bytes: Data) {
        self.bytes = bytes
        let packed = try? Gzip.compress(bytes)
        gzipped = packed.flatMap { $0.count < bytes.count ? $0 : nil }
        contentType = Self.contentType(of: name)
        etag = "\"" + Data(SHA256.hash(data: bytes)).prefix(12).hexString + "\""
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last ?? "" {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}

/// The dashboard's files. They are built into the binary (``DashboardFiles``) and served from
/// memory. With `DROVER_DASHBOARD_DIR` set, they are read from that directory at each request
/// instead, so that whoever works on them sees a change without building again. xterm.js is
/// not ours: it is bundled from Debian's `node-xterm` on first use (``XtermBundle``).
final class DashboardAssets: Sendable {
    /// The files every router of this process serves.
    static let shared = DashboardAssets()

    /// Where files are read from, when not from the binary.
    let directory: String?
    private let embedded: [String: DashboardAsset]
    private let xterm: XtermBundle

    init(directory: String? = ProcessInfo.processInfo.environment["DROVER_DASHBOARD_DIR"], xterm: XtermBundle = XtermBundle()) {
        self.directory = directory.flatMap { $0.isEmpty ? nil : $0 }
        embedded = DashboardFiles.all.reduce(into: [:]) { $0[$1.name] = DashboardAsset(name: $1.name, bytes: Data($1.bytes)) }
        self.xterm = xterm
    }

    /// The names of the built-in files.
    var names: [String] { embedded.keys.sorted() }

    /// A file of the dashboard by its name (`app.js`), or nil. Names are plain: lowercase
    /// letters, digits, '-' and '.', not starting with '.', so no path leaves the directory.
    func asset(_ name: String) -> DashboardAsset? {
        guard Self.isPlain(name) else { return nil }
        guard let directory else { return embedded[name] }
        guard let bytes = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
        return DashboardAsset(name: name, bytes: bytes)
    }

    /// xterm.js and its style sheet, or the reason they cannot be served.
    func vendor(_ name: String) -> Result<DashboardAsset, ServerError> {
        switch name {
        case "xterm.js": xterm.script()
        case "xterm.css": xterm.styleSheet()
        default: .failure(ServerError(.notFound, "no file '\(name)' in the dashboard's libraries"))
        }
    }

    static func isPlain(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }
}
