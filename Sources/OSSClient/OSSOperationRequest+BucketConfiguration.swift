import OSSCore
import OSSProtocol

extension OSSOperationRequest {
    /// A bucket-level request of `operation` with its sub-resource (`?cors`) in the query.
    public static func bucket(_ operation: OSSOperation, _ bucket: String) -> OSSOperationRequest {
        OSSOperationRequest(operation, bucket: bucket, query: operation.query.map { ($0.name, $0.value) })
    }

    /// PutBucket<Name> of a configuration: its XML with `Content-MD5` (OSS asks for it on
    /// several of them).
    public static func putBucketConfiguration<M: BucketConfigurationModel>(bucket: String, _ configuration: M) -> OSSOperationRequest {
        putBucketConfiguration(bucket: bucket, document: configuration.encode(), M.self)
    }

    /// PutBucket<Name> of a configuration document sent as given.
    public static func putBucketConfiguration<M: BucketConfigurationModel>(
        bucket: String, document: [UInt8], _: M.Type
    ) -> OSSOperationRequest {
        var r = OSSOperationRequest.bucket(M.putOperation, bucket)
        r.body = .bytes(document)
        r.headers.append(("Content-Type", "application/xml"))
        r.sendsContentMD5 = true
        return r
    }

    /// PutBucketPolicy: the policy's JSON text as the body.
    public static func putBucketPolicy(bucket: String, policy: String) -> OSSOperationRequest {
        var r = OSSOperationRequest.bucket(.putBucketPolicy, bucket)
        r.body = .bytes(Array(policy.utf8))
        r.headers.append(("Content-Type", "application/json"))
        return r
    }

    /// OptionObject: the CORS preflight a browser sends before a cross-origin request (unsigned
    /// on OSS; this client signs it, which OSS ignores).
    public static func optionObject(
        bucket: String, key: String?, origin: String, method: String, headers: [String] = []
    ) -> OSSOperationRequest {
        var r = OSSOperationRequest(.optionObject, bucket: bucket, key: key)
        r.headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if !headers.isEmpty { r.headers.append(("Access-Control-Request-Headers", headers.joined(separator: ","))) }
        return r
    }
}
