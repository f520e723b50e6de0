import DroverModel
import Foundation
import Synchronization

/// xterm.js for the dashboard's terminal, from Debian's packages rather than from our
/// repository. Debian's `libjs-xterm` ships a browser file that only `require`s the CommonJS
/// modules of `node-xterm`, which a browser cannot load; so on first use the server bundles
/// those modules itself: each wrapped in a function, with a small `require` that resolves
/// relative paths, the fit add-on applied, and `window.Terminal` set. Made once, kept in memory.
final class XtermBundle: Sendable {
    /// Where Debian's `node-xterm` keeps its modules.
    static let defaultDirectory = "/usr/share/nodejs/xterm/lib"
    /// The modules the bundle starts from.
    static let entries = ["public/Terminal.js", "addons/fit/fit.js"]

    let directory: String
    private let made = Mutex<Result<DashboardAsset, ServerError>?>(nil)

    init(directory: String = ProcessInfo.processInfo.environment["DROVER_XTERM_DIR"] ?? XtermBundle.defaultDirectory) {
        self.directory = directory
    }

    /// The bundle, made on first use; why it cannot be made when `node-xterm` is missing.
    func script() -> Result<DashboardAsset, ServerError> {
        made.withLock { made in
            if let made { return made }
            let result = Result { () throws(ServerError) -> DashboardAsset in
                DashboardAsset(name: "xterm.js", bytes: Data(try Self.bundle(directory: directory).utf8))
            }
            made = result
            return result
        }
    }

    /// xterm.js's style sheet.
    func styleSheet() -> Result<DashboardAsset, ServerError> {
        guard let bytes = FileManager.default.contents(atPath: directory + "/xterm.css") else { return .failure(Self.missing(directory)) }
        return .success(DashboardAsset(name: "xterm.css", bytes: bytes))
    }

    static func missing(_ directory: String) -> ServerError {
        ServerError(.notFound, "the terminal needs xterm.js from Debian's node-xterm package, which is not at \(directory) (apt-get install node-xterm)")
    }

    /// The modules reachable from the entries, as one script.
    static func bundle(directory: String) throws(ServerError) -> String {
        var modules: [String: String] = [:]
        var pending = entries
        while let id = pending.popLast() {
            guard modules[id] == nil else { continue }
            guard let data = FileManager.default.contents(atPath: directory + "/" + id) else { throw missing(directory) }
            let source = String(decoding: data, as: UTF8.self)
            modules[id] = source
            for specifier in requires(in: source) {
                guard let path = resolve(specifier, from: id) else { continue }
                // `./x` is `x.js`, or the folder `x`'s `index.js`.
                let file = path.hasSuffix(".js") ? path : path + ".js"
                let exists = FileManager.default.fileExists(atPath: directory + "/" + file)
                pending.append(exists ? file : path + "/index.js")
            }
        }
        var out = "/* xterm.js \(version(directory)) from Debian's node-xterm (MIT licence), bundled by drover server */\n"
        out += "(function () {\n'use strict';\nvar defs = {};\n"
        for id in modules.keys.sorted() {
            let body = (modules[id] ?? "").split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("//# sourceMappingURL=") }.joined(separator: "\n")
            out += "defs[\(quoted(id))] = function (require, module, exports) {\n\(body)\n};\n"
        }
        out += """
            var cache = {};
            function resolve(from, spec) {
              var parts = from.split('/'); parts.pop();
              spec.split('/').forEach(function (p) { if (p === '..') parts.pop(); else if (p !== '.') parts.push(p); });
              var id = parts.join('/');
              return defs[id] ? id : defs[id + '.js'] ? id + '.js' : id + '/index.js';
            }
            function load(id) {
              if (cache[id]) return cache[id].exports;
              if (!defs[id]) throw new Error('xterm bundle: no module ' + id);
              var module = { exports: {} };
              cache[id] = module;
              defs[id].call(module.exports, function (spec) { return load(resolve(id, spec)); }, module, module.exports);
              return module.exports;
            }
            var Terminal = load('public/Terminal.js').Terminal;
            Terminal.applyAddon(load('addons/fit/fit.js'));
            window.Terminal = Terminal;
            })();

            """
        return out
    }

    /// The relative modules a CommonJS source requires (`require("./x")`).
    static func requires(in source: String) -> [String] {
        var found: [String] = []
        var rest = Substring(source)
        while let start = rest.range(of: "require(\"") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            let specifier = String(rest[..<end])
            if specifier.hasPrefix(".") { found.append(specifier) }
            rest = rest[end...]
        }
        return found
    }

    /// The path (`common/Types`) that `specifier` names from module `id`; nil if it leaves the directory.
    static func resolve(_ specifier: String, from id: String) -> String? {
        var parts = id.split(separator: "/").map(String.init)
        parts.removeLast()
        for part in specifier.split(separator: "/") {
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else if part != "." {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    /// node-xterm's version, from its package.json, for the bundle's first line.
    private static func version(_ directory: String) -> String {
        guard let data = FileManager.default.contents(atPath: directory + "/../package.json"),
            let package = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let version = package["version"] as? String
        else { return "(version unknown)" }
        return version
    }

    private static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
