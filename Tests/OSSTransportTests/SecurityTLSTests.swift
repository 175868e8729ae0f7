import Foundation
import OSSCore
import OSSTestSupport
import Testing

@testable import OSSTransport

/// Issue 8, point 4: certificate verification cannot be bypassed by accident, and host names
/// with trailing dots and IP literals are handled (connection, SNI, certificate matching).
///
/// Everything runs in process against `TLSListener` on loopback (no nginx needed), so these
/// checks run wherever `openssl` can make the test certificates.
@Suite("Security: TLS verification", .enabled(if: Shell.which("openssl") != nil))
struct SecurityTLSTests {
    /// The outcome of one handshake attempt: the client's error, or nil when it succeeded.
    static func attempt(
        serving pair: CertificateFactory.Pair, listenOn listenHost: String = "127.0.0.1", connectTo host: String,
        tls: TLSConfiguration
    ) async throws -> TransportError? {
        let listener = try TLSListener(
            host: listenHost, certificateFile: pair.certificate, privateKeyFile: pair.key)
        defer { listener.close() }
        let server = Task { try? await listener.accept() }
        let error = await transportError {
            let (stream, _) = try await SocketConnector().connect(
                to: Endpoint(host: host, port: listener.localPort, tls: true), tls: tls,
                connectTimeout: .seconds(30), signal: nil)
            // A byte each way proves the connection is really usable.
            try await stream.write(Array("x".utf8))
            stream.close()
        }
        listener.close()
        if let accepted = await server.value {
            _ = await readAll(accepted)
            accepted.close()
        }
        return error
    }

    static func trusting(_ certs: CertificateFactory) -> TLSConfiguration {
        var tls = TLSConfiguration()
        tls.caFile = certs.caFile
        return tls
    }

    @Test("a default TLSConfiguration verifies: the insecure switch is off and a test-CA certificate is refused")
    func defaultConfigurationVerifies() async throws {
        let defaults = TLSConfiguration()
        #expect(defaults.insecureSkipVerify == false)
        #expect(defaults.caFile == nil && defaults.caDirectory == nil && defaults.serverName == nil)
        let certs = try await CertificateFactory.shared()
        // Unknown CA (the system store does not know the test CA), and a self-signed certificate.
        for pair in [certs.server, certs.selfSigned] {
            let error = try await Self.attempt(serving: pair, connectTo: "localhost", tls: defaults)
            #expect(error?.phase == .tlsHandshake, "\(String(describing: error))")
            #expect(error?.message.contains("certificate verify failed") == true, "\(String(describing: error))")
        }
    }

    @Test("setting only a CA file keeps host-name checks: wrong host, expired and self-signed are refused")
    func caFileDoesNotTurnOffOtherChecks() async throws {
        let certs = try await CertificateFactory.shared()
        let tls = Self.trusting(certs)
        let cases: [(CertificateFactory.Pair, String)] = [
            (certs.wrongHost, "hostname mismatch"), (certs.expired, "certificate has expired"),
            (certs.selfSigned, "self-signed certificate"),
        ]
        for (pair, reason) in cases {
            let error = try await Self.attempt(serving: pair, connectTo: "localhost", tls: tls)
            #expect(error?.phase == .tlsHandshake, "\(String(describing: error))")
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
        }
        // The right certificate passes with the same configuration.
        #expect(try await Self.attempt(serving: certs.server, connectTo: "localhost", tls: tls) == nil)
    }

    @Test("a CA directory instead of a file also verifies host names")
    func caDirectoryVerifiesHostNames() async throws {
        let certs = try await CertificateFactory.shared()
        var tls = TLSConfiguration()
        tls.caDirectory = certs.directory.path  // not hashed: OpenSSL finds no issuer there
        let error = try await Self.attempt(serving: certs.server, connectTo: "localhost", tls: tls)
        #expect(error?.phase == .tlsHandshake, "\(String(describing: error))")
    }

    @Test("an empty or odd serverName never disables the host-name check", arguments: ["", ".", " ", "[]", "*"])
    func oddServerNamesStillCheck(serverName: String) async throws {
        let certs = try await CertificateFactory.shared()
        var tls = Self.trusting(certs)
        tls.serverName = serverName
        // wrong.example's certificate, trusted CA: only the host-name check can refuse it.
        let error = try await Self.attempt(serving: certs.wrongHost, connectTo: "127.0.0.1", tls: tls)
        #expect(error != nil, "serverName \"\(serverName)\" accepted a certificate for another host")
        #expect(error?.phase == .tlsHandshake || error?.phase == .configuration, "\(String(describing: error))")
    }

