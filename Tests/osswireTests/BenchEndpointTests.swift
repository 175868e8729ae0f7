import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

/// The ops, figures and phases of a summary JSON file.
private struct Summary {
    let object: [String: Any]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path)")
    }

    func op(_ name: String) throws -> [String: Any] {
        try #require((object["ops"] as? [String: Any])?[name] as? [String: Any], "no ops.\(name) in \(object)")
    }

    func int(_ op: String, _ field: String) throws -> Int {
        try #require(try self.op(op)[field] as? Int, "ops.\(op).\(field)")
    }

    /// `ops.<op>.latency_ms.<phase>.<figure>` in milliseconds.
    func ms(_ op: String, _ phase: String, _ figure: String) throws -> Double {
        let latency = try #require(try self.op(op)["latency_ms"] as? [String: Any])
        let p = try #require(latency[phase] as? [String: Any], "no latency_ms.\(phase) in \(latency)")
        return try #require((p[figure] as? NSNumber)?.doubleValue, "\(phase).\(figure)")
    }
}

/// Reads the `--log` file: one JSON object a line.
private func logLines(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
}

/// Waits (an event, with a generous hang guard) until the server has seen `n` requests of `operation`.
private func waitForRequests(_ server: MockOSSServer, _ operation: String, atLeast n: Int) async throws {
    let guardDeadline = ContinuousClock.now + .seconds(60)
    while server.service.requestLog.filter({ $0.operation == operation }).count < n {
        guard ContinuousClock.now < guardDeadline else { throw CancellationError() }
        try await Task.sleep(for: .milliseconds(20))
    }
}

