import DroverBuild
import Foundation
import Testing

@Suite("Build contexts: what drover push sends the builder")
struct BuildContextTests {
    /// A directory with `files` (path: content) in it.
    static func project(_ files: [String: String]) throws -> String {
        let root = NSTemporaryDirectory() + "drover-context-test-\(UUID().uuidString)"
        for (path, content) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    /// What `tar` itself lists in the archive: the proof that the engine can read it.
    static func listing(_ context: BuildContext) throws -> [String] {
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-tf", context.path]
        let pipe = Pipe()
        tar.standardOutput = pipe
        try tar.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.hasSuffix("/") }.sorted()
    }

    @Test(".dockerignore leaves out what it names, takes back what '!' names, and never leaves out the Dockerfile")
    func ignores() throws {
        let root = try Self.project([
            "Dockerfile": "FROM scratch\n", ".dockerignore": "*.log\nnode_modules\n**/secret.txt\nbuild/\n!build/keep.txt\nDockerfile\n",
            "app.py": "print()", "debug.log": "x", "node_modules/a/b.js": "x", "src/secret.txt": "x", "src/main.c": "int main;",
            "build/out.o": "x", "build/keep.txt": "keep",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let context = try BuildContext.make(directory: root)
        defer { context.remove() }
        #expect(try Self.listing(context) == [".dockerignore", "Dockerfile", "app.py", "build/keep.txt", "src/main.c"])
    }

    @Test("a path longer than a tar header holds arrives whole")
    func longNames() throws {
        let deep = (0..<12).map { "directory-\($0)" }.joined(separator: "/") + "/file.txt"
        let root = try Self.project(["Dockerfile": "FROM scratch\n", deep: "deep"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let context = try BuildContext.make(directory: root)
        defer { context.remove() }
        #expect(try Self.listing(context).contains(deep))
    }

    @Test("a context that is not a directory is refused with its name")
    func missing() {
        #expect { try BuildContext.make(directory: "/nonexistent-\(UUID().uuidString)") } throws: { error in
            "\(error)".contains("is not a directory")
        }
    }

    @Test("Docker's ignore patterns: * within a name, ** across directories, a directory's contents with it")
    func patterns() {
        let ignore = DockerIgnore("# comment\n*.tmp\n**/cache\ndocs\n!docs/README.md\n/abs.txt\n")
        #expect(ignore.excludes("a.tmp"))
        #expect(!ignore.excludes("dir/a.tmp"))
        #expect(ignore.excludes("x/y/cache"))
        #expect(ignore.excludes("x/y/cache/file"))
        #expect(ignore.excludes("docs/guide.md"))
        #expect(!ignore.excludes("docs/README.md"))
        #expect(ignore.excludes("abs.txt"))
        #expect(!ignore.excludes("src/abs.txt"))
    }

    @Test("a builder's step number is the Dockerfile line a person edits")
    func steps() {
        let dockerfile = """
            # syntax comment
            FROM scratch

            # a comment between
            COPY busybox /bin/busybox
            RUN echo one \\
                two \\
                three
            RUN exit 3
            """
        #expect(DockerfileSteps.lines(dockerfile) == [2, 5, 6, 9])
    }
}
