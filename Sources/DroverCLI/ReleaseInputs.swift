import ArgumentParser
import DroverModel
import Foundation

/// What a compose document needs beside it, read where the release is made, as `docker
/// compose` reads it: the variables it refers to (from the environment, then the `.env` next
/// to it), the files it names (`env_file`, `extends: {file:}`) and the active profiles
/// (`--profile`, else `COMPOSE_PROFILES`). They travel with the release, so the server parses
/// the document exactly as the CLI did.
struct ReleaseInputs {
    var document: ComposeDocument
    /// The environment the document was read with: the CLI's, then the `.env` beside it.
    var environment: [String: String]
    var variables: [String: String]
    var files: [String: String]
    var profiles: [String]

    static func read(compose text: String, path: String, profiles given: [String]) throws -> ReleaseInputs {
        let directory = ((path as NSString).deletingLastPathComponent as NSString).standardizingPath
        let base = directory.isEmpty ? "." : directory
        var environment = ProcessInfo.processInfo.environment
        if let dotenv = try? String(contentsOfFile: base + "/.env", encoding: .utf8) {
            environment.merge(DotEnv.parse(dotenv)) { own, _ in own }
        }
        let profiles = given.isEmpty ? (environment["COMPOSE_PROFILES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : given
        let read = FilesRead()
        let parser = ComposeParser(
            environment: environment, activeProfiles: Set(profiles.filter { !$0.isEmpty }), baseDirectory: base,
            readFile: { name in
                let text = try String(contentsOfFile: name.hasPrefix("/") ? name : base + "/" + name, encoding: .utf8)
                read.add(name, text)
                return text
            })
        let document: ComposeDocument
        do {
            document = try parser.parse(text)
        } catch {
            throw ValidationError("\(path): \(error)")
        }
        let files = read.all
        var names = DotEnv.references(in: text)
        for content in files.values { names.formUnion(DotEnv.references(in: content)) }
        let variables = environment.filter { names.contains($0.key) }
        return ReleaseInputs(
            document: document, environment: environment, variables: variables, files: files, profiles: profiles.filter { !$0.isEmpty })
    }

    /// Puts the inputs and the values of secrets and configs read from files or the environment into `body`.
    func fill(_ body: inout API.CreateRelease, directory: String) throws {
        body.variables = variables.isEmpty ? nil : variables
        body.files = files.isEmpty ? nil : files
        body.profiles = profiles.isEmpty ? nil : profiles
        // A secret's `environment:` variable may come from the .env too, as compose reads it.
        let values = try ReleaseValues.read(document.app, directory: directory, environment: environment)
        body.secrets = values.secrets.isEmpty ? nil : values.secrets
        body.configs = values.configs.isEmpty ? nil : values.configs
    }
}

/// The files a parse read, by the name the document gave them.
private final class FilesRead: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [String: String] = [:]
    func add(_ name: String, _ text: String) { lock.withLock { files[name] = text } }
    var all: [String: String] { lock.withLock { files } }
}