@Suite("osswire bench against an endpoint (the mock)", .serialized)
struct BenchEndpointTests {
    @Test("with a 200 ms response delay, time to first byte, first_byte and total sit at or above it")
    func instrumentSeesTheDelay() async throws {
        var config = mockConfiguration(buckets: ["bench"])
        config.faults.responseDelay = .milliseconds(200)
        config.faults.faultOperation = "GetObject"
        try await withMockServer(configuration: config) { server in
            let dir = try TemporaryDirectory()
            let json = dir.path + "/get.json"
            let r = try await osswire(
                [
                    "bench", "get", "--bucket", "bench", "--objects", "2", "--count", "6", "--concurrency", "2",
                    "--size", "4KiB", "--verify", "--json", json, "--seed", "7",
                ], mockEnvironment(server))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("get: 6 ok, 0 errors"), "\(r.stdout)")
            let s = try Summary(path: json)
            #expect(try s.int("get", "count") == 6)
            #expect(try s.int("get", "bytes") == 6 * 4096)
            for phase in ["total", "ttfb", "first_byte"] {
                for figure in ["p50", "p90", "p99", "p999", "max"] {
                    let ms = try s.ms("get", phase, figure)
                    // At the delay (1 ms of rounding), and not absurdly above it.
                    #expect(ms >= 199 && ms < 200 + 30_000, "\(phase).\(figure) = \(ms) ms")
                }
            }
            // The request went out before the server waited.
            #expect(try s.ms("get", "sent", "max") < 200)
            #expect(s.object["seed"] as? Int == 7)
            #expect((s.object["configuration"] as? [String: Any])?["verify"] as? Bool == true)
            // The prepared objects were deleted afterwards.
            #expect(server.service.objectKeys(bucket: "bench").isEmpty)
        }
    }

    @Test("open loop keeps its schedule while answers are slow, and its corrected latency includes the wait")
    func openLoopCorrectsCoordinatedOmission() async throws {
        var config = mockConfiguration(buckets: ["bench"])
        config.faults.responseDelay = .milliseconds(300)
        config.faults.faultOperation = "HeadObject"
        try await withMockServer(configuration: config) { server in
            let dir = try TemporaryDirectory()
            let json = dir.path + "/head.json", log = dir.path + "/head.log"
            // One slot: 10 requests scheduled 100 ms apart, each answered after 300 ms. Request k
            // cannot start before 300 ms·k, so it waited at least 200 ms·k past its schedule.
            let r = try await osswire(
                [
                    "bench", "head", "--bucket", "bench", "--objects", "1", "--rate", "10", "--count", "10",
                    "--concurrency", "1", "--retries", "0", "--json", json, "--log", log,
                ], mockEnvironment(server))
            #expect(r.status == 0, "\(r.stderr)")
            let s = try Summary(path: json)
            #expect(s.object["open_loop"] as? Bool == true)
            #expect(try s.int("head", "count") == 10)
            #expect(try s.ms("head", "total_uncorrected", "p50") >= 299)
            // The last one waited at least 1.8 s, then took 300 ms.
            #expect(try s.ms("head", "total", "max") >= 2_099)
            #expect(try s.ms("head", "total", "p50") > s.ms("head", "total_uncorrected", "p50"))
            let lines = try logLines(log)
            #expect(lines.count == 10)
            let scheduled = lines.compactMap { ($0["scheduled_s"] as? NSNumber)?.doubleValue }.sorted()
            #expect(scheduled.count == 10)
            for (k, t) in scheduled.enumerated() { #expect(abs(t - Double(k) * 0.1) < 1e-5, "\(scheduled)") }
            for l in lines {
                let total = try #require((l["total_ms"] as? NSNumber)?.doubleValue)
                let uncorrected = try #require((l["total_uncorrected_ms"] as? NSNumber)?.doubleValue)
                #expect(total >= uncorrected)
            }
        }
    }

    @Test("open loop does not wait for answers to send the next request: slow requests overlap")
    func openLoopOverlaps() async throws {
        var config = mockConfiguration(buckets: ["bench"])
        config.faults.responseDelay = .seconds(2)
        config.faults.faultOperation = "HeadObject"
        try await withMockServer(configuration: config) { server in
            let dir = try TemporaryDirectory()
            let log = dir.path + "/head.log"
            let r = try await osswire(
                [
                    "bench", "head", "--bucket", "bench", "--objects", "1", "--rate", "10", "--count", "10",
                    "--retries", "0", "--log", log,
                ], mockEnvironment(server))
            #expect(r.status == 0, "\(r.stderr)")
            let spans = try logLines(log).map {
                (($0["start_s"] as! NSNumber).doubleValue, ($0["end_s"] as! NSNumber).doubleValue)
            }.sorted { $0.0 < $1.0 }
            #expect(spans.count == 10)
            // Scheduled 100 ms apart, each answered after 2 s: a loop that waited for answers
            // would never have two in flight.
            let overlapping = zip(spans, spans.dropFirst()).filter { $1.0 < $0.1 }.count
            #expect(overlapping >= 1, "\(spans)")
        }
    }

    @Test("errors injected mid-run are counted by code and the run completes")
    func injectedErrorsAreCounted() async throws {
        var config = mockConfiguration(buckets: ["bench"])
        config.faults.errorRules = [
            MockErrorRule(operation: "GetObject", nth: 11, status: 503, code: "ServiceUnavailable", count: 15)
        ]
        try await withMockServer(configuration: config) { server in
            let dir = try TemporaryDirectory()
            let json = dir.path + "/get.json"
            let r = try await osswire(
                [
                    "bench", "get", "--bucket", "bench", "--objects", "5", "--count", "40", "--concurrency", "4",
                    "--size", "1KiB", "--retries", "0", "--json", json,
                ], mockEnvironment(server))
            #expect(r.status == 0, "\(r.stderr)")
            let s = try Summary(path: json)
            #expect(try s.int("get", "count") == 25)
            #expect(try s.int("get", "errors") == 15)
            let codes = try #require(try s.op("get")["errors_by_code"] as? [String: Any])
            #expect(codes["ServiceUnavailable"] as? Int == 15)
            #expect(r.stdout.contains("ServiceUnavailable 15"), "\(r.stdout)")
        }
    }

    @Test("an endpoint that goes away mid-run: its failures are counted, the run completes and reports")
    func endpointGoneMidRun() async throws {
        let server = try MockOSSServer(configuration: mockConfiguration(buckets: ["bench"]))
        let dir = try TemporaryDirectory()
        let json = dir.path + "/put.json"
        let run = try RunningOSSWire(
            [
                "bench", "put", "--bucket", "bench", "--duration", "3", "--concurrency", "2", "--size", "1KiB",
                "--retries", "0", "--json", json,
            ], mockEnvironment(server))
        do {
            try await waitForRequests(server, "PutObject", atLeast: 20)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        let (status, stdout, stderr) = try await run.finish()
        #expect(status == 0, "\(stderr)")
        let s = try Summary(path: json)
        #expect(try s.int("put", "count") >= 20)
        #expect(try s.int("put", "errors") >= 1, "\(stdout)")
        #expect(stdout.contains("put: "))
        // The clean-up could not reach the server either, and says so.
        #expect(stderr.contains("could not be deleted"), "\(stderr)")
    }

    @Test("Ctrl-C prints the summary so far and exits 130")
    func interruptPrintsSummary() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["bench"])) { server in
            let dir = try TemporaryDirectory()
            let json = dir.path + "/put.json"
            let run = try RunningOSSWire(
                ["bench", "put", "--bucket", "bench", "--duration", "600", "--size", "1KiB", "--json", json],
                mockEnvironment(server))
            try await waitForRequests(server, "PutObject", atLeast: 10)
            run.signal(SIGINT)
            let (status, stdout, stderr) = try await run.finish()
            #expect(status == 130, "\(stderr)")
            #expect(stdout.contains("interrupted"), "\(stdout)")
            let s = try Summary(path: json)
            #expect(s.object["interrupted"] as? Bool == true)
            #expect(try s.int("put", "count") >= 1)
            #expect(try s.int("put", "errors") == 0)
            // What it wrote was cleaned up, but for a PUT the interrupt cut after its whole body
            // had left, which the server may store after the clean-up: bench names each of those.
            for key in server.service.objectKeys(bucket: "bench") {
                #expect(stderr.contains("may still be stored") && stderr.contains(key), "\(key) left and not named: \(stderr)")
            }
        }
    }

    @Test("--mock, every op and mixed run end to end; compare and merge read their summaries")
    func everyOpOnTheMock() async throws {
        let dir = try TemporaryDirectory()
        var files: [String] = []
        for (op, extra) in [
            ("put", ["--size", "1KiB..8KiB"]), ("get", ["--verify"]), ("head", []), ("delete", ["--objects", "20"]),
            ("list", []), ("multipart", ["--size", "300KiB", "--part-size", "100KiB", "--jobs", "2"]),
            ("mixed", ["--mix", "put=1,get=4,head=1,delete=1,list=1", "--verify"]),
        ] {
            let json = dir.path + "/\(op).json"
            let r = try await osswire(
                ["bench", op, "--mock", "--count", "20", "--concurrency", "2", "--objects", "10", "--json", json]
                    + extra)
            #expect(r.status == 0, "\(op): \(r.stderr)")
            let s = try Summary(path: json)
            let ops = try #require(s.object["ops"] as? [String: Any])
            let total = ops.values.compactMap { ($0 as? [String: Any])?["count"] as? Int }.reduce(0, +)
            let errors = ops.values.compactMap { ($0 as? [String: Any])?["errors"] as? Int }.reduce(0, +)
            #expect(total >= 20 && errors == 0, "\(op): \(ops)")
            #expect(r.stderr.contains("prefix osswire-bench-"), "\(r.stderr)")
            files.append(json)
        }
        let compare = try await osswire(["bench", "compare", files[1], files[2]])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("ops/s"))
        let merged = try await osswire(["bench", "merge", files[1], files[1]])
        #expect(merged.status == 0, "\(merged.stderr)")
        let m = try jsonObject(merged.stdout)
        #expect((m["ops"] as? [String: Any]).flatMap { ($0["get"] as? [String: Any])?["count"] as? Int } == 40)
        #expect(m["runs"] as? Int == 2)
    }

    @Test("the same seed gives the same keys and sizes; the log has one line per request")
    func seedDecidesKeysAndSizes() async throws {
        let dir = try TemporaryDirectory()
        var runs: [[String: Int]] = []
        for (n, seed) in [(1, "42"), (2, "42"), (3, "43")] {
            let log = dir.path + "/\(n).log"
            let r = try await osswire(
                [
                    "bench", "put", "--mock", "--count", "30", "--concurrency", "3", "--size", "1KiB..64KiB",
                    "--seed", seed, "--log", log,
                ])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = try logLines(log)
            #expect(lines.count == 30)
            var sizes: [String: Int] = [:]
            for l in lines {
                let key = try #require(l["key"] as? String)
                // Keys are <prefix>obj-<n>; the prefix is fresh each run.
                let name = String(key[try #require(key.range(of: "obj-")).lowerBound...])
                sizes[name] = l["bytes"] as? Int
                #expect(l["ok"] as? Bool == true)
                #expect((l["ttfb_ms"] as? NSNumber) != nil && (l["sent_ms"] as? NSNumber) != nil)
            }
            #expect(sizes.values.allSatisfy { (1024...65536).contains($0) })
            runs.append(sizes)
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0] != runs[2])
        #expect(Set(runs[0].keys) == Set((0..<30).map { "obj-\($0)" }))
    }

    @Test("unknown ops, sizes and mixes, and other mistakes, are usage errors (exit 2)")
    func usageErrors() async throws {
        let cases: [[String]] = [
            ["bench"], ["bench", "copy", "--mock"], ["bench", "--size", "1"], ["bench", "put"],
            ["bench", "put", "--mock", "--size", "12XB"], ["bench", "put", "--mock", "--size", "2MiB..1MiB"],
            ["bench", "mixed", "--mock", "--mix", "copy=1"], ["bench", "mixed", "--mock", "--mix", "get=x"],
            ["bench", "get", "--mock", "--mix", "get=1"], ["bench", "put", "--mock", "--rate", "0"],
            ["bench", "put", "--mock", "--duration", "1", "--count", "1"], ["bench", "put", "--mock", "--bogus"],
            ["bench", "put", "--mock", "--concurrency", "0"], ["bench", "put", "--mock", "extra"],
            ["bench", "multipart", "--mock", "--size", "1GiB", "--part-size", "1KiB"],
            ["bench", "compare", "a.json"], ["bench", "merge", "a.json"],
        ]
        for args in cases {
            let r = try await osswire(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args): \(r.stdout)")
        }
        let missing = try await osswire(["bench", "compare", "/nonexistent/a.json", "/nonexistent/b.json"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/a.json"))
    }
}
