import OSSCore
internal import OSSCrypto
public import OSSProtocol

/// A signed browser-upload form (PostObject): the policy and the fields to send, in order, before
/// the `file` field (which OSS requires last).
public struct PostObjectForm: Sendable {
    /// The policy as signed (the caller's conditions and the signer's).
    public let policy: PostPolicy
    /// The form fields in order: `key` (when given), `policy`, `x-oss-signature-version`,
    /// `x-oss-credential`, `x-oss-date`, `x-oss-signature`, `x-oss-security-token` (STS), then
    /// the caller's other fields.
    public let fields: [(name: String, value: String)]
    /// When the policy stops working.
    public var expiration: UTCTime { policy.expiration }

    /// The value of a field (names compare case-insensitively), or `nil`.
    public func field(_ name: String) -> String? {
        fields.first { ASCIICase.equal($0.name, name) }?.value
    }
}

/// Signs browser-upload policies with V4 (`OSS4-HMAC-SHA256`): the signature is
/// hex(HMAC-SHA256(signing key, base64 policy)), the signing key derived as for every V4
/// request (`aliyun_v4` + secret, through the date, region, product and `aliyun_v4_request`).
///
/// The policy must hold the `x-oss-signature-version`, `x-oss-credential` and `x-oss-date`
/// conditions with the values the form carries; the signer adds them (and `bucket`, and
/// `x-oss-security-token` with STS credentials).
public struct PostObjectSigner: Sendable {
    /// The longest lifetime of a V4 POST policy: 7 days from `x-oss-date`.
    public static let maxExpiry: Int64 = 604_800

    /// The region of the scope (`cn-hangzhou`).
    public var region: String
    /// The product of the scope (`oss`).
    public var product: String

    public init(region: String, product: String = "oss") {
        self.region = region
        self.product = product
    }

    /// Signs a policy and returns the form's fields.
    /// - Parameters:
    ///   - bucket: the bucket the form uploads to (a `bucket` condition is added unless present).
    ///   - conditions: the caller's conditions.
    ///   - fields: the caller's form fields (`key`, `Content-Type`, `x-oss-meta-*`,
    ///     `success_action_status`, ...): each must meet the conditions on it.
    ///   - credentials: the keys (an STS token becomes a field and a condition).
    ///   - time: the signing time (`x-oss-date`), already corrected for clock skew.
    ///   - expires: the policy's lifetime in seconds, 1 to 604800.
    /// - Throws: `SigningError` for empty credentials, a missing region, an expiry out of range,
    ///   or conditions and fields `Validation.checkPostPolicy` refuses. Nothing is produced then.
    public func sign(
        bucket: String, conditions: [PostPolicy.Condition], fields: [(name: String, value: String)],
        credentials: OSSCredentials, time: UTCTime, expires: Int64
    ) throws -> PostObjectForm {
        try credentials.validate()
        guard !region.isEmpty else {
            throw SigningError(
                code: .missingRegion,
                message: "V4 signing needs a region (--region, OSS_REGION or an oss-<region> endpoint)")
        }
        guard !ByteScan.hasLineBreak(region), !region.contains("/"), !product.contains("/") else {
            throw SigningError.invalidInput("the region or product contains '/', CR, LF or NUL")
        }
        guard expires >= 1, expires <= PostObjectSigner.maxExpiry else {
            throw SigningError(
                code: .invalidExpiration,
                message: "a V4 POST policy lives 1 to \(PostObjectSigner.maxExpiry) seconds (7 days), not \(expires)")
        }
        do {
            try Validation.checkPostPolicy(conditions: conditions, fields: fields, bucket: bucket)
        } catch {
            throw SigningError.invalidInput(error.message)
        }
        let credential = "\(credentials.accessKeyId)/\(time.yyyymmdd)/\(region)/\(product)/aliyun_v4_request"
        var all = conditions
        if !all.contains(where: { $0.field == "bucket" }) { all.insert(.exact(field: "bucket", value: bucket), at: 0) }
        all.append(.exact(field: "x-oss-signature-version", value: SignerV4.algorithm))
        all.append(.exact(field: "x-oss-credential", value: credential))
        all.append(.exact(field: "x-oss-date", value: time.iso8601Basic))
        if let token = credentials.token { all.append(.exact(field: "x-oss-security-token", value: token)) }
        let policy = PostPolicy(expiration: time.adding(seconds: expires), conditions: all)
        let encoded = policy.base64
        let signature = PostObjectSigner.signature(
            policyBase64: encoded, secret: credentials.accessKeySecret, date: time.yyyymmdd, region: region,
            product: product)
        var out: [(name: String, value: String)] = []
        if let key = fields.first(where: { ASCIICase.equal($0.name, "key") }) { out.append(("key", key.value)) }
        out.append(("policy", encoded))
        out.append(("x-oss-signature-version", SignerV4.algorithm))
        out.append(("x-oss-credential", credential))
        out.append(("x-oss-date", time.iso8601Basic))
        out.append(("x-oss-signature", signature))
        if let token = credentials.token { out.append(("x-oss-security-token", token)) }
        for f in fields where !ASCIICase.equal(f.name, "key") { out.append(f) }
        return PostObjectForm(policy: policy, fields: out)
    }

    /// The V4 POST signature: hex(HMAC-SHA256(signing key, the base64 policy as sent)).
    public static func signature(policyBase64: String, secret: String, date: String, region: String, product: String)
        -> String
    {
        SignerV4.signature(policyBase64, secret: secret, date: date, region: region, product: product)
    }

    /// The V1 POST signature: base64(HMAC-SHA1(secret, the base64 policy as sent)).
    public static func signatureV1(policyBase64: String, secret: String) -> String {
        Base64.encode(HMAC.authenticate(.sha1, key: Array(secret.utf8), message: Array(policyBase64.utf8)))
    }
}

extension RequestSigner {
    /// Signs a browser-upload policy with the provider's credentials (see `PostObjectSigner`).
    /// - Parameters:
    ///   - time: the signing time; by default the local clock corrected by `clockOffset`.
    /// - Throws: `SigningError`, or the credentials provider's error.
    public func signPostObject(
        bucket: String, conditions: [PostPolicy.Condition], fields: [(name: String, value: String)], expires: Int64,
        at time: UTCTime? = nil
    ) async throws -> PostObjectForm {
        let credentials = try await credentialsProvider.credentials()
        return try PostObjectSigner(region: signerV4.region, product: signerV4.product).sign(
            bucket: bucket, conditions: conditions, fields: fields, credentials: credentials,
            time: time ?? clockOffset.now(), expires: expires)
    }
}
