import OSSCore
import OSSProtocol

extension OSSClient {
    /// Uploads an object in one request (PutObject). The CRC64 of the bytes sent is compared with
    /// the server's; a mismatch throws `.crcMismatch` and is not retried.
    /// - Parameters:
    ///   - body: `.bytes(...)`, `.file(path)` or `.stream(...)` (a stream is never retried).
    ///   - options: content type, metadata, Content-MD5, extra headers, progress.
    /// - Throws: `OSSServiceError`, `OSSClientError`.
    @discardableResult
    @concurrent public func putObject(bucket: String, key: String, body: OSSRequestBody, options: PutObjectOptions = .init())
        async throws -> PutObjectResult
    {
        try checkInput { try Validation.checkMetadata(options.metadata) }
        var options = options
        // Issue 16 uploads: a file without a Content-Type gets its extension's (else the key's), as the official SDKs do.
        if options.contentType == nil, !options.headers.contains(where: { ASCIICase.equal($0.0, "content-type") }) {
            if case .file(let path, _, _) = body.source {
                options.contentType = ContentType.forName(path) ?? ContentType.forName(key)
            }
        }
        let r = try await perform(
            .putObject(bucket: bucket, key: key, body: body, options: options), progress: options.progress,
            signal: options.signal, retries: options.retryPolicy)
        try OSSClient.checkCallbackAnswer(r.head, r.body)
        var result = PutObjectResult(r.head)
        result.metrics = r.metrics
        if options.headers.contains(where: { ASCIICase.equal($0.0, UploadCallback.header) }) { result.callbackBody = r.body }
        return result
    }

    /// Downloads an object, or a range of it, into memory (GetObject). A whole object's CRC64 is checked.
    /// - Parameter progress: called as bytes arrive.
    @concurrent public func getObject(bucket: String, key: String, range: ByteRange? = nil, progress: OSSProgressHandler? = nil)
        async throws -> GetObjectResult
    {
        try range?.validate()
        let r = try await perform(.getObject(bucket: bucket, key: key, range: range), progress: progress)
        var metadata = ObjectMetadata(r.head)
        metadata.metrics = r.metrics
        return GetObjectResult(metrics: r.metrics, metadata: metadata, body: r.body)
    }

    /// Downloads an object, or a range of it, into a file. The bytes go to `path.osswire-part`
    /// first, renamed to `path` once complete (and checked), so a failure leaves no partial file.
    @discardableResult
    @concurrent public func getObject(
        bucket: String, key: String, toFile path: String, range: ByteRange? = nil, progress: OSSProgressHandler? = nil
    ) async throws -> ObjectMetadata {
        try range?.validate()
        // The file is written (blocking pwrite) on a file I/O thread, never on the cooperative pool.
        return try await FileIOExecutor.run {
            let r = try await performMeasured(.getObject(bucket: bucket, key: key, range: range), progress: progress) {
                head, pump in
                try await pump.write(toFile: path)
                return ObjectMetadata(head)
            }
            var metadata = r.value
            metadata.metrics = r.metrics
            return metadata
        }
    }

    /// Downloads an object, or a range of it, into an open file at `offset`: the bytes are
    /// received straight into `buffer` and written with one `pwrite` per buffer, their CRC64
    /// computed on the way (a whole object's is also checked against the server's). Nothing is
    /// retried once bytes were written. More bytes than `limit` fail with `.invalidResponse`
    /// before they are written.
    /// - Parameter buffer: what the bytes are received into; one of 1 MiB when `nil`.
    /// - Parameter retryPolicy: this call's retry policy (before bytes were written); `nil` is the
    ///   client's. A transfer that retries its ranges itself passes `.none`.
    /// - Returns: the metadata, the bytes written and their CRC64.
    @concurrent public func getObject(
        bucket: String, key: String, range: ByteRange? = nil, into file: FileDescriptor, at offset: Int64,
        limit: Int64 = .max, buffer: IOBuffer? = nil, progress: OSSProgressHandler? = nil, retryPolicy: RetryPolicy? = nil
    ) async throws -> ObjectDownload {
        try range?.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, range: range)
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

