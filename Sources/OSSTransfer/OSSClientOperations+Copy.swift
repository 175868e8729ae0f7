import OSSClient
import OSSCore
import OSSProtocol

extension OSSClientOperations: CopyOperations {
    public func sourceObject(bucket: String, key: String) async throws -> (object: RemoteObject, headers: UploadHeaders) {
        let m = try await client.headObject(bucket: bucket, key: key)
        func header(_ name: String) -> String? { m.headers.first { ASCIICase.equal($0.name, name) }?.value }
        var h = UploadHeaders(contentType: m.contentType, metadata: m.userMetadata)
        h.cacheControl = header("cache-control")
        h.contentDisposition = header("content-disposition")
        let object = RemoteObject(
            size: m.contentLength, etag: m.etag ?? "", crc64: m.crc64, lastModified: header("last-modified") ?? "")
        return (object, h)
    }

    public func copyObject(
        sourceBucket: String, sourceKey: String, sourceETag: String, bucket: String, key: String, headers: UploadHeaders?
    ) async throws -> StoredObject {
        var options = PutObjectOptions(uploadHeaders: headers ?? UploadHeaders(), callback: false)
        options.headers.append(("x-oss-copy-source-if-match", sourceETag))
        let r = try await client.copyObject(
            sourceBucket: sourceBucket, sourceKey: sourceKey, bucket: bucket, key: key, replaceMetadata: headers != nil,
            options: options)
        return StoredObject(etag: r.result.eTag, crc64: r.crc64)
    }

    public func uploadPartCopy(
        sourceBucket: String, sourceKey: String, sourceETag: String, offset: Int64, length: Int64, bucket: String,
        key: String, uploadId: String, partNumber: Int
    ) async throws -> UploadedPart {
        let r = try await client.uploadPartCopy(
            sourceBucket: sourceBucket, sourceKey: sourceKey, sourceRange: ByteRange(offset...(offset + length - 1)),
            sourceETag: sourceETag, bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber,
            retryPolicy: RetryPolicy.none)
        return UploadedPart(number: partNumber, etag: r.etag, crc64: r.crc64)
    }
}
