import Foundation
import OSSCore
import Testing

@testable import osswire

/// The parts of `osswire bench` that need no endpoint: histograms, the summary JSON, compare,
/// merge and the option parsers.
@Suite("osswire bench: histograms, summaries, compare and merge")
struct BenchToolsTests {
    private func histogram(_ values: some Sequence<UInt64>) -> BenchHistogram {
        var h = BenchHistogram()
        for v in values { h.record(micros: v) }
        return h
    }

    @Test("percentiles of 1...100 µs are exact (1 µs buckets below 128 µs)")
    func exactPercentiles() {
        let h = histogram(1...100)
        #expect(h.count == 100)
        #expect(h.percentile(0.50) == 50)
        #expect(h.percentile(0.90) == 90)
        #expect(h.percentile(0.99) == 99)
        #expect(h.percentile(0.999) == 100)
        #expect(h.percentile(1) == 100)
        #expect(h.min == 1 && h.max == 100)
        #expect(h.mean == 50.5)
        #expect(BenchHistogram().percentile(0.5) == nil)
    }

    @Test("large values keep their size within a bucket's width (under 1 %), up to minutes")
    func largeValues() throws {
        for v: UInt64 in [128, 1000, 12_345, 1_000_000, 59_999_999, 600_000_000, 3_600_000_000] {
            let p = try #require(histogram([v]).percentile(0.5))
            #expect(Double(p) >= Double(v) * 0.99 && Double(p) <= Double(v) * 1.01, "\(v) -> \(p)")
            var many = BenchHistogram()
            many.record(micros: v, times: 10)
            many.record(micros: 1, times: 10)
            let q = try #require(many.percentile(0.9))
            #expect(Double(q) >= Double(v) * 0.99 && Double(q) <= Double(v) * 1.01, "\(v) -> \(q)")
        }
        // Past the last bucket: counted there, the exact max kept.
        let h = histogram([UInt64(1) << 40])
        #expect(h.max == 1 << 40)
        #expect(h.percentile(1) == 1 << 40)
        #expect(BenchHistogram.micros(.milliseconds(1500)) == 1_500_000)
        #expect(BenchHistogram.micros(.nanoseconds(1499)) == 1)
    }

    @Test("merging histograms is recording everything in one; the bucket form reads back the same")
    func mergeAndRoundTrip() {
        var a = histogram(stride(from: 1, to: 5_000_000, by: 997))
        let b = histogram(stride(from: 3, to: 900_000, by: 31))
        let both = histogram(
            Array(stride(from: 1, to: 5_000_000, by: 997)) + Array(stride(from: 3, to: 900_000, by: 31)))
        a.merge(b)
        #expect(a == both)
        for q in [0.5, 0.9, 0.99, 0.999] { #expect(a.percentile(q) == both.percentile(q)) }
        let back = BenchHistogram(buckets: both.buckets, min: both.min, max: both.max, sum: both.sum)
        #expect(back == both)
    }

    /// A summary of one op whose total latency is `count` samples at `micros`.
    private func summary(op: String = "get", count: UInt64, micros: UInt64, seconds: Double = 10, errors: UInt64 = 0)
        -> BenchSummary
    {
        var s = BenchSummary()
        s.durationSeconds = seconds
        s.workers = 8
        s.firstDoneSeconds = seconds - 1
        s.lastDoneSeconds = seconds
        s.clientCPUSeconds = 1
        var o = BenchOpStats()
        o.count = count
        o.errors = errors
        if errors > 0 { o.errorsByCode["ServiceUnavailable"] = errors }
        o.bytes = count * 4096
        var h = BenchHistogram()
        h.record(micros: micros, times: count)
        o.histograms["total"] = h
        s.ops = [(op, o)]
        return s
    }

    /// The summary after a trip through its JSON text.
    private func reread(_ s: BenchSummary) throws -> BenchSummary {
        try BenchSummary(json: JSONReader.parse(s.json.text), source: "test")
    }

    @Test("the summary JSON has the stable schema and reads back")
    func summarySchema() throws {
        let s = summary(count: 1000, micros: 12_345, errors: 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(s.json.text.utf8)) as? [String: Any])
        for key in [
            "osswire", "openssl", "cpu", "kernel", "start_time", "seed", "configuration", "client_cpu_s", "workers",
            "ops",
        ] {
            #expect(object[key] != nil, "\(key)")
        }
        let get = try #require((object["ops"] as? [String: Any])?["get"] as? [String: Any])
        #expect(get["count"] as? Int == 1000)
        #expect(get["errors"] as? Int == 3)
        #expect(get["bytes"] as? Int == 4_096_000)
        #expect(get["ops_per_s"] as? Double == 100)
        #expect(get["bytes_per_s"] as? Double == 409_600)
        let total = try #require((get["latency_ms"] as? [String: Any])?["total"] as? [String: Any])
        for p in ["p50", "p90", "p99", "p999", "max"] {
            let ms = try #require(total[p] as? Double)
            #expect(abs(ms - 12.345) < 12.345 * 0.01, "\(p) \(ms)")
        }
        #expect((get["errors_by_code"] as? [String: Any])?["ServiceUnavailable"] as? Int == 3)
        let back = try reread(s)
        #expect(back.op("get")?.count == 1000)
        #expect(back.op("get")?.histograms["total"] == s.op("get")?.histograms["total"])
    }

