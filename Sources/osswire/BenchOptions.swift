import OSSCore

/// The operations `osswire bench` runs against an endpoint.
enum BenchOp: String, CaseIterable, Sendable {
    case put, get, head, delete, list, multipart, mixed

    /// Whether objects are put first (`--objects`).
    var needsObjects: Bool {
        switch self {
        case .get, .head, .delete, .list, .mixed: true
        case .put, .multipart: false
        }
    }
}

/// The options of one `osswire bench <op>` run, parsed and checked.
struct BenchOptions: Sendable {
    var op: BenchOp
    var bucket: String
    /// Nil: a fresh random one is made (and printed).
    var prefix: String?
    var sizeRange: ClosedRange<Int64> = (1 << 20)...(1 << 20)
    var objects = 100
    var concurrency = 8
    /// Requests a second, open loop; nil: closed loop.
    var rate: Double? = nil
    var duration: Duration? = nil
    var count: Int? = nil
    /// Weights of the mixed workload, in a fixed order.
    var mix: [(BenchOp, Int)] = [(.get, 45), (.put, 15), (.head, 20), (.delete, 10), (.list, 10)]
    var partSize: Int64 = 8 << 20
    var jobs = 4
    var verify = false
    var keep = false
    var seed: UInt64
    var jsonPath: String? = nil
    var logPath: String? = nil
    var mock = false
    var retries: Int? = nil

    static let valueOptions: Set<String> = Arguments.commonValueOptions.union([
        "bucket", "prefix", "size", "objects", "concurrency", "rate", "duration", "count", "mix", "part-size", "jobs",
        "seed", "json", "log", "retries",
    ])
    static let flags: Set<String> = ["path-style", "insecure", "verify", "keep", "mock"]

    /// Parses `<op> [options]`; `arguments` are for the client (endpoint, credentials).
    /// - Throws: `UsageError` for every mistake (exit 2).
    static func parse(_ op: BenchOp, _ argv: [String]) throws -> (BenchOptions, Arguments) {
        let args = try Arguments(argv, valueOptions: valueOptions, flags: flags)
        guard args.positional.isEmpty else {
            throw UsageError("bench \(op.rawValue) takes no positional arguments (\(args.positional[0]))")
        }
        let mock = args.flag("mock")
        guard let bucket = args.value("bucket") ?? (mock ? "bench" : nil), !bucket.isEmpty else {
            throw UsageError("bench \(op.rawValue) needs --bucket B")
        }
        var seed = UInt64.random(in: 1...UInt64(Int64.max))
        if let s = args.value("seed") {
            guard let n = UInt64(s) else { throw UsageError("--seed takes a whole number, not \(s)") }
            seed = n
        }
        var o = BenchOptions(op: op, bucket: bucket, seed: seed)
        o.mock = mock
        if let p = args.value("prefix") {
            guard !p.isEmpty else { throw UsageError("--prefix cannot be empty") }
            o.prefix = p
        }
        if let s = args.value("size") { o.sizeRange = try parseSizeRange(s) }
        if op == .multipart && args.value("size") == nil { o.sizeRange = (64 << 20)...(64 << 20) }
        func positive(_ name: String) throws -> Int? {
            guard let v = args.value(name) else { return nil }
            guard let n = Int(v), n >= 1 else {
                throw UsageError("--\(name) takes a whole number of at least 1, not \(v)")
            }
            return n
        }
        if let n = try positive("objects") { o.objects = n }
        if let n = try positive("count") { o.count = n }
        if let n = try positive("jobs") { o.jobs = n }
        if let r = args.value("retries") {
            guard let n = Int(r), n >= 0 else { throw UsageError("--retries takes a whole number, not \(r)") }
            o.retries = n
        }
        if let r = args.value("rate") {
            guard let x = Double(r), x.isFinite, x > 0, x <= 1_000_000 else {
                throw UsageError("--rate takes requests a second (more than 0, at most 1000000), not \(r)")
            }
            o.rate = x
            o.concurrency = 256
        }
        if let n = try positive("concurrency") { o.concurrency = n }
        guard o.concurrency <= 10_000 else { throw UsageError("--concurrency is at most 10000") }
        if let d = try args.seconds("duration") {
            guard d > .zero else { throw UsageError("--duration must be more than 0 seconds") }
            o.duration = d
        }
        if o.duration != nil && o.count != nil { throw UsageError("give --duration or --count, not both") }
        if o.duration == nil && o.count == nil {
            if op == .delete { o.count = o.objects } else { o.duration = .seconds(10) }
        }
        if op == .delete, let count = o.count, args.value("objects") == nil { o.objects = count }
        if let m = args.value("mix") {
            guard op == .mixed else { throw UsageError("--mix is for bench mixed") }
            o.mix = try parseMix(m)
        }
        if let p = args.value("part-size") {
            let n = try parseSize(p, option: "part-size")
            guard n >= 1 else { throw UsageError("--part-size must be at least 1 byte") }
            o.partSize = n
        }
        if op == .multipart {
            let parts = (o.sizeRange.upperBound + o.partSize - 1) / o.partSize
            guard parts <= 10_000 else {
                throw UsageError("--size / --part-size makes \(parts) parts; OSS takes at most 10000")
            }
        }
        o.verify = args.flag("verify")
        o.keep = args.flag("keep")
        o.jsonPath = args.value("json")
        o.logPath = args.value("log")
        return (o, args)
    }

