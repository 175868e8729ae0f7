import Foundation
import OSSCore
import OSSCrypto
import OSSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 8, point 4: secrets are absent from every log line and `--json` output. Failing runs
/// of `osswire ls/stat/cp/rm/mb/presign` against `osswire mock-server` (wrong secret, unknown
/// key, bad endpoint, TLS failure, timeout) with a distinctive `OSS_ACCESS_KEY_SECRET` and
/// `OSS_SESSION_TOKEN`; everything printed, by the clients and by the server, is searched.
@Suite("Security: no secret in CLI output", .serialized)
struct SecretLeakTests {
    static let wrongSecret = "Sekr1t-CLI-LEAK-CANARY-93b1e"
    static let serverSecret = "Srv-Secret-CLI-LEAK-CANARY-5d0c2"
    static let token = "Tok3n-CLI-LEAK-CANARY-STS-c47a"
    static let keyId = "LTAI-cli-leak-canary"

    /// The binary of the build running this test (any scratch path, sanitizer builds included).
    static var binary: String { Products.osswire.path }

    typealias Output = ProcessOutput

    /// Runs `osswire` with exactly `env` (nothing inherited), off the cooperative pool.
    static func run(_ args: [String], env: [String: String]) async throws -> Output {
        try await Products.runOSSWire(args, environment: env)
    }

    /// `osswire mock-server` with `args` (exactly the sanitizer options in its environment), once
    /// it listens: the server and its URL.
    static func startMockServer(_ args: [String]) async throws -> (server: RunningOSSWire, url: String) {
        let (server, address) = try await RunningOSSWire.mockServer(args)
        guard let address else { throw MockServerFailed(output: try await stopAndCollect(server, SIGKILL)) }
        return (server, address.url)
    }

    /// Stops `server` by pid and returns everything it printed: the lines consumed while it
    /// started, then the rest of its output, then its errors.
    static func stopAndCollect(_ server: RunningOSSWire, _ signal: Int32 = SIGTERM) async throws -> String {
        let r = try await server.stop(signal)
        return server.consumed.map { $0 + "\n" }.joined() + r.stdout + r.stderr
    }

    struct MockServerFailed: Error, CustomStringConvertible {
        let output: String
        var description: String { "osswire mock-server did not start: \(output)" }
    }

    /// `openssl s_server -www` with `pair` on a loopback port it binds itself, once it listens.
    static func startSServer(_ pair: CertificateFactory.Pair) throws -> (SpawnedProcess, Int) {
        try SServer.start(["-cert", pair.certificate, "-key", pair.key, "-www"])
    }

    /// HMAC-SHA256 in process (OSSCrypto, checked against published vectors in OSSCryptoTests).
    /// It ran the `openssl` command 12 times a test, and Foundation's `Process.waitUntilExit`
    /// once spun for ever on a cooperative thread under load, with the child already exited.
    static func hmac(keyHex: String, message: String) throws -> String {
        let key = try #require(Hex.decode(keyHex))
        return Hex.encode(HMAC.sha256(key: key, message: Array(message.utf8)))
    }

    /// The V4 signing key of `secret` for yesterday, today and tomorrow (hex).
    static func signingKeys(_ secret: String) throws -> [String] {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        var keys: [String] = []
        for offset in [-86400.0, 0, 86400] {
            let day = f.string(from: Date().addingTimeInterval(offset))
            var k = try hmac(keyHex: Data(("aliyun_v4" + secret).utf8).map { String(format: "%02x", $0) }.joined(), message: day)
            for part in ["cn-hangzhou", "oss", "aliyun_v4_request"] { k = try hmac(keyHex: k, message: part) }
            keys.append(k)
            keys.append(k.uppercased())
        }
        return keys
    }

    static func expectClean(_ text: String, forbidden: [String], _ context: String) {
        for bad in forbidden {
            #expect(!text.contains(bad), "\(context): \(bad) leaked in:\n\(text)")
        }
    }

    @Test("failing ls/stat/cp/rm/mb/presign runs (text and --json) and the mock server print no secret or token")
    func failingRunsPrintNoSecret() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osswire-leak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("in.bin").path
        try Data(repeating: 0x61, count: 4096).write(to: URL(fileURLWithPath: file))

        let (server, serverURL) = try await Self.startMockServer([
            "--access-key-id", Self.keyId, "--access-key-secret", Self.serverSecret, "--security-token", Self.token,
            "--bucket", "bkt",
        ])
        let (slow, slowURL) = try await Self.startMockServer(["--bucket", "bkt", "--response-delay-ms", "3000"])
        var forbidden = [Self.wrongSecret, Self.serverSecret, Self.token, "OSS4-HMAC-SHA256\n20"]
        forbidden += try Self.signingKeys(Self.wrongSecret) + Self.signingKeys(Self.serverSecret)