    @Test("merge adds counts and rates, merges histograms, keeps the longest duration and the done times' extremes")
    func mergeKnownInputs() throws {
        let a = try reread(summary(count: 1000, micros: 10_000, seconds: 10))
        let b = try reread(summary(count: 3000, micros: 30_000, seconds: 12))
        let m = BenchCompare.merge([a, b])
        let get = try #require(m.op("get"))
        #expect(get.count == 4000)
        #expect(get.bytes == 4000 * 4096)
        #expect(m.runs == 2)
        #expect(m.durationSeconds == 12)
        #expect(m.firstDoneSeconds == 9)
        #expect(m.lastDoneSeconds == 12)
        #expect(m.clientCPUSeconds == 2)
        #expect(m.workers == 16)
        // 100 ops/s beside 250 ops/s.
        #expect(m.rates(get).ops == 350)
        let h = try #require(get.histograms["total"])
        #expect(h.count == 4000)
        // A quarter at 10 ms, three quarters at 30 ms.
        #expect(abs(Double(h.percentile(0.2)!) - 10_000) < 100)
        #expect(abs(Double(h.percentile(0.5)!) - 30_000) < 300)
        // And it survives its own JSON (a merge of merges).
        let again = try reread(m)
        #expect(again.op("get")?.histograms["total"] == h)
        #expect(again.rates(again.op("get")!).ops == 350)
    }

    @Test("compare: a doubled latency and halved rate are beyond noise, a 2 % change is not")
    func compareKnownInputs() throws {
        let a = summary(count: 1000, micros: 10_000)
        let slower = summary(count: 500, micros: 20_000)
        let rows = BenchCompare.rows(a, slower)
        func row(_ rows: [BenchCompare.Row], _ figure: String) throws -> BenchCompare.Row {
            try #require(rows.first { $0.figure == figure }, "\(figure)")
        }
        let p50 = try row(rows, "total p50 ms")
        #expect(abs(p50.change! - 1.0) < 0.02)
        #expect(p50.beyondNoise)
        let ops = try row(rows, "ops/s")
        #expect(abs(ops.change! + 0.5) < 1e-9)
        #expect(ops.beyondNoise)
        #expect(try row(rows, "total max ms").beyondNoise == false)

        let close = summary(count: 1020, micros: 10_200)
        let near = BenchCompare.rows(a, close)
        #expect(try row(near, "ops/s").beyondNoise == false)
        #expect(try row(near, "total p50 ms").beyondNoise == false)
        // Same counts, same values: no change at all.
        #expect(try row(BenchCompare.rows(a, a), "total p99 ms").change == 0)
        // Errors: 0 of 1000 against 100 of 1100 is beyond noise.
        let failing = summary(count: 1000, micros: 10_000, errors: 100)
        #expect(try row(BenchCompare.rows(a, failing), "errors").beyondNoise)
    }

