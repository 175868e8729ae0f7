import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import Synchronization
import Testing
@testable import OSSTransfer

/// Real operations, except that the object is overwritten just before the ranged GET of
/// `overwriteBeforeRead` (calls counted; one job, so deterministic).
final class OverwriteMidDownload: TransferOperations {
    let inner: OSSClientOperations
    let overwriteBeforeRead: Int
    let reads = Atomic<Int>(0)

    init(inner: OSSClientOperations, overwriteBeforeRead: Int) {
        self.inner = inner
        self.overwriteBeforeRead = overwriteBeforeRead
    }

    func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject
    {
        try await inner.putObject(bucket: bucket, key: key, source: source, progress: progress)
    }
    func initiateMultipartUpload(bucket: String, key: String) async throws -> String {
        try await inner.initiateMultipartUpload(bucket: bucket, key: key)
    }
    func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, source: FileRange,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> UploadedPart {
        try await inner.uploadPart(
            bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber, source: source, progress: progress)
    }
    func listParts(bucket: String, key: String, uploadId: String) async throws -> [ListedPart] {
        try await inner.listParts(bucket: bucket, key: key, uploadId: uploadId)
    }
    func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [UploadedPart]) async throws
        -> StoredObject
    {
        try await inner.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, parts: parts)
    }
    func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws {
        try await inner.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
    }
    func headObject(bucket: String, key: String) async throws -> RemoteObject {
        try await inner.headObject(bucket: bucket, key: key)
    }
    func getObject(bucket: String, key: String, offset: Int64, length: Int64, into sink: RangeSink) async throws {
        try await inner.getObject(bucket: bucket, key: key, offset: offset, length: length, into: sink)
    }
    func getObject(
        bucket: String, key: String, offset: Int64, length: Int64, conditions: RangeConditions, into sink: RangeSink
    ) async throws {
        if reads.add(1, ordering: .relaxed).newValue == overwriteBeforeRead {
            // Same size, other bytes: only the ETag tells the versions apart before the end.
            try await inner.client.putObject(bucket: bucket, key: key, body: .bytes(Array(repeating: 0x5A, count: 300 << 10)))
        }
        try await inner.getObject(
            bucket: bucket, key: key, offset: offset, length: length, conditions: conditions, into: sink)
    }
    func classify(_ error: any Error) -> FailureClass { inner.classify(error) }
}

@Suite("Downloads pinned to the ETag they started with (issue 16)")
struct DownloadConditionsTests {
    @Test("an object overwritten mid-download fails with PreconditionFailed, and no file is left")
    func overwrittenMidDownload() async throws {
        var c = MockServerConfiguration()
        c.buckets = ["pin"]
        try await withMockServer(configuration: c) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            let original = (0..<(300 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            try await client.putObject(bucket: "pin", key: "k", body: .bytes(original))
            var options = DownloadOptions()
            options.partSize = 100 << 10
            options.jobs = 1
            options.trafficLimit = 838_860_800
            let dest = scratch.path + "/dest"
            let ops = OverwriteMidDownload(inner: OSSClientOperations(client: client), overwriteBeforeRead: 2)
            let down = await Downloader(operations: ops, options: options).download(bucket: "pin", key: "k", file: dest)
            #expect(down.state == .failed, "\(down)")
            #expect(down.errorCode == "PreconditionFailed", "\(down)")
            #expect(!FileManager.default.fileExists(atPath: dest))

            // Unchanged, the same download completes (the traffic limit is accepted).
            let again = await Downloader(operations: OSSClientOperations(client: client), options: options).download(
                bucket: "pin", key: "k", file: dest)
            #expect(again.state == .completed, "\(again)")
            #expect(FileManager.default.contents(atPath: dest).map { [UInt8]($0) } == Array(repeating: 0x5A, count: 300 << 10))
            await client.shutdown()
        }
    }
}
