import Foundation
import OSSCore
import OSSTestSupport
import Testing

@testable import OSSHTTP

/// What the server saw of each request: method, target and the `X-Probe` header.
final class SeenRequests: Sendable {
    private let items = PThreadMutex<[(String, String, String?)]>([])
    func append(_ method: String, _ target: String, _ probe: String?) {
        items.withLock { $0.append((method, target, probe)) }
    }
    var all: [(String, String, String?)] { items.withLock { $0 } }
}

/// Answers `/missing` with OSS's 404 XML, everything else 200 with a small body (HEAD: none).
func ossLikeHandler(_ seen: SeenRequests) -> @Sendable (HTTPServerConnection) async -> Void {
    { conn in
        do {
            while let req = try await conn.nextRequest() {
                _ = try await conn.readWholeBody()
                seen.append(req.method.rawValue, req.target, req.headers["X-Probe"])
                if req.path == "/missing" {
                    let xml = """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>\
                        <RequestId>REQ123</RequestId><HostId>h</HostId><Key>missing</Key>\
                        <StringToSign>secret-ish</StringToSign><EC>0026-00000001</EC></Error>
                        """
                    try await conn.writeResponse(
                        HTTPResponseHead(
                            status: 404, reason: "Not Found",
                            headers: ["Content-Type": "application/xml", "x-oss-request-id": "REQ123"]),
                        body: Array(xml.utf8))
                } else {
                    try await conn.writeResponse(
                        HTTPResponseHead(status: 200, reason: "OK", headers: ["X-Answer": "yes"]),
                        body: req.method == .head ? [] : Array("hello".utf8))
                }
            }
        } catch {}
    }
}

