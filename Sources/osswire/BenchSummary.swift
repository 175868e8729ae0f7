import OSSCore

/// The figures of one operation in a `bench` run (or a merge of runs).
///
/// `count` is the operations that succeeded, `errors` those that failed (by OSS error code or
/// client error kind); latencies are of the successful ones. Phases (see `BenchPhase`) come from
/// the per-request metrics of the last attempt.
struct BenchOpStats: Sendable, Equatable {
    var count: UInt64 = 0
    var errors: UInt64 = 0
    var errorsByCode: [String: UInt64] = [:]
    var bytes: UInt64 = 0
    var retries: UInt64 = 0
    var connectionsOpened: UInt64 = 0
    var connectionsReused: UInt64 = 0
    /// Phase name (`BenchPhase.rawValue`) to its histogram.
    var histograms: [String: BenchHistogram] = [:]
    /// The run's rates, kept when read back (a merge adds them: the runs ran side by side).
    var opsPerSecond: Double? = nil
    var bytesPerSecond: Double? = nil

    mutating func record(_ phase: BenchPhase, _ d: Duration) {
        histograms[phase.rawValue, default: BenchHistogram()].record(d)
    }

    mutating func merge(_ o: BenchOpStats) {
        count += o.count
        errors += o.errors
        for (k, v) in o.errorsByCode { errorsByCode[k, default: 0] += v }
        bytes += o.bytes
        retries += o.retries
        connectionsOpened += o.connectionsOpened
        connectionsReused += o.connectionsReused
        for (k, h) in o.histograms { histograms[k, default: BenchHistogram()].merge(h) }
        if let a = o.opsPerSecond { opsPerSecond = (opsPerSecond ?? 0) + a }
        if let b = o.bytesPerSecond { bytesPerSecond = (bytesPerSecond ?? 0) + b }
    }
}

/// The latency figures a summary reports, in milliseconds, each from the start of the request
/// (its last attempt) unless said otherwise:
/// - `total`: the whole operation as the caller saw it (retries, signing, reading the body and
///   `--verify` included); in open loop from the *scheduled* start (coordinated omission
///   corrected), and `total_uncorrected` from when the request actually started.
/// - `ttfb`: request start to the first byte of the response.
/// - `dns`, `connect`, `tls`: the phase's own duration, counted only on new connections.
/// - `sent`: request start to the request fully sent (head and body).
/// - `first_byte`: fully sent to the first byte of the response (the server's think time and the
///   round trip).
/// - `last_byte`: first byte to last byte of the response (the body's transfer).
enum BenchPhase: String, CaseIterable, Sendable {
    case total
    case totalUncorrected = "total_uncorrected"
    case ttfb
    case dns
    case connect
    case tls
    case sent
    case firstByte = "first_byte"
    case lastByte = "last_byte"
}

/// A whole run's summary: what `--json` writes, `compare` and `merge` read.
struct BenchSummary: Sendable {
    var osswire = Version.text
    var openssl = ""
    var cpu = ""
    var kernel = ""
    /// UTC, RFC 3339.
    var startTime = ""
    var seed: UInt64 = 0
    /// The options of the run, as JSON text values.
    var configuration: [(String, JSONValue)] = []
    var durationSeconds: Double = 0
    var clientCPUSeconds: Double = 0
    var workers = 0
    /// Seconds from the start until the first and the last worker finished.
    var firstDoneSeconds: Double = 0
    var lastDoneSeconds: Double = 0
    var openLoop = false
    var interrupted = false
    /// The negotiated TLS version and cipher (empty for plain HTTP).
    var tlsVersion = ""
    var tlsCipher = ""
    /// How many runs this summary is made of (`bench merge`).
    var runs = 1
    var ops: [(String, BenchOpStats)] = []

    static let quantiles: [(String, Double)] = [("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p999", 0.999)]

    func op(_ name: String) -> BenchOpStats? { ops.first { $0.0 == name }?.1 }

    var totalErrors: UInt64 { ops.reduce(0) { $0 + $1.1.errors } }

    /// The rates of an operation: kept ones (read back or merged) or count over the duration.
    func rates(_ s: BenchOpStats) -> (ops: Double, bytes: Double) {
        let d = durationSeconds > 0 ? durationSeconds : 1
        return (s.opsPerSecond ?? Double(s.count) / d, s.bytesPerSecond ?? Double(s.bytes) / d)
    }

    private static func number(_ x: Double) -> JSONValue {
        guard x.isFinite else { return .null }
        let t = JSON.seconds(x)
        return .number(Double(t) ?? x, t)
    }

    private static func integer(_ n: UInt64) -> JSONValue { .number(Double(n), String(n)) }

    private static func millis(_ micros: UInt64?) -> JSONValue {
        guard let micros else { return .null }
        return number(Double(micros) / 1000)
    }

