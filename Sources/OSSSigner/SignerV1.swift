import OSSCore
import OSSCrypto

/// OSS signature version 1: `Authorization: OSS <AccessKeyId>:<base64 HMAC-SHA1>`.
///
/// The string to sign is
/// `VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource`,
/// where the date line is the `x-oss-date` header when present, else `Date` (or, in a presigned
/// URL, the `Expires` value).
public struct SignerV1: Sendable {
    /// The query parameters OSS includes in V1's canonical resource, besides every `x-oss-*` one:
    /// the one list the client's signer and the server-side `SignatureVerifier` (the mock's) share.
    ///
    /// The union of what the official SDKs sign: the fixed lists of aliyun/aliyun-oss-go-sdk
    /// `oss/conn.go` `signKeyList`, aliyun/alibabacloud-oss-go-sdk-v2 `oss/signer/v1.go`
    /// `requiredSignedParametersMap`, aliyun/aliyun-oss-python-sdk `oss2/auth.py`
    /// `_subresource_key_set`, aliyun/aliyun-oss-java-sdk `SignParameters.SIGNED_PARAMTERS`, and
    /// the per-operation sub-resources alibabacloud-oss-v2 (Python) and alibabacloud-oss-go-sdk-v2
    /// add to them (`op_metadata['sub-resource']`, `OperationInput.SubResource`: access points,
    /// public access block, HTTPS config, retention, seal, archive direct read, redundancy
    /// transition, resource pools and QoS, ...). `prefix`, `marker`, `max-keys`, `encoding-type`,
    /// `delimiter` and the like are not signed; neither are `accessmonitor` and `regions`, which
    /// no SDK signs.
    public static let signedSubresources: Set<String> = [
        // Buckets, objects, multipart.
        "acl", "uploads", "location", "bucketInfo", "stat", "delete", "append", "position", "objectMeta", "uploadId",
        "partNumber", "security-token", "symlink", "tagging", "restore", "cleanRestoredObject", "seal",
        "versions", "versioning", "versionId", "sequential", "continuation-token", "callback", "callback-var",
        "response-content-type", "response-content-language", "response-expires", "response-cache-control",
        "response-content-disposition", "response-content-encoding",
        // Bucket configuration.
        "cors", "logging", "website", "referer", "lifecycle", "policy", "policyStatus", "encryption",
        "requestPayment", "inventory", "inventoryId", "worm", "wormId", "wormExtend", "objectWorm", "retention",
        "legalHold", "replication", "replicationProgress", "replicationLocation", "rtc", "cname", "comp",
        "transferAcceleration", "resourceGroup", "httpsConfig", "publicAccessBlock", "bucketArchiveDirectRead",
        "redundancyTransition", "overwriteConfig", "userDefinedLogFieldsConfig", "accessPoint", "accessPointPolicy",
        "metaQuery", "MetaQuery", "dataPipeline", "asyncFetch", "regionList", "cloudboxes", "responseHeader",
        // Image processing, styles, UDF, live channels.
        "img", "style", "styleName", "processConfiguration", "udf", "udfName", "udfImage", "udfId", "udfImageDesc",
        "udfApplication", "udfApplicationLog", "live", "status", "vod", "startTime", "endTime",
        // QoS and resource pools.
        "qos", "qosInfo", "qosRequester", "requesterQosInfo", "resourcePool", "resourcePoolInfo",
        "resourcePoolBuckets", "vip", "vpcip",
        // oss2's old object groups.
        "group", "link", "objectInfo", "withHashContext",
    ]

    /// Extra query parameters to sign beyond `signedSubresources`, for newer APIs.
    public var additionalSubresources: Set<String>

    public init(additionalSubresources: Set<String> = []) {
        self.additionalSubresources = additionalSubresources
    }

    /// Whether V1 includes a query parameter in the canonical resource.
    public func signsParameter(_ name: String) -> Bool {
        SignerV1.signedSubresources.contains(name) || additionalSubresources.contains(name)
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
