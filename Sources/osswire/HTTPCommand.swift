import Glibc
import OSSCore
import OSSHTTP
import OSSProtocol
import OSSTransport

/// `osswire http get|head|put|post|delete URL`: raw HTTP/1.1 requests with a per-phase timing
/// breakdown, as `curl -w` gives it, or many of them with percentiles.
///
/// ```
/// osswire http get|head|put|post|delete URL [--file F] [-o F|-] [-H 'Name: value']...
///     [--count N] [--concurrency C] [--json] [--insecure] [--cacert FILE] [--timeout S]
/// ```
/// One request prints the status line and headers, the TLS version and cipher, each phase, and
/// for a 4xx/5xx answer its error body (the OSS code, message and request id when it is OSS's
/// XML). `--count` sends N requests from C workers on kept-alive connections and prints the
/// statuses, failures, and p50/p90/p99/max of total time and time to first byte. Without `-o` a
/// downloaded body is counted and discarded; `-o -` writes it to standard output (the report then
/// goes to standard error). Exit 0 when every answer was 1xx-3xx, 1 otherwise, 2 for usage errors.
enum HTTPCommand {
    static let command = Command(name: "http", run: { try await run($0) })

    static let verbs: [String: HTTPMethod] = [
        "get": .get, "head": .head, "put": .put, "post": .post, "delete": .delete,
    ]

    /// The most error-body bytes kept and shown.
    static let errorBodyLimit = 64 << 10

    /// One request's outcome.
    struct Outcome: Sendable {
        var head: HTTPResponseHead
        var metrics: HTTPMetrics
        var bodyBytes: Int64
        /// The body of a 4xx/5xx answer (up to `errorBodyLimit`), else empty.
        var errorBody: [UInt8]
    }

    static func run(_ argv: [String]) async throws -> Int32 {
        let args = try Arguments(
            argv, valueOptions: ["file", "output", "cacert", "timeout", "header", "count", "concurrency"],
            flags: ["json", "insecure"])
        guard args.positional.count == 2 else { throw UsageError("http takes get|head|put|post|delete and a URL") }
        let verb = args.positional[0].lowercased()
        let url = args.positional[1]
        guard let method = verbs[verb] else {
            throw UsageError("unknown http verb '\(args.positional[0])': use get, head, put, post or delete")
        }
        let count = try args.int("count") ?? 1
        let concurrency = try args.int("concurrency") ?? 1
        guard count >= 1 else { throw UsageError("--count takes a whole number of at least 1") }
        guard concurrency >= 1 else { throw UsageError("--concurrency takes a whole number of at least 1") }
        let headers = try parseHeaders(args.values("header"))

        var config = HTTPClientConfiguration()
        config.tls.insecureSkipVerify = args.flag("insecure")
        config.tls.caFile = args.value("cacert")
        config.maxConnectionsPerHost = max(config.maxConnectionsPerHost, min(concurrency, count))
        if let timeout = try args.seconds("timeout") {
            config.totalTimeout = timeout
            config.connectTimeout = timeout
        }
        let client = HTTPClient(configuration: config, connector: SocketConnector())

        var request: HTTPRequest
        do {
            request = try HTTPRequest(method: method, url: url, headers: headers)
        } catch {
            throw UsageError(error.message)
        }
        var bodyBytes: Int64 = 0
        // Local files through the one file type: the body is read with pread from the open file
        // (shared by the workers: pread has no file position), a download written with pwrite.
        var input: FileDescriptor? = nil
        defer { input?.close() }
        if let path = args.value("file") {
            guard method == .put || method == .post else {
                throw UsageError("--file is for http put and post; use -o to save a download")
            }
            do throws(SystemError) {
                let file = try FileDescriptor.open(path, .readOnly)
                input = file
                bodyBytes = try file.size()
                request.body = .file(file, length: bodyBytes)
            } catch {
                throw CLIError("cannot read \(path): \(error.message)", code: "FileError")
            }
        } else if method == .put {
            throw UsageError("http put needs --file F")
        }

        let output = args.value("output")
        if output != nil && count > 1 { throw UsageError("-o saves one download; it cannot go with --count") }
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
        let sink: BodySink = file.map { .file($0) } ?? (toStdout ? .standardOutput : .discard)
        let uploadBytes = bodyBytes
        defer { client.closeIdleConnections() }

        if count > 1 {
            let summary = await runMany(
                client: client, request: request, count: count, concurrency: min(concurrency, count))
            let report =
                args.flag("json")
                ? summary.json(method: method.rawValue, url: url, uploadBytes: uploadBytes)
                : summary.text(method: method.rawValue, url: url)
            printLine(report)
            return summary.allSucceeded ? ExitCode.success : ExitCode.failure
        }

        let outcome: Outcome
        do {
            outcome = try await once(client: client, request: request, sink: sink)
        } catch let error as HTTPClientError where error.code == .invalidRequest {
            throw UsageError(error.message)
        }
        let shownBytes = method == .put || method == .post ? uploadBytes : outcome.bodyBytes
        let report =
            args.flag("json")
            ? json(method: method.rawValue, url: url, outcome: outcome, bodyBytes: shownBytes)
            : text(method: method.rawValue, url: url, outcome: outcome, bodyBytes: shownBytes)
        if toStdout { printError(report) } else { printLine(report) }
        return outcome.head.status < 400 ? ExitCode.success : ExitCode.failure
    }

