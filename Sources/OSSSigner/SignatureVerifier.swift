import OSSCore
internal import OSSCrypto

/// Why a request's authentication was refused, with the OSS error code a server answers with.
public struct VerificationFailure: Sendable, Hashable, CustomStringConvertible {
    /// The OSS error code (`SignatureDoesNotMatch`, `InvalidAccessKeyId`, ...).
    public let code: String
    /// The HTTP status OSS uses for it.
    public let status: Int
    /// A short explanation (never containing a secret or the expected signature).
    public let message: String

    private init(_ code: String, _ status: Int, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    /// No `Authorization` header and no signature in the query.
    public static let missingAuthentication = VerificationFailure("AccessDenied", 403, "the request is not signed")
    /// The signature is present but malformed (bad layout, missing date, bad scope).
    public static let malformed = VerificationFailure("InvalidArgument", 400, "the authorization is malformed")
    /// The access key id is unknown.
    public static let invalidAccessKeyId = VerificationFailure(
        "InvalidAccessKeyId", 403, "the OSS access key id you provided does not exist in our records")
    /// The recomputed signature differs.
    public static let signatureDoesNotMatch = VerificationFailure(
        "SignatureDoesNotMatch", 403, "the request signature we calculated does not match the signature you provided")
    /// A presigned URL past its expiry.
    public static let expired = VerificationFailure("AccessDenied", 403, "request has expired")
    /// The request's date is too far from the server's clock.
    public static let requestTimeTooSkewed = VerificationFailure(
        "RequestTimeTooSkewed", 403, "the difference between the request time and the current time is too large")
    /// The STS token is missing, unexpected or wrong.
    public static let invalidSecurityToken = VerificationFailure(
        "InvalidSecurityToken", 403, "the security token you provided is invalid")
    /// The V4 scope names another region than the server's (OSS: 400 `InvalidArgument`,
    /// "Invalid signing region in Authorization header.", EC 0002-00000226).
    public static let wrongRegion = VerificationFailure(
        "InvalidArgument", 400, "the credential scope does not match this endpoint's region")
    /// The V4 scope's region is empty (OSS: "The signing region in credential is invalid.").
    public static let invalidRegion = VerificationFailure(
        "InvalidArgument", 400, "the credential scope names no region")
    /// The V4 scope names another product than `oss` (OSS: 400 `InvalidArgument`, "Invalid signing
    /// product in Authorization header.", EC 0002-00000227).
    public static let wrongProduct = VerificationFailure(
        "InvalidArgument", 400, "the credential scope does not name the oss product")

    public var description: String { "\(code): \(message)" }
}

/// The outcome of checking a request's signature.
public struct VerificationResult: Sendable, Hashable {
    /// `nil` when the request is authentic.
    public let failure: VerificationFailure?
    /// The access key id the request claims, when it could be read.
    public let accessKeyId: String?
    /// The signature version used, when one was recognised.
    public let version: SignatureVersion?

    /// Whether the request is authentic.
    public var isValid: Bool { failure == nil }

    static func fail(_ f: VerificationFailure, _ id: String? = nil, _ v: SignatureVersion? = nil) -> VerificationResult
    {
        VerificationResult(failure: f, accessKeyId: id, version: v)
    }
}

/// Server-side check of V1 and V4 signatures, in the `Authorization` header or the query string:
/// recomputes the signature from the received request and compares in constant time.
public struct SignatureVerifier: Sendable {
    /// When set, a V4 scope must name this region.
    public var region: String?
    /// The V1 sub-resource list (must match the clients').
    public var signerV1: SignerV1

    public init(region: String? = nil, signerV1: SignerV1 = SignerV1()) {
        self.region = region
        self.signerV1 = signerV1
    }