    @Test("serverName overrides the host checked: the certificate's own name passes, another fails")
    func serverNameIsWhatIsChecked() async throws {
        let certs = try await CertificateFactory.shared()
        var tls = Self.trusting(certs)
        tls.serverName = "wrong.example"
        #expect(try await Self.attempt(serving: certs.wrongHost, connectTo: "127.0.0.1", tls: tls) == nil)
        tls.serverName = "other.example"
        let error = try await Self.attempt(serving: certs.wrongHost, connectTo: "127.0.0.1", tls: tls)
        #expect(error?.message.contains("hostname mismatch") == true, "\(String(describing: error))")
    }

    @Test("the insecure switch is the one way to accept a bad certificate, and it is named so")
    func insecureSwitchIsTheOnlyWay() async throws {
        let certs = try await CertificateFactory.shared()
        var insecure = TLSConfiguration()
        insecure.insecureSkipVerify = true
        for pair in [certs.wrongHost, certs.expired, certs.selfSigned, certs.server] {
            #expect(try await Self.attempt(serving: pair, connectTo: "localhost", tls: insecure) == nil)
        }
        // The same certificates with every other combination of settings are refused.
        var settings: [TLSConfiguration] = [TLSConfiguration(), Self.trusting(certs)]
        var named = Self.trusting(certs)
        named.serverName = "localhost"
        settings.append(named)
        var tls13 = Self.trusting(certs)
        tls13.minimumVersion = .tls13
        settings.append(tls13)
        for tls in settings {
            for pair in [certs.wrongHost, certs.expired, certs.selfSigned] {
                let error = try await Self.attempt(serving: pair, connectTo: "localhost", tls: tls)
                #expect(error?.phase == .tlsHandshake, "\(String(describing: error))")
            }
        }
    }

    @Test("an IPv4 literal is matched against the certificate's IP addresses")
    func ipv4LiteralMatchesIPSubjectAltName() async throws {
        let certs = try await CertificateFactory.shared()
        let tls = Self.trusting(certs)
        #expect(try await Self.attempt(serving: certs.server, connectTo: "127.0.0.1", tls: tls) == nil)
        let error = try await Self.attempt(serving: certs.wrongHost, connectTo: "127.0.0.1", tls: tls)
        #expect(error?.message.contains("IP address mismatch") == true, "\(String(describing: error))")
    }

