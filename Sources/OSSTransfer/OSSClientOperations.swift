import OSSClient
import OSSCore
import OSSProtocol

/// ``TransferOperations`` over the real `OSSClient`: what the uploader and downloader call in
/// production. A part goes out through its `FileRange.reader`: the transfer's shared descriptor
/// and one buffer of its pool (`UploadOptions.bufferSize`), which the client reads the range into
/// with `pread` and writes to the socket from, re-reading the file on each retry. A ranged
/// download is received straight into the destination file (`RangeSink.receive`).
public struct OSSClientOperations: TransferOperations {
    public let client: OSSClient

    public init(client: OSSClient) {
        self.client = client
    }

    public func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject
    {
        var options = PutObjectOptions()
        options.progress = { progress($0.bytesTransferred) }
        // The transfer retries its parts (PartScheduler); the client must not retry them too.
        options.retryPolicy = RetryPolicy.none
        let r = try await source.reader.withBody(offset: source.offset, length: source.length) { body in
            try await client.putObject(bucket: bucket, key: key, body: body, options: options)
        }
        return StoredObject(etag: r.etag, crc64: r.crc64)
    }

    public func putObject(
        bucket: String, key: String, source: FileRange, headers: UploadHeaders,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> StoredObject {
        var options = PutObjectOptions(uploadHeaders: headers)
        options.progress = { progress($0.bytesTransferred) }
        options.retryPolicy = RetryPolicy.none
        let r = try await source.reader.withBody(offset: source.offset, length: source.length) { body in
            try await client.putObject(bucket: bucket, key: key, body: body, options: options)
        }
        return StoredObject(etag: r.etag, crc64: r.crc64, callbackBody: r.callbackBody)
    }

    public func initiateMultipartUpload(bucket: String, key: String, headers: UploadHeaders) async throws -> String {
        try await client.initiateMultipartUpload(bucket: bucket, key: key, headers: headers).uploadId
    }

    public func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [UploadedPart], callback: UploadCallback?
    ) async throws -> StoredObject {
        let r = try await client.completeMultipartUpload(
            bucket: bucket, key: key, uploadId: uploadId,
            parts: parts.map { CompleteMultipartUpload.Part(partNumber: $0.number, eTag: $0.etag) }, callback: callback)
        return StoredObject(etag: r.result.eTag, crc64: r.crc64, callbackBody: r.callbackBody)
    }

    public func initiateMultipartUpload(bucket: String, key: String) async throws -> String {
        try await client.initiateMultipartUpload(bucket: bucket, key: key).uploadId
    }

    public func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, source: FileRange,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> UploadedPart {
        let r = try await source.reader.withBody(offset: source.offset, length: source.length) { body in
            try await client.uploadPart(
                bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber, body: body,
                progress: { progress($0.bytesTransferred) }, retryPolicy: RetryPolicy.none)
        }
        return UploadedPart(number: partNumber, etag: r.etag, crc64: r.crc64)
    }

    public func listParts(bucket: String, key: String, uploadId: String) async throws -> [ListedPart] {
        var out: [ListedPart] = []
        for try await page in client.listPartsPages(bucket: bucket, key: key, uploadId: uploadId, maxParts: 1000) {
            out += page.parts.map {
                ListedPart(number: $0.partNumber, etag: $0.eTag, size: $0.size, crc64: $0.hashCRC64)
            }
        }
        return out
    }

    public func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [UploadedPart])
        async throws
        -> StoredObject
    {
        let r = try await client.completeMultipartUpload(
            bucket: bucket, key: key, uploadId: uploadId,
            parts: parts.map { CompleteMultipartUpload.Part(partNumber: $0.number, eTag: $0.etag) })
        return StoredObject(etag: r.result.eTag, crc64: r.crc64)
    }

    public func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws {
        try await client.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
    }

    public func headObject(bucket: String, key: String) async throws -> RemoteObject {
        let m = try await client.headObject(bucket: bucket, key: key)
        return RemoteObject(
            size: m.contentLength, etag: m.etag ?? "", crc64: m.crc64,
            lastModified: m.headers.first { $0.name.lowercased() == "last-modified" }?.value ?? "")
    }

    public func getObject(bucket: String, key: String, offset: Int64, length: Int64, into sink: RangeSink) async throws
    {
        guard length > 0 else { return }
        try await sink.receive { file, at, count, progress in
            let r = try await client.getObject(
                bucket: bucket, key: key, range: ByteRange(offset...(offset + length - 1)), into: file, at: at,
                limit: count, progress: { progress($0.bytesTransferred) }, retryPolicy: RetryPolicy.none)
            return (r.bytesWritten, r.crc64)
        }
    }

    /// The client's retry policy's back-off (exponential, full jitter).
    public func retryDelay(beforeRetry retry: Int) -> Duration {
        client.configuration.retryPolicy.delay(beforeRetry: retry)
    }

    public func classify(_ error: any Error) -> FailureClass {
        if let e = error as? OSSClientError {
            switch e.kind {
            case .requestsDisabled: return FailureClass(.disabledBeforeStart, code: e.code)
            case .abortedInFlight: return FailureClass(.abortedInFlight, code: e.code, bodyFullySent: e.bodyFullySent)
            case .cancelled: return FailureClass(.cancelled, code: e.code, bodyFullySent: e.bodyFullySent)
            case .network, .timeout, .crcMismatch, .connect, .dns: return FailureClass(.retryable, code: e.code)
            default: return FailureClass(.fatal, code: e.code)
            }
        }
        if let e = error as? OSSServiceError {
            if e.code == OSSErrorCode.noSuchUpload { return FailureClass(.noSuchUpload, code: e.code) }
            return FailureClass(e.isRetryable ? .retryable : .fatal, code: e.code)
        }
        if error is CancellationError { return FailureClass(.cancelled) }
        return FailureClass(.fatal)
    }
}
