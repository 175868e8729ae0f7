import OSSCore
import OSSProtocol

/// Options of GetObject beyond the range: conditions, `response-*` overrides, a traffic limit.
public struct GetObjectOptions: Sendable {
    /// Bytes to read; `nil` is the whole object.
    public var range: ByteRange?
    /// `If-Match`: the object must have this ETag, else `412 PreconditionFailed`.
    public var ifMatch: String?
    /// `If-None-Match`: an object with this ETag answers `304 Not Modified`.
    public var ifNoneMatch: String?
    /// `If-Modified-Since`: an object not modified since answers `304 Not Modified`.
    public var ifModifiedSince: UTCTime?
    /// `If-Unmodified-Since`: an object modified since answers `412 PreconditionFailed`.
    public var ifUnmodifiedSince: UTCTime?
    /// `response-content-type` and the other `response-*` overrides of the answer's headers.
    public var responseContentType: String?
    public var responseContentLanguage: String?
    public var responseExpires: String?
    public var responseCacheControl: String?
    public var responseContentDisposition: String?
    public var responseContentEncoding: String?
    /// `x-oss-traffic-limit` in bit/s: 245760 (30 KiB/s) ... 838860800 (100 MiB/s).
    public var trafficLimit: Int?
    /// The version to read (versioned buckets).
    public var versionId: String?
    /// Called as bytes arrive.
    public var progress: OSSProgressHandler? = nil

    public init(range: ByteRange? = nil) { self.range = range }

    /// Checks the options before a byte is sent.
    func validate() throws {
        try range?.validate()
        if let trafficLimit { try checkInput { try Validation.checkTrafficLimit(trafficLimit) } }
    }

    func apply(to r: inout OSSOperationRequest) {
        let overrides: [(String, String?)] = [
            ("response-cache-control", responseCacheControl), ("response-content-disposition", responseContentDisposition),
            ("response-content-encoding", responseContentEncoding), ("response-content-language", responseContentLanguage),
            ("response-content-type", responseContentType), ("response-expires", responseExpires),
        ]
        for (name, value) in overrides { if let value { r.query.append((name, value)) } }
        if let v = ifMatch { r.headers.append(("If-Match", v)) }
        if let v = ifNoneMatch { r.headers.append(("If-None-Match", v)) }
        if let v = ifModifiedSince { r.headers.append(("If-Modified-Since", v.rfc1123)) }
        if let v = ifUnmodifiedSince { r.headers.append(("If-Unmodified-Since", v.rfc1123)) }
        if let v = trafficLimit { r.headers.append((OSSHeader.trafficLimit, String(v))) }
    }
}

extension OSSOperationRequest {
    /// GetObject with options: conditions, `response-*` overrides, traffic limit.
    public static func getObject(bucket: String, key: String, options: GetObjectOptions) -> OSSOperationRequest {
        var r = getObject(bucket: bucket, key: key, range: options.range, versionId: options.versionId)
        options.apply(to: &r)
        return r
    }

