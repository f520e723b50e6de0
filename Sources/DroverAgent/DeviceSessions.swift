import DockerEngine
import DroverModel
import Foundation
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's side of people's sessions (see ``API/StreamOpen``): a terminal in a service's
/// container through the engine's exec API, or on the host (``HostTerminal``); a tunnel's TCP
/// connection to a container or to the device's loopback; the live log lines.
struct DeviceSessions: Sendable {
    let engine: DockerClient
    /// The device's UUID: the value of its containers' `io.drover.device` label.
    let device: String
    let liveLogs: LiveLogFeed
    /// The device's config (its target's `DROVER_*` variables), as last received.
    let settings: DeviceSettings
    let logger: Logger

    /// The shell of a terminal with no command: bash where the image has it.
    static let shell = ["/bin/sh", "-c", "if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi"]

    /// Runs one session to its end, and tells the server how it ended.
    func run(_ request: API.StreamOpen, on port: StreamPort) async {
        var logger = logger
        logger[metadataKey: "stream"] = "\(port.stream)"
        logger.info("session", metadata: ["kind": "\(request.kind.rawValue)", "service": "\(request.service ?? "host")"])
        let end: API.StreamEnd
        do {
            try request.validate()
            switch request.kind {
            case .terminal:
                if let service = request.service {
                    end = try await containerTerminal(request, container: try await container(of: service), port: port)
                } else if settings.value[HostTerminal.consentVariable] == "1" {
                    end = await HostTerminal.run(request, port: port)
                } else {
                    // The server checks first; the device holds to its own config as well.
                    end = API.StreamEnd(error: "this device's config does not allow a host shell (\(HostTerminal.consentVariable) is not 1)")
                }
            case .tunnel: end = await tunnel(request, port: port)
            case .logs: end = await logs(request, port: port)
            }
        } catch let error as DockerError {
            end = API.StreamEnd(error: error.message)
        } catch let error as ModelError {
            end = API.StreamEnd(error: "\(error.path): \(error.message)")
        } catch {
            end = API.StreamEnd(error: "\(error)")
        }
        logger.info("session ended", metadata: ["exit": "\(end.exitCode.map(String.init) ?? "-")", "error": "\(end.error ?? "-")"])
        await port.close(end)
    }

    /// The running container of a service.
    private func container(of service: String) async throws -> ContainerSummary {
        let filters = ["label": ["\(DroverLabel.device)=\(device)", "\(DroverLabel.service)=\(service)"], "status": ["running"]]
        guard let container = try await engine.listContainers(all: false, filters: filters).first else {
            throw DockerError(.engine, "service \(service) has no running container on this device")
        }
        return container
    }

