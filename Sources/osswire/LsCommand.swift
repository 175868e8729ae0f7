import OSSClient
import OSSCore
import OSSSigner

/// `osswire ls [oss://bucket[/prefix]]`: lists the objects under a prefix (all pages), or the
/// buckets when no bucket is given.
func lsCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["delimiter", "max-keys"]),
        flags: Arguments.commonFlags)
    guard args.positional.count <= 1 else { throw UsageError("ls takes at most one oss://bucket[/prefix]") }
    let client = try CLIClient.make(args)
    let json = args.flag("json")
    let maxKeys = try args.int("max-keys")

    guard let target = args.positional.first, let uri = try OSSURI(parsing: target, requireKey: false),
        !uri.bucket.isEmpty
    else {
        var names: [(String, String)] = []
        for try await page in client.listBucketsPages() {
            for b in page.buckets {
                let created = b.creationDate?.iso8601 ?? ""
                names.append((b.name, created))
                if !json { printLine("\(created.isEmpty ? "-" : created)  oss://\(b.name)") }
            }
        }
        if json {
            let items = names.map { "{\"bucket\":\(JSON.string($0.0)),\"created\":\(JSON.string($0.1))}" }
            printLine("{\"buckets\":[\(items.joined(separator: ","))],\"count\":\(names.count)}")
        }
        return ExitCode.success
    }

    var parameters = ListObjectsV2Parameters(prefix: uri.key.isEmpty ? nil : uri.key, delimiter: args.value("delimiter"))
    parameters.maxKeys = maxKeys
    var count = 0
    var total: Int64 = 0
    var items: [String] = []
    for try await page in client.listObjectsV2Pages(bucket: uri.bucket, parameters) {
        for p in page.commonPrefixes {
            if json {
                items.append("{\"prefix\":\(JSON.string(p))}")
            } else {
                printLine("\(String(repeating: " ", count: 35))DIR  oss://\(uri.bucket)/\(p)")
            }
        }
        for o in page.contents {
            count += 1
            let size = o.size ?? 0
            total += size
            let modified = o.lastModified?.iso8601 ?? "-"
            if json {
                items.append(
                    "{\"key\":\(JSON.string(o.key)),\"size\":\(size),\"last_modified\":\(JSON.string(modified)),"
                        + "\"etag\":\(JSON.string(o.eTag ?? ""))}")
            } else {
                printLine("\(modified)  \(pad(String(size), 12))  oss://\(uri.bucket)/\(o.key)")
            }
        }
    }
    if json {
        printLine("{\"objects\":[\(items.joined(separator: ","))],\"count\":\(count),\"bytes\":\(total)}")
    } else {
        printLine("\(count) object\(count == 1 ? "" : "s"), \(total) bytes")
    }
    return ExitCode.success
}

private func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

// MARK: - Shared by ls, stat, rm, cp, mb, rb

/// `oss://bucket/key`, split.
struct OSSURI: CustomStringConvertible {
    var bucket: String
    var key: String

    /// Parses `oss://bucket[/key]`; `nil` when `text` is not an `oss://` URI.
    /// - Throws: `UsageError` when a key is required and missing.
    init?(parsing text: String, requireKey: Bool) throws {
        guard text.hasPrefix("oss://") else { return nil }
        let rest = text.dropFirst("oss://".count)
        if let slash = rest.firstIndex(of: "/") {
            bucket = String(rest[..<slash])
            key = String(rest[rest.index(after: slash)...])
        } else {
            bucket = String(rest)
            key = ""
        }
        if requireKey && (bucket.isEmpty || key.isEmpty) {
            throw UsageError("expected oss://bucket/key, got \(text)")
        }
    }

    /// Parses an argument that must be `oss://bucket/key`.
    static func object(_ text: String) throws -> OSSURI {
        guard let uri = try OSSURI(parsing: text, requireKey: true) else {
            throw UsageError("expected oss://bucket/key, got \(text)")
        }
        return uri
    }

    /// Parses an argument that must be `oss://bucket`.
    static func bucket(_ text: String) throws -> String {
        guard let uri = try OSSURI(parsing: text, requireKey: false), !uri.bucket.isEmpty else {
            throw UsageError("expected oss://bucket, got \(text)")
        }
        guard uri.key.isEmpty else { throw UsageError("expected a bucket without a key: oss://\(uri.bucket)") }
        return uri.bucket
    }

    var description: String { "oss://\(bucket)/\(key)" }
}

/// Builds the client of the OSS commands from the common options and the environment.
enum CLIClient {
    static func make(_ args: Arguments) throws -> OSSClient {
        guard let endpoint = args.value("endpoint") ?? Env.get("OSS_ENDPOINT"), !endpoint.isEmpty else {
            throw UsageError("no endpoint: pass --endpoint URL or set OSS_ENDPOINT")
        }
        var config: OSSClientConfiguration
        do {
            config = try OSSClientConfiguration(endpoint: endpoint)
        } catch let e as OSSClientError {
            throw UsageError(e.message)
        }
        if let region = args.value("region") ?? Env.get("OSS_REGION"), !region.isEmpty { config.region = region }
        if let v = args.value("signature-version") {
            guard let version = OSSClientConfiguration.SignatureVersion(v) else {
                throw UsageError("--signature-version takes 1 or 4, not \(v)")
            }
            config.signatureVersion = version
        }
        if args.flag("path-style") { config.addressing = .pathStyle }
        if args.flag("insecure") { config.tls.insecureSkipVerify = true }
        if let ca = args.value("cacert") { config.tls.caFile = ca }
        if let t = try args.seconds("timeout") {
            guard t > .zero else { throw UsageError("--timeout must be positive") }
            config.timeouts.idle = t
            config.timeouts.connect = t
        }
        guard EnvironmentCredentialsProvider().current() != nil else {
            throw CLIError("no credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for STS)")
        }
        do {
            return try OSSClient(configuration: config)
        } catch let e as OSSClientError where e.kind == .invalidArgument {
            throw UsageError(e.message)
        }
    }
}

/// A failure reported as one line, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Minimal JSON text building (no Foundation).
enum JSON {
    /// A JSON string literal (RFC 8259 §7).
    static func string(_ s: String) -> String { JSONString.quoted(s) }

    static func optional(_ s: String?) -> String { s.map(string) ?? "null" }
}
