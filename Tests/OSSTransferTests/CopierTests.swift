import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSProtocol
import Synchronization
import Testing
@testable import OSSTransfer

/// The real operations, calling `afterPart` once each UploadPartCopy succeeded (to pause a copy
/// at a chosen point: with one job, deterministic).
final class WatchedCopyOperations: CopyOperations {
    let inner: OSSClientOperations
    let afterPart: @Sendable (Int) async -> Void

    init(_ inner: OSSClientOperations, afterPart: @escaping @Sendable (Int) async -> Void) {
        self.inner = inner
        self.afterPart = afterPart
    }

    func sourceObject(bucket: String, key: String) async throws -> (object: RemoteObject, headers: UploadHeaders) {
        try await inner.sourceObject(bucket: bucket, key: key)
    }
    func copyObject(
        sourceBucket: String, sourceKey: String, sourceETag: String, bucket: String, key: String, headers: UploadHeaders?
    ) async throws -> StoredObject {
        try await inner.copyObject(
            sourceBucket: sourceBucket, sourceKey: sourceKey, sourceETag: sourceETag, bucket: bucket, key: key, headers: headers)
    }
    func uploadPartCopy(
        sourceBucket: String, sourceKey: String, sourceETag: String, offset: Int64, length: Int64, bucket: String,
        key: String, uploadId: String, partNumber: Int
    ) async throws -> UploadedPart {
        let part = try await inner.uploadPartCopy(
            sourceBucket: sourceBucket, sourceKey: sourceKey, sourceETag: sourceETag, offset: offset, length: length,
            bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber)
        await afterPart(partNumber)
        return part
    }
    func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject
    { try await inner.putObject(bucket: bucket, key: key, source: source, progress: progress) }
    func initiateMultipartUpload(bucket: String, key: String) async throws -> String {
        try await inner.initiateMultipartUpload(bucket: bucket, key: key)
    }
    func initiateMultipartUpload(bucket: String, key: String, headers: UploadHeaders) async throws -> String {
        try await inner.initiateMultipartUpload(bucket: bucket, key: key, headers: headers)
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
    { try await inner.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, parts: parts) }
    func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws {
        try await inner.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
    }
    func headObject(bucket: String, key: String) async throws -> RemoteObject {
        try await inner.headObject(bucket: bucket, key: key)
    }
    func getObject(bucket: String, key: String, offset: Int64, length: Int64, into sink: RangeSink) async throws {
        try await inner.getObject(bucket: bucket, key: key, offset: offset, length: length, into: sink)
    }
    func classify(_ error: any Error) -> FailureClass { inner.classify(error) }
}

/// Issue 16: server-side copies over a threshold by UploadPartCopy, resumable and pausable.
@Suite("Copier against the mock", .serialized)
struct CopierTests {
    static func configuration() -> MockServerConfiguration {
        var c = MockServerConfiguration()
        c.buckets = ["copy-src", "copy-dst"]
        return c
    }

    static func options(_ scratch: Scratch, jobs: Int = 2) -> CopyOptions {
        var o = CopyOptions()
        o.multipartThreshold = 200 << 10
        o.partSize = 100 << 10
        o.jobs = jobs
        o.checkpointDirectory = scratch.checkpoints
        return o
    }

    /// Puts `bytes` as the source, with a Content-Type and metadata to carry.
    static func putSource(_ client: OSSClient, _ key: String, _ bytes: [UInt8]) async throws {
        try await client.putObject(
            bucket: "copy-src", key: key, body: .bytes(bytes),
            options: PutObjectOptions(contentType: "video/mp4", metadata: ["origin": "camera"]))
    }

