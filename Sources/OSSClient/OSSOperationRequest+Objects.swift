import OSSCore
import OSSProtocol

/// Options of uploads (PutObject, AppendObject, InitiateMultipartUpload).
public struct PutObjectOptions: Sendable {
    /// `Content-Type`; OSS defaults to `application/octet-stream`.
    public var contentType: String?
    /// User metadata, sent as `x-oss-meta-<name>`.
    public var metadata: [String: String] = [:]
    /// Compute and send `Content-MD5` (OSS rejects a body that does not match it).
    public var contentMD5: Bool = false
    /// Other headers: `Cache-Control`, `x-oss-object-acl`, `x-oss-storage-class`, `x-oss-forbid-overwrite`, ...
    public var headers: [(String, String)] = []
    /// Called as the body goes out.
    public var progress: OSSProgressHandler? = nil
    /// An extra cancel source (an upload handle's pause or abort): firing it closes the socket at
    /// once and the call throws `.cancelled`.
    public var signal: CancellationSignal? = nil
    /// This call's retry policy; `nil` uses the client's. A caller that retries the call itself
    /// (a transfer retrying its parts) passes `.none`, so the attempts do not multiply.
    public var retryPolicy: RetryPolicy? = nil

    public init(contentType: String? = nil, metadata: [String: String] = [:], contentMD5: Bool = false) {
        self.contentType = contentType
        self.metadata = metadata
        self.contentMD5 = contentMD5
    }

    func apply(to r: inout OSSOperationRequest) {
        if let contentType { r.setHeader("Content-Type", contentType) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { r.headers.append((OSSHeader.metadataPrefix + name, value)) }
        for (name, value) in headers { r.setHeader(name, value) }
        r.sendsContentMD5 = contentMD5
    }
}

/// Parameters of ListObjectsV2 (`GET /?list-type=2`).
public struct ListObjectsV2Parameters: Sendable, Hashable {
    public var prefix: String?
    public var delimiter: String?
    public var startAfter: String?
    public var continuationToken: String?
    /// 1...1000; OSS defaults to 100.
    public var maxKeys: Int?
    public var fetchOwner: Bool = false
    public init(prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.maxKeys = maxKeys
    }
}

/// Parameters of ListObjects (v1, `GET /`).
public struct ListObjectsParameters: Sendable, Hashable {
    public var prefix: String?
    public var delimiter: String?
    public var marker: String?
    public var maxKeys: Int?
    public init(prefix: String? = nil, delimiter: String? = nil, marker: String? = nil, maxKeys: Int? = nil) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.marker = marker
        self.maxKeys = maxKeys
    }
}

/// Parameters of ListMultipartUploads (`GET /?uploads`).
public struct ListMultipartUploadsParameters: Sendable, Hashable {
    public var prefix: String?
    public var delimiter: String?
    public var keyMarker: String?
    public var uploadIdMarker: String?
    /// 1...1000.
    public var maxUploads: Int?
    public init(prefix: String? = nil, delimiter: String? = nil, maxUploads: Int? = nil) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.maxUploads = maxUploads
    }
}

extension OSSOperationRequest {
    // MARK: Objects

    /// PutObject: `PUT /key`.
    public static func putObject(bucket: String, key: String, body: OSSRequestBody, options: PutObjectOptions = .init())
        -> OSSOperationRequest
    {
        var r = OSSOperationRequest(.putObject, bucket: bucket, key: key, body: body)
        options.apply(to: &r)
        r.checksUploadCRC = true
        return r
    }

    /// GetObject: `GET /key`, optionally a byte range.
    public static func getObject(bucket: String, key: String, range: ByteRange? = nil, versionId: String? = nil)
        -> OSSOperationRequest
    {
        var r = OSSOperationRequest(.getObject, bucket: bucket, key: key)
        if let versionId { r.query.append(("versionId", versionId)) }
        if let range { r.headers.append(("Range", range.headerValue)) }
        return r
    }

    /// HeadObject: `HEAD /key`.
    public static func headObject(bucket: String, key: String, versionId: String? = nil) -> OSSOperationRequest {
        var r = OSSOperationRequest(.headObject, bucket: bucket, key: key)
        if let versionId { r.query.append(("versionId", versionId)) }
        return r
    }

    /// DeleteObject: `DELETE /key`.
    public static func deleteObject(bucket: String, key: String, versionId: String? = nil) -> OSSOperationRequest {
        var r = OSSOperationRequest(.deleteObject, bucket: bucket, key: key)
        if let versionId { r.query.append(("versionId", versionId)) }
        return r
    }

