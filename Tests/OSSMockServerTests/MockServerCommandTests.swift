import Foundation
import OSSCore
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSMockServer

@Suite struct MockServerCommandTests {
    @Test func printsDemoCredentialsAndTheAddressThenStopsOnSIGTERM() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Products.osswire.path), "build osswire first")
        let (server, address) = try await RunningOSSWire.mockServer(["--bucket", "cli-bucket"])
        let port = try #require(address?.port)
        #expect(server.consumed.contains("OSS_ACCESS_KEY_ID=\(MockCredential.demo.accessKeyId)"))
        let stream = try await SocketConnector().connectTCP(host: "127.0.0.1", port: port)
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
        #expect(try await server.stop(SIGTERM).status == 0)
    }

    @Test func stopsOnSIGINTAndRefusesBadFlags() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Products.osswire.path), "build osswire first")
        let (server, address) = try await RunningOSSWire.mockServer(
            ["--access-key-id", "id", "--access-key-secret", "secret", "--fail", "PutObject:2:500:InternalError"])
        #expect(address != nil)
        #expect(!server.consumed.contains { $0.contains("secret") })
        let stopped = try await server.stop(SIGINT)
        #expect(stopped.status == 0)
        #expect(!stopped.stdout.contains("secret") && !stopped.stderr.contains("secret"))
        let (bad, badAddress) = try await RunningOSSWire.mockServer(["--fail", "nonsense"])
        #expect(badAddress == nil)
        #expect(try await bad.finish().status == 2)
    }
}

/// The official OSS Python SDK and curl against `osswire mock-server` (Tests/python/run.sh):
/// the checks by clients we did not write. The harness installs alibabacloud-oss-v2 from PyPI
/// into Tests/python/.venv the first time.
@Suite struct MockServerPythonSDKTests {
    @Test func officialPythonSDKAndCurlAgreeWithTheMock() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Products.osswire.path), "build osswire first")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/run.sh").path
        var environment = ProcessInfo.processInfo.environment
        environment["OSSWIRE_BIN"] = Products.osswire.path
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
