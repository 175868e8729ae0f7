import Foundation
import OSSCore
import OSSCrypto
import OSSMockServer
import OSSSigner
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSClient

/// Distinctive secrets: if any of these strings shows up in something printed, it leaked.
enum LeakMarkers {
    static let secret = "Sekr1t-LEAK-CANARY-7f3e9a1c5d"
    static let token = "Tok3n-LEAK-CANARY-STS-42b8e6d0"
    static let keyId = "LTAI-leak-canary-id"

    /// The V4 signing key derived from `secret` for `day` and `region`, as hex and base64: the
    /// key itself must never be printed either.
    static func v4SigningKeyForms(secret: String, day: String, region: String = "cn-hangzhou") -> [String] {
        var key = HMAC.sha256(key: Array(("aliyun_v4" + secret).utf8), message: Array(day.utf8))
        key = HMAC.sha256(key: key, message: Array(region.utf8))
        key = HMAC.sha256(key: key, message: Array("oss".utf8))
        key = HMAC.sha256(key: key, message: Array("aliyun_v4_request".utf8))
        return [Hex.encode(key), Hex.encode(key).uppercased(), Base64.encode(key)]
    }

    /// Everything that must never appear: the secret, the token, today's (and the neighbouring
    /// days') V4 signing key, and the start of a V4 string to sign (an HMAC input).
    static func forbidden(secret: String = secret, token: String = token) -> [String] {
        var out = [secret, token, "OSS4-HMAC-SHA256\n20"]
        let now = UTCTime.now()
        for offset in [-86400, 0, 86400] as [Int64] {
            out += v4SigningKeyForms(secret: secret, day: now.adding(seconds: offset).yyyymmdd)
        }
        return out
    }

    /// Every way a person or a log may print an error: description, debugDescription,
    /// String(reflecting:), interpolation, dump (mirror), and the same for each underlying error.
    static func renderings(of error: any Error) -> [String] {
        var out: [String] = ["\(error)", String(describing: error), String(reflecting: error)]
        out.append((error as any CustomStringConvertible).description)
        out.append((error as any CustomDebugStringConvertible).debugDescription)
        var dumped = ""
        dump(error, to: &dumped)
        out.append(dumped)
        if let e = error as? OSSClientError, let u = e.underlying { out += renderings(of: u) }
        return out
    }
}