    /// Verifies a received request.
    /// - Parameters:
    ///   - request: the method, raw target and headers as received.
    ///   - credentialsLookup: the known credentials of an access key id (with the STS token the
    ///     request must carry, if any), or `nil` for an unknown id.
    ///   - now: the server's time.
    ///   - maxSkew: how far (seconds) a header-signed request's date may be from `now`.
    /// - Returns: the outcome; never throws, never reveals the expected signature.
    public func verify(
        request: ReceivedRequest, credentialsLookup: (String) -> OSSCredentials?, now: UTCTime = .now(),
        maxSkew: Int64 = 900
    ) -> VerificationResult {
        guard let signing = request.signingRequest else { return .fail(.malformed) }
        if let auth = signing.header("Authorization"), !auth.isEmpty {
            if auth.hasPrefix(SignerV4.algorithm + " ") {
                return verifyV4Header(signing, auth, credentialsLookup, now, maxSkew)
            }
            if auth.hasPrefix("OSS ") { return verifyV1Header(signing, auth, credentialsLookup, now, maxSkew) }
            return .fail(.malformed)
        }
        if signing.queryValue("x-oss-signature-version") != nil || signing.queryValue("x-oss-signature") != nil {
            return verifyV4Query(signing, credentialsLookup, now, maxSkew)
        }
        if signing.queryValue("Signature") != nil || signing.queryValue("OSSAccessKeyId") != nil {
            return verifyV1Query(signing, credentialsLookup, now)
        }
        return .fail(.missingAuthentication)
    }

    // MARK: V1

    private func verifyV1Header(
        _ r: SigningRequest, _ auth: String, _ lookup: (String) -> OSSCredentials?, _ now: UTCTime, _ maxSkew: Int64
    ) -> VerificationResult {
        let body = auth.dropFirst(4)
        guard let colon = body.lastIndex(of: ":") else { return .fail(.malformed, nil, .v1) }
        let id = String(body[..<colon])
        let given = String(body[body.index(after: colon)...])
        guard let dateLine = r.header("x-oss-date") ?? r.header("Date"), let date = UTCTime(rfc1123: dateLine) else {
            return .fail(.malformed, id, .v1)
        }
        guard let creds = lookup(id), creds.hasKeys else { return .fail(.invalidAccessKeyId, id, .v1) }
        if abs(now.seconds - date.seconds) > maxSkew { return .fail(.requestTimeTooSkewed, id, .v1) }
        guard tokenMatches(creds, r.header("x-oss-security-token")) else {
            return .fail(.invalidSecurityToken, id, .v1)
        }
        let expected = SignerV1.signature(signerV1.stringToSign(r, dateLine: dateLine), secret: creds.accessKeySecret)
        return compare(expected, given, id, .v1)
    }

    private func verifyV1Query(
        _ r: SigningRequest, _ lookup: (String) -> OSSCredentials?, _ now: UTCTime
    ) -> VerificationResult {
        guard let id = r.queryValue("OSSAccessKeyId"), let given = r.queryValue("Signature"),
            let expiresText = r.queryValue("Expires"), let expires = Int64(expiresText)
        else { return .fail(.malformed, nil, .v1) }
        guard let creds = lookup(id), creds.hasKeys else { return .fail(.invalidAccessKeyId, id, .v1) }
        if now.seconds > expires { return .fail(.expired, id, .v1) }
        guard tokenMatches(creds, r.queryValue("security-token")) else { return .fail(.invalidSecurityToken, id, .v1) }
        let expected = SignerV1.signature(
            signerV1.stringToSign(r, dateLine: expiresText), secret: creds.accessKeySecret)
        return compare(expected, given, id, .v1)
    }

    // MARK: V4

    /// `ak/yyyymmdd/region/product/aliyun_v4_request` split from the end.
    private func parseCredential(_ text: String) -> (id: String, date: String, region: String, product: String)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[parts.count - 1] == "aliyun_v4_request" else { return nil }
        let id = parts[0..<(parts.count - 4)].joined(separator: "/")
        guard !id.isEmpty else { return nil }
        return (id, String(parts[parts.count - 4]), String(parts[parts.count - 3]), String(parts[parts.count - 2]))
    }

    private func checkScope(
        _ cred: (id: String, date: String, region: String, product: String), _ time: UTCTime
    ) -> VerificationFailure? {
        guard cred.date == time.yyyymmdd else { return .malformed }
        if cred.region.isEmpty { return .invalidRegion }
        if cred.product != "oss" { return .wrongProduct }
        if let region, region != cred.region { return .wrongRegion }
        return nil
    }

