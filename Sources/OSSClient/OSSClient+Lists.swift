import OSSCore
import OSSProtocol
internal import OSSXML

/// What CompleteMultipartUpload answers.
public struct CompletedMultipartUpload: Sendable, Hashable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    /// The decoded body: bucket, key, ETag, location.
    public var result: CompleteMultipartUploadResult
    /// The server's CRC64-ECMA of the whole object.
    public var crc64: UInt64?
    public var versionId: String?
    public var requestId: String
    /// What the upload callback's server answered (a Complete with a callback), else `nil`.
    public var callbackBody: [UInt8]? = nil
}

/// What CopyObject answers.
public struct CopiedObject: Sendable, Hashable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    public var result: CopyObjectResult
    /// The server's CRC64-ECMA of the new object.
    public var crc64: UInt64?
    public var versionId: String?
    public var requestId: String
}

extension OSSClient {
    /// Decodes an XML answer into a model.
    static func decode<M: XMLDecodableModel>(_ type: M.Type, _ body: [UInt8], operation: OSSOperation) throws -> M {
        do {
            return try M.decode(body)
        } catch {
            throw OSSClientError(.invalidResponse, "\(operation): \(error)", underlying: error)
        }
    }

    // MARK: Objects

    /// Lists objects (ListObjectsV2), one page. Keys come URL-decoded (`encoding-type=url`).
    @concurrent public func listObjectsV2(bucket: String, _ parameters: ListObjectsV2Parameters = .init()) async throws
        -> ListBucketResult
    {
        if let m = parameters.maxKeys { try checkInput { try Validation.checkPageSize(m, name: "max-keys") } }
        let r = try await perform(.listObjectsV2(bucket: bucket, parameters))
        var result = try OSSClient.decode(ListBucketResult.self, r.body, operation: .listObjectsV2)
        result.metrics = r.metrics
        return result
    }

    /// Lists objects (ListObjects, v1), one page.
    @concurrent public func listObjects(bucket: String, _ parameters: ListObjectsParameters = .init()) async throws -> ListBucketResult {
        if let m = parameters.maxKeys { try checkInput { try Validation.checkPageSize(m, name: "max-keys") } }
        let r = try await perform(.listObjects(bucket: bucket, parameters))
        var result = try OSSClient.decode(ListBucketResult.self, r.body, operation: .listObjects)
        result.metrics = r.metrics
        return result
    }

    /// Deletes up to 1000 objects in one request (DeleteMultipleObjects).
    /// - Parameter quiet: the answer then lists no deleted keys (only failures would show).
    @discardableResult
    @concurrent public func deleteMultipleObjects(bucket: String, keys: [String], quiet: Bool = false) async throws -> DeleteResult {
        guard !keys.isEmpty else { throw OSSClientError.invalidArgument("no keys to delete") }
        guard keys.count <= 1000 else {
            throw OSSClientError.invalidArgument("at most 1000 keys per DeleteMultipleObjects, not \(keys.count)")
        }
        try checkInput { for k in keys { try Validation.checkObjectKey(k) } }
        let xml = Delete(objects: keys.map { Delete.Object(key: $0) }, quiet: quiet).encode()
        let r = try await perform(.deleteMultipleObjects(bucket: bucket, xml: xml))
        if r.body.isEmpty {
            var result = DeleteResult(deleted: [])
            result.metrics = r.metrics
            return result
        }
        var result = try OSSClient.decode(DeleteResult.self, r.body, operation: .deleteMultipleObjects)
        result.metrics = r.metrics
        return result
    }

    /// Copies an object on the server (CopyObject), up to 5 GiB.
    @discardableResult
    @concurrent public func copyObject(
        sourceBucket: String, sourceKey: String, bucket: String, key: String, replaceMetadata: Bool = false,
        options: PutObjectOptions = .init()
    ) async throws -> CopiedObject {
        try checkInput { try Validation.checkBucketName(sourceBucket) }
        try checkInput { try Validation.checkObjectKey(sourceKey) }
        try checkInput { try Validation.checkMetadata(options.metadata) }
        let r = try await perform(
            .copyObject(
                sourceBucket: sourceBucket, sourceKey: sourceKey, bucket: bucket, key: key, replaceMetadata: replaceMetadata,
                options: options))
        let result = try OSSClient.decode(CopyObjectResult.self, r.body, operation: .copyObject)
        return CopiedObject(
            metrics: r.metrics, result: result, crc64: r.head.crc64, versionId: r.head.header("x-oss-version-id"),
            requestId: r.head.requestId)
    }

    // MARK: Multipart

