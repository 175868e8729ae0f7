import OSSCore
import OSSHTTP
import OSSTransport

/// `osswire bench`: the transport benchmarks against in-process loopback servers (no set-up).
///
/// ```
/// osswire bench [--size BYTES] [--rounds N] [--small-count N] [--cancel-count N]
///               [--cert FILE --key FILE] [--no-curl] [--no-tls] [--json]
/// ```
/// In one run, medians over `--rounds`: a PUT of `--size` bytes from memory with CRC64 on, over
/// HTTP and HTTPS, beside a raw socket write loop (a TLS stream loop over HTTPS) and `curl -T`
/// (`curl -k -T`) to the same discard server; `--small-count` 4 KiB PUTs on one kept-alive
/// connection, beside curl doing the same in one process; `--cancel-count` uploads blocked on a
/// peer that never reads, each cancelled (p50 / p99 from cancel to the call returning with its
/// socket closed); CRC64 throughput. Exit 0, 1 when a step fails, 2 for a usage error.
enum BenchCommand {
    static let command = Command(name: "bench", run: { try await dispatch($0) })

    /// `bench <op>|compare|merge|loopback ...`.
    static func dispatch(_ argv: [String]) async throws -> Int32 {
        guard let word = argv.first, !word.hasPrefix("-") else {
            if asksForHelp(argv) {
                printLine(Help.bench)
                return ExitCode.success
            }
            throw UsageError(
                "name what to run: put, get, head, delete, list, multipart, mixed, compare, merge or loopback "
                    + "(the self-benchmark of earlier versions is `osswire bench loopback`)")
        }
        let rest = Array(argv.dropFirst())
        if asksForHelp(rest) {
            printLine(word == "loopback" ? usage : Help.bench)
            return ExitCode.success
        }
        if word == "loopback" { return try await run(rest) }
        // `--json FILE` names a file here: a failure is reported as text only (never a JSON
        // object on standard output, which the general error path would print).
        do {
            switch word {
            case "compare": return try BenchCompare.compareCommand(rest)
            case "merge": return try BenchCompare.mergeCommand(rest)
            default:
                guard let op = BenchOp(rawValue: word) else {
                    throw UsageError(
                        "unknown bench operation '\(word)': put, get, head, delete, list, multipart, mixed, compare, merge or loopback")
                }
                return try await BenchEndpoint.run(op, rest)
            }
        } catch {
            let report = FailureReport(error)
            report.print(command: "bench", json: false)
            return report.status
        }
    }

    static let usage = """
        usage: osswire bench loopback [--size BYTES] [--rounds N] [--small-count N] [--cancel-count N] \
        [--cert FILE --key FILE] [--no-curl] [--no-tls] [--json]
        """

    struct Options {
        var size = 1 << 30
        var rounds = 3
        var smallCount = 2000
        var cancelCount = 200
        var certificate: (certificate: String, key: String)? = nil
        var curl = true
        var tls = true
        var json = false
    }

    static func parse(_ argv: [String]) throws -> Options {
        let args = try Arguments(
            argv, valueOptions: ["size", "rounds", "small-count", "cancel-count", "cert", "key"],
            flags: ["json", "no-curl", "no-tls"])
        guard args.positional.isEmpty else { throw UsageError("bench loopback takes no arguments; \(usage)") }
        var o = Options()
        func positive(_ name: String, _ value: Int?) throws -> Int? {
            guard let value else { return nil }
            guard value > 0 else { throw UsageError("--\(name) must be at least 1") }
            return value
        }
        o.size = try positive("size", try args.int("size")) ?? o.size
        o.rounds = try positive("rounds", try args.int("rounds")) ?? o.rounds
        o.smallCount = try positive("small-count", try args.int("small-count")) ?? o.smallCount
        o.cancelCount = try positive("cancel-count", try args.int("cancel-count")) ?? o.cancelCount
        switch (args.value("cert"), args.value("key")) {
        case (let c?, let k?): o.certificate = (c, k)
        case (nil, nil): break
        default: throw UsageError("--cert and --key go together")
        }
        o.curl = !args.flag("no-curl")
        o.tls = !args.flag("no-tls")
        o.json = args.flag("json")
        return o
    }

    static func run(_ argv: [String]) async throws -> Int32 {
        let options = try parse(argv)
        let bench = Bench(options)
        defer { bench.cleanUp() }
        do {
            let report = try await bench.run()
            printLine(options.json ? report.json() : report.text())
            return ExitCode.success
        } catch {
            printError("osswire bench: \(error)")
            return ExitCode.failure
        }
    }
}

/// One run of every benchmark. Used by one task.
final class Bench {
    let options: BenchCommand.Options
    private var directory: String? = nil
    private var files: [String] = []
    private var servers: [DiscardServer] = []
    private var stall: StallServer? = nil
    private var clients: [HTTPClient] = []

    init(_ options: BenchCommand.Options) {
        self.options = options
    }

    func cleanUp() {
        for c in clients { c.closeIdleConnections() }
        for s in servers { s.stop() }
        stall?.stop()
        if let directory { BenchSystem.removeDirectory(directory, files: files) }
    }

    private func path(_ name: String) throws -> String {
        if directory == nil { directory = try BenchSystem.makeTemporaryDirectory() }
        files.append(name)
        return "\(directory!)/\(name)"
    }

