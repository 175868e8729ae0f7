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
        // Each form of the time is formatted once: `x-oss-date` and the string to sign share one.
        let stamp = time.iso8601Basic
        var added: [(name: String, value: String)] = []
        added.reserveCapacity(5)  // with the STS token and Authorization: no regrowing
        added.append(("x-oss-date", stamp))
        added.append(("Date", time.rfc1123))
        added.append(("x-oss-content-sha256", SignerV4.unsignedPayload))
        if let token = credentials.token { added.append(("x-oss-security-token", token)) }
        // Without additional headers (the usual case) the signer's headers overlay the request's
        // as they are read: no merged copy of the request is made.
        let extra: [String]
        let canonical: [UInt8]
        if additionalHeaders.isEmpty {
            extra = []
            canonical = canonicalRequestBytes(request, replacedBy: added, additionalHeaders: [])
        } else {
            let signed = request.settingHeaders(added)
            extra = effectiveAdditionalHeaders(signed)
            canonical = canonicalRequestBytes(signed, additionalHeaders: extra)
        }
        // The key and the scope depend only on the secret, the day, the region and the product:
        // both come from the cache, built once a day.
        let (key, scope) = SigningKeyCache.shared.entry(
            secret: credentials.accessKeySecret, date: time.yyyymmdd, region: region, product: product)
        // The string to sign as bytes, hashed and signed as it is (no intermediate strings).
        let toSign = stringToSignBytes(canonicalRequest: canonical, stamp: stamp, scope: scope)
        let signature = key.withUnsafeBytes { k in
            toSign.withUnsafeBytes { HMAC.authenticateHex(.sha256, key: k, message: $0) }
        }
        var auth = ""
        auth.reserveCapacity(128 + credentials.accessKeyId.utf8.count + scope.utf8.count + extra.count * 32)
        auth += SignerV4.algorithm
        auth += " Credential="
        auth += credentials.accessKeyId
        auth += "/"
        auth += scope
        if !extra.isEmpty {
            auth += ",AdditionalHeaders="
            auth += extra.joined(separator: ";")
        }
        auth += ",Signature="
        auth += signature
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
        guard !ByteScan.hasLineBreak(region), !ByteScan.contains(region, where: { $0 == UInt8(ascii: "/") }),
            !ByteScan.hasLineBreak(product)
        else {
            throw SigningError.invalidInput("the region or product contains '/', CR, LF or NUL")
        }
        for name in additionalHeaders where !ByteScan.allIn(name, .token) {
            throw SigningError.invalidInput(
                "the additional header name '\(SigningRequest.printable(name))' is not an HTTP token")
        }
    }

    /// `yyyymmdd/<region>/<product>/aliyun_v4_request`.
    public func scope(_ time: UTCTime) -> String {
        SignerV4.scope(date: time.yyyymmdd, region: region, product: product)
    }

    static func scope(date: String, region: String, product: String) -> String {
        var scope = ""
        scope.reserveCapacity(18 + date.utf8.count + region.utf8.count + product.utf8.count)
        scope += date
        scope += "/"
        scope += region
        scope += "/"
        scope += product
        scope += "/aliyun_v4_request"
        return scope
    }

    /// The additional headers that take part: lower-cased, not default-signed, present in the
    /// request, sorted, without duplicates.
    func effectiveAdditionalHeaders(_ request: SigningRequest) -> [String] {
        var names: [String] = []
        for name in additionalHeaders {
            let lower = ASCIICase.lowercased(name)
            if SignerV4.isDefaultSigned(lower) || names.contains(lower) { continue }
            if let v = request.header(lower), !v.isEmpty { names.append(lower) }
        }
        return names.sorted { ByteScan.precedes($0, $1) }
    }

    /// Whether V4 signs a header of this name whatever is asked (`x-oss-*`, `Content-Type`,
    /// `Content-MD5`), in any case.
    static func isDefaultSigned(_ name: String) -> Bool {
        ByteScan.hasPrefix(name, "x-oss-", ignoringCase: true) || ASCIICase.equal(name, "content-type")
            || ASCIICase.equal(name, "content-md5")
    }

    /// The V4 canonical request of a request whose headers and query are final.
    /// - Parameters:
    ///   - request: the request (for a presigned URL: with the `x-oss-*` query parameters,
    ///     without `x-oss-signature`).
    ///   - additionalHeaders: lower-case, sorted names of the additional signed headers.
    public func canonicalRequest(_ request: SigningRequest, additionalHeaders: [String]) -> String {
        String(decoding: canonicalRequestBytes(request, additionalHeaders: additionalHeaders), as: UTF8.self)
    }

    /// The canonical request's UTF-8 bytes.
    func canonicalRequestBytes(_ request: SigningRequest, additionalHeaders: [String]) -> [UInt8] {
        canonicalRequestBytes(request, replacedBy: [], additionalHeaders: additionalHeaders)
    }

    /// The canonical request's bytes of `request.settingHeaders(overlay)`, for an `overlay` whose
    /// names are distinct, read without building that request.
    ///
    /// Written byte by byte into one array: no name is lower-cased into a new string, no value
    /// trimmed into one, no path or joined value built as a string first. The signed headers are
    /// references into the request (no copy), put in order by an insertion sort on their
    /// lower-cased names: stable, so the values of a repeated name are joined in the order sent
    /// (as `SigningRequest.header` does), and quick for the handful a request signs.
    func canonicalRequestBytes(
        _ request: SigningRequest, replacedBy overlay: [(name: String, value: String)], additionalHeaders: [String]
    ) -> [UInt8] {
        func isSigned(_ name: String) -> Bool {
            SignerV4.isDefaultSigned(name) || additionalHeaders.contains { ASCIICase.equal($0, name) }
        }
        var signed: [(name: String, value: String)] = []
        signed.reserveCapacity(request.headers.count + overlay.count)
        for h in request.headers where isSigned(h.name) && !overlay.contains(where: { ASCIICase.equal($0.name, h.name) }) {
            signed.append(h)
        }
        for h in overlay where isSigned(h.name) { signed.append(h) }
        if signed.count > 1 {
            for i in 1..<signed.count {
                var j = i
                while j > 0 && ByteScan.precedes(signed[j].name, signed[j - 1].name, ignoringCase: true) {
                    signed.swapAt(j, j - 1)
                    j -= 1
                }
            }
        }
        var out: [UInt8] = []
        let pathBytes = (request.bucket?.utf8.count ?? 0) + (request.key?.utf8.count ?? 0)
        let fieldBytes = signed.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 }
        out.reserveCapacity(192 + pathBytes * 3 + fieldBytes + additionalHeaders.count * 24)
        let newline = UInt8(ascii: "\n")
        out.append(contentsOf: request.method.utf8)
        out.append(newline)
        // `/bucket/key` encoded keeping `/`: the encoding of the parts, as `/` is kept.
        out.append(UInt8(ascii: "/"))
        if let bucket = request.bucket {
            PercentEncoding.append(bucket, allowed: .unreservedAndSlash, to: &out)
            out.append(UInt8(ascii: "/"))
        }
        if let key = request.key { PercentEncoding.append(key, allowed: .unreservedAndSlash, to: &out) }
        out.append(newline)
        if !request.query.isEmpty { out.append(contentsOf: URIEncoding.canonicalQuery(request.query).utf8) }
        out.append(newline)
        // Where the `x-oss-content-sha256` line's value was written: the last line repeats it.
        var payload: Range<Int>? = nil
        var i = 0
        while i < signed.count {
            let name = signed[i].name
            // The name copied at once, then lowered in place (by index, the UTF8View was walked
            // with an encoding check and a call per byte: a seventh of a signature).
            let nameStart = out.count
            out.append(contentsOf: name.utf8)
            // A-Z lowered by hand: `ASCIICase.lower` stays a call per byte here even inlinable.
            out.withUnsafeMutableBufferPointer { b in
                for k in nameStart..<b.count where b[k] &- 65 < 26 { b[k] |= 0x20 }
            }
            out.append(UInt8(ascii: ":"))
            let valueStart = out.count
            var j = i
            while j < signed.count && (j == i || ASCIICase.equal(signed[j].name, name)) {
                if j > i { out.append(UInt8(ascii: ",")) }
                ASCIISpace.appendTrimmed(signed[j].value, to: &out)
                j += 1
            }
            if ASCIICase.equal(name, "x-oss-content-sha256") { payload = valueStart..<out.count }
            out.append(newline)
            i = j
        }
        out.append(newline)
        for (i, name) in additionalHeaders.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ";")) }
            out.append(contentsOf: name.utf8)
        }
        out.append(newline)
        if let payload {
            for k in payload { out.append(out[k]) }
        } else {
            out.append(contentsOf: SignerV4.unsignedPayload.utf8)
        }
        return out
    }

    /// `OSS4-HMAC-SHA256 \n datetime \n scope \n hex(sha256(canonical))`.
    public func stringToSign(canonicalRequest: String, time: UTCTime, scope: String) -> String {
        String(
            decoding: stringToSignBytes(canonicalRequest: Array(canonicalRequest.utf8), stamp: time.iso8601Basic, scope: scope),
            as: UTF8.self)
    }

    /// The string to sign's UTF-8 bytes, from the canonical request's; `stamp` is the time as
    /// `x-oss-date` carries it.
    func stringToSignBytes(canonicalRequest: [UInt8], stamp: String, scope: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(SignerV4.algorithm.utf8.count + scope.utf8.count + 84)
        out.append(contentsOf: SignerV4.algorithm.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: stamp.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: scope.utf8)
        out.append(UInt8(ascii: "\n"))
        Digest.appendSHA256Hex(of: canonicalRequest, to: &out)
        return out
    }

    /// The hex signature: HMAC-SHA256 down the key chain, then over the string to sign.
    static func signature(_ stringToSign: String, secret: String, date: String, region: String, product: String)
        -> String
    {
        let key = SigningKeyCache.shared.entry(secret: secret, date: date, region: region, product: product).key
        var text = stringToSign
        return text.withUTF8 { message in
            key.withUnsafeBytes { Hex.encode(HMAC.authenticate(.sha256, key: $0, message: UnsafeRawBufferPointer(message))) }
        }
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

    /// A derived key and the scope it signs for.
    typealias Entry = (key: [UInt8], scope: String)

    private struct State {
        var entries: [Key: Entry] = [:]
        /// The entry used last: compared field by field before anything is hashed (a process
        /// signs request after request with the same credentials on the same day).
        var last: (key: Key, value: Entry)? = nil
    }

    private let state = PThreadMutex(State())

    /// The signing key and the scope `date/region/product/aliyun_v4_request`.
    func entry(secret: String, date: String, region: String, product: String) -> Entry {
        let k = Key(secret: secret, date: date, region: region, product: product)
        let hit = state.withLock { s -> Entry? in
            if let last = s.last, last.key == k { return last.value }
            guard let found = s.entries[k] else { return nil }
            s.last = (k, found)
            return found
        }
        if let hit { return hit }
        let derived: Entry = (
            SignerV4.deriveSigningKey(secret: secret, date: date, region: region, product: product),
            SignerV4.scope(date: date, region: region, product: product)
        )
        state.withLock { s in
            if s.entries.count >= Self.capacity { s.entries.removeAll() }
            s.entries[k] = derived
            s.last = (k, derived)
        }
        return derived
    }
}
