import Foundation

// osswire-bench: OSSWire's benchmarks, each side by side with its reference in one run.
// See Benchmarks/README.md.

let usage = """
    usage: osswire-bench <command> [options]
      crc        [--mib N] [--rounds N]          our CRC64 vs liblzma lzma_crc64
      throughput [--bytes N] [--rounds N] [--tls]  1 GiB PUT: ours vs curl -T and a raw socket loop
      small      [--count N] [--rounds N]        4 KiB PUTs on one keep-alive connection: ours vs curl
      cancel     [--count N]                     cancel latency against a peer that never reads
      multipart  [--bytes N] [--part-size N] [--jobs N] [--rounds N] [--osswire PATH] [--venv DIR]
                                                 2 GiB multipart upload to the mock: osswire cp vs the Python SDK
      reference  put|get|small|sweep [--bytes N] [--rounds N] [--count N] [--tls] [--osswire PATH] [--server-cpu N]
                                                 against the C reference server (its own process): osswire cp
                                                 vs curl and the C loops, interleaved over key lengths 1, 2, 5, 9;
                                                 sweep: the raw loop over head lengths and pinned CPU placements
      profile-small --port P [--count N] [--layer http|http-thread|sign|bare|bare-async|bare-async-thread|thread|thread-spin|memory|memory-http|memory-exchange]  ours alone (V4 4 KiB PutObjects) against a running refserver, for perf;
                                                 http: HTTPClient without OSSClient; sign: V4 signing alone, no socket
      all                                        everything above with defaults
    """

let command = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "help"
let arguments = Array(CommandLine.arguments.dropFirst(2))

@MainActor func option(_ name: String, default value: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let n = Int(arguments[i + 1]) else {
        return value
    }
    return n
}

@MainActor func stringOption(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

let tls = arguments.contains("--tls")

do {
    switch command {
    case "crc":
        CRCBenchmark(megabytes: option("--mib", default: 256), rounds: option("--rounds", default: 9)).run()
    case "throughput":
        try await ThroughputBenchmark(
            bytes: option("--bytes", default: 1 << 30), rounds: option("--rounds", default: 5),
            tls: tls
        ).run()
    case "small":
        try await SmallPutBenchmark(count: option("--count", default: 1000), rounds: option("--rounds", default: 5))
            .run()
    case "cancel":
        try await CancelBenchmark(count: option("--count", default: 200)).run()
    case "multipart":
        try MultipartBenchmark(
            bytes: option("--bytes", default: 2 << 30), partSize: option("--part-size", default: 64 << 20),
            jobs: option("--jobs", default: 4), rounds: option("--rounds", default: 3),
            osswire: stringOption("--osswire"), venv: stringOption("--venv")
        ).run()
    case "reference":
        let root = URL(fileURLWithPath: ReferenceBenchmark.sourceDirectory).deletingLastPathComponent()
            .deletingLastPathComponent().path
        try await ReferenceBenchmark(
            what: arguments.first ?? "", bytes: option("--bytes", default: 1 << 30), rounds: option("--rounds", default: 5),
            count: option("--count", default: 2000), tls: tls,
            osswire: stringOption("--osswire") ?? root + "/.build/release/osswire",
            serverCPU: stringOption("--server-cpu").flatMap { Int($0) }
        ).run()
    case "profile-small":
        try await ReferenceBenchmark.profileSmall(
            port: option("--port", default: 0), count: option("--count", default: 20000), layer: stringOption("--layer"))
    case "all":
        CRCBenchmark().run()
        try await ThroughputBenchmark(tls: false).run()
        try await ThroughputBenchmark(tls: true).run()
        try await SmallPutBenchmark().run()
        try await CancelBenchmark().run()
    default:
        print(usage)
        exit(2)
    }
} catch {
    Scratch.remove()
    print("osswire-bench: \(error)")
    exit(1)
}
Scratch.remove()