    /// `Name: value` options as header fields; CR, LF or NUL anywhere, or no name, is a usage error.
    static func parseHeaders(_ specs: [String]) throws -> HTTPHeaders {
        var headers = HTTPHeaders()
        for spec in specs {
            if spec.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
                throw UsageError("-H refuses a header with CR, LF or NUL in it (it would split the request)")
            }
            guard let colon = spec.firstIndex(of: ":") else {
                throw UsageError("-H takes 'Name: value', not '\(spec)'")
            }
            let name = ASCIISpace.trimmed(spec[..<colon])
            let value = ASCIISpace.trimmed(spec[spec.index(after: colon)...])
            guard HTTPToken.isToken(name) else {
                throw UsageError("-H needs a header name made of token characters, not '\(name)'")
            }
            headers.add(name: name, value: value)
        }
        return headers
    }

    /// Where a successful answer's body goes.
    enum BodySink: @unchecked Sendable {
        case discard
        case standardOutput
        case file(FileDescriptor)
    }

    /// One request: the body to `sink` for a 1xx-3xx answer, kept (up to `errorBodyLimit`) for a 4xx/5xx.
    static func once(client: HTTPClient, request: HTTPRequest, sink: BodySink) async throws -> Outcome {
        // Blocking file reads and writes run on a file I/O thread, never the cooperative pool.
        try await FileIOExecutor.run {
            try await client.execute(request) { response in
                var received: Int64 = 0
                var errorBody: [UInt8] = []
                let failed = response.status >= 400
                while let piece = try await response.read() {
                    if failed {
                        if errorBody.count < errorBodyLimit {
                            errorBody += piece.prefix(errorBodyLimit - errorBody.count)
                        }
                    } else {
                        switch sink {
                        case .file(let file): try file.write(piece, at: received)
                        case .standardOutput: try writeAll(1, piece, to: "standard output")
                        case .discard: break
                        }
                    }
                    received += Int64(piece.count)
                }
                return Outcome(
                    head: response.head, metrics: response.metrics, bodyBytes: received, errorBody: errorBody)
            }
        }
    }

    // MARK: Many requests

    /// What `--count` requests gave.
    struct Summary: Sendable {
        var count = 0
        var concurrency = 1
        var elapsed: Duration = .zero
        var statuses: [Int: Int] = [:]
        var failures: [String: Int] = [:]
        var totals: [Duration] = []
        var ttfbs: [Duration] = []
        var opened = 0
        var reused = 0
        var bytesSent: Int64 = 0
        var bytesReceived: Int64 = 0
        var tlsVersion = ""
        var tlsCipher = ""
        /// The first 4xx/5xx answer, to show what the server said.
        var firstError: Outcome? = nil

        var failed: Int { failures.values.reduce(0, +) + statuses.filter { $0.key >= 400 }.values.reduce(0, +) }
        var allSucceeded: Bool { failed == 0 }

        mutating func add(_ outcome: Outcome) {
            statuses[outcome.head.status, default: 0] += 1
            add(outcome.metrics)
            if outcome.head.status >= 400, firstError == nil { firstError = outcome }
        }

        mutating func add(_ m: HTTPMetrics) {
            totals.append(m.total)
            ttfbs.append(m.timeToFirstByte)
            if m.connectionReused { reused += 1 } else { opened += 1 }
            bytesSent += m.bytesSent
            bytesReceived += m.bytesReceived
            if tlsVersion.isEmpty { (tlsVersion, tlsCipher) = (m.tlsVersion, m.tlsCipher) }
        }

        /// p50, p90, p99 and max (nearest rank) of `values`, in milliseconds.
        static func percentiles(_ values: [Duration]) -> [(String, Double)] {
            let sorted = values.sorted()
            func rank(_ p: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                let i = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
                return milliseconds(sorted[i])
            }
            return [("p50", rank(0.50)), ("p90", rank(0.90)), ("p99", rank(0.99)), ("max", rank(1.0))]
        }

        func text(method: String, url: String) -> String {
            let seconds = milliseconds(elapsed) / 1000
            let rate = seconds > 0 ? Double(count) / seconds : 0
            var lines = [
                "\(method) \(url): \(count) requests, concurrency \(concurrency), \(count - failed) ok, "
                    + "\(failed) failed, in \(fixed(seconds, 3)) s (\(fixed(rate, 1)) requests/s)"
            ]
            for (status, n) in statuses.sorted(by: { $0.key < $1.key }) { lines.append("  status \(status)  \(n)") }
            for (code, n) in failures.sorted(by: { $0.key < $1.key }) { lines.append("  error \(code)  \(n)") }
            lines.append("  connections opened \(opened), reused \(reused)")
            if !tlsVersion.isEmpty { lines.append("  tls         \(tlsVersion) \(tlsCipher)") }
            lines.append("  sent        \(bytesSent) bytes")
            lines.append("  received    \(bytesReceived) bytes")
            lines.append("                     p50        p90        p99        max")
            for (name, values) in [("total ms", totals), ("first byte ms", ttfbs)] {
                let cells = Self.percentiles(values).map { pad(fixed($0.1, 3), 11) }.joined()
                lines.append("  " + name + String(repeating: " ", count: max(1, 14 - name.count)) + cells)
            }
            if let e = firstError { lines.append(contentsOf: errorLines(e)) }
            return lines.joined(separator: "\n")
        }

        func json(method: String, url: String, uploadBytes: Int64) -> String {
            let seconds = milliseconds(elapsed) / 1000
            func latency(_ values: [Duration]) -> String {
                JSON.object(Self.percentiles(values).map { ($0.0, fixed($0.1, 3)) })
            }
            let ok = allSucceeded
            var fields: [(String, String)] = [
                ("state", JSON.string(ok ? "completed" : "failed")),
                ("code", ok ? "null" : JSON.string("HTTPFailures")),
                ("error", ok ? "null" : JSON.string("\(failed) of \(count) requests failed")),
                ("method", JSON.string(method)),
                ("url", JSON.string(url)),
                ("count", "\(count)"),
                ("concurrency", "\(concurrency)"),
                ("ok", "\(count - failed)"),
                ("failed", "\(failed)"),
                (
                    "statuses",
                    JSON.object(statuses.sorted(by: { $0.key < $1.key }).map { ("\($0.key)", "\($0.value)") })
                ),
                ("errors", JSON.object(failures.sorted(by: { $0.key < $1.key }).map { ($0.key, "\($0.value)") })),
                ("elapsed_ms", fixed(milliseconds(elapsed), 3)),
                ("requests_per_s", fixed(seconds > 0 ? Double(count) / seconds : 0, 3)),
                ("connections_opened", "\(opened)"),
                ("connections_reused", "\(reused)"),
                ("bytes_sent", "\(bytesSent)"),
                ("bytes_received", "\(bytesReceived)"),
                ("tls_version", JSON.string(tlsVersion)),
                ("tls_cipher", JSON.string(tlsCipher)),
                ("latency_ms", JSON.object([("total", latency(totals)), ("ttfb", latency(ttfbs))])),
            ]
            if let e = firstError { fields.append(("first_error", errorJSON(e))) }
            return JSON.object(fields)
        }
    }

    /// `count` requests from `concurrency` workers, each sending its next one when the last ended.
    /// A failed request is counted by its code and the run goes on.
    static func runMany(client: HTTPClient, request: HTTPRequest, count: Int, concurrency: Int) async -> Summary {
        let next = PThreadMutex(0)
        let start = ContinuousClock.now
        var summary = await withTaskGroup(of: Summary.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine = Summary()
                    while next.withLock({ n -> Bool in
                        defer { n += 1 }
                        return n < count
                    }) {
                        let failure = PThreadMutex<HTTPMetrics?>(nil)
                        var r = request
                        r.metricsHandler = { m in failure.withLock { $0 = m } }
                        do {
                            mine.add(try await once(client: client, request: r, sink: .discard))
                        } catch {
                            let code = (error as? HTTPClientError).map { "\($0.code)" } ?? "\(type(of: error))"
                            mine.failures[code, default: 0] += 1
                            if let m = failure.withLock({ $0 }) { mine.add(m) }
                        }
                    }
                    return mine
                }
            }
            var all = Summary()
            for await part in group {
                for (k, v) in part.statuses { all.statuses[k, default: 0] += v }
                for (k, v) in part.failures { all.failures[k, default: 0] += v }
                all.totals += part.totals
                all.ttfbs += part.ttfbs
                all.opened += part.opened
                all.reused += part.reused
                all.bytesSent += part.bytesSent
                all.bytesReceived += part.bytesReceived
                if all.tlsVersion.isEmpty { (all.tlsVersion, all.tlsCipher) = (part.tlsVersion, part.tlsCipher) }
                if all.firstError == nil { all.firstError = part.firstError }
            }
            return all
        }
        summary.elapsed = start.duration(to: .now)
        summary.count = count
        summary.concurrency = concurrency
        return summary
    }

    // MARK: Reports

    static func milliseconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }

    static func rate(_ bytes: Int64, _ d: Duration) -> Double {
        let ms = milliseconds(d)
        return ms > 0 ? Double(bytes) / (ms / 1000) : 0
    }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(1, width - s.count)) + s
    }

    /// What a 4xx/5xx answer said: OSS's error fields when the body is its XML (fields that echo
    /// what was signed only by name), else the body as text (controls escaped, at most 2 KiB).
    static func errorLines(_ o: Outcome) -> [String] {
        var lines: [String] = []
        if let e = try? ErrorResponse.decode(o.errorBody) {
            lines.append("  error       \(e.code)" + (e.message.map { ": \($0)" } ?? ""))
            if let id = e.requestId ?? o.head.headers["x-oss-request-id"] { lines.append("  request id  \(id)") }
            if let ec = e.ec { lines.append("  ec          \(ec)") }
            for (name, value) in e.extra.sorted(by: { $0.key < $1.key }) {
                lines.append(
                    "  \(name): " + (hiddenErrorFields.contains(name) ? "(not shown)" : printable(value, limit: 512)))
            }
        } else if let ossError = o.head.headers["x-oss-err"] ?? o.head.headers["x-oss-ec"] {
            lines.append("  error       \(printable(ossError, limit: 512))")
        } else if !o.errorBody.isEmpty {
            lines.append("  error body  \(printable(String(decoding: o.errorBody, as: UTF8.self), limit: 2048))")
        }
        return lines
    }

    static func errorJSON(_ o: Outcome) -> String {
        var fields: [(String, String)] = [("status", "\(o.head.status)")]
        if let e = try? ErrorResponse.decode(o.errorBody) {
            fields.append(("oss_code", JSON.string(e.code)))
            fields.append(("message", JSON.optional(e.message)))
            fields.append(("request_id", JSON.optional(e.requestId ?? o.head.headers["x-oss-request-id"])))
            fields.append(("ec", JSON.optional(e.ec)))
        } else {
            fields.append(("body", JSON.string(printable(String(decoding: o.errorBody, as: UTF8.self), limit: 2048))))
        }
        return JSON.object(fields)
    }

    /// Error-body elements that echo what was signed: named, never shown (as `OSSServiceError`).
    static let hiddenErrorFields: Set<String> = [
        "StringToSign", "StringToSignBytes", "CanonicalRequest", "SignatureProvided",
    ]

    /// `s` on one line: controls as `\u{..}` escapes, cut at `limit` characters.
    static func printable(_ s: String, limit: Int) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if out.count >= limit {
                out += "..."
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out +=
                    scalar == "\n" || scalar == "\r" || scalar == "\t" ? " " : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func text(method: String, url: String, outcome o: Outcome, bodyBytes: Int64) -> String {
        let m = o.metrics
        let head = o.head
        let r = rate(bodyBytes, m.total)
        var lines = ["\(method) \(url) -> \(head.status) \(head.reason)"]
        lines.append("< HTTP/\(head.version.major).\(head.version.minor) \(head.status) \(head.reason)")
        for field in head.headers { lines.append("< \(field.name): \(printable(field.value, limit: 1024))") }
        if !m.remoteAddress.isEmpty { lines.append("  address     \(m.remoteAddress)") }
        if !m.tlsVersion.isEmpty {
            lines.append("  tls version \(m.tlsVersion)")
            lines.append("  cipher      \(m.tlsCipher)")
        }
        lines.append("  dns         \(fixed(milliseconds(m.dns), 3)) ms")
        lines.append("  connect     \(fixed(milliseconds(m.connect), 3)) ms")
        lines.append("  tls         \(fixed(milliseconds(m.tlsHandshake), 3)) ms")
        lines.append("  req sent    \(fixed(milliseconds(m.requestSent), 3)) ms")
        lines.append("  first byte  \(fixed(milliseconds(m.timeToFirstByte), 3)) ms")
        lines.append("  total       \(fixed(milliseconds(m.total), 3)) ms")
        lines.append("  body        \(bodyBytes) bytes")
        lines.append("  sent        \(m.bytesSent) bytes")
        lines.append("  received    \(m.bytesReceived) bytes")
        lines.append("  rate        \(fixed(r / 1_000_000, 2)) MB/s")
        lines.append("  reused      \(m.connectionReused ? "yes" : "no")")
        if head.status >= 400 { lines.append(contentsOf: errorLines(o)) }
        return lines.joined(separator: "\n")
    }

    static func json(method: String, url: String, outcome o: Outcome, bodyBytes: Int64) -> String {
        let m = o.metrics
        let head = o.head
        let failed = head.status >= 400
        let oss = failed ? try? ErrorResponse.decode(o.errorBody) : nil
        var fields: [(String, String)] = [
            ("state", JSON.string(failed ? "failed" : "completed")),
            ("code", failed ? JSON.string(oss?.code ?? "HTTP \(head.status)") : "null"),
            (
                "error",
                failed
                    ? JSON.string(
                        oss.map { "\($0.code)" + ($0.message.map { ": \($0)" } ?? "") }
                            ?? "the server answered \(head.status) \(head.reason)") : "null"
            ),
            ("method", JSON.string(method)),
            ("url", JSON.string(url)),
            ("status", "\(head.status)"),
            ("reason", JSON.string(head.reason)),
            (
                "headers",
                "["
                    + head.headers.map {
                        JSON.object([("name", JSON.string($0.name)), ("value", JSON.string($0.value))])
                    }.joined(separator: ",") + "]"
            ),
            ("remote_address", JSON.string(m.remoteAddress)),
            ("tls_version", JSON.string(m.tlsVersion)),
            ("tls_cipher", JSON.string(m.tlsCipher)),
            ("dns_ms", fixed(milliseconds(m.dns), 3)),
            ("connect_ms", fixed(milliseconds(m.connect), 3)),
            ("tls_ms", fixed(milliseconds(m.tlsHandshake), 3)),
            ("request_sent_ms", fixed(milliseconds(m.requestSent), 3)),
            ("ttfb_ms", fixed(milliseconds(m.timeToFirstByte), 3)),
            ("total_ms", fixed(milliseconds(m.total), 3)),
            ("body_bytes", "\(bodyBytes)"),
            ("bytes_sent", "\(m.bytesSent)"),
            ("bytes_received", "\(m.bytesReceived)"),
            ("rate_bytes_per_s", fixed(rate(bodyBytes, m.total), 0)),
            ("reused", m.connectionReused ? "true" : "false"),
        ]
        if failed { fields.append(("error_body", errorJSON(o))) }
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
