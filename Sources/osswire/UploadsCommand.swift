import OSSClient
import OSSCore

/// `osswire uploads ls oss://bucket[/prefix]` and
/// `osswire uploads abort oss://bucket/key (--upload-id ID | --all) [--older-than DURATION]`:
/// the unfinished multipart uploads, which keep their parts on the server until completed or
/// aborted (a paused cp leaves one, to resume it).
func uploadsCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["upload-id", "older-than"]),
        flags: Arguments.commonFlags.union(["all"]))
    guard let verb = args.positional.first else { throw UsageError("uploads takes ls or abort") }
    switch verb {
    case "ls": return try await listUploads(args)
    case "abort": return try await abortUploads(args)
    default: throw UsageError("unknown uploads verb '\(verb)': use ls or abort")
    }
}

/// Every unfinished upload under a prefix, oldest first within a key, as OSS lists them.
private func listUploads(_ args: Arguments) async throws -> Int32 {
    guard args.positional.count == 2 else { throw UsageError("uploads ls takes one oss://bucket[/prefix]") }
    guard args.value("upload-id") == nil, args.value("older-than") == nil, !args.flag("all") else {
        throw UsageError("--upload-id, --all and --older-than are for uploads abort")
    }
    guard let uri = try OSSURI(parsing: args.positional[1], requireKey: false) else {
        throw UsageError("expected oss://bucket[/prefix], got \(args.positional[1])")
    }
    let client = try CLIClient.make(args)
    let uploads = try await allUploads(client, bucket: uri.bucket, prefix: uri.key)
    if args.flag("json") {
        printLine(
            JSON.success([
                ("uploads", "[" + uploads.map { uploadJSON($0, bucket: uri.bucket) }.joined(separator: ",") + "]"),
                ("count", "\(uploads.count)"),
            ]))
    } else {
        for u in uploads {
            printLine("\(u.initiated?.iso8601 ?? "-")  \(u.uploadId)  oss://\(uri.bucket)/\(u.key)")
        }
        printLine("\(uploads.count) unfinished upload\(uploads.count == 1 ? "" : "s")")
    }
    return ExitCode.success
}

/// Aborts one upload by its id, or every upload of a key (older than a duration).
private func abortUploads(_ args: Arguments) async throws -> Int32 {
    guard args.positional.count == 2 else { throw UsageError("uploads abort takes one oss://bucket/key") }
    let uri = try OSSURI.object(args.positional[1])
    let id = args.value("upload-id")
    let all = args.flag("all")
    guard (id != nil) != all else { throw UsageError("uploads abort takes --upload-id ID or --all (one of them)") }
    let olderThan = try args.value("older-than").map(parseDuration)
    if olderThan != nil && !all { throw UsageError("--older-than goes with --all") }
    let client = try CLIClient.make(args)
    Signals.onSignal { _ in client.disableRequests() }

    var targets: [ListMultipartUploadsResult.Upload]
    if let id {
        targets = [.init(key: uri.key, uploadId: id)]
    } else {
        let now = UTCTime.now()
        targets = try await allUploads(client, bucket: uri.bucket, prefix: uri.key).filter { $0.key == uri.key }
        if let olderThan {
            // An upload with no time stamp is never "old enough": nothing is aborted on a guess.
            targets = targets.filter { u in u.initiated.map { now.seconds - $0.seconds > olderThan } ?? false }
        }
    }
    var aborted: [ListMultipartUploadsResult.Upload] = []
    var failed: [(upload: ListMultipartUploadsResult.Upload, report: FailureReport)] = []
    for u in targets {
        do {
            try await client.abortMultipartUpload(bucket: uri.bucket, key: u.key, uploadId: u.uploadId)
            aborted.append(u)
            if !args.flag("json") { printLine("aborted upload \(u.uploadId) of \(uri)") }
        } catch {
            let report = FailureReport(error)
            failed.append((u, report))
            printError("osswire uploads: upload \(u.uploadId) of \(uri): \(report.text)")
        }
    }
    if args.flag("json") {
        let fails = failed.map {
            "{\"upload_id\":\(JSON.string($0.upload.uploadId)),\"code\":\(JSON.string($0.report.code)),"
                + "\"error\":\(JSON.string($0.report.text))}"
        }
        let fields: [(String, String)] = [
            ("state", JSON.string(failed.isEmpty ? "completed" : "failed")),
            ("code", failed.isEmpty ? "null" : JSON.string(failed.count == 1 ? failed[0].report.code : "PartialFailure")),
            ("error", failed.isEmpty ? "null" : JSON.string("\(failed.count) of \(targets.count) aborts failed")),
            ("aborted", "[" + aborted.map { uploadJSON($0, bucket: uri.bucket) }.joined(separator: ",") + "]"),
            ("failed", "[" + fails.joined(separator: ",") + "]"),
        ]
        printLine("{" + fields.map { "\(JSON.string($0.0)):\($0.1)" }.joined(separator: ",") + "}")
    } else if targets.isEmpty {
        printLine("no unfinished uploads of \(uri)" + (olderThan != nil ? " older than \(args.value("older-than")!)" : ""))
    }
    if Signals.received != nil { return Signals.exitStatus }
    return failed.isEmpty ? ExitCode.success : ExitCode.failure
}

private func allUploads(_ client: OSSClient, bucket: String, prefix: String) async throws
    -> [ListMultipartUploadsResult.Upload]
{
    var out: [ListMultipartUploadsResult.Upload] = []
    for try await page in client.listMultipartUploadsPages(
        bucket: bucket, ListMultipartUploadsParameters(prefix: prefix.isEmpty ? nil : prefix))
    {
        out += page.uploads
    }
    return out
}

private func uploadJSON(_ u: ListMultipartUploadsResult.Upload, bucket: String) -> String {
    "{\"key\":\(JSON.string(u.key)),\"object\":\(JSON.string("oss://\(bucket)/\(u.key)")),"
        + "\"upload_id\":\(JSON.string(u.uploadId)),\"initiated\":\(JSON.optional(u.initiated?.iso8601))}"
}

/// `90s`, `30m`, `12h`, `7d`, or plain seconds, as whole seconds.
/// - Throws: `UsageError` for anything else.
func parseDuration(_ text: String) throws -> Int64 {
    let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800]
    var digits = Substring(text)
    var scale: Int64 = 1
    if let last = text.last, let s = units[last] {
        scale = s
        digits = digits.dropLast()
    }
    guard let n = Int64(digits), n >= 0, n <= Int64.max / scale else {
        throw UsageError("--older-than takes a duration such as 90s, 30m, 12h or 7d, not \(text)")
    }
    return n * scale
}
