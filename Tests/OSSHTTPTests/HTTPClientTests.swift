import Foundation
import OSSCore
import Testing

@testable import OSSHTTP

let local = Endpoint(host: "127.0.0.1", port: 8080, tls: false)

func get(_ target: String = "/obj") -> HTTPRequest {
    HTTPRequest(method: .get, endpoint: local, target: target)
}

func put(_ target: String, _ body: HTTPRequestBody) -> HTTPRequest {
    HTTPRequest(method: .put, endpoint: local, target: target, body: body)
}

@Suite("HTTPClient")
struct HTTPClientTests {
    @Test func keepAliveReusesTheConnection() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let first = try await client.execute(put("/a", .bytes(Array("hello".utf8))))
        #expect(first.status == 200)
        #expect(first.body == Array("hello".utf8))
        #expect(!first.metrics.connectionReused)
        #expect(first.metrics.bytesSent > 5)
        #expect(first.metrics.bytesReceived > 5)
        let second = try await client.execute(get("/b"))
        #expect(second.metrics.connectionReused)
        #expect(second.headers["X-Target"] == "/b")
        #expect(connector.connectCount == 1)
    }

    @Test func aClosedPooledConnectionIsReplaced() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        _ = try await client.execute(get("/close-after"))
        // Once the pool can see the close, it never hands the connection out again. (Before it
        // can, a request on it fails as a stale connection: see the test below.)
        let closed = connector.clients[0]
        #expect(await eventually { closed.peerGone || !closed.isReusable })
        let second = try await client.execute(get("/again"))
        #expect(second.status == 200)
        #expect(connector.connectCount == 2)
        #expect(connector.clients[0].closeCount == 1)
    }

    /// The HTTP layer never resends: it says the failure is a stale pooled connection, and the
    /// layer above (OSSClient's retry policy) decides.
    @Test func aStalePooledConnectionIsReportedNotRetried() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        _ = try await client.execute(get("/close-after"))
        let stale = connector.clients[0]
        #expect(await eventually { stale.peerGone || !stale.isReusable })
        // The close races with the pool's check: the pool believes it is still usable.
        stale.overrideReusable(true)
        let error = await clientError { _ = try await client.execute(get("/retry")) }
        #expect(error?.isStaleConnection == true && error?.connectionReused == true)
        #expect(error?.responseStarted == false)
        #expect(error?.underlying != nil)
        #expect(connector.connectCount == 1)
        // The next request takes a fresh connection.
        let response = try await client.execute(put("/retry", .bytes(Array(repeating: 7, count: 100))))
        #expect(response.status == 200 && response.body.count == 100)
        #expect(!response.metrics.connectionReused)
        #expect(connector.connectCount == 2)
    }

    @Test func aOneShotBodyOnAStaleConnectionIsNotRetried() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        _ = try await client.execute(get("/close-after"))
        let stale = connector.clients[0]
        #expect(await eventually { !stale.isReusable })
        stale.overrideReusable(true)
        let chunks = AsyncStream<[UInt8]> { c in
            c.yield([1, 2, 3])
            c.finish()
        }
        let error = await clientError {
            _ = try await client.execute(HTTPRequest(method: .post, endpoint: local, target: "/p", body: .stream(chunks)))
        }
        #expect(error?.code == .transport && error?.isStaleConnection == true)
        #expect(error?.bodyFullySent == false)
        #expect(connector.connectCount == 1)
    }

    /// Four uploads blocked writing to a server that stopped reading.
    /// Four uploads stalled on a peer that stopped reading, all on one caller signal (what the
    /// client-wide switch of OSSClient hands every request).
    func startFourStalledUploads(signal: CancellationSignal) async throws -> (
        HTTPClient, MemoryConnector, [Task<HTTPResponse, any Error>]
    ) {
        let heads = Counter()
        let connector = MemoryConnector(capacity: 16 * 1024, peer: Peers.echo(heads: heads))
        var config = HTTPClientConfiguration()
        config.maxConnectionsPerHost = 4
        let client = HTTPClient(configuration: config, connector: connector)
        let body = HTTPRequestBody.bytes(Array(repeating: 0x5A, count: 1 << 20))
        let tasks = (0..<4).map { _ in Task { try await client.execute(put("/stall", body), signal: signal) } }
        #expect(await heads.wait(for: 4))
        #expect(await eventually { connector.clients.count == 4 && connector.clients.allSatisfy { $0.bytesWritten >= 16 * 1024 } })
        return (client, connector, tasks)
    }

    func expectAllAborted(_ tasks: [Task<HTTPResponse, any Error>], _ connector: MemoryConnector) async {
        for t in tasks {
            let error = await clientError { _ = try await t.value }
            #expect(error?.code == .cancelled && error?.cancellation == .disabled)
            #expect(error?.bodyFullySent == false)
            #expect(error?.responseStarted == false)
        }
        for s in connector.clients {
            #expect(s.abortCount >= 1)
            #expect(s.closeCount == 1)
        }
    }

    @Test func oneSignalAbortsEveryUploadInFlight() async throws {
        let signal = CancellationSignal()
        let (client, connector, tasks) = try await startFourStalledUploads(signal: signal)
        signal.cancel(.disabled)
        await expectAllAborted(tasks, connector)

        // A request given a signal that already fired fails at once, without connecting.
        let connects = connector.connectCount
        let error = await clientError { _ = try await client.execute(get(), signal: signal) }
        #expect(error?.code == .cancelled && error?.cancellation == .disabled)
        #expect(connector.connectCount == connects)

        let ok = try await client.execute(get("/after"))
        #expect(ok.status == 200)
    }

    @Test func taskCancellationStopsABlockedWrite() async throws {
        let heads = Counter()
        let connector = MemoryConnector(capacity: 16 * 1024, peer: Peers.echo(heads: heads))
        let client = HTTPClient(connector: connector)
        let task = Task { try await client.execute(put("/stall", .bytes(Array(repeating: 1, count: 1 << 20)))) }
        #expect(await heads.wait(for: 1))
        #expect(await eventually { connector.clients.first.map { $0.bytesWritten >= 16 * 1024 } ?? false })
        task.cancel()
        let error = await clientError { _ = try await task.value }
        #expect(error?.code == .cancelled)
        #expect(error?.bodyFullySent == false)
        let stream = try #require(connector.clients.first)
        #expect(stream.abortCount >= 1)
        #expect(stream.closeCount == 1)
        #expect(client.pool.leasedCount(local) == 0)
    }

    @Test func cancellationWhileConnecting() async throws {
        let connector = MemoryConnector(hang: true, peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let task = Task { try await client.execute(get()) }
        #expect(await eventually { connector.connectAttempts == 1 })
        task.cancel()
        let error = await clientError { _ = try await task.value }
        #expect(error?.code == .cancelled)
    }

    @Test func anAlreadyCancelledTaskNeverConnects() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(get())
        }
        let error = await clientError { _ = try await task.value }
        #expect(error?.code == .cancelled)
        #expect(connector.connectCount == 0)
    }

    @Test func aCompleteResponseSurvivesALateCancel() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let signal = CancellationSignal()
        let body = try await client.execute(get("/x"), signal: signal) { response in
            let body = try await response.collect()
            signal.cancel(.paused)
            return body
        }
        #expect(body.isEmpty)
        // The connection the cancel may have touched is not pooled.
        #expect(connector.clients[0].closeCount == 1)
        _ = try await client.execute(get())
        #expect(connector.connectCount == 2)
    }

    @Test func streamingResponseBody() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var received: [UInt8] = []
        var pieces = 0
        let status = try await client.execute(put("/s", .bytes(payload))) { response in
            while let piece = try await response.read() {
                received += piece
                pieces += 1
            }
            return response.status
        }
        #expect(status == 200)
        #expect(received == payload)
        #expect(pieces > 1)
    }

    @Test func fileRangeBodyWithProgress() async throws {
        let path = NSTemporaryDirectory() + "osshttp-\(UInt64.random(in: 0...UInt64.max)).bin"
        let bytes = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connector = MemoryConnector(peer: Peers.echo())
        var config = HTTPClientConfiguration()
        config.writeBufferSize = 64 * 1024
        let client = HTTPClient(configuration: config, connector: connector)
        let progress = Counter()
        var request = put("/f", .file(path: path, offset: 1000, length: 500_000))
        let last = LastValue()
        request.uploadProgress = { sent, total in
            progress.increment()
            last.set(sent, total)
        }
        let response = try await client.execute(request)
        #expect(response.body == Array(bytes[1000..<501_000]))
        #expect(progress.count >= 8)
        #expect(last.get() == (500_000, 500_000))
    }

    @Test func aMissingFileFailsBeforeTheBodyIsSent() async throws {
        let client = HTTPClient(connector: MemoryConnector(peer: Peers.echo()))
        let error = await clientError {
            _ = try await client.execute(put("/f", .file(path: "/nonexistent/osswire-test", length: 10)))
        }
        #expect(error?.code == .bodySource)
        #expect(error?.bodyFullySent == false)
    }

    @Test func chunkedStreamBody() async throws {
        let client = HTTPClient(connector: MemoryConnector(peer: Peers.echo()))
        let chunks = AsyncStream<[UInt8]> { c in
            for i in 0..<50 { c.yield(Array(repeating: UInt8(i), count: 1000 + i)) }
            c.finish()
        }
        let response = try await client.execute(HTTPRequest(method: .post, endpoint: local, target: "/c", body: .stream(chunks)))
        #expect(response.body.count == (0..<50).reduce(0) { $0 + 1000 + $1 })
        #expect(response.body.prefix(1000) == ArraySlice(repeating: 0, count: 1000))
    }

    @Test func expectContinueSendsTheBodyAfter100() async throws {
        let client = HTTPClient(connector: MemoryConnector(peer: Peers.echo()))
        var request = put("/e", .bytes(Array(repeating: 9, count: 100_000)))
        request.expectContinue = true
        let response = try await client.execute(request)
        #expect(response.status == 200)
        #expect(response.body.count == 100_000)
    }

    @Test func expectContinueWithAnEarlyFinalResponseSkipsTheBody() async throws {
        let connector = MemoryConnector(
            peer: Peers.raw("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied", readBody: false))
        let client = HTTPClient(connector: connector)
        var request = put("/e", .bytes(Array(repeating: 9, count: 100_000)))
        request.expectContinue = true
        let response = try await client.execute(request)
        #expect(response.status == 403)
        #expect(response.body == Array("denied".utf8))
        #expect(response.metrics.bytesSent < 1000)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func expectContinueProceedsWhenTheServerStaysSilent() async throws {
        let connector = MemoryConnector(peer: Peers.raw("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        var config = HTTPClientConfiguration()
        config.expectContinueTimeout = .milliseconds(20)
        let client = HTTPClient(configuration: config, connector: connector)
        var request = put("/e", .bytes(Array(repeating: 9, count: 100_000)))
        request.expectContinue = true
        let response = try await client.execute(request)
        #expect(response.status == 200)
        #expect(response.metrics.bytesSent > 100_000)
    }

    @Test func anEarlyResponseDuringTheUploadIsDelivered() async throws {
        // The server refuses after the head, answers, and closes without reading the body.
        let connector = MemoryConnector(capacity: 8192, peer: { stream in
            let conn = HTTPServerConnection(stream: stream)
            _ = try? await conn.nextRequest()
            try? await conn.writeResponse(
                HTTPResponseHead(status: 413, headers: ["Connection": "close"]), body: Array("too big".utf8))
            conn.close()
        })
        let client = HTTPClient(connector: connector)
        let response = try await client.execute(put("/big", .bytes(Array(repeating: 1, count: 1 << 20))))
        #expect(response.status == 413)
        #expect(response.body == Array("too big".utf8))
        #expect(response.metrics.bytesSent < 1 << 20)
    }

    @Test func malformedResponseIsAParseErrorAndTheConnectionIsDropped() async throws {
        let connector = MemoryConnector(peer: Peers.raw("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"))
        let client = HTTPClient(connector: connector)
        let error = await clientError { _ = try await client.execute(get()) }
        #expect(error?.code == .parse)
        #expect(error?.parserError == .conflictingContentLength)
        #expect(error?.bodyFullySent == true)
        #expect(error?.responseStarted == true)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func bytesBeyondContentLengthFailTheRequest() async throws {
        let connector = MemoryConnector(peer: Peers.raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA"))
        let client = HTTPClient(connector: connector)
        let error = await clientError { _ = try await client.execute(get()) }
        #expect(error?.parserError == .unexpectedData)
        #expect(connector.clients[0].closeCount == 1)
    }

    @Test func truncatedBodyIsAParseError() async throws {
        // The server closes right after a short body.
        let closing = MemoryConnector.answeringOnce(with: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        let client = HTTPClient(connector: closing)
        let error = await clientError { _ = try await client.execute(get()) }
        #expect(error?.parserError == .truncatedBody)
    }

    @Test func idleTimeoutFailsAStalledUpload() async throws {
        var config = HTTPClientConfiguration()
        config.idleTimeout = .milliseconds(30)
        let client = HTTPClient(configuration: config, connector: MemoryConnector(capacity: 8192, peer: Peers.echo()))
        let error = await clientError { _ = try await client.execute(put("/stall", .bytes(Array(repeating: 1, count: 1 << 20)))) }
        #expect(error?.code == .timeout)
        #expect(error?.transportError?.phase == .timeout)
    }

    @Test func totalDeadlineFailsAStalledUpload() async throws {
        var config = HTTPClientConfiguration()
        config.totalTimeout = .milliseconds(30)
        let connector = MemoryConnector(capacity: 8192, peer: Peers.echo())
        let client = HTTPClient(configuration: config, connector: connector)
        let error = await clientError { _ = try await client.execute(put("/stall", .bytes(Array(repeating: 1, count: 1 << 20)))) }
        #expect(error?.code == .timeout)
        #expect(connector.clients[0].abortCount >= 1)
    }

    @Test func invalidRequestNeverConnects() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        let error = await clientError {
            _ = try await client.execute(HTTPRequest(method: .get, endpoint: local, target: "/k", headers: ["X": "a\r\nb"]))
        }
        #expect(error?.code == .invalidRequest)
        #expect(connector.connectCount == 0)
    }

    @Test func connectionsPerHostAreCapped() async throws {
        let connector = MemoryConnector(peer: Peers.echo())
        var config = HTTPClientConfiguration()
        config.maxConnectionsPerHost = 2
        let client = HTTPClient(configuration: config, connector: connector)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<12 {
                group.addTask { try await client.execute(put("/\(i)", .bytes(Array(repeating: 1, count: 50_000)))).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(connector.connectCount <= 2)
    }

    @Test func handlerErrorsPassThroughAndDropTheConnection() async throws {
        struct Mine: Error {}
        let connector = MemoryConnector(peer: Peers.echo())
        let client = HTTPClient(connector: connector)
        await #expect(throws: Mine.self) {
            try await client.execute(get()) { _ in throw Mine() }
        }
        #expect(connector.clients[0].closeCount == 1)
    }
}

final class LastValue: Sendable {
    private let value = PThreadMutex<(Int64, Int64?)>((0, nil))
    func set(_ a: Int64, _ b: Int64?) { value.withLock { $0 = (a, b) } }
    func get() -> (Int64, Int64?) { value.withLock { $0 } }
}
