import Glibc
import OSSClient
import OSSCore
import OSSMockServer
import OSSSigner
import OSSTransport

/// `osswire bench put|get|head|delete|list|multipart|mixed ...`: a benchmark against an OSS
/// endpoint (or the in-process mock with `--mock`). See docs/CLI.md, "bench".
enum BenchEndpoint {
    static func run(_ op: BenchOp, _ argv: [String]) async throws -> Int32 {
        let (o, args) = try BenchOptions.parse(op, argv)
        var server: MockOSSServer? = nil
        var config: OSSClientConfiguration
        if o.mock {
            guard args.value("endpoint") == nil else { throw UsageError("--mock and --endpoint exclude each other") }
            var mc = MockServerConfiguration()
            mc.buckets = [o.bucket]
            let s = try MockOSSServer(configuration: mc)
            server = s
            config = try OSSClientConfiguration(endpoint: s.url, region: mc.region)
            config.addressing = .pathStyle
            config.credentialsProvider = StaticCredentialsProvider(
                accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
            if let v = args.value("signature-version") {
                guard let version = OSSClientConfiguration.SignatureVersion(v) else {
                    throw UsageError("--signature-version takes 1 or 4, not \(v)")
                }
                config.signatureVersion = version
            }
            if let t = try args.seconds("timeout") {
                guard t > .zero else { throw UsageError("--timeout must be positive") }
                config.timeouts.idle = t
                config.timeouts.connect = t
            }
        } else {
            config = try CLIClient.configuration(args)
        }
        config.maxConnectionsPerHost = max(16, o.concurrency * (op == .multipart ? o.jobs : 1))
        if let r = o.retries { config.retryPolicy = RetryPolicy(maxRetries: r) }
        let client = try OSSClient(configuration: config)
        var log: BenchLog? = nil
        if let path = o.logPath {
            do { log = try BenchLog(path: path) } catch {
                throw CLIError("cannot write \(path): \(error)", code: "FileError")
            }
        }
        let status = await run(o, client: client, endpoint: config.endpoint.description, log: log)
        await client.shutdown()
        if let server { await server.stop() }
        return try status.get()
    }

    private static func run(_ o: BenchOptions, client: OSSClient, endpoint: String, log: BenchLog?) async -> Result<
        Int32, CLIError
    > {
        let prefix = o.prefix ?? "osswire-bench-\(hex(UInt64.random(in: 0...UInt64.max)))/"
        let control = BenchControl()
        let run = BenchRun(options: o, client: client, prefix: prefix, control: control)
        printError("osswire bench \(o.op.rawValue): \(endpoint), bucket \(o.bucket), prefix \(prefix), seed \(o.seed)")
        Signals.onSignal { _ in control.interrupt() }

        var names: [String] = [o.op.rawValue]
        if o.op == .mixed { names = o.mix.filter { $0.1 > 0 }.map { $0.0.rawValue } }
        if o.op == .multipart { names = ["multipart", "upload_part"] }

        var summary = BenchSummary()
        summary.openssl = OpenSSLLibrary.version
        summary.cpu = BenchHost.cpu
        summary.kernel = BenchHost.kernel
        summary.seed = o.seed
        summary.configuration = o.summaryConfiguration(endpoint: endpoint, prefix: prefix)
        summary.openLoop = o.rate != nil
        summary.workers = o.concurrency
        summary.ops = names.map { ($0, BenchOpStats()) }

        var failure: CLIError? = nil
        if o.op.needsObjects && !control.stopped {
            printError("osswire bench: putting \(o.objects) objects first")
            final class Outcome: Sendable { let value = PThreadMutex<(Int, String?)>((0, nil)) }
            let result = Outcome()
            await phase(control) {
                let r = await run.prepare()
                result.value.withLock { $0 = r }
            }
            let (failed, first) = result.value.withLock { $0 }
            if failed > 0 {
                printError("osswire bench: \(failed) of \(o.objects) objects could not be put (\(first ?? "?"))")
            }
            if failed >= o.objects && !control.interrupted {
                failure = CLIError(
                    "no object could be put first (\(first ?? "?")): nothing to measure", code: first ?? "Failed")
            }
        }

        if failure == nil && !control.stopped {
            summary.startTime = BenchHost.rfc3339(UTCTime.now())
            let cpu0 = BenchHost.cpuSeconds()
            let recorder = BenchRecorder(start: .now, openLoop: o.rate != nil, log: log, names: names)
            let progress: Task<Void, Never>? = isatty(2) != 0 ? Task { await showProgress(recorder) } : nil
            await phase(control) { await run.measure(recorder: recorder) }
            let end = ContinuousClock.now
            progress?.cancel()
            _ = await progress?.value
            summary.clientCPUSeconds = BenchHost.cpuSeconds() - cpu0
            summary.durationSeconds = BenchRun.seconds(end - recorder.start)
            let done = recorder.doneTimes.map(BenchRun.seconds)
            summary.firstDoneSeconds = done.min() ?? summary.durationSeconds
            summary.lastDoneSeconds = done.max() ?? summary.durationSeconds
            summary.ops = recorder.ops
            if let (version, cipher) = recorder.tls {
                summary.tlsVersion = version
                summary.tlsCipher = cipher
            }
        }
        summary.interrupted = control.interrupted
        if let log, let e = log.close() { printError("osswire bench: the log could not be written: \(e)") }

        if failure == nil {
            if let path = o.jsonPath {
                do {
                    try BenchFiles.writeText(path, summary.json.text + "\n")
                } catch {
                    failure = CLIError("cannot write \(path): \(error)", code: "FileError")
                }
            }
            printLine(summary.text())
        }

        if !o.keep {
            // A second Ctrl-C during the clean-up exits at once and leaves the objects.
            let left = await run.cleanUp()
            if left > 0 { printError("osswire bench: \(left) objects under \(prefix) could not be deleted") }
            let cut = run.cutAfterBody.withLock { $0 }
            if !cut.isEmpty {
                // Every name: they are what the user must remove by hand (at most one a connection).
                let names = cut.joined(separator: " ")
                printError(
                    "osswire bench: \(cut.count) PutObject cut after its whole body had left may still be stored "
                        + "by the server after this clean-up: \(names)")
            }
        } else {
            printError("osswire bench: objects kept under \(prefix)")
        }
        run.close()
        if let failure { return .failure(failure) }
        if control.interrupted { return .success(Signals.exitStatus) }
        let ok = summary.ops.reduce(0) { $0 + $1.1.count }
        if ok == 0 && summary.totalErrors > 0 {
            return .failure(CLIError("every operation failed", code: "Failed"))
        }
        return .success(ExitCode.success)
    }

    /// Runs `body` as the phase Ctrl-C cancels.
    private static func phase(_ control: BenchControl, _ body: @escaping @Sendable () async -> Void) async {
        let task = Task { await body() }
        control.current.withLock { $0 = task }
        if control.interrupted { task.cancel() }
        await task.value
        control.current.withLock { $0 = nil }
    }

    /// The live line on a terminal, once a second: ops/s, MB/s, p99 so far, errors.
    private static func showProgress(_ recorder: BenchRecorder) async {
        var last: (UInt64, UInt64) = (0, 0)
        var lastTime = recorder.start
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { break }
            let (ok, errors, bytes, p99) = recorder.live
            let now = ContinuousClock.now
            let dt = max(BenchRun.seconds(now - lastTime), 1e-3)
            let line =
                "\(BenchFormat.fixed(BenchRun.seconds(now - recorder.start), 0)) s  "
                + "\(BenchFormat.rate(Double(ok - last.0) / dt)) ops/s  "
                + "\(BenchFormat.megabytes(Double(bytes - last.1) / dt)) MB/s  "
                + "p99 \(BenchFormat.millis(p99)) ms  errors \(errors)"
            writeStandardError("\r\u{1B}[2K" + line)
            last = (ok, bytes)
            lastTime = now
        }
        writeStandardError("\r\u{1B}[2K")
    }

