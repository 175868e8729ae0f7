import OSSCore
import OSSMockServer
import OSSSigner
import OSSTestSupport
import OSSTransport
import Synchronization
import Testing

@testable import OSSClient

/// Copies bytes from `from` to `to` until either side ends or fails.
private func pump(_ from: any ByteStream, _ to: any ByteStream) async {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        guard let n = try? await from.read(into: buffer), n > 0 else { return }
        do {
            try await to.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        } catch {
            return
        }
    }
}

/// Relays both ways until one side ends, then aborts both (the caller closes them).
private func relay(_ a: any ByteStream, _ b: any ByteStream) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            await pump(a, b)
            a.abort()
            b.abort()
        }
        group.addTask {
            await pump(b, a)
            a.abort()
            b.abort()
        }
    }
}

/// The request heads a test proxy received.
private final class HeadLog: Sendable {
    private let heads = PThreadMutex<[String]>([])
    func append(_ h: String) { heads.withLock { $0.append(h) } }
    var all: [String] { heads.withLock { $0 } }
}

/// Streams a test server opened, aborted when it stops.
private final class OpenStreams: Sendable {
    private let streams = PThreadMutex<[any ByteStream]>([])
    private let stopped = PThreadMutex(false)
    func add(_ s: any ByteStream) {
        let abort = stopped.withLock { stop in
            streams.withLock { $0.append(s) }
            return stop
        }
        if abort { s.abort() }
    }
    func abortAll() {
        stopped.withLock { $0 = true }
        for s in streams.withLock({ $0 }) { s.abort() }
    }
}

/// A TLS front for the mock server: terminates TLS with a certificate from `CertificateFactory`
/// and relays the plain bytes to the mock server's port.
private final class TLSFront: Sendable {
    let listener: TLSListener
    let open = OpenStreams()
    var port: Int { listener.localPort }

    init(_ pair: CertificateFactory.Pair, backendPort: Int) throws {
        let l = try TLSListener(certificateFile: pair.certificate, privateKeyFile: pair.key)
        listener = l
        let open = self.open
        Task {
            while true {
                let tls: TLSStream
                do {
                    tls = try await l.accept()
                } catch let e as TransportError where e.phase == .closed {
                    return
                } catch {
                    continue  // a client that failed the handshake
                }
                open.add(tls)
                Task {
                    defer { tls.close() }
                    guard let tcp = try? await SocketConnector().connectTCP(host: "127.0.0.1", port: backendPort)
                    else { return }
                    defer { tcp.close() }
                    open.add(tcp)
                    await relay(tls, tcp)
                }
            }
        }
    }

    func stop() {
        listener.close()
        open.abortAll()
    }
}

/// A small CONNECT proxy: checks the request line and `Proxy-Authorization`, answers 200 and
/// relays to `127.0.0.1:<target port>`; answers 407 to wrong credentials; with `answer: false`
/// it reads the CONNECT and never answers.
private final class TunnelProxy: Sendable {
    let listener: TCPListener
    let open = OpenStreams()
    /// The request heads received, one per connection.
    let log = HeadLog()
    var heads: [String] { log.all }
    var port: Int { listener.localPort }

    init(requiredAuthorization: String?, answer: Bool = true) throws {
        let l = try TCPListener(host: "127.0.0.1", port: 0)
        listener = l
        let open = self.open
        let heads = self.log
        Task {
            while let client = try? await l.accept() {
                open.add(client)
                Task {
                    defer { client.close() }
                    await Self.serve(
                        client, requiredAuthorization: requiredAuthorization, answer: answer, open: open, heads: heads)
                }
            }
        }
    }