/// Issue 8, point 4: secrets are absent from every error description. Failing operations through
/// the library (wrong secret, unknown key, bad endpoint, TLS failure, timeout) with a distinctive
/// secret and STS token; every rendering of every error is searched for them.
@Suite("Security: no secret in errors", .serialized)
struct SecretLeakLibraryTests {
    static func client(
        endpoint: String, keyId: String = LeakMarkers.keyId, secret: String = LeakMarkers.secret,
        version: OSSClientConfiguration.SignatureVersion = .v4, configure: (inout OSSClientConfiguration) -> Void = { _ in }
    ) throws -> OSSClient {
        var c = try OSSClientConfiguration(endpoint: endpoint, region: "cn-hangzhou")
        c.signatureVersion = version
        c.credentialsProvider = StaticCredentialsProvider(
            OSSCredentials(accessKeyId: keyId, accessKeySecret: secret, securityToken: LeakMarkers.token))
        c.retryPolicy = RetryPolicy(maxRetries: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        c.timeouts.connect = .seconds(30)
        configure(&c)
        return try OSSClient(configuration: c)
    }

    /// Runs the operations a user meets on `client` and returns every error they threw.
    static func failures(_ client: OSSClient) async -> [any Error] {
        var errors: [any Error] = []
        func record(_ body: () async throws -> Void) async {
            do { try await body() } catch { errors.append(error) }
        }
        await record { _ = try await client.headObject(bucket: "bkt", key: "k") }
        await record { _ = try await client.getObject(bucket: "bkt", key: "k") }
        await record { _ = try await client.putObject(bucket: "bkt", key: "k", body: .string("payload")) }
        await record { _ = try await client.listObjectsV2(bucket: "bkt") }
        await record { _ = try await client.listBuckets() }
        await record { _ = try await client.initiateMultipartUpload(bucket: "bkt", key: "k") }
        await client.shutdown()
        return errors
    }

    static func expectNoLeak(_ errors: [any Error], minimum: Int, _ context: String) {
        #expect(errors.count >= minimum, "\(context): expected failures, got \(errors.count)")
        for error in errors {
            for text in LeakMarkers.renderings(of: error) {
                for bad in LeakMarkers.forbidden() {
                    #expect(!text.contains(bad), "\(context): \(bad.debugDescription) leaked in \(text)")
                }
            }
        }
    }

    @Test("a wrong secret (SignatureDoesNotMatch), V1 and V4, with an STS token: no secret in any error")
    func wrongSecret() async throws {
        var configuration = MockServerConfiguration()
        configuration.credentials = [
            MockCredential(accessKeyId: LeakMarkers.keyId, accessKeySecret: "the-right-secret", securityToken: LeakMarkers.token)
        ]
        configuration.buckets = ["bkt"]
        try await withMockServer(configuration: configuration) { server in
            for version in [OSSClientConfiguration.SignatureVersion.v4, .v1] {
                let errors = await Self.failures(try Self.client(endpoint: server.url, version: version))
                let codes = errors.compactMap { ($0 as? OSSServiceError)?.code }
                #expect(codes.contains("SignatureDoesNotMatch"), "\(version): \(errors)")
                Self.expectNoLeak(errors, minimum: 6, "wrong secret \(version)")
            }
        }
    }

    @Test("an unknown access key id (InvalidAccessKeyId): no secret in any error")
    func unknownKey() async throws {
        var configuration = MockServerConfiguration()
        configuration.buckets = ["bkt"]
        try await withMockServer(configuration: configuration) { server in
            let errors = await Self.failures(try Self.client(endpoint: server.url, keyId: "LTAI-nobody-knows-me"))
            #expect(errors.contains { ($0 as? OSSServiceError)?.code == "InvalidAccessKeyId" }, "\(errors)")
            Self.expectNoLeak(errors, minimum: 6, "unknown key")
        }
    }

    @Test("the server echoing what was signed (StringToSign, CanonicalRequest, SignatureProvided) is not shown")
    func echoedSigningInputsAreHidden() async throws {
        let peer = try ScriptedPeer { r in
            let auth = r.header("authorization") ?? ""
            let signature = auth.components(separatedBy: "Signature=").last ?? auth
            let xml = """
                <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not \
                match the signature you provided.</Message><RequestId>RID</RequestId>\
                <StringToSign>OSS4-HMAC-SHA256\n20240229T120000Z\nSTS-CANARY</StringToSign>\
                <CanonicalRequest>GET\n/bkt/k\nCANONICAL-CANARY</CanonicalRequest>\
                <SignatureProvided>\(signature)</SignatureProvided></Error>
                """
            return PeerResponse(403, body: Array(xml.utf8))
        }
        let errors = await Self.failures(try Self.client(endpoint: peer.endpoint))
        Self.expectNoLeak(errors, minimum: 6, "echoed inputs")
        let auths = peer.received.compactMap { $0.header("authorization") }
        let signatures = auths.compactMap { $0.components(separatedBy: "Signature=").last }
        #expect(!signatures.isEmpty)
        for error in errors {
            for text in LeakMarkers.renderings(of: error) where !text.contains("fields") {
                // dump() of OSSServiceError lists its stored fields by design; every printed
                // summary leaves them out.
                #expect(!text.contains("STS-CANARY") && !text.contains("CANONICAL-CANARY"), "\(text)")
                for s in signatures { #expect(!text.contains(s), "the signature leaked: \(text)") }
            }
            #expect(error is OSSServiceError, "\(error)")
        }
        // HEAD answers carry no body; the others were parsed, fields and all.
        #expect(errors.contains { ($0 as? OSSServiceError)?.fields["StringToSign"]?.contains("STS-CANARY") == true })
        peer.stop()
    }

    @Test("bad endpoint, refused connection, TLS failure, timeout: no secret in any error")
    func transportFailures() async throws {
        // Refused: a port bound and never listening while the test runs (a port freed by a
        // closed listener could be handed to another test's server meanwhile).
        let refusing = try RefusingPort()
        let errors = await Self.failures(try Self.client(endpoint: refusing.url))
        withExtendedLifetime(refusing) {}
        #expect(errors.allSatisfy { ($0 as? OSSClientError)?.kind == .connect }, "\(errors)")
        Self.expectNoLeak(errors, minimum: 6, "refused")

        // An endpoint that does not parse.
        do {
            _ = try Self.client(endpoint: "http://bad host:1")
            Issue.record("a bad endpoint was accepted")
        } catch {
            Self.expectNoLeak([error], minimum: 1, "bad endpoint")
        }

        // TLS: a certificate for another host, signed by a CA the client trusts.
        if Shell.which("openssl") != nil {
            let certs = try await CertificateFactory.shared()
            let peer = try TLSPeer(certs.wrongHost)
            let tls = await Self.failures(
                try Self.client(endpoint: "https://localhost:\(peer.port)") { c in
                    c.tls.caFile = certs.caFile
                    c.addressing = .pathStyle
                })
            #expect(tls.allSatisfy { ($0 as? OSSClientError)?.kind == .tls }, "\(tls)")
            Self.expectNoLeak(tls, minimum: 6, "TLS")
            await peer.stop()
        }

        var slow = MockServerConfiguration()
        slow.faults.responseDelay = .seconds(3)
        try await withMockServer(configuration: slow) { server in
            let timeouts = await Self.failures(
                try Self.client(endpoint: server.url) { c in
                    c.timeouts.idle = .milliseconds(200)
                    c.retryPolicy = .none
                })
            #expect(timeouts.allSatisfy { ($0 as? OSSClientError)?.kind == .timeout }, "\(timeouts)")
            Self.expectNoLeak(timeouts, minimum: 6, "timeout")
        }
    }

    @Test("credentials, configuration and the signer never print the secret or the token")
    func valuesDoNotPrintSecrets() throws {
        let creds = OSSCredentials(
            accessKeyId: LeakMarkers.keyId, accessKeySecret: LeakMarkers.secret, securityToken: LeakMarkers.token)
        var c = try OSSClientConfiguration(endpoint: "https://oss-cn-hangzhou.aliyuncs.com")
        c.credentialsProvider = StaticCredentialsProvider(creds)
        c.proxy = .init(host: "127.0.0.1", port: 3128, username: "u", password: LeakMarkers.secret)
        for text in [
            "\(creds)", String(reflecting: creds), creds.description, creds.debugDescription, "\(c)", String(reflecting: c),
            "\(c.proxy!)", String(reflecting: c.proxy!),
        ] {
            for bad in [LeakMarkers.secret, LeakMarkers.token] { #expect(!text.contains(bad), "\(text)") }
        }
        // Credentials with a CR/LF in the id or token fail without echoing the token.
        let broken = OSSCredentials(
            accessKeyId: LeakMarkers.keyId, accessKeySecret: LeakMarkers.secret,
            securityToken: LeakMarkers.token + "\r\nX: 1")
        let signer = SignerV4(region: "cn-hangzhou")
        do {
            _ = try signer.sign(
                SigningRequest(method: "GET", bucket: "bkt", key: "k"), credentials: broken, time: UTCTime.now())
            Issue.record("a token with CR/LF was signed")
        } catch {
            for text in LeakMarkers.renderings(of: error) {
                #expect(!text.contains(LeakMarkers.token) && !text.contains(LeakMarkers.secret), "\(text)")
            }
        }
    }
}
