import OSSCore
import OSSSigner

/// `osswire presign oss://bucket/key [--method M] [--expires S] [--signature-version 1|4] [--at ISO8601]`
///
/// Prints one presigned URL. `--at` fixes the signing time, so the output is reproducible.
/// Exit 2 on usage errors, 1 on failures (missing credentials, a V4 expiry over 7 days, ...).
@Sendable
func presignCommand(_ argv: [String]) async throws -> Int32 {
    let args = try Arguments(
        argv, valueOptions: Arguments.commonValueOptions.union(["method", "expires", "at"]),
        flags: Arguments.commonFlags)
    guard args.positional.count == 1 else { throw UsageError("presign takes one oss://bucket/key") }
    let (bucket, key) = try parseObjectURI(args.positional[0])

    let method = (args.value("method") ?? "GET").uppercased()
    guard !method.isEmpty, method.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || $0 == UInt8(ascii: "-") }) else {
        throw UsageError("--method takes an HTTP method such as GET or PUT")
    }
    var expires: Int64 = 900
    if let text = args.value("expires") {
        guard let n = Int64(text), n >= 0 else { throw UsageError("--expires takes whole seconds, not \(text)") }
        expires = n
    }
    var version = SignatureVersion.v4
    if let text = args.value("signature-version") {
        guard let v = SignatureVersion(text) else { throw UsageError("--signature-version takes 1 or 4, not \(text)") }
        version = v
    }
    var time = UTCTime.now()
    if let text = args.value("at") {
        guard let t = UTCTime(iso8601: text) ?? UTCTime(iso8601Basic: text) else {
            throw UsageError("--at takes an ISO 8601 UTC time such as 2024-02-29T12:00:00Z, not \(text)")
        }
        time = t
    }

    var region = args.value("region") ?? Env.get("OSS_REGION").flatMap { $0.isEmpty ? nil : $0 }
    let endpointText =
        args.value("endpoint") ?? Env.get("OSS_ENDPOINT").flatMap { $0.isEmpty ? nil : $0 }
        ?? region.map { "oss-\($0).aliyuncs.com" }
    guard let endpointText else {
        throw UsageError("no endpoint: pass --endpoint, or set OSS_ENDPOINT or OSS_REGION")
    }
    let endpoint = try PresignEndpoint(endpointText)
    if region == nil { region = OSSRegion.from(endpointHost: endpoint.host) }
    let pathStyle = args.flag("path-style") || endpoint.isIPAddress

    guard let credentials = EnvironmentCredentialsProvider().current() else {
        printError("osswire presign: missing credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET")
        return ExitCode.failure
    }
    if version == .v4 && (region ?? "").isEmpty {
        printError("osswire presign: V4 signing needs a region: pass --region or set OSS_REGION")
        return ExitCode.failure
    }
    let presigner = Presigner(version: version, region: region)
    let request = SigningRequest(method: method, bucket: bucket, key: key)
    let url = try presigner.presign(request, credentials: credentials, time: time, expires: expires)
    printLine(url.url(scheme: endpoint.scheme, host: endpoint.hostAndPort, pathStyle: pathStyle))
    return ExitCode.success
}

/// Splits `oss://bucket/key` (the key is everything after the first `/`, kept literally).
private func parseObjectURI(_ text: String) throws -> (String, String) {
    guard text.hasPrefix("oss://") else { throw UsageError("expected oss://bucket/key, not \(text)") }
    let rest = text.dropFirst(6)
    guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex, rest.index(after: slash) != rest.endIndex
    else { throw UsageError("expected oss://bucket/key with a bucket and a key, not \(text)") }
    return (String(rest[..<slash]), String(rest[rest.index(after: slash)...]))
}

/// An endpoint as `--endpoint` / `OSS_ENDPOINT` give it: `[http[s]://]host[:port][/]`.
private struct PresignEndpoint {
    var scheme = "https"
    var host: String
    var hostAndPort: String
    var isIPAddress: Bool

    init(_ text: String) throws {
        var rest = Substring(text)
        if rest.hasPrefix("https://") {
            rest = rest.dropFirst(8)
        } else if rest.hasPrefix("http://") {
            scheme = "http"
            rest = rest.dropFirst(7)
        } else if rest.contains("://") {
            throw UsageError("--endpoint takes http:// or https://, not \(text)")
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            throw UsageError("--endpoint takes [http[s]://]host[:port], not \(text)")
        }
        hostAndPort = String(rest)
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw UsageError("bad IPv6 endpoint \(text)") }
            host = String(rest[...close])
            isIPAddress = true
        } else {
            host = String(rest.split(separator: ":", maxSplits: 1).first ?? rest)
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            isIPAddress =
                parts.count == 4
                && parts.allSatisfy { p in
                    !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) && (Int(p) ?? 256) <= 255
                }
        }
    }
}
