import Foundation
import OSSCore
import OSSCrypto
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSHTTP

/// The HTTP client against a real server: nginx on 127.0.0.1, plain and TLS (issue 2, point 6).
@Suite("HTTPClient against nginx", .enabled(if: NginxServer.available(for: "HTTPClient against nginx") && Shell.which("openssl") != nil))
struct NginxClientTests {
    /// A deterministic, non-repeating-looking 300 KiB fixture.
    static let fixture: [UInt8] = (0..<(300 << 10)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }

    static func trusting(_ certs: CertificateFactory) -> HTTPClientConfiguration {
        var config = HTTPClientConfiguration()
        config.tls.caFile = certs.caFile
        return config
    }

    /// GETs with Content-Length and chunked framing, HEAD, 201/204 PUTs and a 304 on one
    /// kept-alive connection.
    func exerciseFramings(_ client: HTTPClient, _ endpoint: Endpoint, tls: Bool) async throws {
        let plain = try await client.execute(HTTPRequest(method: .get, endpoint: endpoint, target: "/f.bin"))
        #expect(plain.status == 200)
        #expect(plain.headers["Content-Length"] == "\(Self.fixture.count)")
        #expect(plain.body == Self.fixture)
        #expect(!plain.metrics.connectionReused)
        #expect(plain.metrics.connect > .zero)
        #expect((plain.metrics.tlsHandshake > .zero) == tls)

        let chunked = try await client.execute(HTTPRequest(method: .get, endpoint: endpoint, target: "/chunked/f.bin"))
        #expect(chunked.status == 200)
        #expect(chunked.headers.containsToken("chunked", in: "Transfer-Encoding"))
        #expect(chunked.headers["Content-Length"] == nil)
        #expect(chunked.body == Self.fixture)
        // Keep-alive: the second request rode the first one's connection, with no new connect.
        #expect(chunked.metrics.connectionReused)
        #expect(chunked.metrics.connect == .zero)
        #expect(chunked.metrics.tlsHandshake == .zero)

        let head = try await client.execute(HTTPRequest(method: .head, endpoint: endpoint, target: "/f.bin"))
        #expect(head.status == 200)
        #expect(head.headers["Content-Length"] == "\(Self.fixture.count)")
        #expect(head.body.isEmpty)
        #expect(head.metrics.connectionReused)

        let lastModified = try #require(plain.headers["Last-Modified"])
        let notModified = try await client.execute(
            HTTPRequest(
                method: .get, endpoint: endpoint, target: "/f.bin", headers: ["If-Modified-Since": lastModified]))
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        #expect(notModified.metrics.connectionReused)

        // WebDAV: creating answers 201, overwriting 204 (no body, connection kept).
        let body = Array("stored by osswire\n".utf8)
        let created = try await client.execute(
            HTTPRequest(method: .put, endpoint: endpoint, target: "/dav/x/new.txt", body: .bytes(body)))
        #expect(created.status == 201)
        let replaced = try await client.execute(
            HTTPRequest(method: .put, endpoint: endpoint, target: "/dav/x/new.txt", body: .bytes(body + body)))
        #expect(replaced.status == 204)
        #expect(replaced.body.isEmpty)
        #expect(replaced.metrics.connectionReused)
        let back = try await client.execute(HTTPRequest(method: .get, endpoint: endpoint, target: "/dav/x/new.txt"))
        #expect(back.body == body + body)
        #expect(back.metrics.connectionReused)
        #expect(client.pool.idleCount(endpoint) == 1)
    }

    @Test func plainHTTPFramingsAndKeepAlive() async throws {
        let nginx = try await NginxServer.start()
        defer { nginx.stop() }
        try Data(Self.fixture).write(to: nginx.root.appendingPathComponent("f.bin"))
        let client = HTTPClient(connector: SocketConnector())
        defer { client.closeIdleConnections() }
        try await exerciseFramings(client, Endpoint(host: "127.0.0.1", port: nginx.port, tls: false), tls: false)
    }

