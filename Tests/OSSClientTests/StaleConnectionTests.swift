import OSSCore
import OSSSigner
import OSSTransport
import Testing

@testable import OSSClient

/// A stream that always says it can be reused, so the pool hands out a connection the server has
/// already closed (the race a real pool loses when the server's close arrives just after its check).
private final class OptimisticStream: ByteStream {
    let inner: any ByteStream
    init(_ inner: any ByteStream) { self.inner = inner }
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int { try await inner.read(into: buffer) }
    func write(_ bytes: UnsafeRawBufferPointer) async throws { try await inner.write(bytes) }
    func abort() { inner.abort() }
    func close() { inner.close() }
    var idleTimeout: Duration? {
        get { inner.idleTimeout }
        set { inner.idleTimeout = newValue }
    }
    var isReusable: Bool { true }
}

private struct OptimisticConnector: StreamConnector {
    let inner = SocketConnector()
    func connect(
        to endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, signal: CancellationSignal?
    ) async throws -> (any ByteStream, ConnectTimings) {
        let (stream, timings) = try await inner.connect(
            to: endpoint, tls: tls, connectTimeout: connectTimeout, signal: signal)
        return (OptimisticStream(stream), timings)
    }
}

/// The one retry policy covers stale kept-alive connections too: OSSHTTP reports them and never
/// resends; the client sends the request again at once on a fresh connection, once, whatever
/// its retry policy (the request never reached the server).
@Suite struct StaleConnectionTests {
    @Test("a request on a kept-alive connection the server closed goes again on a fresh one, retries off")
    func staleConnectionIsResentOnce() async throws {
        let peer = try ScriptedPeer(closeAfterResponse: true) { _ in
            PeerResponse(200, [("ETag", "\"E\"")], body: Array("hello".utf8))
        }
        defer { peer.stop() }
        var c = try OSSClientConfiguration(endpoint: peer.endpoint, region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.retryPolicy = .none
        let client = try OSSClient(configuration: c, connector: OptimisticConnector())
        _ = try await client.headObject(bucket: "bkt", key: "a")
        // The pool keeps the connection the peer closed; the next request finds it dead and is
        // sent again on a new one.
        let second = try await client.headObject(bucket: "bkt", key: "b")
        #expect(second.contentLength == 5)
        #expect(peer.received.map(\.path) == ["/bkt/a", "/bkt/b"])
        #expect(peer.accepted.withLock { $0 } == 2)
    }
}
