import Foundation

/// This build's `osswire` running as a child, as a script runs it: started with exactly the
/// environment given (nothing inherited but the sanitizer options), its standard output read
/// line by line as the test waits on what it prints (events, not clocks), stopped by pid.
/// Spawned and reaped by `SpawnedProcess`: its exit is seen by `waitpid`, however many
/// descriptors this process has, and a child a failed test left running is killed.
// @unchecked Sendable: one test owns each instance and reads its lines from one thread at a time.
public final class RunningOSSWire: @unchecked Sendable {
    public let process: SpawnedProcess

    /// Standard input's write end, when the test feeds it (`nil`: /dev/null).
    public var input: FileHandle? { process.standardInput }

    /// The lines of standard output `waitForLine` has returned or read past, in order. The rest
    /// of standard output (read and not yet matched, or not yet read) comes with `finish()`, so
    /// the two together are everything it printed.
    public private(set) var consumed: [String] = []
    /// Lines read and not yet matched, and a partial last line.
    private var lines: [String] = []
    private var partial = Data()

    public init(_ arguments: [String], _ environment: [String: String], withInput: Bool = false) throws {
        process = try SpawnedProcess(
            Products.osswire.path, arguments,
            environment: environment.merging(Products.sanitizerEnvironment) { a, _ in a }, withInput: withInput)
    }

    /// Starts `osswire mock-server` on a port of its own on 127.0.0.1 (`--port 0`) with
    /// `arguments` after, and waits for its listening line.
    /// - Returns: the server, and its address (`http://127.0.0.1:PORT`) and port; nil for both
    ///   when it exited without listening (then `finish()` says why).
    public static func mockServer(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> (server: RunningOSSWire, address: (url: String, port: Int)?) {
        let server = try RunningOSSWire(
            ["mock-server", "--host", "127.0.0.1", "--port", "0"] + arguments, environment)
        guard let line = try await server.waitForLine(startingWith: "listening on ") else { return (server, nil) }
        let url = String(line.dropFirst("listening on ".count))
        guard let port = url.split(separator: ":").last.flatMap({ Int($0) }) else { return (server, nil) }
        return (server, (url, port))
    }

    public var isRunning: Bool { process.isRunning }

    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Reads standard output until a line starts with `prefix`; lines read past it are kept for
    /// the next call. Nil when standard output ended first.
    public func waitForLine(startingWith prefix: String) async throws -> String? {
        try await Blocking.run {
            while true {
                if let i = self.lines.firstIndex(where: { $0.hasPrefix(prefix) }) {
                    let line = self.lines[i]
                    self.consumed += self.lines[...i]
                    self.lines.removeSubrange(...i)
                    return line
                }
                let chunk = self.process.standardOutput!.availableData
                if chunk.isEmpty { return nil }
                self.partial.append(chunk)
                while let nl = self.partial.firstIndex(of: 10) {
                    let line = String(decoding: self.partial[self.partial.startIndex..<nl], as: UTF8.self)
                    self.partial.removeSubrange(self.partial.startIndex...nl)
                    self.lines.append(line)
                }
            }
        }
    }

    /// Waits for the exit; returns the status, standard output past what `waitForLine` consumed
    /// (the lines it read and did not match, then the rest), and standard error.
    public func finish() async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Blocking.run {
            let r = self.process.finish()
            let unmatched = Data(self.lines.map { $0 + "\n" }.joined().utf8) + self.partial
            self.lines = []
            self.partial = Data()
            return (
                r.status, String(decoding: unmatched + r.output, as: UTF8.self),
                String(decoding: r.error, as: UTF8.self)
            )
        }
    }

    /// Sends `sig` by pid while it runs, then `finish()`.
    public func stop(_ sig: Int32 = SIGTERM) async throws -> (status: Int32, stdout: String, stderr: String) {
        if process.isRunning { signal(sig) }
        return try await finish()
    }
}
