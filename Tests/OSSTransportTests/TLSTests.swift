import Foundation
import OSSCore
import OSSTestSupport
import Testing
@testable import OSSTransport

@Suite("TLS against nginx", .enabled(if: NginxServer.available(for: "TLS against nginx") && Shell.which("openssl") != nil))
struct TLSTests {
    let connector = SocketConnector()

    /// GETs `path` over a fresh connection and returns the whole response.
    func get(
        _ path: String, host: String = "localhost", port: Int, tls: TLSConfiguration
    ) async throws -> (String, ConnectTimings) {
        let (stream, timings) = try await connector.connect(
            to: Endpoint(host: host, port: port, tls: true), tls: tls, connectTimeout: .seconds(60), signal: nil)
        defer { stream.close() }
        try await stream.write(Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8))
        let (bytes, error) = await readAll(stream)
        if let error { throw error }
        return (String(decoding: bytes, as: UTF8.self), timings)
    }

    func handshakeError(port: Int, host: String = "localhost", tls: TLSConfiguration) async -> TransportError? {
        await transportError { _ = try await get("/", host: host, port: port, tls: tls) }
    }

    func trusting(_ certs: CertificateFactory) -> TLSConfiguration {
        var tls = TLSConfiguration()
        tls.caFile = certs.caFile
        return tls
    }

    @Test func verifiedHandshakeWithTheTestCA() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server)
        defer { nginx.stop() }
        try "hello over tls\n".write(
            to: nginx.root.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
        for host in ["localhost", "127.0.0.1"] {
            let (response, timings) = try await get(
                "/hello.txt", host: host, port: nginx.tlsPort!, tls: trusting(certs))
            #expect(response.hasPrefix("HTTP/1.1 200"))
            #expect(response.hasSuffix("hello over tls\n"))
            #expect(timings.tlsHandshake > .zero)
        }
        // Chunked responses and a large body over TLS.
        let big = String(repeating: "0123456789abcdef", count: 1 << 16)
        try big.write(to: nginx.root.appendingPathComponent("big.txt"), atomically: true, encoding: .utf8)
        let (chunked, _) = try await get("/chunked/big.txt", port: nginx.tlsPort!, tls: trusting(certs))
        #expect(chunked.lowercased().contains("transfer-encoding: chunked"))
        let (plain, _) = try await get("/big.txt", port: nginx.tlsPort!, tls: trusting(certs))
        #expect(plain.hasSuffix(big))
    }

    @Test func largeUploadOverTLSToWebDAV() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server)
        defer { nginx.stop() }
        let (stream, _) = try await connector.connect(
            to: Endpoint(host: "localhost", port: nginx.tlsPort!, tls: true), tls: trusting(certs),
            connectTimeout: .seconds(60), signal: nil)
        defer { stream.close() }
        let size = 6 << 20
        let body = [UInt8](repeating: 0x41, count: size)
        try await stream.write(
            Array(
                "PUT /dav/upload.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(size)\r\nConnection: close\r\n\r\n"
                    .utf8))
        try await stream.write(body)
        let (bytes, _) = await readAll(stream)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 201"))
        let stored = try Data(contentsOf: nginx.root.appendingPathComponent("dav/upload.bin"))
        #expect(stored.count == size)
    }

    @Test func wrongHostNameIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.wrongHost)
        defer { nginx.stop() }
        let error = await handshakeError(port: nginx.tlsPort!, tls: trusting(certs))
        #expect(error?.phase == .tlsHandshake)
        #expect(error?.message.contains("hostname mismatch") == true, "\(String(describing: error))")
        // An IP literal is checked against the certificate's IP addresses.
        let ipError = await handshakeError(port: nginx.tlsPort!, host: "127.0.0.1", tls: trusting(certs))
        #expect(ipError?.message.contains("IP address mismatch") == true, "\(String(describing: ipError))")
    }

    @Test func unknownCAIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server)
        defer { nginx.stop() }
        // The system store does not know the test CA.
        let error = await handshakeError(port: nginx.tlsPort!, tls: TLSConfiguration())
        #expect(error?.phase == .tlsHandshake)
        #expect(
            error?.message.contains("unable to get local issuer certificate") == true, "\(String(describing: error))")
    }

    @Test func expiredCertificateIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.expired)
        defer { nginx.stop() }
        let error = await handshakeError(port: nginx.tlsPort!, tls: trusting(certs))
        #expect(error?.phase == .tlsHandshake)
        #expect(error?.message.contains("certificate has expired") == true, "\(String(describing: error))")
    }

    @Test func selfSignedCertificateIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.selfSigned)
        defer { nginx.stop() }
        let error = await handshakeError(port: nginx.tlsPort!, tls: trusting(certs))
        #expect(error?.phase == .tlsHandshake)
        #expect(error?.message.contains("self-signed certificate") == true, "\(String(describing: error))")
    }

    @Test func tls11OnlyServerIsRejected() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(tls11Only: certs.server)
        defer { nginx.stop() }
        let port = try #require(nginx.tls11Port)
        let error = await handshakeError(port: port, tls: trusting(certs))
        #expect(error?.phase == .tlsHandshake)
        #expect(
            error?.message.contains("protocol") == true || error?.message.contains("version") == true,
            "\(String(describing: error))")
    }

    @Test func insecureSwitchAcceptsBadCertificates() async throws {
        let certs = try await CertificateFactory.shared()
        var insecure = TLSConfiguration()
        insecure.insecureSkipVerify = true
        for pair in [certs.wrongHost, certs.expired, certs.selfSigned] {
            let nginx = try await NginxServer.start(certificate: pair)
            defer { nginx.stop() }
            try "ok".write(to: nginx.root.appendingPathComponent("ok.txt"), atomically: true, encoding: .utf8)
            let (response, _) = try await get("/ok.txt", port: nginx.tlsPort!, tls: insecure)
            #expect(response.hasPrefix("HTTP/1.1 200"))
            #expect(response.hasSuffix("ok"))
        }
    }

    /// Connects, GETs `/ok.txt` on the same connection, and says what was negotiated.
    func negotiated(port: Int, tls: TLSConfiguration) async throws -> (version: String, cipher: String) {
        let (stream, _) = try await connector.connect(
            to: Endpoint(host: "localhost", port: port, tls: true), tls: tls, connectTimeout: .seconds(60), signal: nil)
        defer { stream.close() }
        let tlsStream = try #require(stream as? TLSStream)
        let result = (tlsStream.protocolVersion, tlsStream.cipherSuite)
        try await stream.write(Array("GET /ok.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
        let (bytes, error) = await readAll(stream)
        #expect(error == nil)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("\r\n\r\nok"))
        return result
    }

    @Test func aes128GCMIsPreferredAndTheOrderIsConfigurable() async throws {
        let certs = try await CertificateFactory.shared()
        let nginx = try await NginxServer.start(certificate: certs.server, tls12Only: certs.server)
        defer { nginx.stop() }
        try "ok".write(to: nginx.root.appendingPathComponent("ok.txt"), atomically: true, encoding: .utf8)
        let tls13 = try #require(nginx.tlsPort)
        let tls12 = try #require(nginx.tls12Port)
        // The defaults: AES-128-GCM over TLS 1.3 and (an ECDSA certificate) over TLS 1.2, where
        // OpenSSL's own order (curl's) gets AES-256-GCM from the same nginx.
        #expect(try await negotiated(port: tls13, tls: trusting(certs)) == ("TLSv1.3", "TLS_AES_128_GCM_SHA256"))
        #expect(try await negotiated(port: tls12, tls: trusting(certs)) == ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"))
        var openSSLOrder = trusting(certs)
        openSSLOrder.cipherSuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
        openSSLOrder.cipherList = "DEFAULT"
        #expect(try await negotiated(port: tls13, tls: openSSLOrder) == ("TLSv1.3", "TLS_AES_256_GCM_SHA384"))
        #expect(try await negotiated(port: tls12, tls: openSSLOrder) == ("TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"))
        var chacha = trusting(certs)
        chacha.cipherSuites = "TLS_CHACHA20_POLY1305_SHA256"
        chacha.cipherList = "ECDHE-ECDSA-CHACHA20-POLY1305"
        #expect(try await negotiated(port: tls13, tls: chacha) == ("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"))
        #expect(try await negotiated(port: tls12, tls: chacha) == ("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305"))
    }

    @Test func anUnknownCipherIsAConfigurationError() async throws {
        let listener = try TCPListener()
        defer { listener.close() }
        var suites = TLSConfiguration()
        suites.cipherSuites = "TLS_NO_SUCH_SUITE"
        let e1 = await handshakeError(port: listener.localPort, tls: suites)
        #expect(e1?.phase == .configuration)
        #expect(e1?.message.contains("TLS 1.3 cipher suites \"TLS_NO_SUCH_SUITE\"") == true, "\(String(describing: e1))")
        var list = TLSConfiguration()
        list.cipherList = "NO-SUCH-CIPHER"
        let e2 = await handshakeError(port: listener.localPort, tls: list)
        #expect(e2?.phase == .configuration)
        #expect(e2?.message.contains("TLS 1.2 cipher list \"NO-SUCH-CIPHER\"") == true, "\(String(describing: e2))")
    }

    @Test func unreadableCAFileIsAConfigurationError() async throws {
        var tls = TLSConfiguration()
        tls.caFile = "/nonexistent/osswire-ca.pem"
        let listener = try TCPListener()
        defer { listener.close() }
        let error = await handshakeError(port: listener.localPort, tls: tls)
        #expect(error?.phase == .configuration)
        #expect(error?.message.contains("/nonexistent/osswire-ca.pem") == true)
    }
}

@Suite("TLS in process", .enabled(if: Shell.which("openssl") != nil))
struct InProcessTLSTests {
    @Test func tlsListenerAndClientExchangeBytesAndCloseCleanly() async throws {
        try await withTLSPair { client, server, timings in
            #expect(timings.tlsHandshake > .zero)
            #expect((client as? TLSStream)?.protocolVersion == "TLSv1.3")
            // Our listener follows the client's order: AES-128-GCM, seen the same on both ends.
            #expect((client as? TLSStream)?.cipherSuite == "TLS_AES_128_GCM_SHA256")
            #expect(server.cipherSuite == "TLS_AES_128_GCM_SHA256")
            try await client.write(Array("hello".utf8))
            #expect(try await readExactly(server, 5) == Array("hello".utf8))
            try await server.write(Array("world".utf8))
            #expect(try await readExactly(client, 5) == Array("world".utf8))
            #expect(client.isReusable)
            client.close()  // sends close_notify
            let (rest, error) = await readAll(server)
            #expect(rest.isEmpty)
            #expect(error == nil)
        }
    }
}

@Suite("Full-duplex use", .enabled(if: Shell.which("openssl") != nil))
struct FullDuplexTests {
    /// Echoes everything back until the end of the stream.
    static func echo(_ stream: any ByteStream) async throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try await stream.read(into: buffer)
            if n == 0 { return }
            try await stream.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// One task writes 8 MiB while another reads the echo: deadlocks unless reading and writing
    /// can run at once.
    static func exchange(_ client: any ByteStream) async throws {
        let size = 8 << 20
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 >> 3) }
        async let echoed = readExactly(client, size)
        try await client.write(payload)
        #expect(try await echoed == payload)
    }

    @Test func tcpReadsAndWritesConcurrently() async throws {
        try await withTCPPair { client, server, _ in
            let echo = Task { try await Self.echo(server) }
            try await Self.exchange(client)
            client.abort()
            _ = try? await echo.value
        }
    }

    @Test func tlsReadsAndWritesConcurrently() async throws {
        try await withTLSPair(host: "127.0.0.1") { client, server, _ in
            let echo = Task { try await Self.echo(server) }
            try await Self.exchange(client)
            client.abort()
            _ = try? await echo.value
        }
    }
}