@Suite("osswire http: methods, headers, error bodies, --count")
struct HTTPCommandMoreTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("HEAD, POST and DELETE go out as asked, -H headers with them; the status line and headers are printed")
    func methodsAndHeaders() async throws {
        let seen = SeenRequests()
        let server = try LoopbackServer(ossLikeHandler(seen))
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        for verb in ["head", "post", "delete", "get"] {
            let r = try await Products.runOSSWire([
                "http", verb, base + "/obj", "-H", "X-Probe: \(verb)", "--timeout", "300",
            ])
            #expect(r.status == 0, "\(verb): \(r.stderr)")
            #expect(r.stdout.contains("< HTTP/1.1 200 OK"), "\(verb): \(r.stdout)")
            #expect(r.stdout.contains("< X-Answer: yes"), "\(verb): \(r.stdout)")
            #expect(r.stdout.contains("req sent"), "\(verb): \(r.stdout)")
        }
        let methods = seen.all.map { "\($0.0) \($0.2 ?? "-")" }
        #expect(methods == ["HEAD head", "POST post", "DELETE delete", "GET get"])

        let js = try await Products.runOSSWire(["http", "get", base + "/obj", "--header=X-Probe: json", "--json"])
        #expect(js.status == 0, "\(js.stderr)")
        let o = try json(js.stdout)
        #expect(o["status"] as? Int == 200 && o["reason"] as? String == "OK")
        let headers = try #require(o["headers"] as? [[String: String]])
        #expect(headers.contains { $0["name"] == "X-Answer" && $0["value"] == "yes" })
        #expect(o["tls_version"] as? String == "")
        for key in ["request_sent_ms", "ttfb_ms", "total_ms"] { #expect(o[key] is NSNumber, "\(key)") }
        let sent = try #require(o["request_sent_ms"] as? Double)
        let ttfb = try #require(o["ttfb_ms"] as? Double)
        let total = try #require(o["total_ms"] as? Double)
        #expect(sent <= ttfb && ttfb <= total)
    }

    @Test("a 4xx answer shows OSS's code, message, request id and EC; what was signed only by name")
    func errorBody() async throws {
        let server = try LoopbackServer(ossLikeHandler(SeenRequests()))
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/missing"
        let r = try await Products.runOSSWire(["http", "get", url])
        #expect(r.status == 1)
        #expect(r.stdout.contains("< HTTP/1.1 404 Not Found"), "\(r.stdout)")
        #expect(r.stdout.contains("error       NoSuchKey: The specified key does not exist."), "\(r.stdout)")
        #expect(r.stdout.contains("request id  REQ123"))
        #expect(r.stdout.contains("0026-00000001"))
        #expect(r.stdout.contains("StringToSign: (not shown)"))
        #expect(!r.stdout.contains("secret-ish"))
        let js = try await Products.runOSSWire(["http", "get", url, "--json"])
        #expect(js.status == 1)
        let o = try json(js.stdout)
        #expect(o["state"] as? String == "failed")
        #expect(o["code"] as? String == "NoSuchKey")
        let body = try #require(o["error_body"] as? [String: Any])
        #expect(body["oss_code"] as? String == "NoSuchKey" && body["request_id"] as? String == "REQ123")
        #expect(!js.stdout.contains("secret-ish"))
    }

    @Test("--count with --concurrency: every request counted, connections reused, ordered percentiles")
    func countAndPercentiles() async throws {
        let seen = SeenRequests()
        let server = try LoopbackServer(ossLikeHandler(seen))
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let r = try await Products.runOSSWire(
            ["http", "get", base + "/obj", "--count", "40", "--concurrency", "4", "--json", "--timeout", "300"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r.stdout)
        #expect(o["count"] as? Int == 40 && o["ok"] as? Int == 40 && o["failed"] as? Int == 0)
        #expect((o["statuses"] as? [String: Int])?["200"] == 40)
        let opened = try #require(o["connections_opened"] as? Int)
        let reused = try #require(o["connections_reused"] as? Int)
        #expect(opened + reused == 40 && opened <= 4)
        #expect(seen.all.count == 40)
        let latency = try #require(o["latency_ms"] as? [String: [String: Double]])
        for name in ["total", "ttfb"] {
            let p = try #require(latency[name])
            let (p50, p90, p99, max) = (p["p50"] ?? -1, p["p90"] ?? -1, p["p99"] ?? -1, p["max"] ?? -1)
            #expect(0 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max, "\(name): \(p)")
        }

        // Failures are counted and the run goes on; the first error body is shown.
        let failing = try await Products.runOSSWire([
            "http", "get", base + "/missing", "--count", "5", "--concurrency", "2",
        ])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("5 failed"), "\(failing.stdout)")
        #expect(failing.stdout.contains("status 404  5"), "\(failing.stdout)")
        #expect(failing.stdout.contains("p50") && failing.stdout.contains("first byte ms"))
        #expect(failing.stdout.contains("NoSuchKey"))
    }

    @Test("over TLS the version and cipher are printed")
    func tlsVersionAndCipher() async throws {
        let certs = try await CertificateFactory.shared()
        let server = try LoopbackServer(tls: certs.server, ossLikeHandler(SeenRequests()))
        defer { server.stop() }
        let url = "https://localhost:\(server.port)/obj"
        let r = try await Products.runOSSWire([
            "http", "get", url, "--cacert", certs.caFile, "--json", "--timeout", "300",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try json(r.stdout)
        #expect((o["tls_version"] as? String)?.hasPrefix("TLSv1.") == true)
        #expect((o["tls_cipher"] as? String)?.isEmpty == false)
        let text = try await Products.runOSSWire(["http", "get", url, "--cacert", certs.caFile, "--count", "3"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("tls         TLSv1."), "\(text.stdout)")
    }

    @Test(
        "usage errors exit 2: -H with CR/LF, no colon or no name; --count 0; -o with --count; put without a file"
    )
    func usageErrors() async throws {
        let url = "http://127.0.0.1:1/x"
        for args in [
            ["http", "get", url, "-H", "X-A: b\r\nX-Injected: c"],
            ["http", "get", url, "-H", "X-A: b\nc"],
            ["http", "get", url, "-H", "NoColon"],
            ["http", "get", url, "-H", ": value"],
            ["http", "get", url, "-H", "Bad Name: v"],
            ["http", "get", url, "--count", "0"],
            ["http", "get", url, "--concurrency", "0"],
            ["http", "get", url, "--count", "2", "-o", "/tmp/never-written"],
            ["http", "put", url],
            ["http", "head", url, "--file", "/etc/hostname"],
            ["http", "patch", url],
        ] {
            let r = try await Products.runOSSWire(args)
            #expect(r.status == 2, "\(args): \(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("Try 'osswire http --help'."), "\(args): \(r.stderr)")
        }
    }
}