    private static func counts(_ d: [String: UInt64]) -> JSONValue {
        .object(d.sorted { $0.key < $1.key }.map { ($0.key, integer($0.value)) })
    }

    /// The summary as one JSON object (stable member names; see docs/CLI.md).
    var json: JSONValue {
        var errorsByCode: [String: UInt64] = [:]
        var retries: UInt64 = 0, opened: UInt64 = 0, reused: UInt64 = 0
        var opMembers: [(String, JSONValue)] = []
        for (name, s) in ops {
            for (k, v) in s.errorsByCode { errorsByCode[k, default: 0] += v }
            retries += s.retries
            opened += s.connectionsOpened
            reused += s.connectionsReused
            let (opsRate, bytesRate) = rates(s)
            var latency: [(String, JSONValue)] = []
            var histograms: [(String, JSONValue)] = []
            for phase in BenchPhase.allCases {
                guard let h = s.histograms[phase.rawValue] else { continue }
                var figures = Self.quantiles.map { ($0.0, Self.millis(h.percentile($0.1))) }
                figures.append(("max", Self.millis(h.count > 0 ? h.max : nil)))
                figures.append(("mean", h.mean.map { Self.number($0 / 1000) } ?? .null))
                figures.append(("samples", Self.integer(h.count)))
                latency.append((phase.rawValue, .object(figures)))
                histograms.append(
                    (
                        phase.rawValue,
                        .object([
                            ("min", Self.integer(h.count > 0 ? h.min : 0)), ("max", Self.integer(h.max)),
                            ("sum", Self.integer(h.sum)),
                            ("buckets", .array(h.buckets.map { .array([Self.integer($0.0), Self.integer($0.1)]) })),
                        ])
                    ))
            }
            opMembers.append(
                (
                    name,
                    .object([
                        ("count", Self.integer(s.count)), ("errors", Self.integer(s.errors)),
                        ("bytes", Self.integer(s.bytes)), ("ops_per_s", Self.number(opsRate)),
                        ("bytes_per_s", Self.number(bytesRate)), ("errors_by_code", Self.counts(s.errorsByCode)),
                        ("retries", Self.integer(s.retries)),
                        (
                            "connections",
                            .object([
                                ("opened", Self.integer(s.connectionsOpened)),
                                ("reused", Self.integer(s.connectionsReused)),
                            ])
                        ),
                        ("latency_ms", .object(latency)),
                        ("histograms_us", .object(histograms)),
                    ])
                ))
        }
        return .object([
            ("osswire", .string(osswire)), ("openssl", .string(openssl)), ("cpu", .string(cpu)),
            ("kernel", .string(kernel)), ("start_time", .string(startTime)), ("seed", Self.integer(seed)),
            ("configuration", .object(configuration)), ("runs", Self.integer(UInt64(runs))),
            ("open_loop", .bool(openLoop)), ("interrupted", .bool(interrupted)),
            ("tls", .object([("version", .string(tlsVersion)), ("cipher", .string(tlsCipher))])),
            ("duration_s", Self.number(durationSeconds)), ("client_cpu_s", Self.number(clientCPUSeconds)),
            (
                "workers",
                .object([
                    ("count", Self.integer(UInt64(workers))), ("first_done_s", Self.number(firstDoneSeconds)),
                    ("last_done_s", Self.number(lastDoneSeconds)),
                ])
            ),
            ("errors", Self.integer(totalErrors)), ("errors_by_code", Self.counts(errorsByCode)),
            ("retries", Self.integer(retries)),
            ("connections", .object([("opened", Self.integer(opened)), ("reused", Self.integer(reused))])),
            ("ops", .object(opMembers)),
        ])
    }

