import OSSClient
import OSSCore
import OSSProtocol

/// ``TransferOperations`` over the real `OSSClient` whose reads (HeadObject and the ranged
/// GetObjects) name one version of the object: a ``Downloader`` given these downloads that
/// version (`versionId`) of a versioned bucket's object, whatever its current version is.
/// Everything else is ``OSSClientOperations``'.
///
/// ```swift
/// let ops = OSSClientOperations(client: client).reading(versionId: id)
/// let outcome = await Downloader(operations: ops).download(bucket: "b", key: "k", file: "k.old")
/// ```
public struct OSSClientVersionOperations: TransferOperations {
    public let base: OSSClientOperations
    /// The version read; `null` names the null version.
    public let versionId: String

    public init(base: OSSClientOperations, versionId: String) {
        self.base = base
        self.versionId = versionId
    }

    public func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject
    {
        try await base.putObject(bucket: bucket, key: key, source: source, progress: progress)
    }

    public func initiateMultipartUpload(bucket: String, key: String) async throws -> String {
        try await base.initiateMultipartUpload(bucket: bucket, key: key)
    }

    public func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, source: FileRange,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> UploadedPart {
        try await base.uploadPart(
            bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber, source: source, progress: progress)
    }

    public func listParts(bucket: String, key: String, uploadId: String) async throws -> [ListedPart] {
        try await base.listParts(bucket: bucket, key: key, uploadId: uploadId)
    }

    public func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [UploadedPart])
        async throws -> StoredObject
    {
        try await base.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, parts: parts)
    }

    public func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws {
        try await base.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
    }

    public func headObject(bucket: String, key: String) async throws -> RemoteObject {
        let m = try await base.client.headObject(bucket: bucket, key: key, versionId: versionId)
        return RemoteObject(
            size: m.contentLength, etag: m.etag ?? "", crc64: m.crc64,
            lastModified: m.headers.first { $0.name.lowercased() == "last-modified" }?.value ?? "")
    }

    public func getObject(bucket: String, key: String, offset: Int64, length: Int64, into sink: RangeSink) async throws
    {
        guard length > 0 else { return }
        let client = base.client
        let versionId = self.versionId
        try await sink.receive { file, at, count, progress in
            let r = try await client.getObject(
                bucket: bucket, key: key, versionId: versionId, range: ByteRange(offset...(offset + length - 1)),
                into: file, at: at, limit: count, progress: { progress($0.bytesTransferred) },
                retryPolicy: RetryPolicy.none)
            return (r.bytesWritten, r.crc64)
        }
    }

    public func retryDelay(beforeRetry retry: Int) -> Duration { base.retryDelay(beforeRetry: retry) }

    public func classify(_ error: any Error) -> FailureClass { base.classify(error) }
}

extension OSSClientOperations {
    /// These operations reading one version of each object (see ``OSSClientVersionOperations``).
    public func reading(versionId: String) -> OSSClientVersionOperations {
        OSSClientVersionOperations(base: self, versionId: versionId)
    }
}