        let base = [
            "OSS_ACCESS_KEY_ID": Self.keyId, "OSS_ACCESS_KEY_SECRET": Self.wrongSecret, "OSS_SESSION_TOKEN": Self.token,
            "OSS_REGION": "cn-hangzhou", "OSS_ENDPOINT": serverURL,
        ]
        let commands: [[String]] = [
            ["ls"], ["ls", "--json"], ["ls", "oss://bkt"], ["ls", "oss://bkt/pre", "--json"],
            ["stat", "oss://bkt/k"], ["stat", "oss://bkt/k", "--json"],
            ["cp", file, "oss://bkt/k"], ["cp", file, "oss://bkt/k", "--json"],
            ["cp", file, "oss://bkt/big", "--part-size", "1024", "--json", "--checkpoint-dir", dir.path],
            ["cp", "oss://bkt/k", dir.appendingPathComponent("out.bin").path, "--json"],
            ["rm", "oss://bkt/k"], ["mb", "oss://newbucket"],
        ]
        var runs: [(String, [String: String], [String])] = []
        for c in commands {
            runs.append(("wrong secret V4", base, c))
            runs.append(("wrong secret V1", base, c + ["--signature-version", "1"]))
        }
        var unknown = base
        unknown["OSS_ACCESS_KEY_ID"] = "LTAI-nobody-knows-me"
        unknown["OSS_ACCESS_KEY_SECRET"] = Self.serverSecret
        runs.append(("unknown key", unknown, ["stat", "oss://bkt/k", "--json"]))
        runs.append(("unknown key", unknown, ["cp", file, "oss://bkt/k", "--json"]))
        var right = base
        right["OSS_ACCESS_KEY_SECRET"] = Self.serverSecret
        runs.append(("no such key", right, ["stat", "oss://bkt/missing", "--json"]))
        runs.append(("no such bucket", right, ["ls", "oss://nobucket", "--json"]))
        var refused = base
        refused["OSS_ENDPOINT"] = "http://127.0.0.1:1"
        runs.append(("refused", refused, ["stat", "oss://bkt/k", "--json"]))
        runs.append(("refused", refused, ["cp", file, "oss://bkt/k", "--json"]))
        runs.append(("bad endpoint", base, ["ls", "oss://bkt", "--endpoint", "http://bad host:1"]))
        runs.append(("bad endpoint", base, ["ls", "oss://bkt", "--endpoint", "ftp://127.0.0.1"]))
        // TLS: `openssl s_server` with a certificate for another host, signed by the test CA.
        var sServer: SpawnedProcess?
        if Shell.which("openssl") != nil {
            let certs = try await CertificateFactory.shared()
            let (p, tlsPort) = try Self.startSServer(certs.wrongHost)
            sServer = p
            var tls = base
            tls["OSS_ENDPOINT"] = "https://localhost:\(tlsPort)"
            runs.append(("TLS unknown CA", tls, ["stat", "oss://bkt/k", "--json", "--path-style"]))
            runs.append(("TLS wrong host", tls, ["cp", file, "oss://bkt/k", "--json", "--path-style", "--cacert", certs.caFile]))
            runs.append(("TLS bad CA file", tls, ["ls", "oss://bkt", "--path-style", "--cacert", file]))
        }
        defer {
            if let sServer {
                kill(sServer.processIdentifier, SIGKILL)
                sServer.waitUntilExit()
            }
        }
        var timeout = right
        timeout["OSS_ENDPOINT"] = slowURL
        runs.append(("timeout", timeout, ["stat", "oss://bkt/k", "--json", "--timeout", "0.3"]))
        runs.append(("timeout", timeout, ["cp", file, "oss://bkt/k", "--json", "--timeout", "0.3"]))
        // presign fails without touching the network: a V4 expiry over seven days, no region.
        runs.append(("presign", base, ["presign", "oss://bkt/k", "--expires", "999999999"]))
        var noRegion = base
        noRegion["OSS_REGION"] = nil
        noRegion["OSS_ENDPOINT"] = "http://127.0.0.1:1"
        runs.append(("presign", noRegion, ["presign", "oss://bkt/k"]))
        runs.append(("presign", base, ["presign", "oss://bkt/k", "--method", "G\r\nET"]))

        for (context, env, args) in runs {
            let r = try await Self.run(args, env: env)
            #expect(r.status != 0, "\(context) \(args) succeeded: \(r.all)")
            #expect(!r.stderr.isEmpty, "\(context) \(args): a failure says why")
            Self.expectClean(r.all, forbidden: forbidden, "\(context) \(args)")
        }

        // A presign that works puts the token in the URL (whoever holds the URL needs it), but
        // never the secret or the signing key.
        let ok = try await Self.run(["presign", "oss://bkt/k"], env: base)
        #expect(ok.status == 0, "\(ok.stderr)")
        Self.expectClean(ok.all, forbidden: forbidden.filter { $0 != Self.token }, "presign")
        let v1 = try await Self.run(["presign", "oss://bkt/k", "--signature-version", "1"], env: base)
        #expect(v1.status == 0, "\(v1.stderr)")
        Self.expectClean(v1.all, forbidden: forbidden.filter { $0 != Self.token }, "presign V1")

        // Everything both servers printed, up to and including their shutdown.
        let printed = try await Self.stopAndCollect(server) + Self.stopAndCollect(slow)
        #expect(printed.contains("listening on http://127.0.0.1:"))
        Self.expectClean(printed, forbidden: forbidden, "mock-server")
    }
}

extension ProcessOutput {
    /// Everything the process printed.
    var all: String { stdout + stderr }
}