    /// A command (or a shell) in a container, its output and input passed through; ends with
    /// its exit code.
    private func containerTerminal(_ request: API.StreamOpen, container: ContainerSummary, port: StreamPort) async throws -> API.StreamEnd {
        let tty = request.tty ?? false
        let exec = try await engine.createExec(
            container: container.id, command: request.command ?? Self.shell, tty: tty, environment: tty ? ["TERM=xterm-256color"] : [],
            columns: request.columns, rows: request.rows)
        let engine = self.engine
        try await engine.attachExec(exec, tty: tty) { output, input in
            if tty, let columns = request.columns, let rows = request.rows { try? await engine.resizeExec(exec, columns: columns, rows: rows) }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await chunk in output {
                            switch chunk {
                            case .stdout(let bytes): guard await port.send(bytes) else { return }
                            case .stderr(let bytes): guard await port.send(bytes, stderr: true) else { return }
                            }
                        }
                    } catch {}
                }
                group.addTask {
                    for await frame in port.inbound {
                        switch frame {
                        case .data(_, let bytes):
                            guard (try? await input.write(ByteBuffer(bytes: bytes))) != nil else { return }
                            await port.granted(bytes.count)
                        case .eof: input.finish()
                        case .resize(_, let columns, let rows): try? await engine.resizeExec(exec, columns: Int(columns), rows: Int(rows))
                        default: return
                        }
                    }
                }
                // The command's output ends when it exits; the person's side ends when they go.
                await group.next()
                group.cancelAll()
            }
        }
        // Not cancelled with the session (the channel may have gone): what runs on must end.
        let logger = self.logger
        return await Task.detached { await Self.finish(exec, engine: engine, logger: logger) }.value
    }

    /// The exec's exit code once it ended. The engine may take a moment to record the exit
    /// after the stream ends. If the command runs on (the person went), it is stopped: the
    /// engine keeps an exec running after its connection closes, so it would stay in the
    /// container for good.
    static func finish(_ exec: String, engine: DockerClient, logger: Logger) async -> API.StreamEnd {
        for _ in 0..<50 {
            guard let state = try? await engine.inspectExec(exec) else { break }
            if !state.running { return API.StreamEnd(exitCode: state.exitCode) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await endProcess(of: exec, engine: engine, logger: logger)
        return API.StreamEnd(error: "the session ended while the command ran; it was stopped")
    }

    /// Sends an exec's process SIGHUP (a terminal's hang-up), and SIGKILL if it still runs 2 s
    /// later. The process id is the host's: the agent runs beside the engine.
    static func endProcess(of exec: String, engine: DockerClient, logger: Logger) async {
        for signal in [SIGHUP, SIGKILL] {
            guard let state = try? await engine.inspectExec(exec), state.running, state.pid > 0 else { return }
            if kill(pid_t(state.pid), signal) != 0 {
                logger.info("cannot stop a session's command", metadata: ["pid": "\(state.pid)", "errno": "\(errno)"])
                return
            }
            for _ in 0..<20 {
                try? await Task.sleep(for: .milliseconds(100))
                if let state = try? await engine.inspectExec(exec), !state.running { return }
            }
        }
    }

    /// One TCP connection to a port of a service's container (on its app network) or of the
    /// device's loopback, with half-close either way.
    private func tunnel(_ request: API.StreamOpen, port: StreamPort) async -> API.StreamEnd {
        let remotePort = request.port ?? 0
        let host: String
        let place: String
        if let service = request.service {
            do {
                let inspect = try await engine.inspectContainer(try await container(of: service).id)
                guard let address = inspect?.networkSettings?.networks?.values.compactMap(\.ipAddress).first(where: { !$0.isEmpty }) else {
                    return API.StreamEnd(error: "service \(service)'s container has no IP address on a network (network_mode host or none?)")
                }
                host = address
                place = "service \(service) (\(address))"
            } catch let error as DockerError {
                return API.StreamEnd(error: error.message)
            } catch {
                return API.StreamEnd(error: "\(error)")
            }
        } else {
            host = "127.0.0.1"
            place = "the device's loopback"
        }
        let connection: ByteStream
        do {
            connection = try await ByteStream.connect(host: host, port: remotePort, timeout: .seconds(5))
        } catch {
            let text = "\(error)"
            let why =
                text.contains("Connection refused")
                ? "connection refused" : text.contains("timeout") || text.contains("timed out") ? "no answer in 5 s" : text
            return API.StreamEnd(error: "nothing listens on port \(remotePort) of \(place) (\(why))")
        }
        let reason = try? await connection.run { inbound, outbound in
            await withTaskGroup(of: String?.self) { group in
                group.addTask {
                    do {
                        for try await buffer in inbound {
                            guard await port.send(buffer.readableBytesView) else { return "the session ended" }
                        }
                        await port.eof()
                        return nil
                    } catch {
                        return "the connection to port \(remotePort) broke: \(error)"
                    }
                }
                group.addTask {
                    for await frame in port.inbound {
                        switch frame {
                        case .data(_, let bytes):
                            do {
                                try await outbound.write(ByteBuffer(bytes: bytes))
                            } catch {
                                return "the connection to port \(remotePort) broke: \(error)"
                            }
                            await port.granted(bytes.count)
                        case .eof:
                            outbound.finish()
                            return nil
                        case .close: return "the session ended"
                        default: break
                        }
                    }
                    return "the session ended"
                }
                // Over once both directions are done, or at once when either breaks.
                var reason: String?
                for await ended in group {
                    if let ended {
                        reason = ended
                        group.cancelAll()
                    }
                }
                return reason
            }
        }
        return API.StreamEnd(error: reason.flatMap { $0 })
    }

    /// The containers' log lines as they are printed, one JSON ``API/LogEntry`` a line.
    private func logs(_ request: API.StreamOpen, port: StreamPort) async -> API.StreamEnd {
        let (lines, token) = liveLogs.subscribe()
        defer { liveLogs.unsubscribe(token) }
        let encoder = JSONEncoder()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await line in lines where request.service == nil || line.service == request.service {
                    guard var bytes = try? encoder.encode(line) else { continue }
                    bytes.append(UInt8(ascii: "\n"))
                    guard await port.send(bytes) else { return }
                }
            }
            group.addTask {
                for await frame in port.inbound {
                    if case .close = frame { return }
                }
            }
            await group.next()
            group.cancelAll()
        }
        return API.StreamEnd()
    }
}
