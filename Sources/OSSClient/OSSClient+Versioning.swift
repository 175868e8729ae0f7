import OSSCore
import OSSProtocol

extension OSSClient {
    // MARK: Bucket versioning

    /// Sets a bucket's versioning state (PutBucketVersioning). A bucket once versioned can be
    /// suspended but never made unversioned again.
    /// - Parameter status: `Enabled` or `Suspended`; anything else throws `.invalidArgument`
    ///   before a byte is sent.
    /// - Returns: what the call cost.
    @discardableResult
    @concurrent public func putBucketVersioning(_ bucket: String, status: String) async throws -> OSSRequestMetrics {
        try checkInput { try Validation.checkVersioningStatus(status) }
        return try await perform(.putBucketVersioning(bucket: bucket, status: status)).metrics
    }

    /// A bucket's versioning state (GetBucketVersioning): `status` is `Enabled`, `Suspended`, or
    /// `nil` for a bucket never versioned.
    @concurrent public func getBucketVersioning(_ bucket: String) async throws -> VersioningConfiguration {
        let r = try await perform(.getBucketVersioning(bucket: bucket))
        return try OSSClient.decode(VersioningConfiguration.self, r.body, operation: .getBucketVersioning)
    }

    /// Lists object versions and delete markers (ListObjectVersions), one page: keys in order,
    /// each key's versions newest first. Keys come URL-decoded (`encoding-type=url`).
    @concurrent public func listObjectVersions(bucket: String, _ parameters: ListObjectVersionsParameters = .init()) async throws
        -> ListVersionsResult
    {
        try checkInput {
            if let m = parameters.maxKeys { try Validation.checkPageSize(m, name: "max-keys") }
            if let v = parameters.versionIdMarker {
                try Validation.checkVersionId(v)
                if (parameters.keyMarker ?? "").isEmpty {
                    throw ValidationError("a version-id marker needs a key marker")
                }
            }
        }
        let r = try await perform(.listObjectVersions(bucket: bucket, parameters))
        var result = try OSSClient.decode(ListVersionsResult.self, r.body, operation: .listObjectVersions)
        result.metrics = r.metrics
        return result
    }

    /// Every page of ListObjectVersions, following the key and version id markers.
    public func listObjectVersionsPages(bucket: String, _ parameters: ListObjectVersionsParameters = .init())
        -> OSSPaginator<ListVersionsResult>
    {
        OSSPaginator { token in
            var p = parameters
            if let token {
                p.keyMarker = token[0]
                p.versionIdMarker = token[1].isEmpty ? nil : token[1]
            }
            let page = try await self.listObjectVersions(bucket: bucket, p)
            guard page.isTruncated, let key = page.nextKeyMarker, !key.isEmpty else { return (page, nil) }
            return (page, [key, page.nextVersionIdMarker ?? ""])
        }
    }

    // MARK: Object versions

    /// Deletes up to 1000 objects or object versions in one request (DeleteMultipleObjects). An
    /// entry without a version id in a versioned bucket makes a delete marker (its `Deleted`
    /// says `deleteMarker` and `deleteMarkerVersionId`); one with a version id deletes that
    /// version for good.
    @discardableResult
    @concurrent public func deleteMultipleObjects(bucket: String, objects: [Delete.Object], quiet: Bool = false) async throws
        -> DeleteResult
    {
        guard !objects.isEmpty else { throw OSSClientError.invalidArgument("no objects to delete") }
        guard objects.count <= 1000 else {
            throw OSSClientError.invalidArgument("at most 1000 objects per DeleteMultipleObjects, not \(objects.count)")
        }
        try checkInput {
            for o in objects {
                try Validation.checkObjectKey(o.key)
                if let v = o.versionId { try Validation.checkVersionId(v) }
            }
        }
        let xml = Delete(objects: objects, quiet: quiet).encode()
        let r = try await perform(.deleteMultipleObjects(bucket: bucket, xml: xml))
        var result =
            r.body.isEmpty
            ? DeleteResult(deleted: [])
            : try OSSClient.decode(DeleteResult.self, r.body, operation: .deleteMultipleObjects)
        result.metrics = r.metrics
        return result
    }

    /// Downloads one version of an object, or a range of it, into memory (GetObject with
    /// `versionId`; `nil` is the current version). A whole object's CRC64 is checked.
    /// - Throws: `OSSServiceError` `NoSuchVersion`, or `MethodNotAllowed` for a delete marker's
    ///   id (`isDeleteMarker`).
    @concurrent public func getObject(
        bucket: String, key: String, versionId: String?, range: ByteRange? = nil, progress: OSSProgressHandler? = nil
    ) async throws -> GetObjectResult {
        try OSSClient.checkVersionId(versionId)
        try range?.validate()
        let r = try await perform(
            .getObject(bucket: bucket, key: key, range: range, versionId: versionId), progress: progress)
        var metadata = ObjectMetadata(r.head)
        metadata.metrics = r.metrics
        return GetObjectResult(metrics: r.metrics, metadata: metadata, body: r.body)
    }

