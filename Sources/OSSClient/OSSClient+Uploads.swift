import OSSCore
import OSSProtocol

extension PutObjectOptions {
    /// Options carrying `headers` (the object's headers, and the callback when `callback`):
    /// for PutObject and InitiateMultipartUpload (which takes no callback: the Complete does).
    public init(uploadHeaders headers: UploadHeaders, callback: Bool = true) {
        self.init(contentType: headers.contentType, metadata: headers.metadata)
        add(headers, callback: callback)
    }

    /// Adds `headers` to these options: their Content-Type and metadata replace these', the
    /// other headers are appended (and the callback's when `callback`).
    public mutating func add(_ headers: UploadHeaders, callback: Bool = true) {
        if let t = headers.contentType { contentType = t }
        metadata.merge(headers.metadata) { _, new in new }
        for (name, value) in headers.objectHeaders
        where !ASCIICase.equal(name, "content-type") && !name.lowercased().hasPrefix(OSSHeader.metadataPrefix) {
            self.headers.append((name, value))
        }
        if callback { self.headers += headers.callbackHeaders }
    }
}

extension OSSClient {
    /// Uploads an object in one request (PutObject) with the headers an upload sets, checked
    /// before a byte is sent. A file body without a Content-Type gets the one of its extension
    /// (``ContentType``), else the key's.
    ///
    /// With a callback, the result's `callbackBody` is what the callback server answered; a
    /// callback that failed throws `OSSServiceError` `CallbackFailed` (status 203), whose message
    /// says the object was stored.
    @discardableResult
    @concurrent public func putObject(
        bucket: String, key: String, body: OSSRequestBody, headers: UploadHeaders, options: PutObjectOptions = .init()
    ) async throws -> PutObjectResult {
        try checkInput { try headers.validate() }
        var options = options
        options.add(headers)
        return try await putObject(bucket: bucket, key: key, body: body, options: options)
    }

    /// Starts a multipart upload (InitiateMultipartUpload) with the headers the object will have
    /// (Content-Type, metadata, storage class, ACL, tagging, encryption), checked before a byte is
    /// sent. The callback is not sent here: pass it to ``completeMultipartUpload(bucket:key:uploadId:parts:expectedCRC64:callback:)``.
    @concurrent public func initiateMultipartUpload(bucket: String, key: String, headers: UploadHeaders) async throws
        -> InitiateMultipartUploadResult
    {
        try checkInput { try headers.validate() }
        return try await initiateMultipartUpload(
            bucket: bucket, key: key, options: PutObjectOptions(uploadHeaders: headers, callback: false))
    }

    /// Completes a multipart upload (CompleteMultipartUpload) with an upload callback: OSS calls
    /// it once the object is stored and answers with the callback server's answer, in the
    /// result's `callbackBody` (the result's ETag comes from the `ETag` header then, as OSS sends
    /// no XML). A callback that failed throws `OSSServiceError` `CallbackFailed` (status 203):
    /// the object is stored all the same.
    @discardableResult
    @concurrent public func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [CompleteMultipartUpload.Part], expectedCRC64: UInt64? = nil,
        callback: UploadCallback?
    ) async throws -> CompletedMultipartUpload {
        guard let callback else {
            return try await completeMultipartUpload(
                bucket: bucket, key: key, uploadId: uploadId, parts: parts, expectedCRC64: expectedCRC64)
        }
        try checkInput { try callback.validate() }
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        guard !parts.isEmpty else { throw OSSClientError.invalidArgument("a multipart upload needs at least one part") }
        try checkInput { for p in parts { try Validation.checkPartNumber(p.partNumber) } }
        let xml = CompleteMultipartUpload(parts: parts).encode()
        var op = OSSOperationRequest.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, xml: xml)
        op.headers += callback.headers
        let r = try await perform(op)
        try OSSClient.checkCallbackAnswer(r.head, r.body)
        let crc = r.head.crc64
        if configuration.crcCheckEnabled, let expectedCRC64, let crc, crc != expectedCRC64 {
            throw OSSClientError.crcMismatch(expected: expectedCRC64, reported: crc, what: "CompleteMultipartUpload")
        }
        var done = CompletedMultipartUpload(
            metrics: r.metrics,
            result: CompleteMultipartUploadResult(bucket: bucket, key: key, eTag: r.head.etag ?? ""), crc64: crc,
            versionId: r.head.header(OSSHeader.versionId), requestId: r.head.requestId)
        done.callbackBody = r.body
        return done
    }

    /// A 203 answer is OSS saying the object was stored but its upload callback failed
    /// (`CallbackFailed`): thrown as that service error, its message saying the object is stored.
    static func checkCallbackAnswer(_ head: OSSResponseHead, _ body: [UInt8]) throws {
        guard head.statusCode == 203 else { return }
        var e = ErrorBody.serviceError(status: 203, header: head.header, body: body)
        if e.requestId.isEmpty { e.requestId = head.requestId }
        let why = e.message.isEmpty ? "" : ": \(e.message)"
        e.message = "the object was stored, but its upload callback failed\(why)"
        throw e
    }
}

extension OSSClient {
    /// Copies a range of an object into a part (UploadPartCopy), only while the source is still
    /// the one named by `sourceETag` (`x-oss-copy-source-if-match`: a changed source fails with
    /// 412 PreconditionFailed instead of mixing two versions in one object).
    /// - Parameter retryPolicy: this call's retry policy; `nil` is the client's. A transfer that
    ///   retries its parts itself passes `.none`.
    @concurrent public func uploadPartCopy(
        sourceBucket: String, sourceKey: String, sourceRange: ByteRange?, sourceETag: String?, bucket: String, key: String,
        uploadId: String, partNumber: Int, retryPolicy: RetryPolicy? = nil
    ) async throws -> UploadPartResult {
        try checkInput { try Validation.checkBucketName(sourceBucket) }
        try checkInput { try Validation.checkObjectKey(sourceKey) }
        try checkInput { try Validation.checkPartNumber(partNumber) }
        try sourceRange?.validate()
        guard !uploadId.isEmpty else { throw OSSClientError.invalidArgument("the upload id is empty") }
        var op = OSSOperationRequest.uploadPartCopy(
            sourceBucket: sourceBucket, sourceKey: sourceKey, sourceRange: sourceRange, bucket: bucket, key: key,
            uploadId: uploadId, partNumber: partNumber)
        if let sourceETag {
            try checkInput { try Validation.checkHeaderValue(sourceETag, name: "x-oss-copy-source-if-match") }
            op.headers.append(("x-oss-copy-source-if-match", sourceETag))
        }
        let r = try await perform(op, retries: retryPolicy)
        let result = try OSSClient.decode(CopyPartResult.self, r.body, operation: .uploadPartCopy)
        return UploadPartResult(
            metrics: r.metrics, partNumber: partNumber, etag: r.head.etag ?? result.eTag, crc64: r.head.crc64,
            requestId: r.head.requestId)
    }
}
