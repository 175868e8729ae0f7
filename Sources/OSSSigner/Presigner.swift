import OSSCore

/// Which OSS signature version to use.
public struct SignatureVersion: Sendable, Hashable, CustomStringConvertible {
    private let number: Int
    private init(_ number: Int) { self.number = number }

    /// `OSS <AccessKeyId>:<signature>` (HMAC-SHA1).
    public static let v1 = SignatureVersion(1)
    /// `OSS4-HMAC-SHA256`.
    public static let v4 = SignatureVersion(4)

    /// `1` or `4` as the command line writes it, else `nil`.
    public init?(_ text: String) {
        switch text {
        case "1", "v1": self = .v1
        case "4", "v4": self = .v4
        default: return nil
        }
    }

    public var description: String { "v\(number)" }
}

/// A presigned URL's pieces: the query carries the signature, so anyone holding it may send the
/// request until it expires.
public struct PresignedURL: Sendable {
    /// The method the URL is valid for.
    public let method: String
    /// The signed request's bucket and key (raw).
    public let bucket: String?
    public let key: String?
    /// Every query parameter of the URL, decoded, including the signature ones.
    public let query: [(name: String, value: String?)]
    /// Headers the request must carry because they were signed (`Content-Type`, `x-oss-*`, ...).
    public let signedHeaders: [(name: String, value: String)]
    /// When the URL stops working.
    public let expiration: UTCTime

    /// The encoded query string (no leading `?`), names sorted.
    public var queryString: String { URIEncoding.canonicalQuery(query) }

    /// The HTTP request target (`/key?query` or, path-style, `/bucket/key?query`).
    public func requestTarget(pathStyle: Bool) -> String {
        SigningRequest(method: method, bucket: bucket, key: key, query: query).requestTarget(pathStyle: pathStyle)
    }

    /// The full URL.
    /// - Parameters:
    ///   - scheme: `https` or `http`.
    ///   - host: the endpoint host, with `:port` when not the default.
    ///   - pathStyle: `true` for `host/bucket/key`, `false` for `bucket.host/key`.
    public func url(scheme: String, host: String, pathStyle: Bool) -> String {
        let authority = pathStyle ? host : (bucket.map { "\($0).\(host)" } ?? host)
        return "\(scheme)://\(authority)" + requestTarget(pathStyle: pathStyle)
    }
}

/// Makes presigned URLs (signature in the query string) for V1 or V4.
public struct Presigner: Sendable {
    /// The longest lifetime OSS accepts for a V4 presigned URL: 7 days.
    public static let maxV4Expiry: Int64 = 604_800

    public let version: SignatureVersion
    /// The V1 signer (sub-resource list).
    public var signerV1: SignerV1
    /// The V4 signer (region, product, additional headers); unused for V1.
    public var signerV4: SignerV4

    /// A presigner for V1 URLs (`Expires`, `OSSAccessKeyId`, `Signature`).
    public static func v1(_ signer: SignerV1 = SignerV1()) -> Presigner {
        Presigner(version: .v1, signerV1: signer, signerV4: SignerV4(region: ""))
    }

    /// A presigner for V4 URLs (`x-oss-signature-version`, `x-oss-credential`, ...).
    public static func v4(_ signer: SignerV4) -> Presigner {
        Presigner(version: .v4, signerV1: SignerV1(), signerV4: signer)
    }

    /// A presigner for a version; `region` is needed for V4.
    public init(version: SignatureVersion, region: String?, additionalHeaders: [String] = []) {
        self.init(
            version: version, signerV1: SignerV1(),
            signerV4: SignerV4(region: region ?? "", additionalHeaders: additionalHeaders))
    }

    private init(version: SignatureVersion, signerV1: SignerV1, signerV4: SignerV4) {
        self.version = version
        self.signerV1 = signerV1
        self.signerV4 = signerV4
    }

    /// Presigns a request.
    /// - Parameters:
    ///   - request: the request; its headers are signed and must be sent with the URL.
    ///   - credentials: the keys; an STS token goes into the URL.
    ///   - time: the signing time (already corrected for clock skew).
    ///   - expires: the lifetime in seconds (V4: 1 to 604800).
    /// - Returns: the URL's pieces.
    /// - Throws: `SigningError` for bad input, empty credentials, a missing V4 region or an
    ///   expiry out of range.
    public func presign(
        _ request: SigningRequest, credentials: OSSCredentials, time: UTCTime, expires: Int64
    ) throws -> PresignedURL {
        if version == .v1 {
            return try presignV1(request, credentials: credentials, time: time, expires: expires)
        }
        return try presignV4(request, credentials: credentials, time: time, expires: expires)
    }

    private func presignV1(
        _ request: SigningRequest, credentials: OSSCredentials, time: UTCTime, expires: Int64
    ) throws -> PresignedURL {
        try credentials.validate()
        try request.validate()
        guard expires >= 0 else {
            throw SigningError(code: .invalidExpiration, message: "the expiry must not be negative")
        }
        var signed = request
        if let token = credentials.token { signed.query.append(("security-token", token)) }
        let expiration = time.adding(seconds: expires)
        let signature = SignerV1.signature(
            signerV1.stringToSign(signed, dateLine: String(expiration.seconds)), secret: credentials.accessKeySecret)
        signed.query.append(("Expires", String(expiration.seconds)))
        signed.query.append(("OSSAccessKeyId", credentials.accessKeyId))
        signed.query.append(("Signature", signature))
        return PresignedURL(
            method: request.method, bucket: request.bucket, key: request.key, query: signed.query,
            signedHeaders: request.headers, expiration: expiration)
    }

    private func presignV4(
        _ request: SigningRequest, credentials: OSSCredentials, time: UTCTime, expires: Int64
    ) throws -> PresignedURL {
        try signerV4.validate(credentials: credentials, request: request)
        guard expires >= 1, expires <= Presigner.maxV4Expiry else {
            throw SigningError(
                code: .invalidExpiration,
                message: "a V4 presigned URL lives 1 to \(Presigner.maxV4Expiry) seconds (7 days), not \(expires)")
        }
        let scope = signerV4.scope(time)
        let extra = signerV4.effectiveAdditionalHeaders(request)
        var signed = request
        if let token = credentials.token { signed.query.append(("x-oss-security-token", token)) }
        signed.query.append(("x-oss-signature-version", SignerV4.algorithm))
        signed.query.append(("x-oss-date", time.iso8601Basic))
        signed.query.append(("x-oss-expires", String(expires)))
        signed.query.append(("x-oss-credential", "\(credentials.accessKeyId)/\(scope)"))
        if !extra.isEmpty { signed.query.append(("x-oss-additional-headers", extra.joined(separator: ";"))) }
        let canonical = signerV4.canonicalRequest(signed, additionalHeaders: extra)
        let signature = SignerV4.signature(
            signerV4.stringToSign(canonicalRequest: canonical, time: time, scope: scope),
            secret: credentials.accessKeySecret, date: time.yyyymmdd, region: signerV4.region,
            product: signerV4.product)
        signed.query.append(("x-oss-signature", signature))
        return PresignedURL(
            method: request.method, bucket: request.bucket, key: request.key, query: signed.query,
            signedHeaders: request.headers, expiration: time.adding(seconds: expires))
    }
}
