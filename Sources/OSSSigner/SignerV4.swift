import OSSCore
internal import OSSCrypto

/// OSS signature version 4: `OSS4-HMAC-SHA256`.
///
/// The canonical request is
/// `VERB \n URI \n Query \n Headers \n AdditionalHeaders \n UNSIGNED-PAYLOAD`; the string to sign is
/// `OSS4-HMAC-SHA256 \n <x-oss-date> \n <scope> \n hex(SHA256(canonical request))` with the scope
/// `yyyymmdd/<region>/<product>/aliyun_v4_request`; the key is derived from `aliyun_v4` + secret
/// through the date, region, product and `aliyun_v4_request`.
public struct SignerV4: Sendable {
    /// The algorithm name in `Authorization` and `x-oss-signature-version`.
    public static let algorithm = "OSS4-HMAC-SHA256"
    /// The payload hash OSS accepts for streamed bodies.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The region of the scope (`cn-hangzhou`).
    public var region: String
    /// The product of the scope: `oss` (or `oss-cloudbox`).
    public var product: String
    /// Headers to sign beyond the default ones (`x-oss-*`, `content-type`, `content-md5`).
    public var additionalHeaders: [String]

    public init(region: String, product: String = "oss", additionalHeaders: [String] = []) {
        self.region = region
        self.product = product
        self.additionalHeaders = additionalHeaders
    }

    /// Signs a request for the `Authorization` header.
    /// - Parameters:
    ///   - request: the request as it will be sent.
    ///   - credentials: the keys (and STS token) to sign with.
    ///   - time: the signing time (already corrected for clock skew).
    /// - Returns: the headers to set (`x-oss-date`, `Date`, `x-oss-content-sha256`,
    ///   `x-oss-security-token` with STS, `Authorization`), each replacing any of the same name.
    /// - Throws: `SigningError` for empty credentials or region, or input with CR/LF.
    public func sign(
        _ request: SigningRequest, credentials: OSSCredentials, time: UTCTime
    ) throws -> [(name: String, value: String)] {
        try validate(credentials: credentials, request: request)
        var added: [(name: String, value: String)] = [
            ("x-oss-date", time.iso8601Basic), ("Date", time.rfc1123),
            ("x-oss-content-sha256", SignerV4.unsignedPayload),
        ]
        if let token = credentials.token { added.append(("x-oss-security-token", token)) }
        let signed = request.settingHeaders(added)
        let extra = effectiveAdditionalHeaders(signed)
        let scope = self.scope(time)
        let canonical = canonicalRequest(signed, additionalHeaders: extra)
        let signature = SignerV4.signature(
            stringToSign(canonicalRequest: canonical, time: time, scope: scope), secret: credentials.accessKeySecret,
            date: time.yyyymmdd, region: region, product: product)
        var auth = "\(SignerV4.algorithm) Credential=\(credentials.accessKeyId)/\(scope)"
        if !extra.isEmpty { auth += ",AdditionalHeaders=" + extra.joined(separator: ";") }
        auth += ",Signature=" + signature
        added.append(("Authorization", auth))
        return added
    }

    func validate(credentials: OSSCredentials, request: SigningRequest) throws {
        try credentials.validate()
        try request.validate()
        guard !region.isEmpty else {
            throw SigningError(
                code: .missingRegion,
                message: "V4 signing needs a region (--region, OSS_REGION or an oss-<region> endpoint)")
        }
        guard !SigningRequest.hasLineBreak(region), !region.contains("/"), !SigningRequest.hasLineBreak(product) else {
            throw SigningError.invalidInput("the region or product contains '/', CR, LF or NUL")
        }
        for name in additionalHeaders where !name.utf8.allSatisfy({ SigningRequest.isTokenByte($0) }) {
            throw SigningError.invalidInput(
                "the additional header name '\(SigningRequest.printable(name))' is not an HTTP token")
        }
    }

    /// `yyyymmdd/<region>/<product>/aliyun_v4_request`.
    public func scope(_ time: UTCTime) -> String {
        "\(time.yyyymmdd)/\(region)/\(product)/aliyun_v4_request"
    }

