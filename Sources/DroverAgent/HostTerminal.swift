import CDroverPTY
import DroverClient
import DroverModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A terminal on the device's host: a login shell, or a command, run by the agent itself —
/// with a pseudo-terminal when the person's side is one, on pipes otherwise. The server opens
/// one only where the device's config allows it (`DROVER_HOST_SHELL=1`).
enum HostTerminal {
    /// The config variable that, set to `1` for the device or its fleet, allows it.
    static let consentVariable = "DROVER_HOST_SHELL"

    static func run(_ request: API.StreamOpen, port: StreamPort) async -> API.StreamEnd {
        let tty = request.tty ?? false
        let argv = request.command.map { ["/usr/bin/env"] + $0 } ?? ["/bin/sh", "-l"]
        var environment = ProcessInfo.processInfo.environment
        if tty { environment["TERM"] = "xterm-256color" }
        environment["HOME"] = environment["HOME"] ?? "/root"
        var input: Int32 = -1
        var output: Int32 = -1
        var error: Int32 = -1
        var pid: Int32 = 0
        let failure = withCStrings(argv) { argv in
            withCStrings(environment.map { "\($0.key)=\($0.value)" }) { envp in
                drover_spawn(
                    argv[0], argv, envp, environment["HOME"], tty ? 1 : 0, UInt16(clamping: request.rows ?? 24),
                    UInt16(clamping: request.columns ?? 80), &input, &output, &error, &pid)
            }
        }
        guard failure == 0 else { return API.StreamEnd(error: "cannot start \(argv[0]) on the host: \(String(cString: strerror(failure)))") }
        defer {
            close(input)
            if output != input { close(output) }
            if error >= 0 { close(error) }
        }
        let writer = FileWriter(descriptor: input)
        let (stdout, stderr, child) = (output, error, pid)
        let personLeft = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withTaskGroup(of: Void.self) { outputs in
                    outputs.addTask {
                        for await chunk in FileChunks(descriptor: stdout) { guard await port.send(chunk) else { return } }
                    }
                    if stderr >= 0 {
                        outputs.addTask {
                            for await chunk in FileChunks(descriptor: stderr) { guard await port.send(chunk, stderr: true) else { return } }
                        }
                    }
                }
                return false
            }
            group.addTask {
                for await frame in port.inbound {
                    switch frame {
                    case .data(_, let bytes):
                        guard await writer.write(bytes) else { continue }
                        await port.granted(bytes.count)
                    case .eof:
                        // A terminal's end of input is its EOF character; a pipe's is its close.
                        if tty { _ = await writer.write([4]) } else { shutdownInput(writer.descriptor) }
                    case .resize(_, let columns, let rows): _ = drover_set_terminal_size(stdout, rows, columns)
                    case .close: return true
                    default: break
                    }
                }
                return true
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
        if personLeft { kill(-child, SIGHUP) }
        let code = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: drover_wait_exit(child)) }
        }
        return API.StreamEnd(exitCode: Int(code))
    }

    /// Ends a pipe's input without closing the descriptor twice later.
    private static func shutdownInput(_ descriptor: Int32) {
        let null = open("/dev/null", O_RDONLY)
        guard null >= 0 else { return }
        // The child reads end of file once the pipe's last writer is gone: replacing our end
        // with /dev/null drops it, and the descriptor stays ours to close.
        dup2(null, descriptor)
        close(null)
    }

    /// Calls `body` with a NULL-terminated C array of the strings.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