    @Test func tlsFramingsAndKeepAliveWithTheTestCA() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server)
        defer { nginx.stop() }
        try Data(Self.fixture).write(to: nginx.root.appendingPathComponent("f.bin"))
        let client = HTTPClient(configuration: Self.trusting(certs), connector: SocketConnector())
        defer { client.closeIdleConnections() }
        try await exerciseFramings(client, Endpoint(host: "localhost", port: nginx.tlsPort!, tls: true), tls: true)
    }

    /// Writes `size` pseudo-random bytes to `path` 1 MiB at a time, never holding more.
    /// - Returns: the SHA-256 of the whole file and of the bytes in `range`.
    static func writeSource(_ path: String, size: Int, range: Range<Int>) throws -> ([UInt8], [UInt8]) {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var whole = Digest(.sha256)
        var part = Digest(.sha256)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var offset = 0
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        while offset < size {
            let n = min(piece.count, size - offset)
            piece.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<(n / 8) {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    words[i] = state
                }
            }
            try handle.write(contentsOf: piece[0..<n])
            piece[0..<n].withUnsafeBytes { whole.update($0) }
            let lo = max(range.lowerBound, offset), hi = min(range.upperBound, offset + n)
            if lo < hi { piece[(lo - offset)..<(hi - offset)].withUnsafeBytes { part.update($0) } }
            offset += n
        }
        return (whole.finalize(), part.finalize())
    }

    /// The SHA-256 and size of a file, read 1 MiB at a time.
    static func digestOfFile(_ path: String) throws -> ([UInt8], Int) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var digest = Digest(.sha256)
        var size = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            size += data.count
            data.withUnsafeBytes { digest.update($0) }
        }
        return (digest.finalize(), size)
    }

    @Test func hundredMiBFileUploadIsStoredByteIdentical() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server)
        defer { nginx.stop() }
        let dir = try Shell.makeTemporaryDirectory("osswire-upload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("source.bin").path
        let size = 100 << 20
        // A range that starts mid-buffer, for the TLS upload of part of the file.
        let rangeStart = (3 << 20) + 12_345
        let rangeLength = 9 << 20
        let (whole, part) = try await Blocking.run {
            try Self.writeSource(source, size: size, range: rangeStart..<(rangeStart + rangeLength))
        }

        let plainClient = HTTPClient(connector: SocketConnector())
        defer { plainClient.closeIdleConnections() }
        let progress = PThreadMutex<[Int64]>([])
        var put = HTTPRequest(
            method: .put, endpoint: Endpoint(host: "127.0.0.1", port: nginx.port, tls: false), target: "/dav/big.bin",
            body: .file(path: source, length: Int64(size)))
        put.uploadProgress = { sent, _ in progress.withLock { $0.append(sent) } }
        let response = try await plainClient.execute(put)
        #expect(response.status == 201)
        #expect(response.metrics.bytesSent > Int64(size))
        // Progress counts what nginx acknowledged: it moves many times, only forward, and
        // reaches the whole body.
        let seen = progress.withLock { $0 }
        #expect(seen.count > 10)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 < $1 })
        #expect(seen.last == Int64(size))
        let stored = nginx.root.appendingPathComponent("dav/big.bin").path
        let (storedDigest, storedSize) = try await Blocking.run { try Self.digestOfFile(stored) }
        #expect(storedSize == size)
        #expect(storedDigest == whole)

        // A byte range of the file, over TLS.
        let tlsClient = HTTPClient(configuration: Self.trusting(certs), connector: SocketConnector())
        defer { tlsClient.closeIdleConnections() }
        let ranged = try await tlsClient.execute(
            HTTPRequest(
                method: .put, endpoint: Endpoint(host: "localhost", port: nginx.tlsPort!, tls: true),
                target: "/dav/part.bin",
                body: .file(path: source, offset: Int64(rangeStart), length: Int64(rangeLength))))
        #expect(ranged.status == 201)
        let storedPart = nginx.root.appendingPathComponent("dav/part.bin").path
        let (partDigest, partSize) = try await Blocking.run { try Self.digestOfFile(storedPart) }
        #expect(partSize == rangeLength)
        #expect(partDigest == part)
    }

    /// What the client reports when a handshake is refused: a transport error in the TLS phase
    /// whose description names the cause, nothing sent, and nothing kept in the pool.
    func expectHandshakeRejected(
        port: Int, host: String = "localhost", config: HTTPClientConfiguration, because reasons: [String]
    ) async {
        let client = HTTPClient(configuration: config, connector: SocketConnector())
        let endpoint = Endpoint(host: host, port: port, tls: true)
        let error = await clientError {
            _ = try await client.execute(
                HTTPRequest(method: .put, endpoint: endpoint, target: "/dav/never.txt", body: .bytes([1, 2, 3])))
        }
        #expect(error?.code == .transport)
        #expect(error?.transportError?.phase == .tlsHandshake)
        #expect(error?.bodyFullySent == false)
        #expect(error?.responseStarted == false)
        let text = error.map { "\($0)" } ?? ""
        #expect(reasons.contains { text.contains($0) }, "\(text)")
        #expect(client.pool.idleCount(endpoint) == 0)
        #expect(client.pool.leasedCount(endpoint) == 0)
    }

    @Test func wrongHostNameIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.wrongHost)
        defer { nginx.stop() }
        await expectHandshakeRejected(
            port: nginx.tlsPort!, config: Self.trusting(certs), because: ["hostname mismatch"])
        await expectHandshakeRejected(
            port: nginx.tlsPort!, host: "127.0.0.1", config: Self.trusting(certs), because: ["IP address mismatch"])
    }

    @Test func unknownCAIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server)
        defer { nginx.stop() }
        await expectHandshakeRejected(
            port: nginx.tlsPort!, config: HTTPClientConfiguration(), because: ["unable to get local issuer certificate"]
        )
        // The same server is fine once the CA is given.
        let client = HTTPClient(configuration: Self.trusting(certs), connector: SocketConnector())
        defer { client.closeIdleConnections() }
        let ok = try await client.execute(
            HTTPRequest(
                method: .put, endpoint: Endpoint(host: "localhost", port: nginx.tlsPort!, tls: true),
                target: "/dav/ok.txt", body: .bytes([1, 2, 3])))
        #expect(ok.status == 201)
    }

    @Test func expiredCertificateIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.expired)
        defer { nginx.stop() }
        await expectHandshakeRejected(
            port: nginx.tlsPort!, config: Self.trusting(certs), because: ["certificate has expired"])
    }

    @Test func tls11OnlyServerIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(tls11Only: certs.server)
        defer { nginx.stop() }
        let port = try #require(nginx.tls11Port)
        await expectHandshakeRejected(port: port, config: Self.trusting(certs), because: ["protocol", "version"])
    }
}
