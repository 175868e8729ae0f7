import OSSCore
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSHTTP

/// Sees every piece of a body; the first time, rewrites the whole file under the request (a
/// writer racing the upload between the read of a piece and its send).
private final class RewritingObserver: HTTPBodyObserver, @unchecked Sendable {
    private let state = PThreadMutex<(seen: [UInt8], rewritten: Bool)>(([], false))
    let file: FileDescriptor
    let replacement: [UInt8]
    init(file: FileDescriptor, replacement: [UInt8]) {
        self.file = file
        self.replacement = replacement
    }
    var seen: [UInt8] { state.withLock { $0.seen } }
    func attemptStarted() { state.withLock { $0.seen = [] } }
    func admit(_ count: Int) async throws {}
    func observe(_ bytes: UnsafeRawBufferPointer) {
        let first = state.withLock { s -> Bool in
            s.seen.append(contentsOf: bytes)
            defer { s.rewritten = true }
            return !s.rewritten
        }
        if first { try? file.write(replacement, at: 0) }
    }
}

@Suite("File bodies over loopback sockets")
struct FileBodySocketTests {
    /// An echoing loopback server, plain or TLS, and a client trusting it that sends bodies in
    /// 64 KiB pieces.
    func withEchoServer(tls: Bool, _ body: (LoopbackServer, HTTPClient) async throws -> Void) async throws {
        let certs = try await CertificateFactory.shared()
        let server = try LoopbackServer(
            tls: tls ? certs.server : nil, LoopbackServer.standard(heads: Counter(), release: Gate(), ends: Ends()))
        defer { server.stop() }
        var config = HTTPClientConfiguration()
        config.tls.caFile = certs.caFile
        config.writeBufferSize = 64 << 10
        let client = HTTPClient(configuration: config, connector: SocketConnector())
        defer { client.closeIdleConnections() }
        try await body(server, client)
    }

    /// Plain TCP sends a file's pieces with sendfile(2), TLS writes them from the read buffer:
    /// both deliver exactly the range, in pieces of the write buffer's size.
    @Test(arguments: [false, true])
    func aFileRangeArrivesExactly(tls: Bool) async throws {
        let bytes = (0..<900_000).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ $0 >> 10) }
        try await withEchoServer(tls: tls) { server, client in
            try await withScratchFile(bytes) { file in
                let response = try await client.execute(
                    HTTPRequest(
                        method: .put, endpoint: server.endpoint, target: "/f",
                        body: .file(file, offset: 1001, length: 800_000)))
                #expect(response.status == 200)
                #expect(response.body == Array(bytes[1001..<801_001]))
                #expect(response.metrics.bytesSent > 800_000)
            }
        }
    }

    /// A file rewritten after a piece was read and shown to the observer: over plain TCP the
    /// kernel sends the file as it is now, so what was observed (an upload's CRC64) no longer
    /// matches what arrived, and an OSS upload fails on the server's CRC64 instead of reporting
    /// a mix of old and new bytes as a success. Over TLS the observed bytes are the ones sent.
    @Test(arguments: [false, true])
    func aFileRewrittenUnderTheUpload(tls: Bool) async throws {
        let old = [UInt8](repeating: 0x11, count: 200_000)
        let new = [UInt8](repeating: 0xEE, count: 200_000)
        try await withEchoServer(tls: tls) { server, client in
            try await withScratchFile(old) { file in
                let observer = RewritingObserver(file: file, replacement: new)
                var request = HTTPRequest(
                    method: .put, endpoint: server.endpoint, target: "/r", body: .file(file, length: 200_000))
                request.bodyObserver = observer
                let response = try await client.execute(request)
                #expect(response.status == 200)
                // The first 64 KiB piece was read before the rewrite, the rest after.
                #expect(observer.seen == Array(old[0..<(64 << 10)]) + Array(new[(64 << 10)...]))
                #expect(response.body == (tls ? observer.seen : new))
            }
        }
    }

    /// Cancelling a file upload blocked on a peer that stopped reading (the sendfile path's wait)
    /// ends at once with `.cancelled`, the body incomplete at the server.
    @Test func cancellingAFileUploadBlockedOnAStalledPeer() async throws {
        let heads = Counter()
        let release = Gate()
        let ends = PeerEnds()
        let server = try LoopbackServer(stallingHandler(heads: heads, release: release, ends: ends))
        defer {
            release.release()
            server.stop()
        }
        let client = HTTPClient(connector: SocketConnector())
        // Far more than the socket buffers can hold while the server does not read (a receive
        // buffer may grow to tcp_rmem's 32 MiB here).
        let size = 96 << 20
        try await withScratchFile([UInt8](repeating: 7, count: size)) { file in
            let request = HTTPRequest(
                method: .put, endpoint: server.endpoint, target: "/stall", body: .file(file, length: Int64(size)))
            let task = Task { try await client.execute(request) }
            #expect(await heads.wait(for: 1))
            task.cancel()
            let error = await clientError { _ = try await task.value }
            #expect(error?.code == .cancelled)
            #expect(error?.bodyFullySent == false)
            release.release()
            #expect(await ends.wait(for: 1))
            #expect(ends.all.first?.complete == false)
            #expect((ends.all.first?.received ?? size) < size)
        }
    }
}