    @Test("compare: few samples widen the interval, so a large change on 5 samples can be noise")
    func compareFewSamples() throws {
        var a = BenchSummary(), b = BenchSummary()
        a.durationSeconds = 1
        b.durationSeconds = 1
        var ha = BenchHistogram(), hb = BenchHistogram()
        for v: UInt64 in [10_000, 11_000, 12_000, 30_000, 31_000] { ha.record(micros: v) }
        for v: UInt64 in [10_500, 11_500, 29_000, 30_500, 32_000] { hb.record(micros: v) }
        var oa = BenchOpStats(), ob = BenchOpStats()
        oa.count = 5
        ob.count = 5
        oa.histograms["total"] = ha
        ob.histograms["total"] = hb
        a.ops = [("put", oa)]
        b.ops = [("put", ob)]
        let p50 = try #require(BenchCompare.rows(a, b).first { $0.figure == "total p50 ms" })
        #expect(p50.change! > 1)
        #expect(!p50.beyondNoise)
    }

    @Test("sizes, ranges and mixes parse; mistakes are usage errors")
    func parsers() throws {
        #expect(try BenchOptions.parseSize("4096") == 4096)
        #expect(try BenchOptions.parseSize("4KiB") == 4096)
        #expect(try BenchOptions.parseSize("16MiB") == 16 << 20)
        #expect(try BenchOptions.parseSize("2GiB") == 2 << 30)
        #expect(try BenchOptions.parseSizeRange("1KiB..1MiB") == 1024...(1 << 20))
        for bad in ["", "x", "12XB", "-1", "1.5MiB", "KiB"] {
            #expect(throws: UsageError.self, "\(bad)") { try BenchOptions.parseSize(bad) }
        }
        #expect(throws: UsageError.self) { try BenchOptions.parseSizeRange("2MiB..1MiB") }
        let mix = try BenchOptions.parseMix("put=1,get=4")
        #expect(mix.map(\.0) == [.put, .get] && mix.map(\.1) == [1, 4])
        for bad in ["", "put", "put=x", "copy=1", "put=0", "put=1,put=2", "multipart=1", "mixed=1"] {
            #expect(throws: UsageError.self, "\(bad)") { try BenchOptions.parseMix(bad) }
        }
    }

    @Test("the JSON reader reads what JSON.object writes, and refuses what is not JSON")
    func jsonReader() throws {
        let text = #"{"a":[1,2.5,-3e2,true,false,null],"b":"x\"\\\n\u00e9\ud83d\ude00","c":{}}"#
        let v = try JSONReader.parse(text)
        #expect(v["a"]?.array?.count == 6)
        #expect(v["a"]?.array?[2].double == -300)
        #expect(v["b"]?.string == "x\"\\\né😀")
        #expect(try JSONReader.parse(v.text) == v)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "1 2", "\"abc"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONReader.parse(bad) }
        }
    }

    @Test("every option the bench help lists is one the bench parser accepts, and the reverse")
    func helpMatchesParser() throws {
        let listed = Set(Help.bench.matches(of: /(?:^|[^\w-])--([a-z0-9][a-z0-9-]*)/).map { String($0.output.1) })
            .subtracting(["help"])
        let accepted = BenchOptions.valueOptions.union(BenchOptions.flags)
        #expect(listed.subtracting(accepted).isEmpty, "listed, not accepted: \(listed.subtracting(accepted))")
        #expect(accepted.subtracting(listed).isEmpty, "accepted, not listed: \(accepted.subtracting(listed))")
    }
}
