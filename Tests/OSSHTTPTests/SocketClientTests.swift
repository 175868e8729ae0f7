import OSSCore
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSHTTP

/// An HTTP server on 127.0.0.1:0 in this process, serving each connection with a handler.
final class LoopbackServer: Sendable {
    private let tcp: TCPListener?
    private let tls: TLSListener?
    let port: Int
    let isTLS: Bool

    init(tls pair: CertificateFactory.Pair? = nil, _ handle: @escaping @Sendable (HTTPServerConnection) async -> Void) throws {
        if let pair {
            let l = try TLSListener(certificateFile: pair.certificate, privateKeyFile: pair.key)
            tls = l
            tcp = nil
            port = l.localPort
            isTLS = true
            Task {
                while true {
                    // A failed handshake leaves the listener usable; a closed one ends the loop.
                    do {
                        let stream = try await l.accept()
                        Task { await Self.serve(stream, handle) }
                    } catch let e as TransportError where e.phase == .closed {
                        return
                    } catch {}
                }
            }
        } else {
            let l = try TCPListener(host: "127.0.0.1", port: 0)
            tcp = l
            tls = nil
            port = l.localPort
            isTLS = false
            Task {
                while let stream = try? await l.accept() {
                    Task { await Self.serve(stream, handle) }
                }
            }
        }
    }

    private static func serve(_ stream: any ByteStream, _ handle: @Sendable (HTTPServerConnection) async -> Void) async {
        stream.idleTimeout = .seconds(30)
        let conn = HTTPServerConnection(stream: stream)
        await handle(conn)
        conn.close()
    }

    var endpoint: Endpoint { Endpoint(host: isTLS ? "localhost" : "127.0.0.1", port: port, tls: isTLS) }

    func stop() {
        tcp?.close()
        tls?.close()
    }

    /// Echoes bodies up to 1 MiB, counts larger ones (`X-Body-Length`); `/stall` reads the head
    /// and then stops reading until `release` opens, then drains to the end and reports how the
    /// client's side ended in `ends`.
    static func standard(heads: Counter, release: Gate, ends: Ends) -> @Sendable (HTTPServerConnection) async -> Void {
        { conn in
            do {
                while let req = try await conn.nextRequest() {
                    heads.increment()
                    if req.path == "/stall" {
                        await release.wait()
                        var how = "eof"
                        do { while try await conn.readBody() != nil {} } catch { how = "\(error)" }
                        ends.append(how)
                        return
                    }
                    var count = 0
                    var echo: [UInt8] = []
                    while let piece = try await conn.readBody() {
                        count += piece.count
                        if echo.count < 1 << 20 { echo += piece }
                    }
                    try await conn.writeResponse(
                        HTTPResponseHead(status: 200, headers: ["X-Body-Length": "\(count)"]),
                        body: count <= 1 << 20 ? echo : [])
                }
            } catch {}
        }
    }
}

/// How each stalled exchange ended on the server side; a test waits for the ends as events.
final class Ends: Sendable {
    private let items = PThreadMutex<[String]>([])
    private let counter = EventCounter()
    func append(_ s: String) {
        items.withLock { $0.append(s) }
        counter.increment()
    }
    var count: Int { items.withLock { $0.count } }
    var first: String? { items.withLock { $0.first } }
    /// Waits until `n` exchanges ended (woken by the server's side, no polling).
    func wait(for n: Int) async -> Bool { await counter.wait(for: n) }
}

/// A one-shot gate tasks can wait on.
final class Gate: Sendable {
    private let opened = EventCounter()
    func release() { opened.increment() }
    func wait() async { _ = await opened.wait(for: 1) }
}

/// `count` zero bytes in `chunk`-sized pieces, produced lazily (memory stays bounded).
struct ZeroChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let count: Int
    let chunk: Int
    struct AsyncIterator: AsyncIteratorProtocol {
        var left: Int
        let chunk: Int
        mutating func next() async -> [UInt8]? {
            guard left > 0 else { return nil }
            let n = Swift.min(chunk, left)
            left -= n
            return [UInt8](repeating: 0, count: n)
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(left: count, chunk: chunk) }
}

