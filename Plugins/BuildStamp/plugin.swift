import Foundation
import PackagePlugin

/// Writes `BuildStamp.swift` into the osswire target: the commit the binary was built from, for
/// `osswire --version`.
///
/// The command runs `git rev-parse` again whenever the repository's `HEAD` or its reflog
/// (`logs/HEAD`, written by every commit, checkout, merge and reset) changes, so a build after a
/// commit carries the new commit. Outside a git checkout, or without git, the commit is "unknown".
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildStamp.swift")
        let inputs = Self.gitDirectory(of: root).map { dir in
            ["HEAD", "logs/HEAD"].map { dir.appending(path: $0) }.filter {
                FileManager.default.fileExists(atPath: $0.path())
            }
        } ?? []
        let script = """
            c=$(git -C "$2" rev-parse --short=12 HEAD 2>/dev/null) || c=unknown
            printf '/// Written by the BuildStamp plugin.\\nlet buildCommit = "%s"\\n' "${c:-unknown}" > "$1"
            """
        return [
            .buildCommand(
                displayName: "Stamping the osswire build with its commit",
                executable: URL(filePath: "/bin/sh"),
                arguments: ["-c", script, "stamp", output.path(), root.path()],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }

    /// The git directory of a checkout: `.git` itself, or where a worktree's `.git` file points.
    static func gitDirectory(of root: URL) -> URL? {
        let dotGit = root.appending(path: ".git")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path(), isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return dotGit }
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else {
            return nil
        }
        let path = text.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(filePath: path) : root.appending(path: path)
    }
}
