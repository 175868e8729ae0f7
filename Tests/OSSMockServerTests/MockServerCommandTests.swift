import Foundation
import OSSCore
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSMockServer

/// `osswire mock-server` as scripts use it: the built binary next to the test executable,
/// started with `--port 0`, stopped by pid.
// @unchecked Sendable: one test owns each instance; it only crosses to a `Blocking.run` thread
// and back, never used from two threads at once.
// Spawned and reaped by SpawnedProcess: its exit is seen by waitpid, however many descriptors
// the test process has open (Foundation's Process watches with select(2)); its deinit kills a
// server a failed test left running.
final class MockServerProcess: @unchecked Sendable {
    let process: SpawnedProcess
    var lines: [String] = []
    var port = 0

    /// This build's binary (next to the test executable), whatever its scratch path.
    static var binary: String { Products.osswire.path }

    init(_ arguments: [String]) throws {
        process = try SpawnedProcess(
            Self.binary, ["mock-server", "--port", "0"] + arguments, environment: ProcessInfo.processInfo.environment,
            errors: .null)
        var pending = Data()
        let handle = process.standardOutput!
        while port == 0 {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...nl)
                lines.append(line)
                if line.hasPrefix("listening on http://127.0.0.1:"), let p = Int(line.split(separator: ":").last!) {
                    port = p
                }
            }
        }
    }

    /// Starts the server off the cooperative pool (reading its first lines blocks).
    static func start(_ arguments: [String]) async throws -> MockServerProcess {
        try await Blocking.run { try MockServerProcess(arguments) }
    }

    /// `stop(_:)` off the cooperative pool.
    func stopped(_ signal: Int32 = SIGTERM) async throws -> Int32 {
        try await Blocking.run { self.stop(signal) }
    }

    /// Sends `signal` to the pid and waits for the exit status.
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite struct MockServerCommandTests {
    @Test func printsDemoCredentialsAndTheAddressThenStopsOnSIGTERM() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: MockServerProcess.binary), "build osswire first")
        let server = try await MockServerProcess.start(["--bucket", "cli-bucket"])
        #expect(server.port > 0)
        #expect(server.lines.contains("OSS_ACCESS_KEY_ID=\(MockCredential.demo.accessKeyId)"))
        let stream = try await SocketConnector().connectTCP(host: "127.0.0.1", port: server.port)
        defer { stream.close() }
        try await stream.write(Array("GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        var answer: [UInt8] = []
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buf.deallocate() }
        while true {
            let n = try await stream.read(into: buf)
            if n == 0 { break }
            answer += buf[0..<n]
        }
        #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))
        #expect(try await server.stopped(SIGTERM) == 0)
    }

    @Test func stopsOnSIGINTAndRefusesBadFlags() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: MockServerProcess.binary), "build osswire first")
        let server = try await MockServerProcess.start(["--access-key-id", "id", "--access-key-secret", "secret", "--fail", "PutObject:2:500:InternalError"])
        #expect(server.port > 0)
        #expect(!server.lines.contains { $0.contains("secret") })
        #expect(try await server.stopped(SIGINT) == 0)
        let bad = try await MockServerProcess.start(["--fail", "nonsense"])
        #expect(bad.port == 0)
        #expect(try await bad.stopped() == 2)
    }
}

/// The official OSS Python SDK and curl against `osswire mock-server` (Tests/python/run.sh):
/// the checks by clients we did not write. The harness installs alibabacloud-oss-v2 from PyPI
/// into Tests/python/.venv the first time.
@Suite struct MockServerPythonSDKTests {
    @Test func officialPythonSDKAndCurlAgreeWithTheMock() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: MockServerProcess.binary), "build osswire first")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/run.sh").path
        var environment = ProcessInfo.processInfo.environment
        environment["OSSWIRE_BIN"] = MockServerProcess.binary
        // Run and wait on a thread of its own: this takes tens of seconds, and blocking one of
        // the two cooperative threads that long starves the socket tests running beside it.
        let (status, text) = try await Blocking.run { [environment] () throws -> (Int32, String) in
            let process = try SpawnedProcess("/bin/bash", [script], environment: environment, errors: .output)
            let r = process.finish()
            return (r.status, String(decoding: r.output, as: UTF8.self))
        }
        #expect(status == 0, "Tests/python/run.sh failed:\n\(text.suffix(6000))")
        #expect(text.contains("OK"))
    }
}