    private static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress!, $0.count) }
    }

    static func hex(_ n: UInt64) -> String {
        let s = String(n & 0xFFFF_FFFF, radix: 16)
        return String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}

/// Facts about the client machine that a summary records.
enum BenchHost {
    /// `model name` of /proc/cpuinfo and the number of CPUs online.
    static var cpu: String {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let info = (try? BenchFiles.readText("/proc/cpuinfo")) ?? ""
        var model = "unknown CPU"
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                model = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            }
            break
        }
        return "\(model) (\(n) online)"
    }

    /// `uname -srm`.
    static var kernel: String {
        var u = utsname()
        guard uname(&u) == 0 else { return "unknown" }
        func field<T>(_ t: inout T) -> String {
            withUnsafeBytes(of: &t) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return "\(field(&u.sysname)) \(field(&u.release)) \(field(&u.machine))"
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var ru = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &ru) == 0 else { return 0 }
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(ru.ru_utime) + s(ru.ru_stime)
    }

    /// `2026-12-05T07:43:12Z`.
    static func rfc3339(_ t: UTCTime) -> String {
        let f = t.fields
        func d(_ n: Int, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(d(f.year, 4))-\(d(f.month, 2))-\(d(f.day, 2))T\(d(f.hour, 2)):\(d(f.minute, 2)):\(d(f.second, 2))Z"
    }
}
