import OSSCore

/// `bench compare A.json B.json` and `bench merge A.json B.json ...`.
///
/// The noise rule of `compare` (one run on each side, so the spread must come from inside each
/// run):
/// - a latency percentile changed beyond noise when the change is at least 5 % *and* the two
///   runs' 95 % confidence intervals of that percentile do not overlap. The interval of the
///   q-quantile of n samples is the values at ranks n·q ± 1.96·√(n·q·(1−q)) (order statistics),
///   read from the run's histogram;
/// - ops/s and bytes/s changed beyond noise when the change is at least 5 % and more than
///   2·√n / n of the smaller count n (the count's own Poisson spread);
/// - errors changed beyond noise when the two error rates differ by more than two standard errors
///   of the difference of two proportions (and the counts differ).
/// The 5 % floor stands for what repeated runs of the same thing differ by on a shared machine
/// or network; below it a change is called noise whatever the sample counts say.
enum BenchCompare {
    static let floor = 0.05

    /// One compared figure.
    struct Row: Equatable {
        var op: String
        var figure: String
        var a: Double?
        var b: Double?
        /// (b - a) / a, `nil` when either side is missing or a is 0.
        var change: Double?
        var beyondNoise: Bool
    }

    /// The q-quantile's 95 % confidence interval in µs, from a histogram.
    static func interval(_ h: BenchHistogram, _ q: Double) -> (UInt64, UInt64)? {
        guard h.count > 0 else { return nil }
        let n = Double(h.count)
        let spread = 1.96 * (n * q * (1 - q)).squareRoot()
        let lowRank = Swift.max(0, n * q - spread) / n
        let highRank = Swift.min(n, n * q + spread) / n
        guard let lo = h.percentile(Swift.max(lowRank, 1 / n / 2)), let hi = h.percentile(highRank) else { return nil }
        return (lo, hi)
    }

    static func change(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, a != 0 else { return nil }
        return (b - a) / a
    }

    /// Every figure of every operation in either summary.
    static func rows(_ a: BenchSummary, _ b: BenchSummary) -> [Row] {
        var names = a.ops.map(\.0)
        for (n, _) in b.ops where !names.contains(n) { names.append(n) }
        var rows: [Row] = []
        for name in names {
            let sa = a.op(name), sb = b.op(name)
            let ra = sa.map { a.rates($0) }, rb = sb.map { b.rates($0) }
            func rateRow(_ figure: String, _ x: Double?, _ y: Double?) -> Row {
                let c = change(x, y)
                let n = Double(Swift.min(sa?.count ?? 0, sb?.count ?? 0))
                let poisson = n > 0 ? 2 * n.squareRoot() / n : .infinity
                let beyond = c.map { abs($0) >= floor && abs($0) > poisson } ?? false
                return Row(op: name, figure: figure, a: x, b: y, change: c, beyondNoise: beyond)
            }
            rows.append(rateRow("ops/s", ra?.ops, rb?.ops))
            rows.append(rateRow("MB/s", ra.map { $0.bytes / 1e6 }, rb.map { $0.bytes / 1e6 }))
            // Errors: two proportions.
            let ea = sa.map { Double($0.errors) }, eb = sb.map { Double($0.errors) }
            var errorsBeyond = false
            if let sa, let sb, sa.errors != sb.errors {
                let na = Double(sa.count + sa.errors), nb = Double(sb.count + sb.errors)
                if na > 0 && nb > 0 {
                    let pa = Double(sa.errors) / na, pb = Double(sb.errors) / nb
                    let p = Double(sa.errors + sb.errors) / (na + nb)
                    let se = (p * (1 - p) * (1 / na + 1 / nb)).squareRoot()
                    errorsBeyond = abs(pa - pb) > 2 * se
                }
            }
            rows.append(
                Row(op: name, figure: "errors", a: ea, b: eb, change: change(ea, eb), beyondNoise: errorsBeyond))
            for phase in BenchPhase.allCases {
                let ha = sa?.histograms[phase.rawValue], hb = sb?.histograms[phase.rawValue]
                guard (ha?.count ?? 0) > 0 || (hb?.count ?? 0) > 0 else { continue }
                for (label, q) in BenchSummary.quantiles {
                    let x = ha?.percentile(q).map { Double($0) / 1000 }
                    let y = hb?.percentile(q).map { Double($0) / 1000 }
                    let c = change(x, y)
                    var beyond = false
                    if let c, abs(c) >= floor, let ha, let hb, let ia = interval(ha, q), let ib = interval(hb, q) {
                        beyond = ia.1 < ib.0 || ib.1 < ia.0
                    }
                    rows.append(
                        Row(
                            op: name, figure: "\(phase.rawValue) \(label) ms", a: x, b: y, change: c,
                            beyondNoise: beyond))
                }
                let x = ha.flatMap { $0.count > 0 ? Double($0.max) / 1000 : nil }
                let y = hb.flatMap { $0.count > 0 ? Double($0.max) / 1000 : nil }
                // One sample decides the max: never called beyond noise on its own.
                rows.append(
                    Row(
                        op: name, figure: "\(phase.rawValue) max ms", a: x, b: y, change: change(x, y),
                        beyondNoise: false))
            }
        }
        return rows
    }