    @Test("an IPv6 literal, bare or in brackets, connects over ::1 and is matched against IP:::1")
    func ipv6LiteralMatchesIPSubjectAltName() async throws {
        let certs = try await CertificateFactory.shared()
        let tls = Self.trusting(certs)
        for host in ["::1"] {
            #expect(try await Self.attempt(serving: certs.server, listenOn: "::1", connectTo: host, tls: tls) == nil)
            let error = try await Self.attempt(serving: certs.wrongHost, listenOn: "::1", connectTo: host, tls: tls)
            #expect(error?.message.contains("IP address mismatch") == true, "\(String(describing: error))")
        }
        // A bracketed literal as the name to check (as a URL writes it).
        var bracketed = tls
        bracketed.serverName = "[::1]"
        #expect(
            try await Self.attempt(serving: certs.server, listenOn: "::1", connectTo: "::1", tls: bracketed) == nil)
        let error = try await Self.attempt(
            serving: certs.wrongHost, listenOn: "::1", connectTo: "::1", tls: bracketed)
        #expect(error?.message.contains("IP address mismatch") == true, "\(String(describing: error))")
    }

    @Test("a trailing dot in the name checked is dropped: localhost. matches a certificate for localhost")
    func trailingDotMatchesCertificate() async throws {
        let certs = try await CertificateFactory.shared()
        var tls = Self.trusting(certs)
        tls.serverName = "localhost."
        #expect(try await Self.attempt(serving: certs.server, connectTo: "127.0.0.1", tls: tls) == nil)
        let error = try await Self.attempt(serving: certs.wrongHost, connectTo: "127.0.0.1", tls: tls)
        #expect(error?.message.contains("hostname mismatch") == true, "\(String(describing: error))")
    }

    // MARK: SNI, read from the ClientHello a raw listener receives

    /// Connects to a plain TCP listener that never answers, captures the ClientHello, and returns
    /// the SNI host name in it (nil when the extension is absent).
    static func sentSNI(connectTo host: String, listenOn listenHost: String = "127.0.0.1", tls: TLSConfiguration)
        async throws -> String?
    {
        let listener = try TCPListener(host: listenHost)
        defer { listener.close() }
        let client = Task {
            _ = await transportError {
                let (stream, _) = try await SocketConnector().connect(
                    to: Endpoint(host: host, port: listener.localPort, tls: true), tls: tls,
                    connectTimeout: .seconds(30), signal: nil)
                stream.close()
            }
        }
        let server = try await listener.accept()
        var bytes: [UInt8] = []
        // TLS record header (5 bytes), then the record.
        bytes = try await readExactly(server, 5)
        let length = Int(bytes[3]) << 8 | Int(bytes[4])
        bytes += try await readExactly(server, length)
        server.abort()
        server.close()
        await client.value
        let hello = try #require(ClientHello(record: bytes), "not a ClientHello: \(bytes.prefix(16))")
        return hello.serverName
    }

    @Test("SNI carries the host name without its trailing dot, and nothing for IP literals")
    func sniForNamesAndIPs() async throws {
        var tls = TLSConfiguration()
        tls.insecureSkipVerify = true  // nothing is verified here: the server never answers
        #expect(try await Self.sentSNI(connectTo: "localhost", tls: tls) == "localhost")
        var dotted = TLSConfiguration()
        dotted.serverName = "bucket.oss-cn-hangzhou.aliyuncs.com."
        #expect(try await Self.sentSNI(connectTo: "127.0.0.1", tls: dotted) == "bucket.oss-cn-hangzhou.aliyuncs.com")
        var local = TLSConfiguration()
        local.serverName = "localhost."
        #expect(try await Self.sentSNI(connectTo: "127.0.0.1", tls: local) == "localhost")
        // RFC 6066 §3: literal IP addresses are not permitted in SNI.
        #expect(try await Self.sentSNI(connectTo: "127.0.0.1", tls: TLSConfiguration()) == nil)
        #expect(try await Self.sentSNI(connectTo: "::1", listenOn: "::1", tls: TLSConfiguration()) == nil)
        var bracketed = TLSConfiguration()
        bracketed.serverName = "[::1]"
        #expect(try await Self.sentSNI(connectTo: "::1", listenOn: "::1", tls: bracketed) == nil)
    }
}

/// The parts of a TLS ClientHello record these tests read (RFC 8446 §4.1.2, RFC 6066 §3).
struct ClientHello {
    var serverName: String?

    init?(record: [UInt8]) {
        var r = record[...]
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard r.count >= n else { return nil }
            defer { r = r.dropFirst(n) }
            return r.prefix(n)
        }
        func number(_ n: Int) -> Int? {
            take(n)?.reduce(0) { $0 << 8 | Int($1) }
        }
        guard let type = number(1), type == 0x16, take(4) != nil else { return nil }  // handshake record
        guard let hs = number(1), hs == 0x01, number(3) != nil else { return nil }  // client_hello
        guard take(2 + 32) != nil else { return nil }  // legacy_version, random
        guard let sid = number(1), take(sid) != nil else { return nil }
        guard let suites = number(2), take(suites) != nil else { return nil }
        guard let compression = number(1), take(compression) != nil else { return nil }
        guard let extensionsLength = number(2), r.count >= extensionsLength else { return nil }
        while !r.isEmpty {
            guard let extType = number(2), let extLength = number(2), let data = take(extLength) else { return nil }
            guard extType == 0 else { continue }  // server_name
            var d = data
            guard d.count >= 5 else { return nil }
            d = d.dropFirst(2)  // server_name_list length
            guard d.first == 0 else { return nil }  // host_name
            d = d.dropFirst()
            let n = Int(d[d.startIndex]) << 8 | Int(d[d.startIndex + 1])
            d = d.dropFirst(2)
            serverName = String(decoding: d.prefix(n), as: UTF8.self)
        }
    }
}
