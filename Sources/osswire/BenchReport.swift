import OSSCore

/// The samples of one `osswire bench` run, and their text and JSON forms (medians and ratios).
struct BenchReport {
    let size: Int
    let rounds: Int
    let smallCount: Int
    let cancelCount: Int
    /// Bytes run through CRC64 per round.
    let crcBytes: Int

    var put: [Duration] = []
    var putNoCRC: [Duration] = []
    var raw: [Duration] = []
    var curlPut: [Duration] = []
    var putTLS: [Duration] = []
    var tlsLoop: [Duration] = []
    var curlTLS: [Duration] = []
    var small: [Duration] = []
    var smallConnections = 0
    var curlSmall: [Duration] = []
    var cancelP50: [Duration] = []
    var cancelP99: [Duration] = []
    var cancelMax: [Duration] = []
    var crc: [Duration] = []
    var curlPath: String? = nil
    var curlNote: String? = nil
    var tlsNote: String? = nil

    init(options: BenchCommand.Options) {
        size = options.size
        rounds = options.rounds
        smallCount = options.smallCount
        cancelCount = options.cancelCount
        crcBytes = max(options.size, 256 << 20)
    }

    // MARK: Statistics

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    static func median(_ samples: [Duration]) -> Duration? {
        guard !samples.isEmpty else { return nil }
        let s = samples.sorted()
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }

    /// Nearest-rank percentile of sorted samples.
    static func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Items per second at the median time.
    static func rate(_ count: Int, _ samples: [Duration]) -> Double? {
        guard let m = median(samples) else { return nil }
        let s = seconds(m)
        return s > 0 ? Double(count) / s : nil
    }

    static func ratio(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, b > 0 else { return nil }
        return a / b
    }

    static func micros(_ samples: [Duration]) -> Double? {
        median(samples).map { seconds($0) * 1e6 }
    }

    var putRate: Double? { Self.rate(size, put) }
    var putNoCRCRate: Double? { Self.rate(size, putNoCRC) }
    var rawRate: Double? { Self.rate(size, raw) }
    var curlRate: Double? { Self.rate(size, curlPut) }
    var putTLSRate: Double? { Self.rate(size, putTLS) }
    var tlsLoopRate: Double? { Self.rate(size, tlsLoop) }
    var curlTLSRate: Double? { Self.rate(size, curlTLS) }
    var smallRate: Double? { Self.rate(smallCount, small) }
    var curlSmallRate: Double? { Self.rate(smallCount, curlSmall) }
    var crcRate: Double? { Self.rate(crcBytes, crc) }

    // MARK: Output

    private static func num(_ x: Double?, _ digits: Int) -> String {
        x.map { HTTPCommand.fixed($0, digits) } ?? "null"
    }

    private static func str(_ s: String?) -> String {
        JSON.optional(s)
    }

    /// One JSON object; figures that were not measured are null.
    func json() -> String {
        let fields: [(String, String)] = [
            // Every figure here is against servers inside this process (see `inProcessNote`).
            ("server", JSONString.quoted("in-process")),
            ("size", "\(size)"),
            ("rounds", "\(rounds)"),
            ("put_http_bytes_per_s", Self.num(putRate, 0)),
            ("put_http_crc_off_bytes_per_s", Self.num(putNoCRCRate, 0)),
            ("raw_write_bytes_per_s", Self.num(rawRate, 0)),
            ("put_vs_raw", Self.num(Self.ratio(putRate, rawRate), 3)),
            ("curl_put_bytes_per_s", Self.num(curlRate, 0)),
            ("put_vs_curl", Self.num(Self.ratio(putRate, curlRate), 3)),
            ("put_https_bytes_per_s", Self.num(putTLSRate, 0)),
            ("tls_write_bytes_per_s", Self.num(tlsLoopRate, 0)),
            ("put_https_vs_tls_write", Self.num(Self.ratio(putTLSRate, tlsLoopRate), 3)),
            ("curl_https_put_bytes_per_s", Self.num(curlTLSRate, 0)),
            ("put_https_vs_curl", Self.num(Self.ratio(putTLSRate, curlTLSRate), 3)),
            ("small_count", "\(smallCount)"),
            ("small_requests_per_s", Self.num(smallRate, 0)),
            ("small_connections", "\(smallConnections)"),
            ("curl_small_requests_per_s", Self.num(curlSmallRate, 0)),
            ("small_vs_curl", Self.num(Self.ratio(smallRate, curlSmallRate), 3)),
            ("cancel_count", "\(cancelCount)"),
            ("cancel_p50_us", Self.num(Self.micros(cancelP50), 1)),
            ("cancel_p99_us", Self.num(Self.micros(cancelP99), 1)),
            ("cancel_max_us", Self.num(Self.micros(cancelMax), 1)),
            ("crc64_bytes_per_s", Self.num(crcRate, 0)),
            ("crc64_clmul", CRC64.usesCarryLessMultiply ? "true" : "false"),
            ("curl", Self.str(curlPath)),
            ("curl_note", Self.str(curlNote)),
            ("tls_note", Self.str(tlsNote)),
        ]
        return JSON.object(fields)
    }