    /// Downloads an object, or a range of it, handing its bytes to `body` as they arrive. Nothing
    /// is retried once the head arrived; a whole object's CRC64 is checked when the stream ends.
    /// The stream is valid only inside `body`.
    /// - Parameter retryPolicy: this call's retry policy (before the head); `nil` is the client's.
    @concurrent public func withObjectStream<T: Sendable>(
        bucket: String, key: String, range: ByteRange? = nil, progress: OSSProgressHandler? = nil,
        retryPolicy: RetryPolicy? = nil, _ body: (ObjectMetadata, OSSObjectStream) async throws -> T
    ) async throws -> T {
        try range?.validate()
        let op = OSSOperationRequest.getObject(bucket: bucket, key: key, range: range)
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

    /// An object's metadata (HeadObject). A failure's code comes from the `x-oss-err` header.
    @concurrent public func headObject(bucket: String, key: String, versionId: String? = nil) async throws -> ObjectMetadata {
        try OSSClient.checkVersionId(versionId)
        let r = try await perform(.headObject(bucket: bucket, key: key, versionId: versionId))
        var metadata = ObjectMetadata(r.head)
        metadata.metrics = r.metrics
        return metadata
    }

    /// Deletes an object (DeleteObject). Deleting a missing key succeeds, as in OSS.
    @discardableResult
    @concurrent public func deleteObject(bucket: String, key: String, versionId: String? = nil) async throws -> DeleteObjectResult {
        try OSSClient.checkVersionId(versionId)
        let r = try await perform(.deleteObject(bucket: bucket, key: key, versionId: versionId))
        return DeleteObjectResult(
            metrics: r.metrics, requestId: r.head.requestId,
            deleteMarker: r.head.header("x-oss-delete-marker") == "true", versionId: r.head.header("x-oss-version-id"))
    }

    /// Appends to an appendable object (AppendObject) at `position` (0 creates it).
    /// - Parameter previousCRC64: the object's CRC64 before this append (the last result's
    ///   `crc64`); with it the whole object's CRC64 is checked. Not needed at position 0.
    @discardableResult
    @concurrent public func appendObject(
        bucket: String, key: String, position: Int64, body: OSSRequestBody, previousCRC64: UInt64? = nil,
        options: PutObjectOptions = .init()
    ) async throws -> AppendObjectResult {
        guard position >= 0 else { throw OSSClientError.invalidArgument("the append position cannot be negative") }
        try checkInput { try Validation.checkMetadata(options.metadata) }
        var op = OSSOperationRequest.appendObject(bucket: bucket, key: key, position: position, body: body, options: options)
        let base: UInt64? = position == 0 ? 0 : previousCRC64
        if base == nil { op.checksUploadCRC = false }
        let r = try await perform(op, progress: options.progress, uploadCRCBase: base, retries: options.retryPolicy)
        guard let next = r.head.header("x-oss-next-append-position").flatMap({ Int64($0) }) else {
            throw OSSClientError.invalidResponse("AppendObject: the answer has no x-oss-next-append-position")
        }
        return AppendObjectResult(
            metrics: r.metrics, nextPosition: next, crc64: r.head.crc64, etag: r.head.etag, requestId: r.head.requestId)
    }

    /// Uploads one part of a multipart upload (UploadPart), checking its CRC64.
    /// - Parameter partNumber: 1...10000.
    /// - Parameter signal: an extra cancel source (an upload handle's pause or abort): firing it
    ///   closes the part's socket at once and the call throws `.cancelled`.
    /// - Parameter retryPolicy: this call's retry policy; `nil` is the client's. A transfer that
    ///   retries its parts itself passes `.none`.
    @concurrent public func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, body: OSSRequestBody, contentMD5: Bool = false,
        progress: OSSProgressHandler? = nil, signal: CancellationSignal? = nil, retryPolicy: RetryPolicy? = nil
    ) async throws -> UploadPartResult {
        try checkInput { try Validation.checkPartNumber(partNumber) }
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        let r = try await perform(
            .uploadPart(
                bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber, body: body, contentMD5: contentMD5),
            progress: progress, signal: signal, retries: retryPolicy)
        guard let etag = r.head.etag else { throw OSSClientError.invalidResponse("UploadPart: the answer has no ETag") }
        return UploadPartResult(
            metrics: r.metrics, partNumber: partNumber, etag: etag, crc64: r.head.crc64, requestId: r.head.requestId)
    }

    /// Abandons a multipart upload (AbortMultipartUpload); its parts are deleted and the id
    /// becomes unusable (`NoSuchUpload`).
    /// - Returns: what the call cost.
    @discardableResult
    @concurrent public func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws -> OSSRequestMetrics {
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        return try await perform(.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)).metrics
    }

    /// Creates a bucket (PutBucket).
    /// - Parameters:
    ///   - acl: `private`, `public-read` or `public-read-write`.
    ///   - storageClass: `Standard`, `IA`, `Archive`, ...
    /// - Returns: what the call cost.
    @discardableResult
    @concurrent public func createBucket(_ bucket: String, acl: String? = nil, storageClass: String? = nil) async throws
        -> OSSRequestMetrics
    {
        try await perform(.putBucket(bucket: bucket, acl: acl, storageClass: storageClass)).metrics
    }

    /// Deletes an empty bucket (DeleteBucket).
    /// - Returns: what the call cost.
    @discardableResult
    @concurrent public func deleteBucket(_ bucket: String) async throws -> OSSRequestMetrics {
        try await perform(.deleteBucket(bucket: bucket)).metrics
    }

    /// Sends any operation and returns the raw answer (status, headers, body), for operations
    /// this client has no method for. Non-2xx answers throw `OSSServiceError`. The head's
    /// `metrics` say what the call cost.
    @concurrent public func send(_ operation: OSSOperationRequest, progress: OSSProgressHandler? = nil) async throws -> (
        OSSResponseHead, [UInt8]
    ) {
        let r = try await perform(operation, progress: progress)
        var head = r.head
        head.metrics = r.metrics
        return (head, r.body)
    }
}

/// Wraps what the caller's stream handler throws, so it is never mistaken for a failure of the
/// exchange and retried.
struct StreamConsumerError: Error {
    let underlying: any Error
}

/// What `getObject(bucket:key:range:into:at:)` wrote.
public struct ObjectDownload: Sendable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    public var metadata: ObjectMetadata
    /// The bytes written to the file.
    public var bytesWritten: Int64
    /// The CRC64 of those bytes.
    public var crc64: UInt64
}