    private static func serve(
        _ client: TCPStream, requiredAuthorization: String?, answer: Bool, open: OpenStreams, heads: HeadLog
    ) async {
        // The head, up to the blank line.
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        var headEnd: Int?
        while headEnd == nil {
            guard let n = try? await client.read(into: buffer), n > 0 else { return }
            bytes += buffer[0..<n]
            if bytes.count >= 4 {
                headEnd = (0...(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
            }
        }
        let head = String(decoding: bytes[..<headEnd!], as: UTF8.self)
        heads.append(head)
        let lines = head.split(separator: "\r\n").map(String.init)
        let parts = lines[0].split(separator: " ").map(String.init)
        guard parts.count == 3, parts[0] == "CONNECT", parts[2] == "HTTP/1.1",
            let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...])
        else {
            try? await client.write(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
            return
        }
        guard answer else {
            // Hold the connection until the client goes away.
            _ = try? await client.read(into: buffer)
            return
        }
        let auth = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
            .map { String($0.dropFirst("proxy-authorization:".count)).trimmingSpaces() }
        if let requiredAuthorization, auth != requiredAuthorization {
            try? await client.write(
                Array(
                    ("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\n\r\n").utf8))
            return
        }
        guard let target = try? await SocketConnector().connectTCP(host: "127.0.0.1", port: port) else {
            try? await client.write(Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
            return
        }
        defer { target.close() }
        open.add(target)
        do {
            try await client.write(Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8))
            let extra = Array(bytes[(headEnd! + 4)...])
            if !extra.isEmpty { try await target.write(extra) }
        } catch {
            return
        }
        await relay(client, target)
    }

    func stop() {
        listener.close()
        open.abortAll()
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

private let proxyUser = "alice"
private let proxyPassword = "pa ss-SECRET-42"
private let goodAuthorization = "Basic " + Base64.encode(Array("\(proxyUser):\(proxyPassword)".utf8))

/// A client for `https://HOST:<front>` through the proxy, trusting the test CA.
private func tunnelClient(
    host: String = "127.0.0.1", frontPort: Int, proxyPort: Int, password: String = proxyPassword,
    caFile: String, region: String
) throws -> OSSClient {
    var c = try OSSClientConfiguration(endpoint: "https://\(host):\(frontPort)", region: region)
    c.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    c.tls.caFile = caFile
    c.proxy = OSSClientConfiguration.Proxy(host: "127.0.0.1", port: proxyPort, username: proxyUser, password: password)
    c.retryPolicy = RetryPolicy(maxRetries: 0)
    return try OSSClient(configuration: c)
}

@Suite("https through an HTTP proxy (CONNECT tunnels)")
struct ProxyTunnelTests {
    @Test("PUT and GET over TLS through a CONNECT tunnel; credentials go to the proxy only")
    func putAndGet() async throws {
        let certs = try await CertificateFactory.shared()
        var config = MockServerConfiguration()
        config.buckets = ["bkt"]
        try await withMockServer(configuration: config) { server in
            let front = try TLSFront(certs.server, backendPort: server.endpoint.port)
            defer { front.stop() }
            let proxy = try TunnelProxy(requiredAuthorization: goodAuthorization)
            defer { proxy.stop() }
            let client = try tunnelClient(
                frontPort: front.port, proxyPort: proxy.port, caFile: certs.caFile, region: server.configuration.region)
            let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            try await client.putObject(bucket: "bkt", key: "through/tunnel.bin", body: .bytes(data))
            let got = try await client.getObject(bucket: "bkt", key: "through/tunnel.bin")
            #expect(got.body == data)
            #expect(await server.service.objectBytes(bucket: "bkt", key: "through/tunnel.bin") == data)
            await client.shutdown()

            // This client's tunnels to the front: a connection from another test that was handed
            // this proxy's port (found free elsewhere and rebound) is not one of them.
            let heads = proxy.heads.filter { $0.hasPrefix("CONNECT 127.0.0.1:\(front.port) ") }
            #expect(heads.count == 1, "\(proxy.heads.count) heads in all")  // one kept-alive tunnel for both requests
            let lines = try #require(heads.first).split(separator: "\r\n").map(String.init)
            #expect(lines.first == "CONNECT 127.0.0.1:\(front.port) HTTP/1.1")
            #expect(lines.contains("Host: 127.0.0.1:\(front.port)"))
            #expect(lines.contains("Proxy-Authorization: \(goodAuthorization)"))
        }
    }

    @Test("a proxy answering 407 fails clearly, without the password or the token in the error")
    func proxyAuthenticationRequired() async throws {
        let certs = try await CertificateFactory.shared()
        let proxy = try TunnelProxy(requiredAuthorization: goodAuthorization)
        defer { proxy.stop() }
        let wrong = "wrong-SECRET-password"
        let client = try tunnelClient(
            frontPort: 9, proxyPort: proxy.port, password: wrong, caFile: certs.caFile, region: "cn-hangzhou")
        let e = try await #require(throws: OSSClientError.self) {
            try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
        }
        #expect(e.kind == .connect)
        let text = "\(e) \(String(reflecting: e)) \(e.message) \(e.underlying.map { "\($0)" } ?? "")"
        #expect(text.contains("407"))
        #expect(!text.contains(wrong))
        #expect(!text.contains(Base64.encode(Array("\(proxyUser):\(wrong)".utf8))))
        await client.shutdown()
    }

    @Test("a target whose certificate does not name it is still rejected through the tunnel")
    func wrongHostRejected() async throws {
        let certs = try await CertificateFactory.shared()
        var config = MockServerConfiguration()
        config.buckets = ["bkt"]
        try await withMockServer(configuration: config) { server in
            let front = try TLSFront(certs.wrongHost, backendPort: server.endpoint.port)
            defer { front.stop() }
            let proxy = try TunnelProxy(requiredAuthorization: goodAuthorization)
            defer { proxy.stop() }
            let client = try tunnelClient(
                frontPort: front.port, proxyPort: proxy.port, caFile: certs.caFile, region: server.configuration.region)
            let e = try await #require(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
            }
            #expect(e.kind == .tls)
            #expect(e.message.contains("verify"))
            #expect(await server.service.objectBytes(bucket: "bkt", key: "k") == nil)
            #expect(proxy.heads.count == 1)  // the tunnel itself was opened
            await client.shutdown()
        }
    }

    @Test("cancelling a request while the proxy has not answered CONNECT returns promptly")
    func cancelDuringTunnel() async throws {
        let certs = try await CertificateFactory.shared()
        let proxy = try TunnelProxy(requiredAuthorization: nil, answer: false)
        defer { proxy.stop() }
        var c = try OSSClientConfiguration(endpoint: "https://127.0.0.1:9", region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(accessKeyId: "id", accessKeySecret: "secret")
        c.tls.caFile = certs.caFile
        c.proxy = OSSClientConfiguration.Proxy(host: "127.0.0.1", port: proxy.port)
        c.timeouts.connect = .seconds(3600)  // only the cancel can end the wait
        c.retryPolicy = RetryPolicy(maxRetries: 0)
        let client = try OSSClient(configuration: c)
        let request = Task { try await client.putObject(bucket: "bkt", key: "k", body: .string("x")) }
        for _ in 0..<1000 where proxy.heads.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(proxy.heads.count == 1)
        request.cancel()
        let result = await request.result
        let e = try #require(throws: OSSClientError.self) { try result.get() }
        #expect(e.kind == .cancelled)
        await client.shutdown()
    }

    @Test("ProxyConnector: a CancellationSignal aborts the tunnel set-up; timings name each phase")
    func connectorSignalAndTimings() async throws {
        let certs = try await CertificateFactory.shared()
        var tls = TLSConfiguration()
        tls.caFile = certs.caFile

        // A proxy that never answers: the signal ends the wait with phase .aborted.
        let silent = try TunnelProxy(requiredAuthorization: nil, answer: false)
        defer { silent.stop() }
        let connector = ProxyConnector(proxyHost: "127.0.0.1", proxyPort: silent.port, proxyAuthorization: goodAuthorization)
        #expect(!"\(connector)".contains(goodAuthorization) && !String(reflecting: connector).contains("SECRET"))
        let signal = CancellationSignal()
        let attempt = Task {
            try await connector.connect(
                to: Endpoint(host: "localhost", port: 9, tls: true), tls: tls, connectTimeout: .seconds(3600),
                signal: signal)
        }
        for _ in 0..<1000 where silent.heads.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        signal.cancel(.disabled)
        let outcome = await attempt.result
        let e = try #require(throws: TransportError.self) { _ = try outcome.get() }
        #expect(e.phase == .aborted)

        // A working tunnel: DNS/connect to the proxy, the tunnel, then TLS with the target.
        let front = try TLSFront(certs.server, backendPort: 9)
        defer { front.stop() }
        let proxy = try TunnelProxy(requiredAuthorization: goodAuthorization)
        defer { proxy.stop() }
        let good = ProxyConnector(proxyHost: "127.0.0.1", proxyPort: proxy.port, proxyAuthorization: goodAuthorization)
        let (stream, timings) = try await good.connect(
            to: Endpoint(host: "localhost", port: front.port, tls: true), tls: tls, connectTimeout: .seconds(30),
            signal: nil)
        defer { stream.close() }
        #expect(stream is TLSStream)
        #expect(timings.remoteAddress == "127.0.0.1:\(proxy.port)")
        #expect(timings.proxyTunnel > .zero && timings.tlsHandshake > .zero)
        #expect(proxy.heads.first.map { $0.hasPrefix("CONNECT localhost:\(front.port) HTTP/1.1\r\n") } == true)
    }
}
