import OSSCore
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSHTTP

/// The instrument, checked against a server that waits a known time before it answers: the
/// phases sit at or above that wait and in order, not how fast we are.
@Suite("HTTPMetrics phases over loopback sockets")
struct MetricsPhaseTests {
    static let delay = Duration.milliseconds(300)

    /// Reads the whole request, waits `delay`, then answers 200 with a 1 KiB body.
    static func delayed(_ delay: Duration) -> @Sendable (HTTPServerConnection) async -> Void {
        { conn in
            do {
                while try await conn.nextRequest() != nil {
                    _ = try await conn.readWholeBody()
                    try? await Task.sleep(for: delay)
                    try await conn.writeResponse(
                        HTTPResponseHead(status: 200, headers: ["X-Test": "delayed"]),
                        body: [UInt8](repeating: 7, count: 1024))
                }
            } catch {}
        }
    }

    /// The metrics handler's report, kept for the test to read.
    final class Reports: Sendable {
        let items = PThreadMutex<[HTTPMetrics]>([])
        var handler: @Sendable (HTTPMetrics) -> Void { { m in self.items.withLock { $0.append(m) } } }
    }

    @Test("plain HTTP: request sent <= time to first byte <= total, both at or above the server's delay; no TLS names")
    func phasesOverTCP() async throws {
        let server = try LoopbackServer(Self.delayed(Self.delay))
        defer { server.stop() }
        let client = HTTPClient(connector: SocketConnector())
        defer { client.closeIdleConnections() }
        let reports = Reports()
        var request = HTTPRequest(
            method: .put, endpoint: server.endpoint, target: "/a", body: .bytes([UInt8](repeating: 1, count: 200_000)))
        request.metricsHandler = reports.handler
        let started = ContinuousClock.now
        let response = try await client.execute(request)
        let elapsed = started.duration(to: .now)
        #expect(response.status == 200 && response.body.count == 1024)
        let m = response.metrics
        #expect(m.requestSent > .zero)
        #expect(m.requestSent <= m.timeToFirstByte)
        #expect(m.timeToFirstByte <= m.total)
        // The server waited `delay` after the whole request arrived: the first byte cannot come sooner.
        #expect(m.timeToFirstByte >= Self.delay)
        #expect(m.total >= Self.delay)
        // An instrument that counted something else (a wait before the call) would show here; the
        // bound is the call itself, not a tolerance (30 s tripped with the suite on two busy cores).
        #expect(m.total <= elapsed)
        #expect(m.tlsVersion.isEmpty && m.tlsCipher.isEmpty)
        #expect(m.bytesSent > 200_000)
        // The handler got the final metrics once, the same as the response's.
        let reported = reports.items.withLock { $0 }
        #expect(reported.count == 1)
        #expect(reported.first == m)
    }

    @Test("the metrics handler runs on a failure after connecting, with the time until the failure")
    func handlerOnFailure() async throws {
        // Answers nothing and closes once the request arrived.
        let server = try LoopbackServer { conn in
            _ = try? await conn.nextRequest()
            _ = try? await conn.readWholeBody()
        }
        defer { server.stop() }
        let client = HTTPClient(connector: SocketConnector())
        defer { client.closeIdleConnections() }
        let reports = Reports()
        var request = HTTPRequest(method: .get, endpoint: server.endpoint, target: "/x")
        request.metricsHandler = reports.handler
        let error = await clientError { _ = try await client.execute(request) }
        #expect(error != nil)
        let reported = reports.items.withLock { $0 }
        #expect(reported.count == 1)
        #expect((reported.first?.total ?? .zero) > .zero)
        #expect(reported.first?.remoteAddress == "127.0.0.1:\(server.port)")

        // Failing before any connection (nothing listens): no report.
        let closed = try TCPListener(host: "127.0.0.1", port: 0)
        let port = closed.localPort
        closed.close()
        let none = Reports()
        var refused = HTTPRequest(
            method: .get, endpoint: Endpoint(host: "127.0.0.1", port: port, tls: false), target: "/")
        refused.metricsHandler = none.handler
        #expect(await clientError { _ = try await client.execute(refused) } != nil)
        #expect(none.items.withLock { $0.isEmpty })
    }

    @Test("TLS: the negotiated version and cipher are reported, and kept on a reused connection")
    func tlsNames() async throws {
        let certs = try await CertificateFactory.shared()
        let server = try LoopbackServer(tls: certs.server, Self.delayed(.milliseconds(50)))
        defer { server.stop() }
        var config = HTTPClientConfiguration()
        config.tls.caFile = certs.caFile
        let client = HTTPClient(configuration: config, connector: SocketConnector())
        defer { client.closeIdleConnections() }
        let first = try await client.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/t"))
        #expect(!first.metrics.connectionReused)
        #expect(first.metrics.tlsVersion.hasPrefix("TLSv1."))
        #expect(!first.metrics.tlsCipher.isEmpty)
        #expect(first.metrics.tlsHandshake > .zero)
        let second = try await client.execute(HTTPRequest(method: .get, endpoint: server.endpoint, target: "/t"))
        #expect(second.metrics.connectionReused)
        #expect(second.metrics.tlsHandshake == .zero)
        #expect(second.metrics.tlsVersion == first.metrics.tlsVersion)
        #expect(second.metrics.tlsCipher == first.metrics.tlsCipher)
        #expect(second.metrics.requestSent <= second.metrics.timeToFirstByte)
        #expect(second.metrics.timeToFirstByte <= second.metrics.total)
    }
}
