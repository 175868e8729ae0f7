import OSSCore
import OSSProtocol

/// What GetObjectTagging answers.
public struct GetObjectTaggingResult: Sendable, Hashable {
    public var metrics = OSSRequestMetrics()
    /// The tags, in the order OSS lists them.
    public var tags: [ObjectTag]
    public var requestId: String
}

/// What GetObjectAcl and GetBucketAcl answer.
public struct ACLResult: Sendable, Hashable {
    public var metrics = OSSRequestMetrics()
    /// `private`, `public-read`, `public-read-write`, or for an object `default` (the bucket's).
    public var acl: String
    public var owner: Owner?
    public var requestId: String
}

/// What GetSymlink answers.
public struct SymlinkResult: Sendable, Hashable {
    public var metrics = OSSRequestMetrics()
    /// The key the symlink points to.
    public var target: String
    public var etag: String?
    public var lastModified: UTCTime?
    public var requestId: String
}

/// What GetObjectMeta answers: the object's basic metadata, without its other headers.
public struct ObjectMetaResult: Sendable, Hashable {
    public var metrics = OSSRequestMetrics()
    /// The object's size in bytes.
    public var size: Int64
    public var etag: String?
    public var lastModified: UTCTime?
    /// When the object was last read (`x-oss-last-access-time`, with access tracking on).
    public var lastAccessTime: UTCTime?
    public var crc64: UInt64?
    public var versionId: String?
    public var requestId: String
}

/// What RestoreObject answers.
public struct RestoreObjectResult: Sendable, Hashable {
    public var metrics = OSSRequestMetrics()
    /// `true` when this call started a restore (202); `false` when the object was already
    /// restored and its restored copy's life was extended (200).
    public var started: Bool
    /// The tier of a Cold Archive or Deep Cold Archive restore (`x-oss-object-restore-priority`).
    public var priority: String?
    public var requestId: String
}

/// The restore state of an archived object, from `x-oss-restore` (HEAD, GET).
public struct RestoreState: Sendable, Hashable {
    /// A restore is under way.
    public var ongoing: Bool
    /// When the restored copy expires (once restored).
    public var expiry: UTCTime?

    /// Reads `ongoing-request="true"` or `ongoing-request="false", expiry-date="..."`.
    public init?(header: String) {
        guard let ongoingValue = RestoreState.value(of: "ongoing-request", in: header) else { return nil }
        ongoing = ongoingValue == "true"
        expiry = RestoreState.value(of: "expiry-date", in: header).flatMap { UTCTime(rfc1123: $0) }
    }

