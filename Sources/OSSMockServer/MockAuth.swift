import OSSCore
import OSSCrypto

/// Verifies OSS request signatures: V1 (`OSS ak:signature`, `OSSAccessKeyId`/`Signature` presigned
/// URLs) and V4 (`OSS4-HMAC-SHA256`, in the header or presigned), against configured credentials.
///
/// The one entry point is `verify`, so it can be backed by the signer module's verifier.
enum MockAuth {
    /// Query parameters that are part of the V1 canonical resource (as the official SDKs sign).
    static let v1SubResources: Set<String> = [
        "acl", "bucketInfo", "location", "stat", "delete", "append", "tagging", "objectMeta", "uploads", "uploadId",
        "partNumber", "security-token", "position", "response-content-type", "response-content-language",
        "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding",
        "restore", "callback", "callback-var", "versions", "versioning", "versionId", "sequential",
        "continuation-token", "regionList", "cloudboxes", "symlink", "resourceGroup",
    ]

    /// Checks a request's signature.
    /// - Throws: the OSS error to answer (`AccessDenied`, `SignatureDoesNotMatch`,
    ///   `InvalidAccessKeyId`, `RequestTimeTooSkewed`, `InvalidSecurityToken`).
    static func verify(
        _ r: MockRequest, credentials: [MockCredential], allowAnonymous: Bool, now: UTCTime, maximumSkew: Int64
    ) throws(MockOSSError) {
        if let auth = r.header("authorization"), !auth.isEmpty {
            if auth.hasPrefix("OSS4-HMAC-SHA256 ") {
                try verifyV4Header(r, auth, credentials, now, maximumSkew)
            } else if auth.hasPrefix("OSS ") {
                try verifyV1Header(r, auth, credentials, now, maximumSkew)
            } else {
                throw MockOSSError.argument("Authorization header is invalid.", name: "Authorization")
            }
        } else if r.hasQuery("x-oss-signature") || r.hasQuery("x-oss-signature-version") {
            try verifyV4Query(r, credentials, now)
        } else if r.hasQuery("Signature") || r.hasQuery("OSSAccessKeyId") {
            try verifyV1Query(r, credentials, now)
        } else if !allowAnonymous {
            throw MockOSSError.anonymousDenied
        }
    }

    // MARK: Shared

    private static func credential(_ id: String, _ credentials: [MockCredential]) throws(MockOSSError) -> MockCredential {
        guard let c = credentials.first(where: { $0.accessKeyId == id }) else {
            throw MockOSSError.invalidAccessKeyId.with("OSSAccessKeyId", id)
        }
        return c
    }

    private static func checkToken(_ c: MockCredential, _ sent: String?) throws(MockOSSError) {
        let sent = (sent?.isEmpty ?? true) ? nil : sent
        guard c.securityToken == sent else { throw MockOSSError.invalidSecurityToken }
    }

    private static func checkSkew(_ requestTime: UTCTime, _ raw: String, _ now: UTCTime, _ maximumSkew: Int64) throws(MockOSSError) {
        let diff = requestTime.seconds - now.seconds
        if diff > maximumSkew || diff < -maximumSkew {
            throw MockOSSError.requestTimeTooSkewed.with("RequestTime", raw).with("ServerTime", now.rfc1123)
                .with("MaxAllowedSkewMilliseconds", String(maximumSkew * 1000))
        }
    }

    private static func mismatch(_ stringToSign: String, canonicalRequest: String? = nil) -> MockOSSError {
        var e = MockOSSError.signatureDoesNotMatch.with("StringToSign", stringToSign)
        if let canonicalRequest { e = e.with("CanonicalRequest", canonicalRequest) }
        return e
    }

    /// `/bucket/key` (decoded), `/bucket/` or `/`, as both signatures build it.
    static func resourcePath(_ r: MockRequest) -> String {
        guard let b = r.bucket else { return "/" }
        return "/\(b)/\(r.key ?? "")"
    }

    /// Header fields signed by default or named as additional, lower-cased, sorted, `name:value\n`.
    private static func canonicalHeaders(_ r: MockRequest, v4 additional: Set<String>?) -> String {
        var fields: [(String, String)] = []
        for h in r.headers {
            let n = h.name.lowercased()
            let signed: Bool
            if let additional {
                signed = n.hasPrefix("x-oss-") || n == "content-type" || n == "content-md5" || additional.contains(n)
            } else {
                signed = n.hasPrefix("x-oss-")
            }
            if signed { fields.append((n, h.value.trimmingSpaces)) }
        }
        fields.sort { $0.0 < $1.0 }
        return fields.map { "\($0.0):\($0.1)\n" }.joined()
    }