    /// `N`, `N KiB|MiB|GiB` (also `K`/`M`/`G`, `KB`/`MB`/`GB` meaning the same powers of 1024).
    static func parseSize(_ text: String, option: String = "size") throws -> Int64 {
        let t = text.filter { $0 != " " && $0 != "_" }
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        let suffix = t.dropFirst(digits.count).lowercased()
        let scale: Int64
        switch suffix {
        case "", "b": scale = 1
        case "k", "kb", "kib": scale = 1 << 10
        case "m", "mb", "mib": scale = 1 << 20
        case "g", "gb", "gib": scale = 1 << 30
        default: throw UsageError("--\(option) takes bytes with an optional KiB, MiB or GiB suffix, not \(text)")
        }
        guard let n = Int64(digits) else {
            throw UsageError("--\(option) takes bytes with an optional KiB, MiB or GiB suffix, not \(text)")
        }
        let (v, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, v <= 5 << 40 else { throw UsageError("--\(option) \(text) is too large") }
        return v
    }

    /// `N` or `A..B` (uniform between A and B, both included).
    static func parseSizeRange(_ text: String) throws -> ClosedRange<Int64> {
        if let r = text.firstRange(of: "..") {
            let a = try parseSize(String(text[..<r.lowerBound]))
            let b = try parseSize(String(text[r.upperBound...]))
            guard a <= b else { throw UsageError("--size \(text): the first size must not exceed the second") }
            return a...b
        }
        let n = try parseSize(text)
        return n...n
    }

    /// `put=1,get=4,...`: operations among put, get, head, delete, list and whole numbers.
    static func parseMix(_ text: String) throws -> [(BenchOp, Int)] {
        var out: [(BenchOp, Int)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let op = BenchOp(rawValue: String(parts[0])),
                [.put, .get, .head, .delete, .list].contains(op)
            else {
                throw UsageError("--mix takes op=weight,... with op one of put, get, head, delete, list; not \(item)")
            }
            guard let w = Int(parts[1]), w >= 0, w <= 1_000_000 else {
                throw UsageError("--mix weight of \(op.rawValue) must be a whole number, not \(parts[1])")
            }
            guard !out.contains(where: { $0.0 == op }) else { throw UsageError("--mix names \(op.rawValue) twice") }
            out.append((op, w))
        }
        guard out.contains(where: { $0.1 > 0 }) else { throw UsageError("--mix needs a weight above 0") }
        return out
    }

    /// The configuration as recorded in the summary.
    func summaryConfiguration(endpoint: String, prefix: String) -> [(String, JSONValue)] {
        func int(_ n: Int64) -> JSONValue { .number(Double(n), String(n)) }
        var c: [(String, JSONValue)] = [
            ("op", .string(op.rawValue)), ("endpoint", .string(endpoint)), ("bucket", .string(bucket)),
            ("prefix", .string(prefix)), ("size_min", int(sizeRange.lowerBound)),
            ("size_max", int(sizeRange.upperBound)),
            ("objects", op.needsObjects ? int(Int64(objects)) : .null), ("concurrency", int(Int64(concurrency))),
            ("rate", rate.map { .number($0, JSON.seconds($0)) } ?? .null),
            ("duration_s", duration.map { .number(BenchRun.seconds($0), JSON.seconds(BenchRun.seconds($0))) } ?? .null),
            ("count", count.map { int(Int64($0)) } ?? .null), ("verify", .bool(verify)), ("mock", .bool(mock)),
        ]
        if op == .mixed {
            c.append(("mix", .object(mix.map { ($0.0.rawValue, int(Int64($0.1))) })))
        }
        if op == .multipart {
            c.append(("part_size", int(partSize)))
            c.append(("jobs", int(Int64(jobs))))
        }
        return c
    }
}

/// A small seeded generator (SplitMix64): the same seed gives the same keys, sizes and picks.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value derived from `seed` and `n` alone (the size of object n, ...).
    static func hash(_ seed: UInt64, _ n: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (n &* 0xD6E8_FEB8_6659_FD93))
        return g.next()
    }
}