    /// Downloads one version of an object into a file, as `getObject(bucket:key:toFile:range:progress:)`.
    @discardableResult
    @concurrent public func getObject(
        bucket: String, key: String, versionId: String?, toFile path: String, range: ByteRange? = nil,
        progress: OSSProgressHandler? = nil
    ) async throws -> ObjectMetadata {
        try OSSClient.checkVersionId(versionId)
        try range?.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, range: range, versionId: versionId)
        return try await FileIOExecutor.run {
            let r = try await performMeasured(op, progress: progress) { head, pump in
                try await pump.write(toFile: path)
                return ObjectMetadata(head)
            }
            var metadata = r.value
            metadata.metrics = r.metrics
            return metadata
        }
    }

    /// Downloads one version of an object, or a range of it, into an open file at `offset`, as
    /// `getObject(bucket:key:range:into:at:limit:buffer:progress:retryPolicy:)` (the Downloader's path).
    @concurrent public func getObject(
        bucket: String, key: String, versionId: String?, range: ByteRange? = nil, into file: FileDescriptor,
        at offset: Int64, limit: Int64 = .max, buffer: IOBuffer? = nil, progress: OSSProgressHandler? = nil,
        retryPolicy: RetryPolicy? = nil
    ) async throws -> ObjectDownload {
        try OSSClient.checkVersionId(versionId)
        try range?.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, range: range, versionId: versionId)
        return try await FileIOExecutor.run {
            let r = try await performMeasured(op, progress: progress, retries: retryPolicy) { head, pump in
                let (written, crc) = try await pump.write(
                    to: file, at: offset, buffer: buffer ?? IOBuffer(capacity: BodyPump.fileBufferSize), limit: limit)
                return ObjectDownload(metadata: ObjectMetadata(head), bytesWritten: written, crc64: crc)
            }
            var download = r.value
            download.metrics = r.metrics
            download.metadata.metrics = r.metrics
            return download
        }
    }

    /// Streams one version of an object, as `withObjectStream(bucket:key:range:progress:retryPolicy:_:)`.
    @concurrent public func withObjectStream<T: Sendable>(
        bucket: String, key: String, versionId: String?, range: ByteRange? = nil, progress: OSSProgressHandler? = nil,
        retryPolicy: RetryPolicy? = nil, _ body: (ObjectMetadata, OSSObjectStream) async throws -> T
    ) async throws -> T {
        try OSSClient.checkVersionId(versionId)
        try range?.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, range: range, versionId: versionId)
        do {
            return try await perform(op, progress: progress, retries: retryPolicy) { head, pump in
                do {
                    return try await body(ObjectMetadata(head), OSSObjectStream(pump: pump))
                } catch {
                    throw StreamConsumerError(underlying: error)
                }
            }
        } catch let e as StreamConsumerError {
            throw e.underlying
        }
    }

    /// Copies one version of an object on the server (CopyObject with
    /// `x-oss-copy-source: /bucket/key?versionId=...`), up to 5 GiB. The result's `versionId` is
    /// the new object's (in a versioned destination bucket).
    @discardableResult
    @concurrent public func copyObject(
        sourceBucket: String, sourceKey: String, sourceVersionId: String?, bucket: String, key: String,
        replaceMetadata: Bool = false, options: PutObjectOptions = .init()
    ) async throws -> CopiedObject {
        try OSSClient.checkVersionId(sourceVersionId)
        try checkInput { try Validation.checkBucketName(sourceBucket) }
        try checkInput { try Validation.checkObjectKey(sourceKey) }
        try checkInput { try Validation.checkMetadata(options.metadata) }
        let r = try await perform(
            .copyObject(
                sourceBucket: sourceBucket, sourceKey: sourceKey, sourceVersionId: sourceVersionId, bucket: bucket,
                key: key, replaceMetadata: replaceMetadata, options: options))
        let result = try OSSClient.decode(CopyObjectResult.self, r.body, operation: .copyObject)
        return CopiedObject(
            metrics: r.metrics, result: result, crc64: r.head.crc64, versionId: r.head.header(OSSHeader.versionId),
            requestId: r.head.requestId)
    }

    /// `.invalidArgument` for an empty version id (`nil` names the current version).
    static func checkVersionId(_ versionId: String?) throws(OSSClientError) {
        guard let versionId else { return }
        try checkInput { try Validation.checkVersionId(versionId) }
    }
}

extension OSSServiceError {
    /// Whether the answer concerned a delete marker: a GET or HEAD of a key whose latest version
    /// is one (`NoSuchKey`), or of a delete marker's version id (`MethodNotAllowed`).
    public var isDeleteMarker: Bool { fields["DeleteMarker"] == "true" }

    /// That delete marker's version id.
    public var deleteMarkerVersionId: String? { fields["DeleteMarkerVersionId"] }
}