    /// The quoted value of `name="..."` (a date holds a comma, so the header is not split on them).
    private static func value(of name: String, in header: String) -> String? {
        guard let r = header.firstRange(of: name + "=\"") else { return nil }
        let rest = header[r.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

extension ObjectMetadata {
    /// `x-oss-tagging-count`: how many tags the object has (`nil` when it has none).
    public var taggingCount: Int? { headers.first { ASCIICase.equal($0.name, OSSHeader.taggingCount) }.flatMap { Int($0.value) } }

    /// The restore state of an archived object (`nil` when no restore was asked for).
    public var restore: RestoreState? {
        headers.first { ASCIICase.equal($0.name, OSSHeader.restore) }.flatMap { RestoreState(header: $0.value) }
    }
}

extension OSSClient {
    // MARK: ObjectTagging

    /// Replaces an object's tags (PutObjectTagging). At most 10; keys 1...128 characters, values
    /// 0...256, of letters, digits, spaces and `+ - = . _ : /` (checked before sending).
    @discardableResult
    @concurrent public func putObjectTagging(bucket: String, key: String, tags: [ObjectTag]) async throws -> OSSRequestMetrics {
        try checkInput { try Validation.checkObjectTags(tags) }
        return try await perform(.putObjectTagging(bucket: bucket, key: key, tagging: ObjectTagging(tagSet: tags))).metrics
    }

    /// An object's tags (GetObjectTagging).
    @concurrent public func getObjectTagging(bucket: String, key: String) async throws -> GetObjectTaggingResult {
        let r = try await perform(.getObjectTagging(bucket: bucket, key: key))
        let t = try OSSClient.decode(ObjectTagging.self, r.body, operation: .getObjectTagging)
        return GetObjectTaggingResult(metrics: r.metrics, tags: t.tagSet, requestId: r.head.requestId)
    }

    /// Removes every tag of an object (DeleteObjectTagging).
    @discardableResult
    @concurrent public func deleteObjectTagging(bucket: String, key: String) async throws -> OSSRequestMetrics {
        try await perform(.deleteObjectTagging(bucket: bucket, key: key)).metrics
    }

    // MARK: ACLs

    /// Sets an object's ACL (PutObjectAcl): `default`, `private`, `public-read` or
    /// `public-read-write`. OSS refuses a public one while Block Public Access is on.
    @discardableResult
    @concurrent public func putObjectAcl(bucket: String, key: String, acl: String) async throws -> OSSRequestMetrics {
        try checkInput { try Validation.checkObjectACL(acl) }
        return try await perform(.putObjectAcl(bucket: bucket, key: key, acl: acl)).metrics
    }

    /// An object's ACL (GetObjectAcl).
    @concurrent public func getObjectAcl(bucket: String, key: String) async throws -> ACLResult {
        let r = try await perform(.getObjectAcl(bucket: bucket, key: key))
        let p = try OSSClient.decode(AccessControlPolicy.self, r.body, operation: .getObjectAcl)
        return ACLResult(metrics: r.metrics, acl: p.grant, owner: p.owner, requestId: r.head.requestId)
    }

    /// Sets a bucket's ACL (PutBucketAcl): `private`, `public-read` or `public-read-write`.
    @discardableResult
    @concurrent public func putBucketAcl(_ bucket: String, acl: String) async throws -> OSSRequestMetrics {
        try checkInput { try Validation.checkBucketACL(acl) }
        return try await perform(.putBucketAcl(bucket: bucket, acl: acl)).metrics
    }

    /// A bucket's ACL (GetBucketAcl).
    @concurrent public func getBucketAcl(_ bucket: String) async throws -> ACLResult {
        let r = try await perform(.getBucketAcl(bucket: bucket))
        let p = try OSSClient.decode(AccessControlPolicy.self, r.body, operation: .getBucketAcl)
        return ACLResult(metrics: r.metrics, acl: p.grant, owner: p.owner, requestId: r.head.requestId)
    }

    // MARK: Block Public Access

    /// Turns Block Public Access on or off (PutPublicAccessBlock for the whole account when
    /// `bucket` is `nil`, PutBucketPublicAccessBlock for one bucket).
    @discardableResult
    @concurrent public func putPublicAccessBlock(bucket: String? = nil, blockPublicAccess: Bool) async throws -> OSSRequestMetrics {
        try await perform(.putPublicAccessBlock(bucket: bucket, blockPublicAccess: blockPublicAccess)).metrics
    }

    /// Whether Block Public Access is on (GetPublicAccessBlock, or GetBucketPublicAccessBlock).
    @concurrent public func getPublicAccessBlock(bucket: String? = nil) async throws -> Bool {
        let r = try await perform(.getPublicAccessBlock(bucket: bucket))
        let op: OSSOperation = bucket == nil ? .getPublicAccessBlock : .getBucketPublicAccessBlock
        return try OSSClient.decode(PublicAccessBlockConfiguration.self, r.body, operation: op).blockPublicAccess
    }

    /// Removes the Block Public Access setting (DeletePublicAccessBlock, or DeleteBucketPublicAccessBlock).
    @discardableResult
    @concurrent public func deletePublicAccessBlock(bucket: String? = nil) async throws -> OSSRequestMetrics {
        try await perform(.deletePublicAccessBlock(bucket: bucket)).metrics
    }

    // MARK: Symlinks

    /// Makes `key` a symlink to `target` in the same bucket (PutSymlink). A GET or HEAD of the
    /// symlink serves the target, with object type `Symlink`.
    /// - Parameter options: content type, metadata, and headers (`x-oss-object-acl`,
    ///   `x-oss-storage-class`, `x-oss-forbid-overwrite`).
    @discardableResult
    @concurrent public func putSymlink(bucket: String, key: String, target: String, options: PutObjectOptions = .init()) async throws
        -> PutObjectResult
    {
        try checkInput {
            try Validation.checkObjectKey(target)
            try Validation.checkMetadata(options.metadata)
        }
        let r = try await perform(.putSymlink(bucket: bucket, key: key, target: target, options: options))
        var result = PutObjectResult(r.head)
        result.metrics = r.metrics
        return result
    }

    /// Where a symlink points (GetSymlink). A key that is not a symlink is `NotSymlink`.
    @concurrent public func getSymlink(bucket: String, key: String) async throws -> SymlinkResult {
        let r = try await perform(.getSymlink(bucket: bucket, key: key))
        guard let raw = r.head.header(OSSHeader.symlinkTarget) else {
            throw OSSClientError.invalidResponse("GetSymlink: the answer has no \(OSSHeader.symlinkTarget)")
        }
        return SymlinkResult(
            metrics: r.metrics, target: PercentEncoding.decode(raw) ?? raw, etag: r.head.etag,
            lastModified: r.head.header("last-modified").flatMap { UTCTime(rfc1123: $0) }, requestId: r.head.requestId)
    }

    // MARK: GetObjectMeta

    /// An object's size, ETag and times (GetObjectMeta): lighter than HeadObject.
    @concurrent public func getObjectMeta(bucket: String, key: String, versionId: String? = nil) async throws -> ObjectMetaResult {
        let r = try await perform(.getObjectMeta(bucket: bucket, key: key, versionId: versionId))
        let h = r.head
        return ObjectMetaResult(
            metrics: r.metrics, size: h.header("content-length").flatMap { Int64($0.trimmingWhitespace()) } ?? 0,
            etag: h.etag, lastModified: h.header("last-modified").flatMap { UTCTime(rfc1123: $0) },
            lastAccessTime: h.header(OSSHeader.lastAccessTime).flatMap { UTCTime(rfc1123: $0) }, crc64: h.crc64,
            versionId: h.header(OSSHeader.versionId), requestId: h.requestId)
    }

    // MARK: Restore

    /// Asks for a readable copy of an Archive, Cold Archive or Deep Cold Archive object
    /// (RestoreObject). Poll `headObject(...).restore` until it is no longer ongoing.
    /// - Parameters:
    ///   - days: how long the restored copy lives (Archive 1...7, the cold classes 1...365).
    ///   - tier: `Expedited`, `Standard` or `Bulk` (Cold and Deep Cold Archive only).
    /// - Throws: `OSSServiceError` `RestoreAlreadyInProgress` (409) while a restore runs.
    @discardableResult
    @concurrent public func restoreObject(bucket: String, key: String, days: Int? = nil, tier: String? = nil) async throws
        -> RestoreObjectResult
    {
        let request = (days != nil || tier != nil) ? RestoreRequest(days: days, tier: tier) : nil
        if let request { try checkInput { try Validation.checkRestore(request) } }
        let r = try await perform(.restoreObject(bucket: bucket, key: key, request: request))
        return RestoreObjectResult(
            metrics: r.metrics, started: r.head.statusCode == 202, priority: r.head.header(OSSHeader.restorePriority),
            requestId: r.head.requestId)
    }

    /// Drops the restored copy of an archived object (CleanRestoredObject).
    /// - Throws: `OSSServiceError` `ArchiveRestoreFileStale` (nothing restored) or
    ///   `ArchiveRestoreNotFinished` (409).
    @discardableResult
    @concurrent public func cleanRestoredObject(bucket: String, key: String) async throws -> OSSRequestMetrics {
        try await perform(.cleanRestoredObject(bucket: bucket, key: key)).metrics
    }

    // MARK: GetObject with options

    /// Downloads an object into memory with conditions (`If-Match`, ...: a failed one throws
    /// `OSSServiceError` 304 or 412), `response-*` header overrides and a traffic limit.
    @concurrent public func getObject(bucket: String, key: String, options: GetObjectOptions) async throws -> GetObjectResult {
        try options.validate()
        let r = try await perform(.getObject(bucket: bucket, key: key, options: options), progress: options.progress)
        var metadata = ObjectMetadata(r.head)
        metadata.metrics = r.metrics
        return GetObjectResult(metrics: r.metrics, metadata: metadata, body: r.body)
    }

    /// Downloads an object into a file (written to `path.osswire-part`, renamed when complete)
    /// with GetObject's options.
    @discardableResult
    @concurrent public func getObject(bucket: String, key: String, toFile path: String, options: GetObjectOptions) async throws
        -> ObjectMetadata
    {
        try options.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, options: options)
        return try await FileIOExecutor.run {
            let r = try await performMeasured(op, progress: options.progress) { head, pump in
                try await pump.write(toFile: path)
                return ObjectMetadata(head)
            }
            var metadata = r.value
            metadata.metrics = r.metrics
            return metadata
        }
    }

    /// Downloads an object, or a range of it, into an open file at `offset` with GetObject's
    /// options, as `getObject(bucket:key:range:into:at:...)` does (nothing retried once bytes were
    /// written; more bytes than `limit` fail before they are written).
    @concurrent public func getObject(
        bucket: String, key: String, options: GetObjectOptions, into file: FileDescriptor, at offset: Int64,
        limit: Int64 = .max, buffer: IOBuffer? = nil, progress: OSSProgressHandler? = nil, retryPolicy: RetryPolicy? = nil
    ) async throws -> ObjectDownload {
        try options.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, options: options)
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
}
