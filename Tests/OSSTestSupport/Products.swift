import Foundation

/// Where the products of the running build are: the directory of the test executable itself,
/// so a build in any scratch path (`.build`, `.build-tsan`, `.build-asan`) tests its own binaries.
public enum Products {
    /// The products directory (`<scratch>/<triple>/debug`).
    public static var directory: URL {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }

    /// The `osswire` binary of this build (`swift build --build-tests` builds it).
    public static var osswire: URL { directory.appendingPathComponent("osswire") }
}

extension Products {
    /// The sanitizer settings of this process (`TSAN_OPTIONS`, `ASAN_OPTIONS`, ...), for a child
    /// started with a clean environment: an instrumented `osswire` then writes its reports where
    /// scripts/sanitize.sh looks for them. Empty outside a sanitizer run.
    public static var sanitizerEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key.hasSuffix("SAN_OPTIONS") }
    }
}

/// How a child process ended, and what it printed.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Standard output as it was written (`stdout` is its UTF-8 reading).
    public var stdoutData: Data = Data()
}

extension Products {
    /// Runs this build's `osswire` with `arguments` and exactly `environment` (nothing inherited
    /// but the sanitizer options, so no `OSS_*` from the developer's shell leaks in), and waits
    /// for it to exit. The wait runs on a thread of its own (`Blocking.run`): waiting for a child
    /// on Swift's cooperative pool (two threads here) starves the socket tests beside it.
    /// - Parameters:
    ///   - interruptAfter: sends SIGINT this long after the start.
    ///   - directory: the working directory (default: this process's).
    ///   - input: bytes for standard input (default: none, standard input is closed at once).
    ///   - launcher: a program and its arguments that run `osswire` (its path is appended after
    ///     them, then `arguments`), such as `strace`; empty: `osswire` itself.
    /// - Throws: when `osswire` is not built (`swift build --build-tests` builds it).
    public static func runOSSWire(
        _ arguments: [String], environment: [String: String] = [:], interruptAfter: Duration? = nil,
        directory: String? = nil, input: Data? = nil, launcher: [String] = []
    ) async throws -> ProcessOutput {
        let binary = osswire
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw Shell.Failure(
                command: binary.path, status: -1, output: "not built: run `swift build --build-tests` first")
        }
        let env = environment.merging(sanitizerEnvironment) { given, _ in given }
        return try await Blocking.run {
            // SpawnedProcess, not Foundation's Process: its exit is seen by waitpid, however
            // many descriptors the test process has open.
            let (program, programArguments) =
                launcher.first.map { ($0, Array(launcher.dropFirst()) + [binary.path] + arguments) }
                ?? (binary.path, arguments)
            let process = try SpawnedProcess(
                program, programArguments, environment: env, directory: directory, withInput: true)
            // Feed standard input from a thread of its own, so a large input and a full stdout
            // pipe cannot wait on each other.
            // A child that exits before reading all of it must not kill the test run with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            let feeder = Thread {
                if let input { try? process.standardInput?.write(contentsOf: input) }
                try? process.standardInput?.close()
            }
            feeder.start()
            if let interruptAfter {
                let (seconds, attoseconds) = interruptAfter.components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
                kill(process.processIdentifier, SIGINT)
            }
            let r = process.finish()
            return ProcessOutput(
                status: r.status, stdout: String(decoding: r.output, as: UTF8.self),
                stderr: String(decoding: r.error, as: UTF8.self), stdoutData: r.output)
        }
    }
}