    /// PutObjectTagging: `PUT /key?tagging` with the `<ObjectTagging>` body.
    public static func putObjectTagging(bucket: String, key: String, tagging: ObjectTagging) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            .putObjectTagging, bucket: bucket, key: key, query: [("tagging", nil)],
            headers: [("Content-Type", "application/xml")], body: .bytes(tagging.encode()))
        r.sendsContentMD5 = true
        return r
    }

    /// GetObjectTagging: `GET /key?tagging`.
    public static func getObjectTagging(bucket: String, key: String) -> OSSOperationRequest {
        OSSOperationRequest(.getObjectTagging, bucket: bucket, key: key, query: [("tagging", nil)])
    }

    /// DeleteObjectTagging: `DELETE /key?tagging`.
    public static func deleteObjectTagging(bucket: String, key: String) -> OSSOperationRequest {
        OSSOperationRequest(.deleteObjectTagging, bucket: bucket, key: key, query: [("tagging", nil)])
    }

    /// PutObjectAcl: `PUT /key?acl` with `x-oss-object-acl`.
    public static func putObjectAcl(bucket: String, key: String, acl: String) -> OSSOperationRequest {
        OSSOperationRequest(.putObjectAcl, bucket: bucket, key: key, query: [("acl", nil)], headers: [(OSSHeader.objectACL, acl)])
    }

    /// GetObjectAcl: `GET /key?acl`.
    public static func getObjectAcl(bucket: String, key: String) -> OSSOperationRequest {
        OSSOperationRequest(.getObjectAcl, bucket: bucket, key: key, query: [("acl", nil)])
    }

    /// PutBucketAcl: `PUT /?acl` with `x-oss-acl`.
    public static func putBucketAcl(bucket: String, acl: String) -> OSSOperationRequest {
        OSSOperationRequest(.putBucketAcl, bucket: bucket, query: [("acl", nil)], headers: [(OSSHeader.bucketACL, acl)])
    }

    /// GetBucketAcl: `GET /?acl`.
    public static func getBucketAcl(bucket: String) -> OSSOperationRequest {
        OSSOperationRequest(.getBucketAcl, bucket: bucket, query: [("acl", nil)])
    }

    /// PutPublicAccessBlock (`bucket == nil`, the service's) or PutBucketPublicAccessBlock.
    public static func putPublicAccessBlock(bucket: String?, blockPublicAccess: Bool) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            bucket == nil ? .putPublicAccessBlock : .putBucketPublicAccessBlock, bucket: bucket,
            query: [("publicAccessBlock", nil)], headers: [("Content-Type", "application/xml")],
            body: .bytes(PublicAccessBlockConfiguration(blockPublicAccess: blockPublicAccess).encode()))
        r.sendsContentMD5 = true
        return r
    }

    /// GetPublicAccessBlock (`bucket == nil`) or GetBucketPublicAccessBlock.
    public static func getPublicAccessBlock(bucket: String?) -> OSSOperationRequest {
        OSSOperationRequest(
            bucket == nil ? .getPublicAccessBlock : .getBucketPublicAccessBlock, bucket: bucket,
            query: [("publicAccessBlock", nil)])
    }

    /// DeletePublicAccessBlock (`bucket == nil`) or DeleteBucketPublicAccessBlock.
    public static func deletePublicAccessBlock(bucket: String?) -> OSSOperationRequest {
        OSSOperationRequest(
            bucket == nil ? .deletePublicAccessBlock : .deleteBucketPublicAccessBlock, bucket: bucket,
            query: [("publicAccessBlock", nil)])
    }

    /// PutSymlink: `PUT /key?symlink` with `x-oss-symlink-target` (URL-encoded).
    public static func putSymlink(bucket: String, key: String, target: String, options: PutObjectOptions = .init())
        -> OSSOperationRequest
    {
        var r = OSSOperationRequest(.putSymlink, bucket: bucket, key: key, query: [("symlink", nil)])
        r.headers.append((OSSHeader.symlinkTarget, PercentEncoding.encode(target, allowed: .unreservedAndSlash)))
        options.apply(to: &r)
        r.sendsContentMD5 = false
        return r
    }

    /// GetSymlink: `GET /key?symlink`.
    public static func getSymlink(bucket: String, key: String) -> OSSOperationRequest {
        OSSOperationRequest(.getSymlink, bucket: bucket, key: key, query: [("symlink", nil)])
    }

    /// GetObjectMeta: `HEAD /key?objectMeta`.
    public static func getObjectMeta(bucket: String, key: String, versionId: String? = nil) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            .getObjectMetaByHead, bucket: bucket, key: key, query: [("objectMeta", nil)])
        if let versionId { r.query.append(("versionId", versionId)) }
        return r
    }

    /// RestoreObject: `POST /key?restore`, with a `<RestoreRequest>` body when days or a tier are given.
    public static func restoreObject(bucket: String, key: String, request: RestoreRequest? = nil) -> OSSOperationRequest {
        var r = OSSOperationRequest(.restoreObject, bucket: bucket, key: key, query: [("restore", nil)])
        if let request {
            r.body = .bytes(request.encode())
            r.headers.append(("Content-Type", "application/xml"))
            r.sendsContentMD5 = true
        }
        return r
    }

    /// CleanRestoredObject: `POST /key?cleanRestoredObject`.
    public static func cleanRestoredObject(bucket: String, key: String) -> OSSOperationRequest {
        OSSOperationRequest(.cleanRestoredObject, bucket: bucket, key: key, query: [("cleanRestoredObject", nil)])
    }
}