@Suite("HTTPClient over loopback sockets")
struct SocketClientTests {
    @Test func keepAliveAndMetricsOverTCP() async throws {
        let server = try LoopbackServer(LoopbackServer.standard(heads: Counter(), release: Gate(), ends: Ends()))
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.closeIdleConnections() }
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let first = try await client.execute(
            HTTPRequest(method: .put, endpoint: server.endpoint, target: "/a", body: .bytes(payload)))
        #expect(first.status == 200)
        #expect(first.body == payload)
        #expect(!first.metrics.connectionReused)
        #expect(first.metrics.connect > .zero)
        #expect(first.metrics.remoteAddress == "127.0.0.1:\(server.port)")
        let second = try await client.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/b"))
        #expect(second.status == 200)
        #expect(second.metrics.connectionReused)
        #expect(second.metrics.connect == .zero)
    }

    @Test func largeStreamedUploadOverTCP() async throws {
        let server = try LoopbackServer(LoopbackServer.standard(heads: Counter(), release: Gate(), ends: Ends()))
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.closeIdleConnections() }
        let size = 32 << 20
        let response = try await client.execute(
            HTTPRequest(
                method: .put, endpoint: server.endpoint, target: "/big",
                body: .stream(ZeroChunks(count: size, chunk: 256 << 10), length: Int64(size))))
        #expect(response.headers["X-Body-Length"] == "\(size)")
        let chunked = try await client.execute(
            HTTPRequest(
                method: .post, endpoint: server.endpoint, target: "/chunked",
                body: .stream(ZeroChunks(count: 3_000_001, chunk: 100_000))))
        #expect(chunked.headers["X-Body-Length"] == "3000001")
        #expect(chunked.metrics.connectionReused)
    }

    @Test func taskCancellationOfABlockedWriteAbortsTheSocket() async throws {
        let heads = Counter()
        let release = Gate()
        let ends = Ends()
        let server = try LoopbackServer(LoopbackServer.standard(heads: heads, release: release, ends: ends))
        defer {
            release.release()
            server.stop()
        }
        let client = HTTPClient()
        let size = 512 << 20
        let task = Task {
            try await client.execute(
                HTTPRequest(
                    method: .put, endpoint: server.endpoint, target: "/stall",
                    body: .stream(ZeroChunks(count: size, chunk: 1 << 20), length: Int64(size))))
        }
        #expect(await heads.wait(for: 1))
        task.cancel()
        let error = await clientError { _ = try await task.value }
        #expect(error?.code == .cancelled)
        #expect(error?.bodyFullySent == false)
        #expect(error?.responseStarted == false)
        // The server, reading again, finds the client's socket gone (not a stall).
        release.release()
        #expect(await ends.wait(for: 1))
        #expect(ends.first?.contains("timed out") == false)
    }

    @Test func disableAbortsFourUploadsOverTCP() async throws {
        let heads = Counter()
        let release = Gate()
        let ends = Ends()
        let server = try LoopbackServer(LoopbackServer.standard(heads: heads, release: release, ends: ends))
        defer {
            release.release()
            server.stop()
        }
        var config = HTTPClientConfiguration()
        config.maxConnectionsPerHost = 4
        let client = HTTPClient(configuration: config)
        defer { client.closeIdleConnections() }
        let size = 256 << 20
        let tasks = (0..<4).map { _ in
            Task {
                try await client.execute(
                    HTTPRequest(
                        method: .put, endpoint: server.endpoint, target: "/stall",
                        body: .stream(ZeroChunks(count: size, chunk: 1 << 20), length: Int64(size))))
            }
        }
        #expect(await heads.wait(for: 4))
        client.disableRequests()
        client.enableRequests()
        for t in tasks {
            let error = await clientError { _ = try await t.value }
            #expect(error?.code == .abortedInFlight)
            #expect(error?.compatibilityCode == "ClientError:200042")
            #expect(error?.bodyFullySent == false)
        }
        release.release()
        #expect(await ends.wait(for: 4))
        client.disableRequests()
        let refused = await clientError {
            _ = try await client.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/x"))
        }
        #expect(refused?.compatibilityCode == "ClientError:100002")
        #expect(heads.count == 4)
        client.enableRequests()
        let ok = try await client.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/x"))
        #expect(ok.status == 200)
    }

    @Test func getOverTLSWithVerification() async throws {
        let certs = try await CertificateFactory.shared()
        let server = try LoopbackServer(
            tls: certs.server, LoopbackServer.standard(heads: Counter(), release: Gate(), ends: Ends()))
        defer { server.stop() }
        var config = HTTPClientConfiguration()
        config.tls.caFile = certs.caFile
        let client = HTTPClient(configuration: config)
        defer { client.closeIdleConnections() }
        let first = try await client.execute(
            HTTPRequest(method: .put, endpoint: server.endpoint, target: "/t", body: .bytes(Array("over tls".utf8))))
        #expect(first.body == Array("over tls".utf8))
        #expect(first.metrics.tlsHandshake > .zero)
        let second = try await client.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/t"))
        #expect(second.metrics.connectionReused)

        // Without the CA the handshake fails verification: a transport error in the TLS phase.
        let strict = HTTPClient()
        let error = await clientError {
            _ = try await strict.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/t"))
        }
        #expect(error?.code == .transport)
        #expect(error?.transportError?.phase == .tlsHandshake)
    }
}