    /// DeleteMultipleObjects: `POST /?delete` with the `<Delete>` XML body (Content-MD5 is required).
    public static func deleteMultipleObjects(bucket: String, xml: [UInt8]) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            .deleteMultipleObjects, bucket: bucket, query: [("delete", nil), ("encoding-type", "url")],
            headers: [("Content-Type", "application/xml")], body: .bytes(xml))
        r.sendsContentMD5 = true
        return r
    }

    /// AppendObject: `POST /key?append&position=N`.
    public static func appendObject(
        bucket: String, key: String, position: Int64, body: OSSRequestBody, options: PutObjectOptions = .init()
    ) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            .appendObject, bucket: bucket, key: key,
            query: [("append", nil), ("position", String(position))], body: body)
        options.apply(to: &r)
        r.checksUploadCRC = true
        return r
    }

    /// CopyObject: `PUT /dst-key` with `x-oss-copy-source: /src-bucket/src-key`.
    /// - Parameter replaceMetadata: send `x-oss-metadata-directive: REPLACE` with `options`'
    ///   metadata and content type instead of copying the source's.
    public static func copyObject(
        sourceBucket: String, sourceKey: String, sourceVersionId: String? = nil, bucket: String, key: String,
        replaceMetadata: Bool = false, options: PutObjectOptions = .init()
    ) -> OSSOperationRequest {
        var r = OSSOperationRequest(.copyObject, bucket: bucket, key: key)
        var source = "/" + sourceBucket + "/" + PercentEncoding.encode(sourceKey, allowed: .unreservedAndSlash)
        if let sourceVersionId { source += "?versionId=" + PercentEncoding.encode(sourceVersionId) }
        r.headers.append((OSSHeader.copySource, source))
        if replaceMetadata { r.headers.append((OSSHeader.metadataDirective, "REPLACE")) }
        options.apply(to: &r)
        return r
    }

    /// ListObjectsV2: `GET /?list-type=2`, with `encoding-type=url` (decoded by the models).
    public static func listObjectsV2(bucket: String, _ p: ListObjectsV2Parameters) -> OSSOperationRequest {
        var q: [(String, String?)] = [("list-type", "2")]
        if let v = p.continuationToken { q.append(("continuation-token", v)) }
        if let v = p.delimiter { q.append(("delimiter", v)) }
        q.append(("encoding-type", "url"))
        if p.fetchOwner { q.append(("fetch-owner", "true")) }
        if let v = p.maxKeys { q.append(("max-keys", String(v))) }
        if let v = p.prefix { q.append(("prefix", v)) }
        if let v = p.startAfter { q.append(("start-after", v)) }
        return OSSOperationRequest(.listObjectsV2, bucket: bucket, query: q)
    }

    /// ListObjects (v1): `GET /`, with `encoding-type=url`.
    public static func listObjects(bucket: String, _ p: ListObjectsParameters) -> OSSOperationRequest {
        var q: [(String, String?)] = []
        if let v = p.delimiter { q.append(("delimiter", v)) }
        q.append(("encoding-type", "url"))
        if let v = p.marker { q.append(("marker", v)) }
        if let v = p.maxKeys { q.append(("max-keys", String(v))) }
        if let v = p.prefix { q.append(("prefix", v)) }
        return OSSOperationRequest(.listObjects, bucket: bucket, query: q)
    }

    // MARK: Multipart

    /// InitiateMultipartUpload: `POST /key?uploads`.
    public static func initiateMultipartUpload(bucket: String, key: String, options: PutObjectOptions = .init())
        -> OSSOperationRequest
    {
        var r = OSSOperationRequest(
            .initiateMultipartUpload, bucket: bucket, key: key,
            query: [("uploads", nil), ("encoding-type", "url")])
        options.apply(to: &r)
        r.sendsContentMD5 = false
        return r
    }

    /// UploadPart: `PUT /key?partNumber=N&uploadId=ID`.
    public static func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, body: OSSRequestBody, contentMD5: Bool = false
    ) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            .uploadPart, bucket: bucket, key: key,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadId)], body: body)
        r.checksUploadCRC = true
        r.sendsContentMD5 = contentMD5
        return r
    }

    /// CompleteMultipartUpload: `POST /key?uploadId=ID` with the `<CompleteMultipartUpload>` XML body.
    public static func completeMultipartUpload(bucket: String, key: String, uploadId: String, xml: [UInt8])
        -> OSSOperationRequest
    {
        OSSOperationRequest(
            .completeMultipartUpload, bucket: bucket, key: key,
            query: [("encoding-type", "url"), ("uploadId", uploadId)], headers: [("Content-Type", "application/xml")],
            body: .bytes(xml))
    }

    /// AbortMultipartUpload: `DELETE /key?uploadId=ID`.
    public static func abortMultipartUpload(bucket: String, key: String, uploadId: String) -> OSSOperationRequest {
        OSSOperationRequest(
            .abortMultipartUpload, bucket: bucket, key: key, query: [("uploadId", uploadId)])
    }

    /// ListParts: `GET /key?uploadId=ID`.
    public static func listParts(
        bucket: String, key: String, uploadId: String, partNumberMarker: Int? = nil, maxParts: Int? = nil
    ) -> OSSOperationRequest {
        var q: [(String, String?)] = [("encoding-type", "url")]
        if let maxParts { q.append(("max-parts", String(maxParts))) }
        if let partNumberMarker { q.append(("part-number-marker", String(partNumberMarker))) }
        q.append(("uploadId", uploadId))
        return OSSOperationRequest(.listParts, bucket: bucket, key: key, query: q)
    }

    /// ListMultipartUploads: `GET /?uploads`.
    public static func listMultipartUploads(bucket: String, _ p: ListMultipartUploadsParameters) -> OSSOperationRequest {
        var q: [(String, String?)] = []
        if let v = p.delimiter { q.append(("delimiter", v)) }
        q.append(("encoding-type", "url"))
        if let v = p.keyMarker { q.append(("key-marker", v)) }
        if let v = p.maxUploads { q.append(("max-uploads", String(v))) }
        if let v = p.prefix { q.append(("prefix", v)) }
        if let v = p.uploadIdMarker { q.append(("upload-id-marker", v)) }
        q.append(("uploads", nil))
        return OSSOperationRequest(.listMultipartUploads, bucket: bucket, query: q)
    }

    // MARK: Buckets

    /// PutBucket: `PUT /` on the bucket's host; `acl` as `x-oss-acl`.
    public static func putBucket(bucket: String, acl: String? = nil, storageClass: String? = nil) -> OSSOperationRequest {
        var r = OSSOperationRequest(.putBucket, bucket: bucket)
        if let acl { r.headers.append((OSSHeader.bucketACL, acl)) }
        if let storageClass {
            r.body = .bytes(CreateBucketConfiguration(storageClass: storageClass).encode())
            r.headers.append(("Content-Type", "application/xml"))
        }
        return r
    }

    /// DeleteBucket: `DELETE /` on the bucket's host (the bucket must be empty).
    public static func deleteBucket(bucket: String) -> OSSOperationRequest {
        OSSOperationRequest(.deleteBucket, bucket: bucket)
    }

    /// ListBuckets: `GET /` on the endpoint; `tags` keeps only the buckets so tagged.
    public static func listBuckets(
        prefix: String? = nil, marker: String? = nil, maxKeys: Int? = nil, tags: BucketTagFilter? = nil
    ) -> OSSOperationRequest {
        var q: [(String, String?)] = []
        if let marker { q.append(("marker", marker)) }
        if let maxKeys { q.append(("max-keys", String(maxKeys))) }
        if let prefix { q.append(("prefix", prefix)) }
        for (name, value) in tags?.queryParameters ?? [] { q.append((name, value)) }
        return OSSOperationRequest(.listBuckets, bucket: nil, query: q)
    }
}

extension OSSOperationRequest {
    /// UploadPartCopy: `PUT /key?partNumber=N&uploadId=ID` with `x-oss-copy-source` (and a range).
    public static func uploadPartCopy(
        sourceBucket: String, sourceKey: String, sourceRange: ByteRange? = nil, bucket: String, key: String,
        uploadId: String, partNumber: Int
    ) -> OSSOperationRequest {
        var r = OSSOperationRequest(
            .uploadPartCopy, bucket: bucket, key: key,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadId)])
        r.headers.append((OSSHeader.copySource, "/" + sourceBucket + "/" + PercentEncoding.encode(sourceKey, allowed: .unreservedAndSlash)))
        if let sourceRange { r.headers.append((OSSHeader.copySourceRange, sourceRange.headerValue)) }
        return r
    }
}
