import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The agent's own state directory: its identity, the last target, buffered logs. Every file
/// is replaced atomically (temp file, fsync, rename, fsync directory) so a power cut leaves
/// either the old or the new content, never a torn file.
public struct StateDirectory: Sendable {
    /// The directory.
    public let path: String

    /// Creates a handle; the directory is created on first write.
    public init(path: String) {
        self.path = path
    }

    /// The default: `$DROVER_STATE_DIR`, else `/var/lib/drover`.
    public static func defaultPath(environment: [String: String]) -> String {
        environment["DROVER_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/drover"
    }

    /// Reads a file, nil when it does not exist.
    public func read(_ name: String) throws(AgentError) -> Data? {
        let file = (path as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw AgentError(.stateDirectory, "cannot read \(file)", cause: error)
        }
    }

    /// The names of the files here that start with `prefix` and end with `suffix`, sorted;
    /// none when the directory does not exist yet.
    public func names(prefix: String, suffix: String) -> [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return all.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && $0.count > prefix.count + suffix.count }.sorted()
    }

    /// Replaces a file atomically and durably.
    public func write(_ name: String, _ data: Data) throws(AgentError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw AgentError(.stateDirectory, "cannot create the state directory \(path); pass --state-dir or set DROVER_STATE_DIR", cause: error)
        }
        let file = (path as NSString).appendingPathComponent(name)
        let temporary = file + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw AgentError(.stateDirectory, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                offset += n
            }
            return offset
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced else {
            unlink(temporary)
            throw AgentError(.stateDirectory, "cannot write \(file): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, file) == 0 else {
            unlink(temporary)
            throw AgentError(.stateDirectory, "cannot replace \(file): \(String(cString: strerror(errno)))")
        }
        let dir = open(path, O_RDONLY | O_DIRECTORY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// The device id stored here, created (as a random UUID) on first use.
    public func deviceID() throws(AgentError) -> String {
        if let data = try read("device-id") {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { return text }
        }
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try write("device-id", Data((id + "\n").utf8))
        return id
    }
}
