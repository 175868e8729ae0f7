import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

/// Endpoints as users type them: without a scheme, with a lost `:`, `localhost`, a host whose
/// bucket subdomain does not resolve.
@Suite("osswire: endpoint mistakes say what to type")
struct EndpointTests {
    @Test("an endpoint without a scheme says https was assumed, and the TLS handshake is what fails")
    func noScheme() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["plain"])) { server in
            var env = mockEnvironment(server)
            let hostPort = String(server.url.dropFirst("http://".count))
            env["OSS_ENDPOINT"] = hostPort
            let r = try await osswire(["ls", "oss://plain", "--timeout", "1"], env)
            #expect(r.status == 1)
            #expect(r.stderr.contains("OSS_ENDPOINT \(hostPort) has no scheme: using https://\(hostPort)"), "\(r.stderr)")
            #expect(r.stderr.contains("write http:// for a plain-HTTP server"))
            // The plain-HTTP server never completes a TLS handshake: the connect timeout covers it.
            #expect(r.stderr.contains("TLS handshake"), "\(r.stderr)")
            // With the scheme written, the same server answers and nothing is said about schemes.
            env["OSS_ENDPOINT"] = "http://" + hostPort
            let ok = try await osswire(["ls", "oss://plain"], env)
            #expect(ok.status == 0 && !ok.stderr.contains("scheme"), "\(ok.stderr)")
        }
    }

    @Test("http//host:port is told the ':' is missing, with the URL to type")
    func missingColon() async throws {
        for (typed, fixed) in [
            ("http//127.0.0.1:9000", "http://127.0.0.1:9000"), ("https//oss.example.com", "https://oss.example.com"),
            ("http:/127.0.0.1:9000", "http://127.0.0.1:9000"),
        ] {
            let r = try await osswire(
                ["ls", "oss://b", "--endpoint", typed], ["OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "secret"])
            #expect(r.status == 2, "\(typed): \(r.stderr)")
            #expect(r.stderr.contains("write \(fixed)"), "\(typed): \(r.stderr)")
            #expect(!r.stderr.contains("path"), "\(typed): \(r.stderr)")
        }
    }

    @Test("http://localhost:PORT works: localhost implies path-style addressing as an IP address does")
    func localhostIsPathStyle() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["demo"])) { server in
            var env = mockEnvironment(server)
            env["OSS_ENDPOINT"] = server.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            let r = try await osswire(["ls", "oss://demo"], env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("0 objects"))
            #expect(server.service.requestLog.last?.bucket == "demo")
        }
    }

    @Test("a bucket host that does not resolve names the endpoint typed and suggests --path-style")
    func unresolvableBucketHost() async throws {
        // .invalid never resolves (RFC 6761).
        let r = try await osswire(
            ["ls", "oss://demo", "--endpoint", "http://oss.osswire-test.invalid:9000"],
            ["OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "secret", "OSS_REGION": "cn-hangzhou"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("demo.oss.osswire-test.invalid"), "\(r.stderr)")
        #expect(r.stderr.contains("endpoint's host oss.osswire-test.invalid") && r.stderr.contains("--path-style"), "\(r.stderr)")
        #expect(r.stderr.contains("ClientError:200006"))
    }
}
