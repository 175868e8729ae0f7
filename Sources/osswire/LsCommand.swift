import OSSClient
import OSSCore
import OSSSigner
import OSSProtocol

/// `osswire ls [oss://bucket[/prefix]]`: lists the objects under a prefix (all pages), or the
/// buckets when no argument is given.
func lsCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["delimiter", "max-keys", "bucket-tag"]),
        flags: Arguments.commonFlags.union(["versions"]))
    guard args.positional.count <= 1 else { throw UsageError("ls takes at most one oss://bucket[/prefix]") }
    let target = args.positional.first
    var uri: OSSURI?
    if let target {
        // `ls demo` would otherwise list every bucket: a bare name is refused, not guessed.
        guard let parsed = try OSSURI(parsing: target, requireKey: false) else {
            throw UsageError("\(target) is not an oss:// URI: to list bucket \(target), run osswire ls oss://\(target)")
        }
        uri = parsed
    }
    if uri == nil, args.flag("versions") { throw UsageError("ls --versions lists one bucket: give oss://bucket[/prefix]") }
    if uri != nil, !args.values("bucket-tag").isEmpty {
        throw UsageError("ls --bucket-tag filters the list of buckets: give no oss:// URI")
    }
    let tagFilter = try bucketTagFilter(args.values("bucket-tag"))
    let json = args.flag("json")
    let maxKeys = try args.int("max-keys")
    let client = try CLIClient.make(args)

    guard let uri else {
        var names: [(String, String)] = []
        for try await page in client.listBucketsPages(tags: tagFilter) {
            for b in page.buckets {
                let created = b.creationDate?.iso8601 ?? ""
                names.append((b.name, created))
                if !json { printLine("\(created.isEmpty ? "-" : created)  oss://\(b.name)") }
            }
        }
        if json {
            let items = names.map { "{\"bucket\":\(JSON.string($0.0)),\"created\":\(JSON.optional($0.1.isEmpty ? nil : $0.1))}" }
            printLine(JSON.success([("buckets", "[\(items.joined(separator: ","))]"), ("count", "\(names.count)")]))
        }
        return ExitCode.success
    }

    if args.flag("versions") { return try await lsVersions(client, uri, args, maxKeys: maxKeys, json: json) }
    var parameters = ListObjectsV2Parameters(prefix: uri.key.isEmpty ? nil : uri.key, delimiter: args.value("delimiter"))
    parameters.maxKeys = maxKeys
    var count = 0
    var total: Int64 = 0
    var objects: [String] = []
    var prefixes: [String] = []
    for try await page in client.listObjectsV2Pages(bucket: uri.bucket, parameters) {
        for p in page.commonPrefixes {
            if json {
                prefixes.append(JSON.string(p))
            } else {
                printLine("\(String(repeating: " ", count: 35))DIR  oss://\(uri.bucket)/\(p)")
            }
        }
        for o in page.contents {
            count += 1
            let size = o.size ?? 0
            total += size
            let modified = o.lastModified?.iso8601
            if json {
                objects.append(
                    "{\"key\":\(JSON.string(o.key)),\"size\":\(size),\"last_modified\":\(JSON.optional(modified)),"
                        + "\"etag\":\(JSON.optional(o.eTag))}")
            } else {
                printLine("\(modified ?? "-")  \(pad(String(size), 12))  oss://\(uri.bucket)/\(o.key)")
            }
        }
    }
    if json {
        printLine(
            JSON.success([
                ("objects", "[\(objects.joined(separator: ","))]"), ("prefixes", "[\(prefixes.joined(separator: ","))]"),
                ("count", "\(count)"), ("bytes", "\(total)"),
            ]))
    } else {
        printLine("\(count) object\(count == 1 ? "" : "s"), \(total) bytes")
    }
    return ExitCode.success
}

private func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// The `--bucket-tag KEY[=VALUE]` options as one ListBuckets filter: one `KEY` keeps the buckets
/// with that tag key, one `KEY=VALUE` those with that tag, several those with all of them (each
/// then needs its value).
func bucketTagFilter(_ options: [String]) throws -> BucketTagFilter? {
    let pairs = options.map { o -> (String, String?) in Arguments.assignment(o) ?? (o, nil) }
    for (k, _) in pairs where k.isEmpty { throw UsageError("--bucket-tag needs a KEY before its =VALUE") }
    switch pairs.count {
    case 0: return nil
    case 1: return pairs[0].1.map { .tag(key: pairs[0].0, value: $0) } ?? .key(pairs[0].0)
    default:
        var tags: [OSSTag] = []
        for (k, v) in pairs {
            guard let v else { throw UsageError("--bucket-tag \(k): with several --bucket-tag, each needs KEY=VALUE") }
            tags.append(OSSTag(key: k, value: v))
        }
        return .allOf(tags)
    }
}