    private func verifyV4Header(
        _ r: SigningRequest, _ auth: String, _ lookup: (String) -> OSSCredentials?, _ now: UTCTime, _ maxSkew: Int64
    ) -> VerificationResult {
        var fields: [String: String] = [:]
        for part in auth.dropFirst(SignerV4.algorithm.count + 1).split(separator: ",") {
            let item = ASCIISpace.trimmed(part)
            guard let eq = item.firstIndex(of: "=") else { return .fail(.malformed, nil, .v4) }
            fields[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        guard let credText = fields["Credential"], let cred = parseCredential(credText), let given = fields["Signature"]
        else { return .fail(.malformed, nil, .v4) }
        guard let dateText = r.header("x-oss-date"), let time = UTCTime(iso8601Basic: dateText) else {
            return .fail(.malformed, cred.id, .v4)
        }
        if let f = checkScope(cred, time) { return .fail(f, cred.id, .v4) }
        guard let creds = lookup(cred.id), creds.hasKeys else { return .fail(.invalidAccessKeyId, cred.id, .v4) }
        if abs(now.seconds - time.seconds) > maxSkew { return .fail(.requestTimeTooSkewed, cred.id, .v4) }
        guard tokenMatches(creds, r.header("x-oss-security-token")) else {
            return .fail(.invalidSecurityToken, cred.id, .v4)
        }
        let extra = Self.additionalHeaderList(fields["AdditionalHeaders"])
        let expected = signatureV4(r, extra: extra, time: time, cred: cred, secret: creds.accessKeySecret)
        return compare(expected, given.lowercased(), cred.id, .v4)
    }

    private func verifyV4Query(
        _ r: SigningRequest, _ lookup: (String) -> OSSCredentials?, _ now: UTCTime, _ maxSkew: Int64
    ) -> VerificationResult {
        guard r.queryValue("x-oss-signature-version") == SignerV4.algorithm,
            let credText = r.queryValue("x-oss-credential"), let cred = parseCredential(credText),
            let given = r.queryValue("x-oss-signature"),
            let dateText = r.queryValue("x-oss-date"), let time = UTCTime(iso8601Basic: dateText),
            let expiresText = r.queryValue("x-oss-expires"), let expires = Int64(expiresText),
            expires >= 1, expires <= Presigner.maxV4Expiry
        else { return .fail(.malformed, nil, .v4) }
        if let f = checkScope(cred, time) { return .fail(f, cred.id, .v4) }
        guard let creds = lookup(cred.id), creds.hasKeys else { return .fail(.invalidAccessKeyId, cred.id, .v4) }
        if now.seconds > time.seconds + expires { return .fail(.expired, cred.id, .v4) }
        if time.seconds - now.seconds > maxSkew { return .fail(.requestTimeTooSkewed, cred.id, .v4) }
        guard tokenMatches(creds, r.queryValue("x-oss-security-token")) else {
            return .fail(.invalidSecurityToken, cred.id, .v4)
        }
        var unsigned = r
        unsigned.query.removeAll { $0.name == "x-oss-signature" }
        let extra = Self.additionalHeaderList(r.queryValue("x-oss-additional-headers"))
        let expected = signatureV4(unsigned, extra: extra, time: time, cred: cred, secret: creds.accessKeySecret)
        return compare(expected, given.lowercased(), cred.id, .v4)
    }

    private static func additionalHeaderList(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ";").map { $0.lowercased() }
    }

    private func signatureV4(
        _ r: SigningRequest, extra: [String], time: UTCTime,
        cred: (id: String, date: String, region: String, product: String),
        secret: String
    ) -> String {
        let signer = SignerV4(region: cred.region, product: cred.product)
        let scope = signer.scope(time)
        let canonical = signer.canonicalRequest(r, additionalHeaders: extra)
        return SignerV4.signature(
            signer.stringToSign(canonicalRequest: canonical, time: time, scope: scope), secret: secret,
            date: time.yyyymmdd, region: cred.region, product: cred.product)
    }

    // MARK: Shared

    /// The request must carry exactly the token the credentials have (none when they have none).
    private func tokenMatches(_ creds: OSSCredentials, _ received: String?) -> Bool {
        switch (creds.token, received.flatMap { $0.isEmpty ? nil : $0 }) {
        case (nil, nil): return true
        case (let expected?, let got?): return constantTimeEquals(Array(expected.utf8), Array(got.utf8))
        default: return false
        }
    }

    private func compare(_ expected: String, _ given: String, _ id: String, _ v: SignatureVersion) -> VerificationResult
    {
        constantTimeEquals(Array(expected.utf8), Array(given.utf8))
            ? VerificationResult(failure: nil, accessKeyId: id, version: v)
            : .fail(.signatureDoesNotMatch, id, v)
    }
}
