import OSSClient
import OSSCore
import OSSProtocol
import OSSSigner

/// `osswire presign post oss://bucket[/prefix] [--expires S] [--content-length-range MIN,MAX]
/// [--content-type T] [--success-action-status 200|201|204] [--meta k=v]... [--at ISO8601]`
///
/// Prints a signed browser-upload form (PostObject, V4): the URL to POST to and the form fields
/// in order; the browser (or `curl -F`) sends them, then the file as the last field, `file`. The
/// policy allows keys under the prefix (`starts-with $key`), and the `key` field is
/// `<prefix>${filename}` (OSS puts the uploaded file's name there). No request is sent.
/// Exit 2 for every mistake in the call or the configuration.
/// The options only `presign post` takes.
let presignPostOptions: Set<String> = ["content-length-range", "content-type", "success-action-status", "meta"]

@Sendable
func presignPostCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv,
        valueOptions: Arguments.commonValueOptions.union(["expires", "at"]).union(presignPostOptions),
        flags: Arguments.commonFlags)
    guard args.positional.count == 1 else { throw UsageError("presign post takes one oss://bucket[/prefix]") }
    guard let uri = try OSSURI(parsing: args.positional[0], requireKey: false) else {
        throw UsageError("expected oss://bucket[/prefix], got \(args.positional[0])")
    }
    var expires: Int64 = 3600
    if let text = args.value("expires") {
        guard let n = Int64(text), n >= 1, n <= PostObjectSigner.maxExpiry else {
            throw UsageError("--expires takes 1...\(PostObjectSigner.maxExpiry) seconds (7 days) for a POST policy, not \(text)")
        }
        expires = n
    }
    var time = UTCTime.now()
    if let text = args.value("at") {
        guard let t = UTCTime(iso8601: text) ?? UTCTime(iso8601Basic: text) else {
            throw UsageError("--at takes an ISO 8601 UTC time such as 2024-02-29T12:00:00Z, not \(text)")
        }
        time = t
    }
    var conditions: [PostPolicy.Condition] = [.startsWith(field: "key", prefix: uri.key)]
    var fields: [(name: String, value: String)] = [("key", uri.key + "${filename}")]
    if let text = args.value("content-length-range") {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = Int64(parts[0]), let hi = Int64(parts[1]), lo >= 0, hi >= lo else {
            throw UsageError("--content-length-range takes MIN,MAX in bytes with 0 <= MIN <= MAX, not \(text)")
        }
        conditions.append(.contentLengthRange(min: lo, max: hi))
    }
    if let type = args.value("content-type") {
        conditions.append(.equals(field: "Content-Type", value: type))
        fields.append(("Content-Type", type))
    }
    if let status = args.value("success-action-status") {
        conditions.append(.equals(field: "success_action_status", value: status))
        fields.append(("success_action_status", status))
    }
    for pair in args.values("meta") {
        guard let (key, value) = Arguments.assignment(pair), !key.isEmpty else {
            throw UsageError("--meta takes NAME=VALUE, not \(pair)")
        }
        let name = "x-oss-meta-" + ASCIICase.lowercased(key)
        conditions.append(.equals(field: name, value: value))
        fields.append((name, value))
    }

    let (endpoint, region, pathStyle, credentials) = try presignSetup(args, needsRegion: true)
    let form: PostObjectForm
    do {
        form = try PostObjectSigner(region: region ?? "").sign(
            bucket: uri.bucket, conditions: conditions, fields: fields, credentials: credentials, time: time,
            expires: expires)
    } catch let e as SigningError {
        // Everything the signer refuses is input: a bad range, a bucket name, a value with CR/LF, ...
        throw UsageError(e.message)
    }
    let scheme = endpoint.isTLS ? "https" : "http"
    let hostAndPort = String(endpoint.description.dropFirst(scheme.count + 3))
    let url = pathStyle ? "\(scheme)://\(hostAndPort)/\(uri.bucket)/" : "\(scheme)://\(uri.bucket).\(hostAndPort)/"
    if args.flag("json") {
        let list = form.fields.map { JSON.object([("name", JSON.string($0.name)), ("value", JSON.string($0.value))]) }
        printLine(
            JSON.success([
                ("url", JSON.string(url)), ("method", JSON.string("POST")), ("expires", String(form.expiration.seconds)),
                ("fields", "[" + list.joined(separator: ",") + "]"), ("policy", JSON.string(form.policy.json)),
            ]))
    } else {
        printLine("POST \(url)")
        for f in form.fields { printLine("\(f.name)=\(f.value)") }
        printLine("file=<the file, sent last>")
    }
    return ExitCode.success
}
