import Foundation
import OSSCore
import OSSHTTP
import OSSSigner
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSClient

/// A loopback HTTPS server answering every request `200` (HEAD: no body),
/// recording each request's method, target and `Host`. Handshakes that fail are counted and
/// the listener keeps accepting.
final class TLSPeer: Sendable {
    struct Seen: Sendable {
        var method: String
        var target: String
        var host: String?
    }

    let listener: TLSListener
    let seen = MutexBox<[Seen]>([])
    let failedHandshakes = MutexBox<Int>(0)
    private let task = MutexBox<Task<Void, Never>?>(nil)
    private let streams = MutexBox<[any ByteStream]>([])

    var port: Int { listener.localPort }

    init(_ pair: CertificateFactory.Pair, host: String = "127.0.0.1") throws {
        listener = try TLSListener(host: host, certificateFile: pair.certificate, privateKeyFile: pair.key)
        let listener = self.listener
        let seen = self.seen
        let failed = self.failedHandshakes
        let streams = self.streams
        let t = Task {
            await withDiscardingTaskGroup { group in
                while true {
                    let stream: TLSStream
                    do {
                        stream = try await listener.accept()
                    } catch let e as TransportError where e.phase == .closed {
                        return
                    } catch {
                        failed.withLock { $0 += 1 }
                        continue
                    }
                    streams.withLock { $0.append(stream) }
                    group.addTask {
                        let conn = HTTPServerConnection(stream: stream)
                        defer { conn.close() }
                        while let head = try? await conn.nextRequest() {
                            _ = try? await conn.readWholeBody()
                            seen.withLock {
                                $0.append(Seen(method: head.method.rawValue, target: head.target, host: head.headers["host"]))
                            }
                            let headers = HTTPHeaders([
                                ("x-oss-request-id", "TLSPEER"), ("ETag", "\"0\""), ("Content-Length", "5"),
                            ])
                            do {
                                try await conn.writeResponseHead(HTTPResponseHead(status: 200, headers: headers), bodyLength: 0)
                                try await conn.finishResponse()
                            } catch {
                                return
                            }
                        }
                    }
                }
            }
        }
        task.withLock { $0 = t }
    }

    func stop() async {
        listener.close()
        for s in streams.withLock({ $0 }) { s.abort() }
        await task.withLock({ $0 })?.value
    }
}

