import OSSClient
import OSSCore
import OSSSigner

/// `osswire presign oss://bucket/key [--method M] [--expires S] [--signature-version 1|4] [--at ISO8601]`
///
/// Prints one presigned URL. `--at` fixes the signing time, so the output is reproducible.
/// Exit 2 for every mistake in the call or the configuration (missing credentials, a V4 expiry
/// outside 1 second...7 days, no region for V4).
@Sendable
func presignCommand(_ argv: [String]) async throws -> Int32 {
    if argv.first == "post" { return try await presignPostCommand(Array(argv.dropFirst())) }
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["method", "expires", "at"]).union(presignPostOptions),
        flags: Arguments.commonFlags)
    for name in presignPostOptions.sorted() where args.value(name) != nil {
        throw UsageError("--\(name) is an option of presign post: osswire presign post oss://bucket[/prefix] --\(name) ...")
    }
    guard args.positional.count == 1 else { throw UsageError("presign takes one oss://bucket/key") }
    let uri = try OSSURI.object(args.positional[0])

    let method = (args.value("method") ?? "GET").uppercased()
    guard !method.isEmpty, method.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || $0 == UInt8(ascii: "-") }) else {
        throw UsageError("--method takes an HTTP method such as GET or PUT")
    }
    var version = SignatureVersion.v4
    if let text = args.value("signature-version") {
        guard let v = SignatureVersion(text) else { throw UsageError("--signature-version takes 1 or 4, not \(text)") }
        version = v
    }
    var expires: Int64 = 900
    if let text = args.value("expires") {
        let limit = version == .v4 ? Presigner.maxV4Expiry : Int64.max / 2
        guard let n = Int64(text), n >= 1, n <= limit else {
            throw UsageError(
                version == .v4
                    ? "--expires takes 1...\(Presigner.maxV4Expiry) seconds (7 days) for a V4 URL, not \(text)"
                    : "--expires takes a positive number of seconds, not \(text)")
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

    let (endpoint, region, pathStyle, credentials) = try presignSetup(args, needsRegion: version == .v4)
    let presigner = Presigner(version: version, region: region)
    let request = SigningRequest(method: method, bucket: uri.bucket, key: uri.key)
    let url: PresignedURL
    do {
        url = try presigner.presign(request, credentials: credentials, time: time, expires: expires)
    } catch let e as SigningError {
        // Everything the signer refuses is input: a key with CR/LF, empty credentials, ...
        throw UsageError(e.message)
    }
    let scheme = endpoint.isTLS ? "https" : "http"
    let hostAndPort = String(endpoint.description.dropFirst(scheme.count + 3))
    let text = url.url(scheme: scheme, host: hostAndPort, pathStyle: pathStyle)
    if args.flag("json") {
        printLine(
            JSON.success([
                ("url", JSON.string(text)), ("method", JSON.string(method)),
                ("expires", String(url.expiration.seconds)),
            ]))
    } else {
        printLine(text)
    }
    return ExitCode.success
}

/// The endpoint, region, addressing style and credentials a presigning command signs with
/// (from the options and the environment; nothing is sent).
/// - Throws: `ConfigError` for no endpoint, no credentials, or no region when one is needed.
func presignSetup(_ args: Arguments, needsRegion: Bool) throws
    -> (endpoint: OSSEndpoint, region: String?, pathStyle: Bool, credentials: OSSCredentials)
{
    var region = args.value("region") ?? Env.get("OSS_REGION").flatMap { $0.isEmpty ? nil : $0 }
    let given = args.value("endpoint") ?? Env.get("OSS_ENDPOINT").flatMap { $0.isEmpty ? nil : $0 }
    guard let endpointText = given ?? region.map({ "https://oss-\($0).aliyuncs.com" }) else {
        throw ConfigError("no endpoint: pass --endpoint, or set OSS_ENDPOINT or OSS_REGION")
    }
    let endpoint: OSSEndpoint
    do {
        endpoint = try OSSEndpoint(parsing: endpointText)
    } catch let e as OSSClientError {
        throw ConfigError(e.message)
    }
    if !OSSEndpoint.hasScheme(endpointText) {
        printError("osswire: endpoint \(endpointText) has no scheme: using \(endpoint) (write http:// for a plain-HTTP server)")
    }
    if region == nil { region = endpoint.region }
    let pathStyle = args.flag("path-style") || endpoint.impliesPathStyle

    guard let credentials = EnvironmentCredentialsProvider().current() else {
        throw ConfigError("no credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for STS)")
    }
    if needsRegion && (region ?? "").isEmpty {
        throw ConfigError("V4 signing needs a region: pass --region or set OSS_REGION (or --signature-version 1)")
    }
    return (endpoint, region, pathStyle, credentials)
}
