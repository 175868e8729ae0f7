import OSSClient
import OSSCore
import OSSSigner
import OSSTestSupport
import Synchronization
import Testing

@testable import OSSMockServer

/// Issue 5: `stop()` must return whatever faults hold a connection, and the held request fails.
@Suite("MockOSSServer.stop with faults holding connections")
struct StopTests {
    /// The faults that keep a connection busy on a timer rather than on the socket.
    enum Hold: String, CaseIterable, Sendable, CustomStringConvertible {
        case stall, slowReceive, responseDelay
        var description: String { rawValue }

        func apply(_ f: inout MockFaults) {
            switch self {
            case .stall: f.stallAfterBodyBytes = 64 * 1024
            case .slowReceive: f.maxReceiveRate = 1024
            case .responseDelay: f.responseDelay = .seconds(3600)
            }
        }
    }

    /// Runs `stop()` on its own task and waits for it, giving up (and failing) after a generous
    /// hang guard instead of hanging the whole test run.
    private func stopReturns(_ server: MockOSSServer) async throws -> Bool {
        let done = Mutex(false)
        let stopping = Task {
            await server.stop()
            done.withLock { $0 = true }
        }
        for _ in 0..<3000 {
            if done.withLock({ $0 }) {
                await stopping.value
                return true
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test("stop returns while an OSSClient upload is held by a fault, and the upload fails", arguments: Hold.allCases)
    func stopWithHeldUpload(_ hold: Hold) async throws {
        var config = anonymousConfiguration()
        hold.apply(&config.faults)
        let server = try MockOSSServer(configuration: config)
        var c = try OSSClientConfiguration(endpoint: server.url, region: server.configuration.region)
        c.credentialsProvider = StaticCredentialsProvider(
            accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
        c.retryPolicy = RetryPolicy(maxRetries: 0)
        let client = try OSSClient(configuration: c)
        let data = bytes(hold == .responseDelay ? 1000 : 8 << 20)
        let upload = Task { try await client.putObject(bucket: "bkt", key: "held", body: .bytes(data)) }
        // Let the upload reach the fault: a connection is open and some time has passed.
        for _ in 0..<500 where server.openConnections == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.openConnections == 1)
        try await Task.sleep(for: .milliseconds(200))

        let returned = try await stopReturns(server)
        #expect(returned, "stop() did not return while the \(hold) fault held a connection")
        guard returned else {
            upload.cancel()
            return
        }
        #expect(server.openConnections == 0)
        let result = await upload.result
        #expect(throws: (any Error).self) { try result.get() }
        // A delayed answer comes after the object was stored; a cut body stores nothing.
        if hold != .responseDelay { #expect(server.service.objectKeys(bucket: "bkt").isEmpty) }
        await client.shutdown()
    }

    @Test("stop returns with a raw connection stalled mid-body, and the peer sees the connection end")
    func stopWithStalledRawConnection() async throws {
        var config = anonymousConfiguration()
        config.faults.stallAfterBodyBytes = 100_000
        let server = try MockOSSServer(configuration: config)
        let data = bytes(8 << 20)
        let upload = Task {
            let c = try await RawClient(server)
            try await c.send(RawClient.request("PUT", "/bkt/stalled", body: data), body: data)
            return try await c.response()?.status
        }
        for _ in 0..<500 where server.openConnections == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(200))
        let returned = try await stopReturns(server)
        #expect(returned, "stop() did not return while a stalled connection was open")
        guard returned else {
            upload.cancel()
            return
        }
        // Either the write failed (connection reset) or the stream ended without an answer.
        let status: Int?? = try? await upload.value
        #expect(status == nil || status! == nil)
    }

    @Test("stop twice, and stop with no connection, both return")
    func stopIsIdempotent() async throws {
        let server = try MockOSSServer(configuration: anonymousConfiguration())
        #expect(try await stopReturns(server))
        #expect(try await stopReturns(server))
    }
}