    @Test("at or below the threshold one CopyObject; above it UploadPartCopy parts; both equal the source with its headers")
    func singleAndMultipart() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            let copier = Copier(operations: OSSClientOperations(client: client), options: Self.options(scratch))
            for (key, size) in [("small", 150 << 10), ("big", (550 << 10) + 17)] {
                let bytes = Scratch.bytes(size, seed: UInt64(size))
                try await Self.putSource(client, key, bytes)
                let outcome = await copier.copy(sourceBucket: "copy-src", sourceKey: key, bucket: "copy-dst", key: key + "-copy")
                #expect(outcome.state == .completed, "\(outcome)")
                #expect(outcome.bytes == Int64(size))
                #expect(outcome.bytesTransferred == Int64(size))
                #expect(outcome.crc64 == CRC64.checksum(bytes))
                #expect(await server.service.objectBytes(bucket: "copy-dst", key: key + "-copy") == bytes)
                let head = try await client.headObject(bucket: "copy-dst", key: key + "-copy")
                #expect(head.contentType == "video/mp4")
                #expect(head.userMetadata == ["origin": "camera"])
            }
            let log = server.service.requestLog
            #expect(log.filter { $0.operation == "CopyObject" }.count == 1)
            #expect(log.filter { $0.operation == "UploadPartCopy" && $0.status == 200 }.count == 6)
            #expect(scratch.checkpointFiles.isEmpty)
            await client.shutdown()
        }
    }

    @Test("a paused copy resumes from its checkpoint: the parts done are not copied again")
    func pauseAndResume() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            let bytes = Scratch.bytes(600 << 10, seed: 21)
            try await Self.putSource(client, "src", bytes)
            let handle = PThreadMutex<TransferHandle?>(nil)
            let ops = WatchedCopyOperations(OSSClientOperations(client: client)) { n in
                if n == 2 { handle.withLock { $0 }?.pause() }
            }
            let started = Copier(operations: ops, options: Self.options(scratch, jobs: 1)).start(
                sourceBucket: "copy-src", sourceKey: "src", bucket: "copy-dst", key: "dst")
            handle.withLock { $0 = started }
            let paused = await started.outcome()
            #expect(paused.state == .paused, "\(paused)")
            #expect(paused.partsDone == 2)
            #expect(paused.checkpointPath != nil)
            #expect(server.service.uploadIds(bucket: "copy-dst").count == 1)

            let resumed = await Copier(operations: OSSClientOperations(client: client), options: Self.options(scratch))
                .copy(sourceBucket: "copy-src", sourceKey: "src", bucket: "copy-dst", key: "dst")
            #expect(resumed.state == .completed, "\(resumed)")
            #expect(resumed.partsResumed == 2)
            #expect(resumed.bytesTransferred == Int64(400 << 10))
            #expect(await server.service.objectBytes(bucket: "copy-dst", key: "dst") == bytes)
            let log = server.service.requestLog
            #expect(log.filter { $0.operation == "InitiateMultipartUpload" }.count == 1)
            #expect(log.filter { $0.operation == "UploadPartCopy" && $0.status == 200 }.count == 6)
            #expect(scratch.checkpointFiles.isEmpty)
            await client.shutdown()
        }
    }

    @Test("a source changed since the checkpoint starts afresh; one changed during the copy fails it and aborts the upload")
    func sourceChanges() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            try await Self.putSource(client, "src", Scratch.bytes(500 << 10, seed: 1))
            let handle = PThreadMutex<TransferHandle?>(nil)
            let pausing = WatchedCopyOperations(OSSClientOperations(client: client)) { n in
                if n == 1 { handle.withLock { $0 }?.pause() }
            }
            let started = Copier(operations: pausing, options: Self.options(scratch, jobs: 1)).start(
                sourceBucket: "copy-src", sourceKey: "src", bucket: "copy-dst", key: "dst")
            handle.withLock { $0 = started }
            #expect(await started.outcome().state == .paused)
            let newer = Scratch.bytes(500 << 10, seed: 2)
            try await Self.putSource(client, "src", newer)
            let fresh = await Copier(operations: OSSClientOperations(client: client), options: Self.options(scratch))
                .copy(sourceBucket: "copy-src", sourceKey: "src", bucket: "copy-dst", key: "dst")
            #expect(fresh.state == .completed, "\(fresh)")
            #expect(fresh.partsResumed == 0)
            #expect(fresh.notes.contains { $0.contains("does not fit") })
            #expect(await server.service.objectBytes(bucket: "copy-dst", key: "dst") == newer)
            #expect(server.service.uploadIds(bucket: "copy-dst").isEmpty)

            // Changed between part 1 and part 2 of one run.
            let changing = WatchedCopyOperations(OSSClientOperations(client: client)) { n in
                if n == 1 { try? await Self.putSource(client, "src", Scratch.bytes(500 << 10, seed: 3)) }
            }
            let failed = await Copier(operations: changing, options: Self.options(scratch, jobs: 1)).copy(
                sourceBucket: "copy-src", sourceKey: "src", bucket: "copy-dst", key: "dst2")
            #expect(failed.state == .failed)
            #expect((failed.error as? TransferError)?.kind == .sourceChanged)
            #expect(server.service.uploadIds(bucket: "copy-dst").isEmpty)
            #expect(server.service.objectKeys(bucket: "copy-dst") == ["dst"])
            #expect(scratch.checkpointFiles.isEmpty)
            await client.shutdown()
        }
    }

    @Test("the mock's UploadPartCopy: a range outside the source is 400 InvalidArgument, a stale ETag 412")
    func mockFidelity() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let client = try makeClient(server)
            try await Self.putSource(client, "src", Scratch.bytes(1000, seed: 4))
            let id = try await client.initiateMultipartUpload(bucket: "copy-dst", key: "k").uploadId
            for range in [ByteRange(500...1000), ByteRange(1000...1001)] {
                let error = await #expect(throws: OSSServiceError.self) {
                    try await client.uploadPartCopy(
                        sourceBucket: "copy-src", sourceKey: "src", sourceRange: range, sourceETag: nil, bucket: "copy-dst",
                        key: "k", uploadId: id, partNumber: 1)
                }
                #expect(error?.statusCode == 400 && error?.code == "InvalidArgument", "\(range)")
            }
            let stale = await #expect(throws: OSSServiceError.self) {
                try await client.uploadPartCopy(
                    sourceBucket: "copy-src", sourceKey: "src", sourceRange: ByteRange(0...99), sourceETag: "\"0000\"",
                    bucket: "copy-dst", key: "k", uploadId: id, partNumber: 1)
            }
            #expect(stale?.statusCode == 412)
            let ok = try await client.uploadPartCopy(
                sourceBucket: "copy-src", sourceKey: "src", sourceRange: ByteRange(0...999), sourceETag: nil,
                bucket: "copy-dst", key: "k", uploadId: id, partNumber: 1)
            #expect(ok.crc64 == CRC64.checksum(Scratch.bytes(1000, seed: 4)))
            await client.shutdown()
        }
    }
}