    /// Reads a summary back from its JSON (what `--json` wrote).
    /// - Throws: `CLIError` naming what is missing.
    init(json v: JSONValue, source: String) throws {
        guard let opsValue = v["ops"]?.members else {
            throw CLIError("\(source): not an osswire bench summary (no \"ops\" object)", code: "BadSummary")
        }
        osswire = v["osswire"]?.string ?? ""
        openssl = v["openssl"]?.string ?? ""
        cpu = v["cpu"]?.string ?? ""
        kernel = v["kernel"]?.string ?? ""
        startTime = v["start_time"]?.string ?? ""
        seed = v["seed"]?.uint64 ?? 0
        configuration = v["configuration"]?.members ?? []
        runs = Int(v["runs"]?.uint64 ?? 1)
        if case .bool(let b)? = v["open_loop"] { openLoop = b }
        if case .bool(let b)? = v["interrupted"] { interrupted = b }
        tlsVersion = v["tls"]?["version"]?.string ?? ""
        tlsCipher = v["tls"]?["cipher"]?.string ?? ""
        durationSeconds = v["duration_s"]?.double ?? 0
        clientCPUSeconds = v["client_cpu_s"]?.double ?? 0
        workers = Int(v["workers"]?["count"]?.uint64 ?? 0)
        firstDoneSeconds = v["workers"]?["first_done_s"]?.double ?? 0
        lastDoneSeconds = v["workers"]?["last_done_s"]?.double ?? 0
        for (name, o) in opsValue {
            var s = BenchOpStats()
            s.count = o["count"]?.uint64 ?? 0
            s.errors = o["errors"]?.uint64 ?? 0
            for (k, c) in o["errors_by_code"]?.members ?? [] { s.errorsByCode[k] = c.uint64 ?? 0 }
            s.bytes = o["bytes"]?.uint64 ?? 0
            s.retries = o["retries"]?.uint64 ?? 0
            s.connectionsOpened = o["connections"]?["opened"]?.uint64 ?? 0
            s.connectionsReused = o["connections"]?["reused"]?.uint64 ?? 0
            s.opsPerSecond = o["ops_per_s"]?.double
            s.bytesPerSecond = o["bytes_per_s"]?.double
            for (phase, h) in o["histograms_us"]?.members ?? [] {
                var pairs: [(UInt64, UInt64)] = []
                for b in h["buckets"]?.array ?? [] {
                    guard let pair = b.array, pair.count == 2, let value = pair[0].uint64, let n = pair[1].uint64 else {
                        throw CLIError(
                            "\(source): ops.\(name).histograms_us.\(phase) has a malformed bucket", code: "BadSummary")
                    }
                    pairs.append((value, n))
                }
                s.histograms[phase] = BenchHistogram(
                    buckets: pairs, min: h["min"]?.uint64, max: h["max"]?.uint64, sum: h["sum"]?.uint64)
            }
            ops.append((name, s))
        }
    }

    init() {}

    /// The summary as text: per operation, counts, rates and the latency table.
    func text() -> String {
        var lines: [String] = []
        let mode = openLoop ? "open loop" : "closed loop"
        lines.append(
            "osswire bench: \(JSON.seconds(durationSeconds)) s, \(workers) \(openLoop ? "slots" : "workers") (\(mode)), seed \(seed)"
                + (interrupted ? ", interrupted" : "") + (runs > 1 ? ", \(runs) runs merged" : "")
                + (tlsVersion.isEmpty ? "" : ", \(tlsVersion) \(tlsCipher)"))
        for (name, s) in ops {
            let (opsRate, bytesRate) = rates(s)
            lines.append("")
            lines.append(
                "\(name): \(s.count) ok, \(s.errors) errors, \(BenchFormat.rate(opsRate)) ops/s, "
                    + "\(BenchFormat.megabytes(bytesRate)) MB/s, \(s.retries) retries, "
                    + "connections \(s.connectionsOpened) opened / \(s.connectionsReused) reused")
            if !s.errorsByCode.isEmpty {
                lines.append(
                    "  errors: "
                        + s.errorsByCode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                            separator: ", "))
            }
            lines.append(
                "  " + "ms".padding(18) + ["p50", "p90", "p99", "p99.9", "max"].map { $0.leftPadded(10) }.joined())
            for phase in BenchPhase.allCases {
                guard let h = s.histograms[phase.rawValue], h.count > 0 else { continue }
                let cells = Self.quantiles.map { BenchFormat.millis(h.percentile($0.1)) } + [BenchFormat.millis(h.max)]
                lines.append("  " + phase.rawValue.padding(18) + cells.map { $0.leftPadded(10) }.joined())
            }
        }
        lines.append("")
        lines.append(
            "workers done: first \(JSON.seconds(firstDoneSeconds)) s, last \(JSON.seconds(lastDoneSeconds)) s; "
                + "client CPU \(JSON.seconds(clientCPUSeconds)) s")
        return lines.joined(separator: "\n")
    }
}

/// Number formats of the bench text output.
enum BenchFormat {
    static func millis(_ micros: UInt64?) -> String {
        guard let micros else { return "-" }
        return fixed(Double(micros) / 1000, 3)
    }

    static func rate(_ x: Double) -> String { fixed(x, 1) }

    static func megabytes(_ bytesPerSecond: Double) -> String { fixed(bytesPerSecond / 1e6, 2) }

    /// `x` with `digits` decimals (no Foundation `String(format:)`).
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = (abs(x) * scale).rounded()
        let whole = Int64(n / scale)
        var frac = String(Int64(n) - whole * Int64(scale))
        while frac.count < digits { frac = "0" + frac }
        return (x < 0 && n != 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + frac : "")
    }
}

extension String {
    /// The string with spaces in front up to `width` characters.
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
