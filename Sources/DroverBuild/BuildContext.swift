import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// A build context as the engine takes it: a tar of the context directory, leaving out what
/// `.dockerignore` names (the Dockerfile and `.dockerignore` themselves always go), written to
/// a temporary file so that a large context is streamed and its length known.
public struct BuildContext: Sendable {
    /// The tar file.
    public let path: String
    /// Its size in bytes.
    public let size: Int64
    /// How many files and directories it holds.
    public let entries: Int

    /// A context already written as a tar at `path`.
    public init(path: String, size: Int64, entries: Int) {
        self.path = path
        self.size = size
        self.entries = entries
    }

    /// Writes the context of `directory` to a temporary tar; `dockerfile` is the Dockerfile's
    /// path inside it, kept whatever `.dockerignore` says.
    public static func make(directory: String, dockerfile: String = "Dockerfile") throws -> BuildContext {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BuildError("the build context \(directory) is not a directory")
        }
        let ignore = FileManager.default.contents(atPath: root + "/.dockerignore").map { DockerIgnore(String(decoding: $0, as: UTF8.self)) }
        let keep: Set<String> = [DockerIgnore.clean(dockerfile), ".dockerignore"]
        let path = NSTemporaryDirectory() + "drover-context-\(UUID().uuidString).tar"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw BuildError("cannot write a temporary file for the build context")
        }
        defer { try? handle.close() }
        var writer = TarWriter(handle: handle)
        var entries = 0
        func walk(_ relative: String) throws {
            let full = relative.isEmpty ? root : root + "/" + relative
            let names = try FileManager.default.contentsOfDirectory(atPath: full).sorted()
            for name in names {
                let child = relative.isEmpty ? name : relative + "/" + name
                let excluded = !keep.contains(child) && (ignore?.excludes(child) ?? false)
                let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + child)
                let type = attributes[.type] as? FileAttributeType
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o644
                let modified = (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
                switch type {
                case .typeDirectory?:
                    if !excluded {
                        try writer.directory(child, mode: mode, modified: modified)
                        entries += 1
                    }
                    // A left-out directory is still walked when a later `!` may take something in it back.
                    if !excluded || ignore?.hasExceptions == true { try walk(child) }
                case .typeSymbolicLink?:
                    guard !excluded else { continue }
                    let target = try FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + child)
                    try writer.symlink(child, target: target, modified: modified)
                    entries += 1
                case .typeRegular?:
                    guard !excluded else { continue }
                    try writer.file(child, from: root + "/" + child, mode: mode, modified: modified)
                    entries += 1
                default:
                    continue
                }
            }
        }
        try walk("")
        try writer.finish()
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return BuildContext(path: path, size: size, entries: entries)
    }

    /// The tar as a request body of known length, read in 256 KiB pieces as it is sent: the
    /// engine's `/build` and the server's builder take it the same way.
    public func requestBody() throws -> HTTPClientRequest.Body {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BuildError("cannot read the build context \(path)") }
        let chunks = AsyncStream<ByteBuffer> {
            guard let data = try? handle.read(upToCount: 256 << 10), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(data: data)
        }
        return .stream(chunks, length: .known(size))
    }

    /// Removes the tar.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A build that cannot start or that failed, in words for the person who pushed.
public struct BuildError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// An error.
    public init(_ description: String) { self.description = description }
}

/// Writes a POSIX tar (ustar, with PAX headers for long names) to a file.
struct TarWriter {
    let handle: FileHandle

    mutating func directory(_ path: String, mode: Int, modified: Date) throws {
        try header(path + "/", type: "5", size: 0, mode: mode, modified: modified)
    }

    mutating func symlink(_ path: String, target: String, modified: Date) throws {
        try header(path, type: "2", size: 0, mode: 0o777, modified: modified, link: target)
    }

    mutating func file(_ path: String, from source: String, mode: Int, modified: Date) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw BuildError("cannot read \(source) for the build context") }
        defer { try? input.close() }
        let size = (try FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)?.int64Value ?? 0
        try header(path, type: "0", size: size, mode: mode, modified: modified)
        var written: Int64 = 0
        while written < size {
            let chunk = try input.read(upToCount: Int(min(1 << 20, size - written))) ?? Data()
            guard !chunk.isEmpty else { throw BuildError("\(source) changed while the build context was written") }
            try handle.write(contentsOf: chunk)
            written += Int64(chunk.count)
        }
        try pad(size)
    }

    mutating func finish() throws {
        try handle.write(contentsOf: Data(count: 1024))
    }

    private func pad(_ size: Int64) throws {
        let remainder = Int(size % 512)
        if remainder != 0 { try handle.write(contentsOf: Data(count: 512 - remainder)) }
    }

    private mutating func header(_ path: String, type: Character, size: Int64, mode: Int, modified: Date, link: String = "") throws {
        var pax: [String: String] = [:]
        if path.utf8.count > 100 { pax["path"] = path }
        if link.utf8.count > 100 { pax["linkpath"] = link }
        if !pax.isEmpty {
            var records = Data()
            for (key, value) in pax.sorted(by: { $0.key < $1.key }) {
                let body = " \(key)=\(value)\n"
                var length = body.utf8.count + 1
                while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
                records.append(Data((String(length) + body).utf8))
            }
            try handle.write(contentsOf: Self.block(name: "PaxHeader", type: "x", size: Int64(records.count), mode: 0o644, modified: modified, link: ""))
            try handle.write(contentsOf: records)
            try pad(Int64(records.count))
        }
        try handle.write(contentsOf: Self.block(name: path, type: type, size: size, mode: mode, modified: modified, link: link))
    }

    static func block(name: String, type: Character, size: Int64, mode: Int, modified: Date, link: String) -> Data {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int64, at offset: Int, length: Int) {
            put(String(String(value, radix: 8).suffix(length - 1)).leftPadded(to: length - 1), at: offset, length: length - 1)
        }
        put(name, at: 0, length: 100)
        octal(Int64(mode & 0o7777), at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(size, at: 124, length: 12)
        octal(Int64(max(0, modified.timeIntervalSince1970)), at: 136, length: 12)
        put("        ", at: 148, length: 8)
        put(String(type), at: 156, length: 1)
        put(link, at: 157, length: 100)
        put("ustar\u{0}00", at: 257, length: 8)
        put("root", at: 265, length: 32)
        put("root", at: 297, length: 32)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(String(String(checksum, radix: 8)).leftPadded(to: 6) + "\u{0} ", at: 148, length: 8)
        return Data(block)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