    /// `label  rate MB/s   name  ratio`: a measured rate, and beside it one of the ratios.
    private static func rateRow(_ label: String, _ rate: Double?, _ ratioName: String, _ ratio: Double?) -> String {
        Self.label(label) + mbps(rate) + "   " + ratioName
            + String(repeating: " ", count: max(1, 10 - ratioName.count)) + times(ratio)
    }

    private static func mbps(_ x: Double?) -> String {
        x.map { pad(HTTPCommand.fixed($0 / 1e6, 1), 9) + " MB/s" } ?? "        -"
    }

    private static func times(_ x: Double?) -> String {
        x.map { HTTPCommand.fixed($0, 2) + "x" } ?? "-"
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    private static func label(_ s: String) -> String {
        "  " + s + String(repeating: " ", count: max(1, 28 - s.count))
    }

    /// Said with every text report: these servers share the process and its two cores with the
    /// client they measure, which flatters it; no ratio of the project is taken from them.
    static let inProcessNote =
        "  (measured against this command's own in-process servers: a quick self-check, not a ratio against an independent server; those come from Benchmarks/: osswire-bench reference put|get|small)"

    /// The figures for a person: medians over the rounds, and the ratios the design targets.
    func text() -> String {
        var lines = [
            "osswire bench: \(size)-byte uploads over loopback, medians of \(rounds) round(s)",
            Self.inProcessNote,
        ]
        lines.append(Self.label("PUT http, CRC64 on") + Self.mbps(putRate))
        lines.append(
            Self.rateRow("PUT http, CRC64 off", putNoCRCRate, "off/raw", Self.ratio(putNoCRCRate, rawRate)))
        lines.append(Self.rateRow("raw socket write loop", rawRate, "PUT/raw", Self.ratio(putRate, rawRate)))
        if let curlNote {
            lines.append(Self.label("curl -T") + curlNote)
        } else {
            lines.append(Self.rateRow("curl -T", curlRate, "PUT/curl", Self.ratio(putRate, curlRate)))
        }
        if let tlsNote {
            lines.append(Self.label("PUT https") + tlsNote)
        } else {
            lines.append(Self.label("PUT https, CRC64 on") + Self.mbps(putTLSRate))
            lines.append(
                Self.rateRow("TLS stream write loop", tlsLoopRate, "PUT/loop", Self.ratio(putTLSRate, tlsLoopRate)))
            if let curlNote {
                lines.append(Self.label("curl -k -T") + curlNote)
            } else {
                lines.append(
                    Self.rateRow("curl -k -T", curlTLSRate, "PUT/curl", Self.ratio(putTLSRate, curlTLSRate)))
            }
        }
        let conns = smallConnections == 1 ? "1 connection" : "\(smallConnections) connections"
        lines.append(
            Self.label("4 KiB PUTs, keep-alive") + Self.pad(Self.num(smallRate, 0), 9)
                + " req/s  (\(smallCount) a round, \(conns))")
        if curlNote == nil {
            lines.append(
                Self.label("curl, same pattern") + Self.pad(Self.num(curlSmallRate, 0), 9) + " req/s  ours/curl "
                    + Self.times(Self.ratio(smallRate, curlSmallRate)))
        }
        lines.append(
            Self.label("cancel latency (\(cancelCount))") + "p50 " + Self.num(Self.micros(cancelP50), 1) + " us   p99 "
                + Self.num(Self.micros(cancelP99), 1) + " us   max " + Self.num(Self.micros(cancelMax), 1) + " us")
        lines.append(
            Self.label("CRC64") + Self.pad(Self.num(crcRate.map { $0 / 1e9 }, 2), 9) + " GB/s  ("
                + (CRC64.usesCarryLessMultiply ? "carry-less multiply" : "portable tables") + ")")
        return lines.joined(separator: "\n")
    }
}
