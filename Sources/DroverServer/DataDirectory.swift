import Foundation
import Logging

/// The server's data directory holds the database (env values, key hashes, reports) and the
/// admin token: only the server's own user may read it, whatever the umask it was started with.
enum DataDirectory {
    /// Creates `path` if needed, and makes it 0700 and every file in it 0600. A mode that was
    /// wider is narrowed and reported, since it means the data was readable by others until now.
    static func secure(_ path: String, logger: Logger) throws {
        // Files SQLite creates later (-wal, -shm, journals) get the process's umask.
        umask(0o077)
        let files = FileManager.default
        try files.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try narrow(path, to: 0o700, logger: logger)
        for name in try files.contentsOfDirectory(atPath: path) {
            let file = path + "/" + name
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: file, isDirectory: &isDirectory) else { continue }
            try narrow(file, to: isDirectory.boolValue ? 0o700 : 0o600, logger: logger)
        }
    }

    private static func narrow(_ path: String, to mode: Int, logger: Logger) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        // A link's own mode means nothing, and changing it would change what it points to.
        guard attributes[.type] as? FileAttributeType != .typeSymbolicLink else { return }
        let current = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? mode
        guard current & 0o077 != 0 else { return }
        try FileManager.default.setAttributes([.posixPermissions: current & mode], ofItemAtPath: path)
        logger.warning(
            "data file was readable by other users; narrowed its mode",
            metadata: ["path": "\(path)", "was": "\(String(current, radix: 8))", "now": "\(String(current & mode, radix: 8))"])
    }
}