    /// The additional headers that take part: lower-cased, not default-signed, present in the
    /// request, sorted, without duplicates.
    func effectiveAdditionalHeaders(_ request: SigningRequest) -> [String] {
        var names: [String] = []
        for name in additionalHeaders {
            let lower = name.lowercased()
            if SignerV4.isDefaultSigned(lower) || names.contains(lower) { continue }
            if let v = request.header(lower), !v.isEmpty { names.append(lower) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func isDefaultSigned(_ lower: String) -> Bool {
        lower.hasPrefix("x-oss-") || lower == "content-type" || lower == "content-md5"
    }

    /// The V4 canonical request of a request whose headers and query are final.
    /// - Parameters:
    ///   - request: the request (for a presigned URL: with the `x-oss-*` query parameters,
    ///     without `x-oss-signature`).
    ///   - additionalHeaders: lower-case, sorted names of the additional signed headers.
    public func canonicalRequest(_ request: SigningRequest, additionalHeaders: [String]) -> String {
        // One pass over the headers: each name lower-cased once, the values of a repeated name
        // trimmed and joined with `,` in the order sent (as `SigningRequest.header` does).
        var signed: [(name: String, value: String)] = []
        var payload: String? = nil
        for h in request.headers {
            let lower = h.name.lowercased()
            let value = SigningRequest.trim(h.value)
            if lower == "x-oss-content-sha256" { payload = payload.map { $0 + "," + value } ?? value }
            guard SignerV4.isDefaultSigned(lower) || additionalHeaders.contains(lower) else { continue }
            if let i = signed.firstIndex(where: { $0.name == lower }) {
                signed[i].value += "," + value
            } else {
                signed.append((lower, value))
            }
        }
        signed.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var out = request.method + "\n"
        out += URIEncoding.encode(request.resourcePath, keepSlash: true) + "\n"
        out += URIEncoding.canonicalQuery(request.query) + "\n"
        for h in signed {
            out += h.name
            out += ":"
            out += h.value
            out += "\n"
        }
        out += "\n"
        out += additionalHeaders.joined(separator: ";") + "\n"
        out += payload ?? SignerV4.unsignedPayload
        return out
    }

    /// `OSS4-HMAC-SHA256 \n datetime \n scope \n hex(sha256(canonical))`.
    public func stringToSign(canonicalRequest: String, time: UTCTime, scope: String) -> String {
        "\(SignerV4.algorithm)\n\(time.iso8601Basic)\n\(scope)\n" + Hex.encode(Digest.sha256(canonicalRequest))
    }

    /// The hex signature: HMAC-SHA256 down the key chain, then over the string to sign.
    static func signature(_ stringToSign: String, secret: String, date: String, region: String, product: String)
        -> String
    {
        let key = SigningKeyCache.shared.key(secret: secret, date: date, region: region, product: product)
        return Hex.encode(HMAC.sha256(key: key, message: Array(stringToSign.utf8)))
    }

    /// The derived key: `aliyun_v4` + secret, HMAC-SHA256 through date, region, product and
    /// `aliyun_v4_request`.
    static func deriveSigningKey(secret: String, date: String, region: String, product: String) -> [UInt8] {
        var key = HMAC.sha256(key: Array(("aliyun_v4" + secret).utf8), message: Array(date.utf8))
        key = HMAC.sha256(key: key, message: Array(region.utf8))
        key = HMAC.sha256(key: key, message: Array(product.utf8))
        return HMAC.sha256(key: key, message: Array("aliyun_v4_request".utf8))
    }
}

/// The V4 signing keys derived lately, so a request costs one HMAC instead of five: the key
/// depends only on the secret, the day, the region and the product.
///
/// Holds at most `capacity` keys (emptied when full: a process signs with few credentials at
/// once). Secrets and keys stay in this private dictionary and are never printed or thrown.
final class SigningKeyCache: Sendable {
    static let shared = SigningKeyCache()
    static let capacity = 16

    private struct Key: Hashable {
        let secret: String
        let date: String
        let region: String
        let product: String
    }

    private let keys = PThreadMutex<[Key: [UInt8]]>([:])

    func key(secret: String, date: String, region: String, product: String) -> [UInt8] {
        let k = Key(secret: secret, date: date, region: region, product: product)
        if let cached = keys.withLock({ $0[k] }) { return cached }
        let derived = SignerV4.deriveSigningKey(secret: secret, date: date, region: region, product: product)
        keys.withLock { keys in
            if keys.count >= Self.capacity { keys.removeAll() }
            keys[k] = derived
        }
        return derived
    }
}