    /// Starts a multipart upload (InitiateMultipartUpload) and returns its upload id.
    @concurrent public func initiateMultipartUpload(bucket: String, key: String, options: PutObjectOptions = .init()) async throws
        -> InitiateMultipartUploadResult
    {
        try checkInput { try Validation.checkMetadata(options.metadata) }
        let r = try await perform(.initiateMultipartUpload(bucket: bucket, key: key, options: options))
        var result = try OSSClient.decode(
            InitiateMultipartUploadResult.self, r.body, operation: .initiateMultipartUpload)
        result.metrics = r.metrics
        guard !result.uploadId.isEmpty else {
            throw OSSClientError.invalidResponse("InitiateMultipartUpload: the answer has an empty UploadId")
        }
        return result
    }

    /// Completes a multipart upload (CompleteMultipartUpload) from its parts, in ascending order.
    /// - Parameter expectedCRC64: the CRC64 of the whole object (combine the parts' with
    ///   `CRC64.combine`); when given and CRC checking is on, a different server CRC64 throws
    ///   `.crcMismatch`.
    @discardableResult
    @concurrent public func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [CompleteMultipartUpload.Part], expectedCRC64: UInt64? = nil
    ) async throws -> CompletedMultipartUpload {
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        guard !parts.isEmpty else { throw OSSClientError.invalidArgument("a multipart upload needs at least one part") }
        try checkInput { for p in parts { try Validation.checkPartNumber(p.partNumber) } }
        let xml = CompleteMultipartUpload(parts: parts).encode()
        let r = try await perform(.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, xml: xml))
        let result = try OSSClient.decode(CompleteMultipartUploadResult.self, r.body, operation: .completeMultipartUpload)
        let crc = r.head.crc64
        if configuration.crcCheckEnabled, let expectedCRC64, let crc, crc != expectedCRC64 {
            throw OSSClientError.crcMismatch(expected: expectedCRC64, reported: crc, what: "CompleteMultipartUpload")
        }
        return CompletedMultipartUpload(
            metrics: r.metrics, result: result, crc64: crc, versionId: r.head.header("x-oss-version-id"),
            requestId: r.head.requestId)
    }

    /// Copies a range of an existing object into a part of a multipart upload (UploadPartCopy).
    /// - Parameter sourceRange: the bytes of the source (`nil` for all of it).
    @concurrent public func uploadPartCopy(
        sourceBucket: String, sourceKey: String, sourceRange: ByteRange? = nil, bucket: String, key: String,
        uploadId: String, partNumber: Int
    ) async throws -> UploadPartResult {
        try checkInput { try Validation.checkBucketName(sourceBucket) }
        try checkInput { try Validation.checkObjectKey(sourceKey) }
        try checkInput { try Validation.checkPartNumber(partNumber) }
        try sourceRange?.validate()
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        let r = try await perform(
            .uploadPartCopy(
                sourceBucket: sourceBucket, sourceKey: sourceKey, sourceRange: sourceRange, bucket: bucket, key: key,
                uploadId: uploadId, partNumber: partNumber))
        let result = try OSSClient.decode(CopyPartResult.self, r.body, operation: .uploadPartCopy)
        return UploadPartResult(
            metrics: r.metrics, partNumber: partNumber, etag: result.eTag, crc64: r.head.crc64,
            requestId: r.head.requestId)
    }

    /// Lists the parts uploaded so far (ListParts), one page.
    @concurrent public func listParts(
        bucket: String, key: String, uploadId: String, partNumberMarker: Int? = nil, maxParts: Int? = nil
    ) async throws -> ListPartsResult {
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        if let m = maxParts { try checkInput { try Validation.checkPageSize(m, name: "max-parts") } }
        let r = try await perform(
            .listParts(bucket: bucket, key: key, uploadId: uploadId, partNumberMarker: partNumberMarker, maxParts: maxParts))
        var result = try OSSClient.decode(ListPartsResult.self, r.body, operation: .listParts)
        result.metrics = r.metrics
        return result
    }

    /// Lists multipart uploads in progress (ListMultipartUploads), one page.
    @concurrent public func listMultipartUploads(bucket: String, _ parameters: ListMultipartUploadsParameters = .init()) async throws
        -> ListMultipartUploadsResult
    {
        if let m = parameters.maxUploads { try checkInput { try Validation.checkPageSize(m, name: "max-uploads") } }
        let r = try await perform(.listMultipartUploads(bucket: bucket, parameters))
        var result = try OSSClient.decode(ListMultipartUploadsResult.self, r.body, operation: .listMultipartUploads)
        result.metrics = r.metrics
        return result
    }

    // MARK: Buckets

    /// Lists the account's buckets (ListBuckets / GetService), one page; `tags` keeps only the
    /// buckets with those tags (PutBucketTags).
    @concurrent public func listBuckets(
        prefix: String? = nil, marker: String? = nil, maxKeys: Int? = nil, tags: BucketTagFilter? = nil
    ) async throws -> ListAllMyBucketsResult {
        let r = try await perform(.listBuckets(prefix: prefix, marker: marker, maxKeys: maxKeys, tags: tags))
        var result = try OSSClient.decode(ListAllMyBucketsResult.self, r.body, operation: .listBuckets)
        result.metrics = r.metrics
        return result
    }
}