    /// A throwaway certificate for 127.0.0.1 made with the `openssl` command, or why there is none.
    private func makeCertificate() async -> Result<(certificate: String, key: String), BenchFailure> {
        guard let openssl = BenchSystem.which("openssl") else {
            return .failure(BenchFailure("openssl is not on PATH; give --cert and --key to measure TLS"))
        }
        do {
            let cert = try path("cert.pem")
            let key = try path("key.pem")
            let args = [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ]
            let outcome = await BenchSystem.onThread {
                Result { () throws(SystemError) in try BenchSystem.run(openssl, args) }
            }
            let result = try outcome.get()
            guard result.status == 0 else {
                return .failure(BenchFailure("openssl could not make a certificate: \(result.output)"))
            }
            return .success((cert, key))
        } catch {
            return .failure(BenchFailure("openssl could not be run: \(error)"))
        }
    }

    func run() async throws -> BenchReport {
        let o = options
        var report = BenchReport(options: o)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let chunk = (0..<(1 << 20)).map { _ -> UInt8 in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let expectedCRC = BenchMeasure.crc64(chunk, total: o.size).1

        // Servers and clients.
        let plain = try DiscardServer()
        servers.append(plain)
        let stall = try StallServer()
        self.stall = stall
        let client = HTTPClient(connector: SocketConnector())
        let cancelClient = HTTPClient(connector: SocketConnector())
        clients += [client, cancelClient]
        let plainEndpoint = Endpoint(host: "127.0.0.1", port: plain.port, tls: false)

        var secure: DiscardServer? = nil
        var insecureTLS = TLSConfiguration()
        insecureTLS.insecureSkipVerify = true
        var tlsClient: HTTPClient? = nil
        if o.tls {
            let certificate: Result<(certificate: String, key: String), BenchFailure> =
                if let given = o.certificate { .success(given) } else { await makeCertificate() }
            switch certificate {
            case .success(let pair):
                let server = try DiscardServer(certificate: pair)
                servers.append(server)
                secure = server
                var config = HTTPClientConfiguration()
                config.tls = insecureTLS
                let c = HTTPClient(configuration: config, connector: SocketConnector())
                clients.append(c)
                tlsClient = c
            case .failure(let why):
                report.tlsNote = "TLS skipped: \(why)"
            }
        } else {
            report.tlsNote = "TLS skipped (--no-tls)"
        }

        var curl: BenchCurl? = nil
        var curlFile = "", curlConfig = ""
        if o.curl {
            if let p = BenchSystem.which("curl") {
                curl = BenchCurl(path: p)
                report.curlPath = p
                curlFile = try path("upload.bin")
                try BenchSystem.writeFile(curlFile, size: o.size, pattern: chunk)
                let small = try path("small.bin")
                try BenchSystem.writeFile(small, size: 4096, pattern: chunk)
                curlConfig = try path("small.curlrc")
                try BenchSystem.writeText(
                    curlConfig, BenchCurl.smallConfig(file: small, port: plain.port, count: o.smallCount))
            } else {
                report.curlNote = "curl is not on PATH: no curl figures"
            }
        } else {
            report.curlNote = "curl skipped (--no-curl)"
        }

        for round in 1...o.rounds {
            if !o.json || o.rounds > 1 { printError("osswire bench: round \(round) of \(o.rounds)") }
            report.put.append(
                try await BenchMeasure.put(client, plainEndpoint, size: o.size, chunk: chunk, expectedCRC: expectedCRC))
            report.putNoCRC.append(
                try await BenchMeasure.put(client, plainEndpoint, size: o.size, chunk: chunk, expectedCRC: nil))
            report.raw.append(try await BenchMeasure.rawSocketLoop(port: plain.port, size: o.size, chunk: chunk))
            if let curl {
                report.curlPut.append(
                    try await curl.upload(
                        file: curlFile, url: "http://127.0.0.1:\(plain.port)/bench/curl", insecure: false))
            }
            if let secure, let tlsClient {
                let endpoint = Endpoint(host: "127.0.0.1", port: secure.port, tls: true)
                report.putTLS.append(
                    try await BenchMeasure.put(
                        tlsClient, endpoint, size: o.size, chunk: chunk, expectedCRC: expectedCRC))
                report.tlsLoop.append(
                    try await BenchMeasure.tlsStreamLoop(
                        port: secure.port, size: o.size, chunk: chunk, tls: insecureTLS))
                if let curl {
                    report.curlTLS.append(
                        try await curl.upload(
                            file: curlFile, url: "https://127.0.0.1:\(secure.port)/bench/curl", insecure: true))
                }
            }
            let (small, connections) = try await BenchMeasure.smallPuts(client, plainEndpoint, count: o.smallCount)
            report.small.append(small)
            report.smallConnections = max(report.smallConnections, connections)
            if let curl {
                report.curlSmall.append(try await curl.smallUploads(config: curlConfig, count: o.smallCount))
            }

            // 16 KiB pieces: the first ones fit in the socket buffers of a peer that reads nothing.
            let stallChunk = Array(chunk[0..<(16 << 10)])
            var latencies: [Duration] = []
            for _ in 0..<o.cancelCount {
                latencies.append(try await BenchMeasure.cancelOnce(cancelClient, port: stall.port, chunk: stallChunk))
                stall.closeAccepted()
            }
            latencies.sort()
            report.cancelP50.append(BenchReport.percentile(latencies, 0.50))
            report.cancelP99.append(BenchReport.percentile(latencies, 0.99))
            report.cancelMax.append(latencies.last!)

            let (crcTime, _) = BenchMeasure.crc64(chunk, total: report.crcBytes)
            report.crc.append(crcTime)
        }
        return report
    }
}
