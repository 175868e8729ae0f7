import Foundation

/// Runs helper commands (openssl, nginx) for tests.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let output: String
        public var description: String { "\(command) exited with \(status): \(output)" }
    }

    /// Finds an executable on PATH or in the usual system directories.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for dir in dirs {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a command to completion; throws with its output (standard output and error, as
    /// they came) when it fails. The command inherits this process's environment.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
        // SpawnedProcess, not Foundation's Process: the exit is seen by waitpid, however many
        // descriptors the test process has open.
        let process = try SpawnedProcess(
            executable, arguments, environment: ProcessInfo.processInfo.environment, directory: directory?.path,
            errors: .output)
        let (status, data, _) = process.finish()
        let output = String(decoding: data, as: UTF8.self)
        guard status == 0 else {
            throw Failure(command: ([executable] + arguments).joined(separator: " "), status: status, output: output)
        }
        return output
    }

    /// A fresh private temporary directory.
    public static func makeTemporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