    // MARK: V1

    private static func v1StringToSign(_ r: MockRequest, date: String, excludingQuery: Set<String> = []) -> String {
        var pairs: [(String, String)] = []
        for q in r.query where v1SubResources.contains(q.name) && !excludingQuery.contains(q.name) {
            pairs.append((q.name, q.value ?? ""))
        }
        pairs.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var resource = resourcePath(r)
        if !pairs.isEmpty {
            resource += "?" + pairs.map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        return "\(r.method)\n\(r.header("content-md5") ?? "")\n\(r.header("content-type") ?? "")\n\(date)\n"
            + canonicalHeaders(r, v4: nil) + resource
    }

    private static func v1Signature(_ secret: String, _ stringToSign: String) -> String {
        Base64.encode(HMAC.sha1(key: Array(secret.utf8), message: Array(stringToSign.utf8)))
    }

    private static func verifyV1Header(
        _ r: MockRequest, _ auth: String, _ credentials: [MockCredential], _ now: UTCTime, _ maximumSkew: Int64
    ) throws(MockOSSError) {
        let rest = auth.dropFirst(4)
        guard let colon = rest.lastIndex(of: ":") else {
            throw MockOSSError.argument("Authorization header is invalid.", name: "Authorization")
        }
        let id = String(rest[..<colon]).trimmingSpaces
        let provided = String(rest[rest.index(after: colon)...]).trimmingSpaces
        let c = try credential(id, credentials)
        try checkToken(c, r.header("x-oss-security-token") ?? r.header("security-token"))
        var candidates: [String] = []
        if let d = r.header("date") { candidates.append(d) }
        if let d = r.header("x-oss-date") { candidates.append(d) }
        guard let first = candidates.first else { throw MockOSSError.missingDate }
        guard let time = UTCTime(rfc1123: first) ?? UTCTime(iso8601Basic: first) else {
            throw MockOSSError.argument("Invalid date format.", name: "Date", value: first)
        }
        try checkSkew(time, first, now, maximumSkew)
        for date in candidates {
            let sts = v1StringToSign(r, date: date)
            if constantTimeEquals(Array(v1Signature(c.accessKeySecret, sts).utf8), Array(provided.utf8)) { return }
        }
        throw mismatch(v1StringToSign(r, date: first))
    }

    private static func verifyV1Query(_ r: MockRequest, _ credentials: [MockCredential], _ now: UTCTime) throws(MockOSSError) {
        guard let id = r.queryValue("OSSAccessKeyId"), let expiresText = r.queryValue("Expires"),
            let provided = r.queryValue("Signature")
        else {
            throw MockOSSError.argument("Missing OSSAccessKeyId, Expires or Signature in the query string.")
        }
        guard let expires = Int64(expiresText) else {
            throw MockOSSError.argument("Invalid Expires.", name: "Expires", value: expiresText)
        }
        let c = try credential(id, credentials)
        if expires < now.seconds {
            throw MockOSSError.expired.with("Expires", UTCTime(seconds: expires).iso8601).with("ServerTime", now.iso8601)
        }
        try checkToken(c, r.queryValue("security-token"))
        let sts = v1StringToSign(r, date: expiresText)
        guard constantTimeEquals(Array(v1Signature(c.accessKeySecret, sts).utf8), Array(provided.utf8)) else {
            throw mismatch(sts)
        }
    }

    // MARK: V4

    private struct V4Credential {
        var accessKeyId: String
        var date: String
        var region: String
        var product: String
        var scope: String { "\(date)/\(region)/\(product)/aliyun_v4_request" }
    }

    private static func parseCredential(_ text: String) throws(MockOSSError) -> V4Credential {
        let p = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 5, p[4] == "aliyun_v4_request", p[1].count == 8 else {
            throw MockOSSError.argument("Invalid credential in the Authorization header.", name: "Credential", value: text)
        }
        return V4Credential(accessKeyId: p[0], date: p[1], region: p[2], product: p[3])
    }

    private static func v4CanonicalQuery(_ r: MockRequest, excluding: String?) -> String {
        var pairs: [(String, String)] = []
        for q in r.query where q.name != excluding {
            pairs.append((PercentEncoding.encode(q.name), PercentEncoding.encode(q.value ?? "")))
        }
        pairs.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return pairs.map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    private static func v4Check(
        _ r: MockRequest, _ c: MockCredential, _ cred: V4Credential, timestamp: String, additional: [String],
        provided: String, excludingQuery: String?
    ) throws(MockOSSError) {
        let additionalSet = Set(additional)
        let canonicalURI = PercentEncoding.encode(resourcePath(r), allowed: .unreservedAndSlash)
        let payload = r.header("x-oss-content-sha256") ?? "UNSIGNED-PAYLOAD"
        let canonical = "\(r.method)\n\(canonicalURI)\n\(v4CanonicalQuery(r, excluding: excludingQuery))\n"
            + canonicalHeaders(r, v4: additionalSet) + "\n\(additional.joined(separator: ";"))\n\(payload)"
        let sts = "OSS4-HMAC-SHA256\n\(timestamp)\n\(cred.scope)\n\(Hex.encode(Digest.sha256(canonical)))"
        var key = HMAC.sha256(key: Array(("aliyun_v4" + c.accessKeySecret).utf8), message: Array(cred.date.utf8))
        key = HMAC.sha256(key: key, message: Array(cred.region.utf8))
        key = HMAC.sha256(key: key, message: Array(cred.product.utf8))
        key = HMAC.sha256(key: key, message: Array("aliyun_v4_request".utf8))
        let signature = Hex.encode(HMAC.sha256(key: key, message: Array(sts.utf8)))
        guard constantTimeEquals(Array(signature.utf8), Array(provided.lowercased().utf8)) else {
            throw mismatch(sts, canonicalRequest: canonical)
        }
    }

    private static func verifyV4Header(
        _ r: MockRequest, _ auth: String, _ credentials: [MockCredential], _ now: UTCTime, _ maximumSkew: Int64
    ) throws(MockOSSError) {
        var fields: [String: String] = [:]
        for item in auth.dropFirst("OSS4-HMAC-SHA256 ".count).split(separator: ",") {
            let t = item.trimmingSpaces
            if let eq = t.firstIndex(of: "=") { fields[String(t[..<eq])] = String(t[t.index(after: eq)...]) }
        }
        guard let credText = fields["Credential"], let provided = fields["Signature"] else {
            throw MockOSSError.argument("Authorization header is invalid.", name: "Authorization")
        }
        let cred = try parseCredential(credText)
        let c = try credential(cred.accessKeyId, credentials)
        guard let timestamp = r.header("x-oss-date") else { throw MockOSSError.missingDate }
        guard let time = UTCTime(iso8601Basic: timestamp) else {
            throw MockOSSError.argument("Invalid x-oss-date.", name: "x-oss-date", value: timestamp)
        }
        try checkSkew(time, timestamp, now, maximumSkew)
        guard timestamp.hasPrefix(cred.date) else {
            throw MockOSSError.argument("The date in the credential scope does not match x-oss-date.", name: "Credential")
        }
        try checkToken(c, r.header("x-oss-security-token"))
        let additional = (fields["AdditionalHeaders"] ?? "").split(separator: ";").map { $0.lowercased() }
        try v4Check(r, c, cred, timestamp: timestamp, additional: additional, provided: provided, excludingQuery: nil)
    }

    private static func verifyV4Query(_ r: MockRequest, _ credentials: [MockCredential], _ now: UTCTime) throws(MockOSSError) {
        guard r.queryValue("x-oss-signature-version") == "OSS4-HMAC-SHA256", let credText = r.queryValue("x-oss-credential"),
            let timestamp = r.queryValue("x-oss-date"), let expiresText = r.queryValue("x-oss-expires"),
            let provided = r.queryValue("x-oss-signature")
        else {
            throw MockOSSError.argument("Missing or invalid V4 query parameters.")
        }
        let cred = try parseCredential(credText)
        let c = try credential(cred.accessKeyId, credentials)
        guard let time = UTCTime(iso8601Basic: timestamp), let expires = Int64(expiresText), expires > 0,
            expires <= 7 * 86_400
        else {
            throw MockOSSError.argument("Invalid x-oss-date or x-oss-expires.", name: "x-oss-expires", value: expiresText)
        }
        if time.seconds + expires < now.seconds {
            throw MockOSSError.expired.with("Expires", UTCTime(seconds: time.seconds + expires).iso8601)
                .with("ServerTime", now.iso8601)
        }
        try checkToken(c, r.queryValue("x-oss-security-token"))
        let additional = (r.queryValue("x-oss-additional-headers") ?? "").split(separator: ";").map { $0.lowercased() }
        try v4Check(r, c, cred, timestamp: timestamp, additional: additional, provided: provided, excludingQuery: "x-oss-signature")
    }
}
