import Glibc
import OSSCore
import OSSHTTP
import OSSTransport

/// `osswire http put|get URL`: one raw HTTP/1.1 transfer with a per-phase timing breakdown.
///
/// ```
/// osswire http put URL --file F [--json] [--insecure] [--cacert FILE] [--timeout S]
/// osswire http get URL [-o F|-] [--json] [--insecure] [--cacert FILE] [--timeout S]
/// ```
/// Without `-o` a downloaded body is counted and discarded; `-o -` writes it to standard output
/// (the breakdown then goes to standard error). Exit 0 for a 2xx/3xx status, 1 otherwise.
enum HTTPCommand {
    static let command = Command(name: "http", run: { try await run($0) })


    static func run(_ argv: [String]) async throws -> Int32 {
        let args = try Arguments(argv, valueOptions: ["file", "output", "cacert", "timeout"], flags: ["json", "insecure"])
        guard args.positional.count == 2 else { throw UsageError("http takes put|get and a URL") }
        let verb = args.positional[0]
        let url = args.positional[1]
        guard verb == "put" || verb == "get" else { throw UsageError("unknown http verb '\(verb)': use put or get") }

        var config = HTTPClientConfiguration()
        config.tls.insecureSkipVerify = args.flag("insecure")
        config.tls.caFile = args.value("cacert")
        if let timeout = try args.seconds("timeout") {
            config.totalTimeout = timeout
            config.connectTimeout = timeout
        }
        let client = HTTPClient(configuration: config, connector: SocketConnector())

        var request: HTTPRequest
        do {
            request = try HTTPRequest(method: verb == "put" ? .put : .get, url: url)
        } catch {
            throw UsageError(error.message)
        }
        var bodyBytes: Int64 = 0
        // Local files through the one file type: the body is read with pread from the open file,
        // a download written with pwrite at its offset.
        var input: FileDescriptor? = nil
        defer { input?.close() }
        if verb == "put" {
            guard let path = args.value("file") else { throw UsageError("http put needs --file F") }
            do throws(SystemError) {
                let file = try FileDescriptor.open(path, .readOnly)
                input = file
                bodyBytes = try file.size()
                request.body = .file(file, length: bodyBytes)
            } catch {
                throw CLIError("cannot read \(path): \(error.message)", code: "FileError")
            }
        } else if args.value("file") != nil {
            throw UsageError("--file is for http put; use -o to save a download")
        }

        let output = args.value("output")
        let toStdout = output == "-"
        var file: FileDescriptor? = nil
        defer { file?.close() }
        if let output, !toStdout {
            do throws(SystemError) {
                file = try FileDescriptor.open(output, .writeOnly, options: [.create, .truncate])
            } catch {
                throw CLIError("cannot write \(output): \(error.message)", code: "FileError")
            }
        }

        let result: (HTTPResponseHead, HTTPMetrics, Int64)
        do {
            // Blocking file reads and writes run on a file I/O thread, never the cooperative pool.
            result = try await FileIOExecutor.run { [file] in
                try await client.execute(request) { response in
                    var received: Int64 = 0
                    while let piece = try await response.read() {
                        if let file {
                            try file.write(piece, at: received)
                        } else if toStdout {
                            try writeAll(1, piece, to: "standard output")
                        }
                        received += Int64(piece.count)
                    }
                    return (response.head, response.metrics, received)
                }
            }
        } catch let error as HTTPClientError where error.code == .invalidRequest {
            throw UsageError(error.message)
        }
        client.closeIdleConnections()
        let (head, metrics, received) = result
        if verb == "get" { bodyBytes = received }
        let report = args.flag("json")
            ? json(verb: verb, url: url, head: head, metrics: metrics, bodyBytes: bodyBytes)
            : text(verb: verb, url: url, head: head, metrics: metrics, bodyBytes: bodyBytes)
        if toStdout { printError(report) } else { printLine(report) }
        return head.status < 400 ? ExitCode.success : ExitCode.failure
    }

    static func milliseconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }

    static func rate(_ bytes: Int64, _ d: Duration) -> Double {
        let ms = milliseconds(d)
        return ms > 0 ? Double(bytes) / (ms / 1000) : 0
    }

    static func text(verb: String, url: String, head: HTTPResponseHead, metrics m: HTTPMetrics, bodyBytes: Int64) -> String {
        let r = rate(bodyBytes, m.total)
        var lines = ["\(verb.uppercased()) \(url) -> \(head.status) \(head.reason)"]
        if !m.remoteAddress.isEmpty { lines.append("  address     \(m.remoteAddress)") }
        lines.append("  dns         \(fixed(milliseconds(m.dns), 3)) ms")
        lines.append("  connect     \(fixed(milliseconds(m.connect), 3)) ms")
        lines.append("  tls         \(fixed(milliseconds(m.tlsHandshake), 3)) ms")
        lines.append("  first byte  \(fixed(milliseconds(m.timeToFirstByte), 3)) ms")
        lines.append("  total       \(fixed(milliseconds(m.total), 3)) ms")
        lines.append("  body        \(bodyBytes) bytes")
        lines.append("  sent        \(m.bytesSent) bytes")
        lines.append("  received    \(m.bytesReceived) bytes")
        lines.append("  rate        \(fixed(r / 1_000_000, 2)) MB/s")
        lines.append("  reused      \(m.connectionReused ? "yes" : "no")")
        return lines.joined(separator: "\n")
    }

    static func json(verb: String, url: String, head: HTTPResponseHead, metrics m: HTTPMetrics, bodyBytes: Int64) -> String {
        let failed = head.status >= 400
        let fields: [(String, String)] = [
            ("state", JSON.string(failed ? "failed" : "completed")),
            ("code", failed ? JSON.string("HTTP \(head.status)") : "null"),
            ("error", failed ? JSON.string("the server answered \(head.status) \(head.reason)") : "null"),
            ("method", JSON.string(verb.uppercased())),
            ("url", JSON.string(url)),
            ("status", "\(head.status)"),
            ("remote_address", JSON.string(m.remoteAddress)),
            ("dns_ms", fixed(milliseconds(m.dns), 3)),
            ("connect_ms", fixed(milliseconds(m.connect), 3)),
            ("tls_ms", fixed(milliseconds(m.tlsHandshake), 3)),
            ("ttfb_ms", fixed(milliseconds(m.timeToFirstByte), 3)),
            ("total_ms", fixed(milliseconds(m.total), 3)),
            ("body_bytes", "\(bodyBytes)"),
            ("bytes_sent", "\(m.bytesSent)"),
            ("bytes_received", "\(m.bytesReceived)"),
            ("rate_bytes_per_s", fixed(rate(bodyBytes, m.total), 0)),
            ("reused", m.connectionReused ? "true" : "false"),
        ]
        return JSON.object(fields)
    }

    /// `x` with `digits` decimals, without Foundation.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((abs(x) * scale).rounded())
        let sign = x < 0 && n != 0 ? "-" : ""
        if digits == 0 { return sign + String(n) }
        let whole = n / Int64(scale)
        var frac = String(n % Int64(scale))
        while frac.count < digits { frac = "0" + frac }
        return "\(sign)\(whole).\(frac)"
    }

}
