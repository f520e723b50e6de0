import ArgumentParser
import DroverClient
import DroverModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `drover ssh DEVICE [SERVICE] [-- CMD ...]`, as `balena ssh`: a shell or a command in a
/// service's container, or on the device's host, over the device's channel.
struct SSH: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open a shell, or run a command, in a service's container on a device (or on its host).",
        discussion: """
            With a SERVICE, the shell or command runs in that service's running container, through the engine's exec. \
            Without one, on the device's host, where the device or its fleet sets DROVER_HOST_SHELL=1. \
            Interactive when standard input is a terminal and no command is given (or with -t): the window size follows \
            this terminal and Ctrl-C reaches the remote process. Otherwise standard input, output and error pass through. \
            Exits with the remote command's exit code (255 when the session could not run).
            """)

    @Argument(help: "The device, by name or UUID.") var device: String
    @Argument(help: "The service whose container to enter; none: the device's host.") var service: String?
    @Flag(name: .shortAndLong, help: "Give the command a terminal even with a command.") var tty = false
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after '--'.") var command: [String] = []
    @OptionGroup var connection: Connection

    func run() async throws {
        let (server, token) = try connection.resolved()
        guard let token else { throw ValidationError("no token: run 'drover login' or set DROVER_TOKEN") }
        // Ask the API first: an unknown device or a bad token gets its own clear error.
        _ = try await connection.with { try await $0.device(device) }
        let interactive = (command.isEmpty || tty) && isatty(0) == 1
        let size = interactive ? LocalTerminal.size() : nil
        let request = API.StreamOpen(
            kind: .terminal, service: service, command: command.isEmpty ? nil : command, tty: interactive, columns: size?.columns, rows: size?.rows)
        let terminal = interactive ? LocalTerminal() : nil
        let stdout = FileWriter(descriptor: 1)
        let stderr = FileWriter(descriptor: 2)
        let end: API.StreamEnd
        do {
            end = try await SessionClient.run(server: server, credential: token, device: device, request) { input in
                await withTaskGroup(of: Void.self) { group in
                    if interactive {
                        group.addTask {
                            for await size in LocalTerminal.resizes() { try? await input.resize(columns: size.columns, rows: size.rows) }
                        }
                    }
                    group.addTask {
                        for await chunk in FileChunks(descriptor: 0) {
                            guard (try? await input.send(chunk)) != nil else { return }
                        }
                        try? await input.eof()
                    }
                    await group.next()
                }
            } output: { output in
                switch output {
                case .stdout(let bytes): _ = await stdout.write(bytes)
                case .stderr(let bytes): _ = await stderr.write(bytes)
                case .eof: break
                }
            }
        } catch {
            terminal?.restore()
            throw error
        }
        terminal?.restore()
        if let error = end.error {
            FileHandle.standardError.write(Data("drover ssh: \(error)\n".utf8))
            throw ExitCode(255)
        }
        throw ExitCode(Int32(clamping: end.exitCode ?? 0))
    }
}