@Suite("Security: TLS through OSSClient and the CLI", .serialized, .enabled(if: Shell.which("openssl") != nil))
struct SecurityTLSClientTests {
    static func client(endpoint: String, tls: TLSConfiguration, pathStyle: Bool = true) throws -> OSSClient {
        var c = try OSSClientConfiguration(endpoint: endpoint, region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.retryPolicy = RetryPolicy(maxRetries: 0, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        c.timeouts.connect = .seconds(30)
        c.tls = tls
        if pathStyle { c.addressing = .pathStyle }
        return try OSSClient(configuration: c)
    }

    /// HEADs `bkt/k` and returns the client error, or nil on success.
    static func head(_ client: OSSClient) async -> OSSClientError? {
        do {
            _ = try await client.headObject(bucket: "bkt", key: "k")
            await client.shutdown()
            return nil
        } catch let e as OSSClientError {
            await client.shutdown()
            return e
        } catch {
            await client.shutdown()
            return OSSClientError(.network, "unexpected error type \(type(of: error)): \(error)")
        }
    }

    @Test("OSSClient: the default configuration refuses an unknown CA; a CA file accepts only the right certificate")
    func clientVerifiesByDefault() async throws {
        let certs = try await CertificateFactory.shared()
        var trusting = TLSConfiguration()
        trusting.caFile = certs.caFile
        var insecure = TLSConfiguration()
        insecure.insecureSkipVerify = true

        let good = try TLSPeer(certs.server)
        let endpoint = "https://localhost:\(good.port)"
        let refused = await Self.head(try Self.client(endpoint: endpoint, tls: TLSConfiguration()))
        #expect(refused?.kind == .tls && refused?.code == "ClientError:200035", "\(String(describing: refused))")
        #expect(refused?.message.contains("certificate verify failed") == true)
        #expect(await Self.head(try Self.client(endpoint: endpoint, tls: trusting)) == nil)
        #expect(good.seen.withLock { $0.count } == 1, "only the verified connection got a request")
        await good.stop()

        for (pair, reason) in [
            (certs.wrongHost, "hostname mismatch"), (certs.expired, "certificate has expired"),
            (certs.selfSigned, "self-signed certificate"),
        ] {
            let peer = try TLSPeer(pair)
            let url = "https://localhost:\(peer.port)"
            let error = await Self.head(try Self.client(endpoint: url, tls: trusting))
            #expect(error?.kind == .tls, "\(String(describing: error))")
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
            // No request was ever sent over a connection that failed verification.
            #expect(peer.seen.withLock { $0.isEmpty })
            // The insecure switch, and only it, gets through.
            #expect(await Self.head(try Self.client(endpoint: url, tls: insecure)) == nil)
            #expect(peer.seen.withLock { $0.count } == 1)
            await peer.stop()
        }
    }

    @Test("OSSClient: a retry policy never turns a TLS verification failure into a success or a retry storm")
    func tlsFailureIsNotRetriedIntoInsecurity() async throws {
        let certs = try await CertificateFactory.shared()
        let peer = try TLSPeer(certs.wrongHost)
        defer { Task { await peer.stop() } }
        var c = try OSSClientConfiguration(endpoint: "https://localhost:\(peer.port)", region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.retryPolicy = RetryPolicy(maxRetries: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        c.tls.caFile = certs.caFile
        c.addressing = .pathStyle
        let error = await Self.head(try OSSClient(configuration: c))
        #expect(error?.kind == .tls, "\(String(describing: error))")
        #expect(peer.seen.withLock { $0.isEmpty })
        await peer.stop()
    }

    @Test("OSSClient: https://localhost.:PORT connects, matches the certificate for localhost, sends Host without the dot")
    func trailingDotEndpoint() async throws {
        let certs = try await CertificateFactory.shared()
        let peer = try TLSPeer(certs.server)
        var tls = TLSConfiguration()
        tls.caFile = certs.caFile
        let client = try Self.client(endpoint: "https://LocalHost.:\(peer.port)", tls: tls)
        #expect(client.configuration.endpoint.host == "localhost")
        #expect(await Self.head(client) == nil)
        let seen = peer.seen.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.host == "localhost:\(peer.port)")
        #expect(seen.first?.target == "/bkt/k")
        await peer.stop()

        // A wrong-host certificate is still refused with the dotted name.
        let wrong = try TLSPeer(certs.wrongHost)
        let error = await Self.head(try Self.client(endpoint: "https://localhost.:\(wrong.port)", tls: tls))
        #expect(error?.kind == .tls && error?.message.contains("hostname mismatch") == true)
        await wrong.stop()
    }

    @Test("OSSClient: IP endpoints (127.0.0.1, [::1]) imply path-style, match IP subjectAltNames, and bracket the Host")
    func ipLiteralEndpoints() async throws {
        let certs = try await CertificateFactory.shared()
        var tls = TLSConfiguration()
        tls.caFile = certs.caFile
        for (listen, literal) in [("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")] {
            let peer = try TLSPeer(certs.server, host: listen)
            // Virtual-hosted asked for, path-style used: an IP cannot carry a bucket label.
            let client = try Self.client(endpoint: "https://\(literal):\(peer.port)", tls: tls, pathStyle: false)
            #expect(client.configuration.effectiveAddressing == .pathStyle)
            #expect(await Self.head(client) == nil)
            let seen = peer.seen.withLock { $0 }
            #expect(seen.first?.host == "\(literal):\(peer.port)")
            #expect(seen.first?.target == "/bkt/k")
            await peer.stop()

            let wrong = try TLSPeer(certs.wrongHost, host: listen)
            let error = await Self.head(try Self.client(endpoint: "https://\(literal):\(wrong.port)", tls: tls))
            #expect(error?.kind == .tls && error?.message.contains("IP address mismatch") == true, "\(String(describing: error))")
            await wrong.stop()
        }
    }

    @Test("addresses: a trailing dot is dropped from virtual-hosted and custom-domain hosts; IPs go path-style")
    func addressesWithTrailingDotsAndIPs() throws {
        let dotted = try OSSClientConfiguration(endpoint: "https://oss-cn-hangzhou.aliyuncs.com.")
        #expect(dotted.endpoint.host == "oss-cn-hangzhou.aliyuncs.com")
        #expect(dotted.effectiveRegion == "cn-hangzhou")
        let vh = RequestAddress(
            endpoint: dotted.endpoint, addressing: dotted.effectiveAddressing, bucket: "bucket", key: "a/b")
        #expect(vh.host == "bucket.oss-cn-hangzhou.aliyuncs.com")
        #expect(vh.hostHeader == "bucket.oss-cn-hangzhou.aliyuncs.com")
        #expect(vh.target == "/a/b")

        var custom = try OSSClientConfiguration(endpoint: "bucket.oss-cn-hangzhou.aliyuncs.com.", region: "cn-hangzhou")
        custom.addressing = .customDomain
        let cd = RequestAddress(endpoint: custom.endpoint, addressing: custom.effectiveAddressing, bucket: "bucket", key: "k")
        #expect(cd.host == "bucket.oss-cn-hangzhou.aliyuncs.com" && cd.hostHeader == cd.host && cd.target == "/k")

        // Built from parts, the dot goes too.
        #expect(OSSEndpoint(host: "Bucket.Example.COM.", isTLS: true).host == "bucket.example.com")

        for (text, header) in [("http://127.0.0.1:9000", "127.0.0.1:9000"), ("https://[::1]:8443", "[::1]:8443")] {
            let c = try OSSClientConfiguration(endpoint: text, region: "cn-hangzhou")
            #expect(c.endpoint.isIPAddress)
            #expect(c.effectiveAddressing == .pathStyle)
            let a = RequestAddress(endpoint: c.endpoint, addressing: c.effectiveAddressing, bucket: "bkt", key: "k")
            #expect(a.hostHeader == header && a.target == "/bkt/k")
        }
        // Presigned URLs follow the same rules.
        let presign = try OSSClientConfiguration(endpoint: "https://[::1]:8443", region: "cn-hangzhou")
        #expect(presign.description.contains("path-style"))
    }

    // MARK: The CLI: --cacert and --insecure

    static func env(_ port: Int) -> [String: String] {
        [
            "OSS_ACCESS_KEY_ID": testCredentials.accessKeyId, "OSS_ACCESS_KEY_SECRET": testCredentials.accessKeySecret,
            "OSS_REGION": "cn-hangzhou", "OSS_ENDPOINT": "https://localhost:\(port)",
        ]
    }

    @Test("osswire: no --cacert refuses the test CA; --cacert accepts the right host only; --insecure is the way past")
    func cliCACertAndInsecure() async throws {
        let certs = try await CertificateFactory.shared()
        let good = try TLSPeer(certs.server)
        var r = try await CLITests.run(["stat", "oss://bkt/k", "--path-style"], env: Self.env(good.port))
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("ClientError:200035") && r.stderr.contains("certificate verify failed"), "\(r.stderr)")
        r = try await CLITests.run(["stat", "oss://bkt/k", "--path-style", "--cacert", certs.caFile], env: Self.env(good.port))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("request_id: TLSPEER"), "\(r.stdout)")
        // A CA file that cannot be read is a failure, never a silent fallback to no verification.
        r = try await CLITests.run(
            ["stat", "oss://bkt/k", "--path-style", "--cacert", "/nonexistent/osswire-ca.pem"], env: Self.env(good.port))
        #expect(r.status != 0 && r.stderr.contains("/nonexistent/osswire-ca.pem"), "\(r.stderr)")
        #expect(good.seen.withLock { $0.count } == 1)
        await good.stop()

        for (pair, reason) in [
            (certs.wrongHost, "hostname mismatch"), (certs.expired, "certificate has expired"),
            (certs.selfSigned, "self-signed certificate"),
        ] {
            let peer = try TLSPeer(pair)
            r = try await CLITests.run(
                ["stat", "oss://bkt/k", "--path-style", "--cacert", certs.caFile, "--json"], env: Self.env(peer.port))
            #expect(r.status == 1 && r.stderr.contains(reason), "\(r.stderr)")
            // --json prints one object for a failure too: the state and the TLS code, no result.
            let failure = try #require(
                try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
            #expect(failure["state"] as? String == "failed" && failure["code"] as? String == "ClientError:200035")
            #expect(failure["request_id"] == nil, "no result for a refused connection")
            #expect(peer.seen.withLock { $0.isEmpty })
            r = try await CLITests.run(["stat", "oss://bkt/k", "--path-style", "--insecure"], env: Self.env(peer.port))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(peer.seen.withLock { $0.count } == 1)
            await peer.stop()
        }
    }

    @Test("osswire http get: verifies by default; --cacert keeps the host check; --insecure is the way past")
    func cliHTTPCommand() async throws {
        let certs = try await CertificateFactory.shared()
        let good = try TLSPeer(certs.server)
        let url = "https://localhost:\(good.port)/x"
        var r = try await CLITests.run(["http", "get", url, "-o", "/dev/null"], env: [:])
        #expect(r.status == 1 && r.stderr.contains("certificate verify failed"), "\(r.stderr)")
        r = try await CLITests.run(["http", "get", url, "-o", "/dev/null", "--cacert", certs.caFile], env: [:])
        #expect(r.status == 0, "\(r.stderr)")
        await good.stop()
        let wrong = try TLSPeer(certs.wrongHost)
        let wrongURL = "https://localhost:\(wrong.port)/x"
        r = try await CLITests.run(["http", "get", wrongURL, "-o", "/dev/null", "--cacert", certs.caFile], env: [:])
        #expect(r.status == 1 && r.stderr.contains("hostname mismatch"), "\(r.stderr)")
        #expect(wrong.seen.withLock { $0.isEmpty })
        r = try await CLITests.run(["http", "get", wrongURL, "-o", "/dev/null", "--insecure"], env: [:])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(wrong.seen.withLock { $0.count } == 1)
        await wrong.stop()
    }

    @Test("osswire: an IP endpoint with --cacert is checked against the certificate's IP addresses")
    func cliIPEndpoint() async throws {
        let certs = try await CertificateFactory.shared()
        let wrong = try TLSPeer(certs.wrongHost)
        var env = Self.env(wrong.port)
        env["OSS_ENDPOINT"] = "https://127.0.0.1:\(wrong.port)"
        let r = try await CLITests.run(["stat", "oss://bkt/k", "--cacert", certs.caFile], env: env)
        #expect(r.status == 1 && r.stderr.contains("IP address mismatch"), "\(r.stderr)")
        await wrong.stop()
        let good = try TLSPeer(certs.server)
        env["OSS_ENDPOINT"] = "https://127.0.0.1:\(good.port)"
        let ok = try await CLITests.run(["stat", "oss://bkt/k", "--cacert", certs.caFile], env: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(good.seen.withLock { $0.first?.target } == "/bkt/k")
        await good.stop()
    }
}