    static func text(_ rows: [Row], a: String, b: String) -> String {
        var lines = [
            "A: \(a)", "B: \(b)", "beyond noise (*): at least 5 % and outside both runs' 95 % intervals (docs/CLI.md)",
        ]
        var current = ""
        for r in rows {
            if r.op != current {
                current = r.op
                lines.append("")
                lines.append(r.op.padding(30) + "A".leftPadded(14) + "B".leftPadded(14) + "change".leftPadded(10))
            }
            let digits = r.figure == "errors" ? 0 : 3
            let cells = [r.a, r.b].map { $0.map { BenchFormat.fixed($0, digits) } ?? "-" }
            let c = r.change.map { ($0 >= 0 ? "+" : "") + BenchFormat.fixed($0 * 100, 1) + "%" } ?? "-"
            lines.append(
                "  " + r.figure.padding(28) + cells[0].leftPadded(14) + cells[1].leftPadded(14) + c.leftPadded(10)
                    + (r.beyondNoise ? "  *" : ""))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [Row], a: String, b: String) -> String {
        func num(_ x: Double?) -> String { x.map { JSON.seconds($0) } ?? "null" }
        let items = rows.map { r in
            JSON.object([
                ("op", JSON.string(r.op)), ("figure", JSON.string(r.figure)), ("a", num(r.a)), ("b", num(r.b)),
                ("change", r.change.map { JSON.seconds($0 * 100) } ?? "null"),
                ("beyond_noise", r.beyondNoise ? "true" : "false"),
            ])
        }
        return JSON.object([
            ("a", JSON.string(a)), ("b", JSON.string(b)), ("rows", "[" + items.joined(separator: ",") + "]"),
        ])
    }

    /// One summary from several runs made side by side on different client machines: counts,
    /// bytes, errors and rates added, histograms merged, the longest duration, the earliest first
    /// done and the latest last done, CPU seconds added.
    static func merge(_ runs: [BenchSummary]) -> BenchSummary {
        var m = BenchSummary()
        guard let first = runs.first else { return m }
        m.osswire = first.osswire
        m.openssl = first.openssl
        m.cpu = Set(runs.map(\.cpu)).sorted().joined(separator: " | ")
        m.kernel = Set(runs.map(\.kernel)).sorted().joined(separator: " | ")
        m.startTime = runs.map(\.startTime).min() ?? ""
        m.seed = first.seed
        m.configuration = first.configuration
        m.openLoop = runs.contains { $0.openLoop }
        m.tlsVersion = first.tlsVersion
        m.tlsCipher = first.tlsCipher
        m.interrupted = runs.contains { $0.interrupted }
        m.runs = runs.reduce(0) { $0 + $1.runs }
        m.durationSeconds = runs.map(\.durationSeconds).max() ?? 0
        m.clientCPUSeconds = runs.reduce(0) { $0 + $1.clientCPUSeconds }
        m.workers = runs.reduce(0) { $0 + $1.workers }
        m.firstDoneSeconds = runs.map(\.firstDoneSeconds).min() ?? 0
        m.lastDoneSeconds = runs.map(\.lastDoneSeconds).max() ?? 0
        for r in runs {
            for (name, s) in r.ops {
                var s = s
                let rates = r.rates(s)
                s.opsPerSecond = rates.ops
                s.bytesPerSecond = rates.bytes
                if let i = m.ops.firstIndex(where: { $0.0 == name }) {
                    m.ops[i].1.merge(s)
                } else {
                    m.ops.append((name, s))
                }
            }
        }
        return m
    }

    /// Reads the summary at `path`.
    static func load(_ path: String) throws -> BenchSummary {
        let text: String
        do {
            text = try BenchFiles.readText(path)
        } catch {
            throw CLIError("cannot read \(path): \(error)", code: "FileError")
        }
        let value: JSONValue
        do {
            value = try JSONReader.parse(text)
        } catch {
            throw CLIError("\(path): \(error)", code: "BadSummary")
        }
        return try BenchSummary(json: value, source: path)
    }

    static func compareCommand(_ argv: [String]) throws -> Int32 {
        let args = try Arguments(argv, valueOptions: [], flags: ["json"])
        guard args.positional.count == 2 else { throw UsageError("compare takes two summary files: A.json B.json") }
        let a = try load(args.positional[0]), b = try load(args.positional[1])
        let r = rows(a, b)
        printLine(
            args.flag("json")
                ? json(r, a: args.positional[0], b: args.positional[1])
                : text(r, a: args.positional[0], b: args.positional[1]))
        return ExitCode.success
    }

    static func mergeCommand(_ argv: [String]) throws -> Int32 {
        let args = try Arguments(argv, valueOptions: ["json"], flags: [])
        guard args.positional.count >= 2 else { throw UsageError("merge takes two or more summary files") }
        let merged = merge(try args.positional.map(load))
        if let out = args.value("json") {
            do {
                try BenchFiles.writeText(out, merged.json.text + "\n")
            } catch {
                throw CLIError("cannot write \(out): \(error)", code: "FileError")
            }
            printLine(merged.text())
        } else {
            printLine(merged.json.text)
        }
        return ExitCode.success
    }
}
