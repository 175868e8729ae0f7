import OSSCore
internal import OSSCrypto
internal import OSSProtocol

/// OSS signature version 1: `Authorization: OSS <AccessKeyId>:<base64 HMAC-SHA1>`.
///
/// The string to sign is
/// `VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource`,
/// where the date line is the `x-oss-date` header when present, else `Date` (or, in a presigned
/// URL, the `Expires` value).
public struct SignerV1: Sendable {
    /// Extra query parameters to sign beyond `OSSSubresources.signedV1`, for newer APIs.
    public var additionalSubresources: Set<String>

    public init(additionalSubresources: Set<String> = []) {
        self.additionalSubresources = additionalSubresources
    }

    /// Whether V1 includes a query parameter in the canonical resource.
    public func signsParameter(_ name: String) -> Bool {
        OSSSubresources.signedV1.contains(name) || additionalSubresources.contains(name)
            || name.hasPrefix("x-oss-")
    }

    /// Signs a request for the `Authorization` header.
    /// - Parameters:
    ///   - request: the request as it will be sent.
    ///   - credentials: the keys (and STS token) to sign with.
    ///   - time: the signing time (already corrected for clock skew); sent as `Date`.
    /// - Returns: the headers to set on the request (`Date`, `x-oss-security-token` with STS,
    ///   `Authorization`), each replacing any header of the same name.
    /// - Throws: `SigningError` for empty credentials or input with CR/LF.
    public func sign(
        _ request: SigningRequest, credentials: OSSCredentials, time: UTCTime
    ) throws -> [(name: String, value: String)] {
        try credentials.validate()
        try request.validate()
        var added: [(name: String, value: String)] = [("Date", time.rfc1123)]
        if let token = credentials.token { added.append(("x-oss-security-token", token)) }
        let signed = request.settingHeaders(added)
        let date = signed.header("x-oss-date") ?? time.rfc1123
        let signature = SignerV1.signature(stringToSign(signed, dateLine: date), secret: credentials.accessKeySecret)
        added.append(("Authorization", "OSS \(credentials.accessKeyId):\(signature)"))
        return added
    }

    /// The V1 string to sign of a request whose headers are final.
    /// - Parameters:
    ///   - request: the request with every header it carries.
    ///   - dateLine: the date (header form) or the `Expires` seconds (presigned form).
    public func stringToSign(_ request: SigningRequest, dateLine: String) -> String {
        var out = request.method + "\n"
        out += (request.header("Content-MD5") ?? "") + "\n"
        out += (request.header("Content-Type") ?? "") + "\n"
        out += dateLine + "\n"
        out += canonicalizedOSSHeaders(request)
        out += canonicalizedResource(request)
        return out
    }

    /// Every `x-oss-*` header, lower-cased, sorted, `name:value\n`.
    func canonicalizedOSSHeaders(_ request: SigningRequest) -> String {
        var names: [String] = []
        for h in request.headers {
            let lower = ASCIICase.lowercased(h.name)
            if lower.hasPrefix("x-oss-") && !names.contains(lower) { names.append(lower) }
        }
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return names.map { "\($0):\(request.header($0) ?? "")\n" }.joined()
    }

    /// `/bucket/key` with the raw key, then the signed sub-resources sorted, with decoded values.
    func canonicalizedResource(_ request: SigningRequest) -> String {
        var resource = request.resourcePath
        var params: [(String, String)] = []
        for item in request.query where signsParameter(item.name) {
            if params.contains(where: { $0.0 == item.name }) { continue }
            params.append((item.name, item.value ?? ""))
        }
        params.sort { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        if !params.isEmpty {
            resource += "?" + params.map { $0.1.isEmpty ? $0.0 : $0.0 + "=" + $0.1 }.joined(separator: "&")
        }
        return resource
    }

    /// base64(HMAC-SHA1(secret, stringToSign)).
    static func signature(_ stringToSign: String, secret: String) -> String {
        Base64.encode(HMAC.sha1(key: Array(secret.utf8), message: Array(stringToSign.utf8)))
    }
}
