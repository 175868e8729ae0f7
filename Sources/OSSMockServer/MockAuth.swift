import OSSCore
import OSSSigner

/// Verifies OSS request signatures: V1 (`OSS ak:signature`, `OSSAccessKeyId`/`Signature` presigned
/// URLs) and V4 (`OSS4-HMAC-SHA256`, in the header or presigned), against configured credentials,
/// with OSSSigner's `SignatureVerifier`.
enum MockAuth {
    /// Checks a request's signature with the signer module's `SignatureVerifier`, and turns a
    /// failure into the answer OSS gives.
    /// - Throws: the OSS error to answer (`AccessDenied`, `SignatureDoesNotMatch`,
    ///   `InvalidAccessKeyId`, `RequestTimeTooSkewed`, `InvalidSecurityToken`).
    /// - Parameter region: the region a V4 scope must name (OSS checks it against the endpoint's);
    ///   `nil` accepts any.
    static func verify(
        _ r: MockRequest, credentials: [MockCredential], allowAnonymous: Bool, now: UTCTime, maximumSkew: Int64,
        region: String? = nil
    ) throws(MockOSSError) {
        let signed = !(r.header("authorization") ?? "").isEmpty || r.hasQuery("x-oss-signature")
            || r.hasQuery("x-oss-signature-version") || r.hasQuery("Signature") || r.hasQuery("OSSAccessKeyId")
        if !signed {
            if allowAnonymous { return }
            throw MockOSSError.anonymousDenied
        }
        let received = ReceivedRequest(
            method: r.method, target: r.rawPath + (r.rawQuery.isEmpty ? "" : "?" + r.rawQuery), headers: r.headers,
            virtualHostBucket: r.virtualHosted ? r.bucket : nil)
        let result = SignatureVerifier(region: region).verify(
            request: received,
            credentialsLookup: { id in
                credentials.first { $0.accessKeyId == id }.map {
                    OSSCredentials(accessKeyId: $0.accessKeyId, accessKeySecret: $0.accessKeySecret, securityToken: $0.securityToken)
                }
            }, now: now, maxSkew: maximumSkew)
        guard let failure = result.failure else { return }
        switch failure {
        case .invalidAccessKeyId:
            throw MockOSSError.invalidAccessKeyId.with("OSSAccessKeyId", result.accessKeyId ?? "")
        case .signatureDoesNotMatch:
            throw MockOSSError.signatureDoesNotMatch.with("OSSAccessKeyId", result.accessKeyId ?? "")
        case .expired:
            throw MockOSSError.expired.with("ServerTime", now.iso8601)
        case .requestTimeTooSkewed:
            let sent = r.header("x-oss-date") ?? r.header("date") ?? r.queryValue("x-oss-date") ?? ""
            throw MockOSSError.requestTimeTooSkewed.with("RequestTime", sent).with("ServerTime", now.rfc1123)
                .with("MaxAllowedSkewMilliseconds", String(maximumSkew * 1000))
        case .invalidSecurityToken:
            throw MockOSSError.invalidSecurityToken
        case .missingAuthentication:
            throw MockOSSError.anonymousDenied
        case .wrongRegion, .invalidRegion:
            // OSS's wording differs between the header and the presigned form.
            throw r.header("authorization").map { !$0.isEmpty } == true
                ? MockOSSError.invalidSigningRegion : MockOSSError.invalidCredentialRegion
        case .wrongProduct:
            throw MockOSSError.invalidSigningProduct
        default:
            var e = MockOSSError.invalidArgument
            e.status = failure.status
            e.code = failure.code
            e.message = failure.message
            throw e
        }
    }
}
