/// Where each instruction of a Dockerfile starts, so that the builder's "Step 3/5" can be
/// told as the line a person edits.
public enum DockerfileSteps {
    /// The 1-based line of each instruction, in order: comments, blank lines and continued
    /// lines (`\`, or the `# escape=` character) are not instructions.
    public static func lines(_ text: String) -> [Int] {
        var escape: Character = "\\"
        var starts: [Int] = []
        var continuing = false
        var directives = true
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if directives, line.hasPrefix("#") {
                let directive = line.dropFirst().trimmingCharacters(in: .whitespaces).lowercased()
                if directive.hasPrefix("escape="), let character = directive.dropFirst(7).trimmingCharacters(in: .whitespaces).first {
                    escape = character
                }
                continue
            }
            directives = false
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !continuing { starts.append(index + 1) }
            continuing = line.last == escape
        }
        return starts
    }
}
