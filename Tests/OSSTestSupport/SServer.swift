import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// `openssl s_server` on a port of 127.0.0.1 the kernel picks when it binds (`-accept
/// 127.0.0.1:0`), read back from the `ACCEPT 127.0.0.1:PORT` line it prints once listening. No
/// port is found free first and released, so no other test's server can be given it in between
/// (then the ready check would see that server accept, and this test would talk to it).
public enum SServer {
    public struct Failure: Error, CustomStringConvertible {
        public let output: String
        public var description: String { "openssl s_server did not start: \(output)" }
    }

    /// Starts `openssl s_server -accept 127.0.0.1:0 ARGUMENTS` and waits for its listening line.
    /// - Returns: the running process (stop it by its pid; `SpawnedProcess` reaps it) and its port.
    public static func start(_ arguments: [String]) throws -> (SpawnedProcess, Int) {
        guard let openssl = Shell.which("openssl") else { throw Failure(output: "openssl is not installed") }
        let p = try SpawnedProcess(
            openssl, ["s_server", "-accept", "127.0.0.1:0"] + arguments,
            environment: ProcessInfo.processInfo.environment, errors: .output)
        // Blocking reads of the pipe until the line arrives: s_server prints it after it has
        // bound and listens, and its exit (a bad argument) ends the reads with EOF.
        var text = ""
        let reader = p.standardOutput!
        while true {
            let data = reader.availableData
            if data.isEmpty {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                throw Failure(output: text)
            }
            text += String(decoding: data, as: UTF8.self)
            if let port = acceptedPort(text) {
                // The rest of its output (a line or two per connection) is read and dropped by
                // a thread of its own until the exit closes the pipe, so a full pipe never
                // stops it.
                Thread { while !reader.availableData.isEmpty {} }.start()
                return (p, port)
            }
        }
    }

    /// The port of the first complete `ACCEPT host:port` line in `text`.
    static func acceptedPort(_ text: String) -> Int? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        where line.hasPrefix("ACCEPT ") {
            if let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) { return port }
        }
        return nil
    }
}
