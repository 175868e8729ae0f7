import Foundation
import OSSTestSupport
import Testing

/// Runs `osswire bench loopback` (the self-benchmark); PATH is passed on so the command can find openssl and curl.
private func runBench(_ args: [String]) async throws -> ProcessOutput {
    try await Products.runOSSWire(
        ["bench", "loopback"] + args, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
}

private func onPath(_ name: String) -> Bool {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return dirs.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
}

/// Tiny sizes: the smoke test checks that every figure is there, never its value.
private let tiny = ["--size", "1048576", "--rounds", "2", "--small-count", "20", "--cancel-count", "5"]

@Suite("osswire bench loopback")
struct BenchCommandTests {
    @Test func textReportHasEveryFigure() async throws {
        let r = try await runBench(tiny)
        #expect(r.status == 0, "\(r.stderr)")
        var labels = [
            "PUT http, CRC64 on", "PUT http, CRC64 off", "off/raw", "raw socket write loop", "PUT/raw",
            "4 KiB PUTs, keep-alive", "1 connection",
            "cancel latency (5)", "p50", "p99", "CRC64", "GB/s", "curl -T",
            "in-process servers", "not a ratio against an independent server",
        ]
        if onPath("openssl") { labels += ["PUT https, CRC64 on", "TLS stream write loop", "PUT/loop", "curl -k -T"] }
        if onPath("curl") { labels += ["PUT/curl", "curl, same pattern", "ours/curl"] }
        for label in labels {
            #expect(r.stdout.contains(label), "missing \(label) in:\n\(r.stdout)")
        }
        // No figure left unmeasured when the tools are there.
        if onPath("openssl") && onPath("curl") {
            #expect(!r.stdout.contains("null"), "\(r.stdout)")
            #expect(!r.stdout.contains(" -\n"), "\(r.stdout)")
        }
        #expect(r.stderr.contains("round 2 of 2"))
    }

    @Test func jsonReportIsOneObjectWithEveryFigure() async throws {
        let r = try await runBench(tiny + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(object["server"] as? String == "in-process")
        #expect(object["size"] as? Int == 1_048_576)
        #expect(object["rounds"] as? Int == 2)
        #expect(object["small_count"] as? Int == 20)
        #expect(object["small_connections"] as? Int == 1)
        #expect(object["cancel_count"] as? Int == 5)
        var figures = [
            "put_http_bytes_per_s", "put_http_crc_off_bytes_per_s", "raw_write_bytes_per_s", "put_vs_raw",
            "small_requests_per_s",
            "cancel_p50_us", "cancel_p99_us", "cancel_max_us", "crc64_bytes_per_s",
        ]
        if onPath("openssl") {
            figures += ["put_https_bytes_per_s", "tls_write_bytes_per_s", "put_https_vs_tls_write"]
            #expect(object["tls_note"] is NSNull)
        }
        if onPath("curl") {
            figures += ["curl_put_bytes_per_s", "put_vs_curl", "curl_small_requests_per_s", "small_vs_curl"]
            #expect(object["curl"] is String)
        }
        if onPath("openssl") && onPath("curl") { figures += ["curl_https_put_bytes_per_s", "put_https_vs_curl"] }
        for key in figures {
            let value = object[key] as? NSNumber
            #expect(value != nil && value!.doubleValue > 0, "\(key) in \(r.stdout)")
        }
        #expect(object["crc64_clmul"] is Bool)
    }

    @Test func skippedPartsAreSaidSo() async throws {
        let r = try await runBench(tiny + ["--rounds", "1", "--no-curl", "--no-tls", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["put_https_bytes_per_s"] is NSNull)
        #expect(object["curl_put_bytes_per_s"] is NSNull)
        #expect((object["tls_note"] as? String)?.contains("--no-tls") == true)
        #expect((object["curl_note"] as? String)?.contains("--no-curl") == true)
        #expect((object["put_http_bytes_per_s"] as? NSNumber)?.doubleValue ?? 0 > 0)
    }

    @Test func usageErrorsExitWith2() async throws {
        for args in [["extra"], ["--size", "0"], ["--size", "big"], ["--cert", "/x.pem"], ["--bogus"], ["--rounds"]] {
            let r = try await runBench(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test func unreadableCertificateFails() async throws {
        let r = try await runBench(
            [
                "--cert", "/nonexistent/cert.pem", "--key", "/nonexistent/key.pem", "--size", "1024", "--rounds", "1",
                "--small-count", "1", "--cancel-count", "1", "--no-curl",
            ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/cert.pem"), "\(r.stderr)")
    }
}
