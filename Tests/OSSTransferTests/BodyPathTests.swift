import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSTestSupport
import Synchronization
import Testing
@testable import OSSTransfer

/// The production operations, recording the buffer pool each part went out through.
final class PoolWatch: TransferOperations {
    let inner: OSSClientOperations
    private let pools = PThreadMutex<[ObjectIdentifier: BufferPool]>([:])
    let partsInFlight = Atomic<Int>(0)
    let mostInFlight = Atomic<Int>(0)

    init(_ inner: OSSClientOperations) { self.inner = inner }

    var seenPools: [BufferPool] { pools.withLock { Array($0.values) } }

    private func record(_ source: FileRange) {
        pools.withLock { $0[ObjectIdentifier(source.reader.pool)] = source.reader.pool }
    }

    func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject
    {
        record(source)
        return try await inner.putObject(bucket: bucket, key: key, source: source, progress: progress)
    }
    func initiateMultipartUpload(bucket: String, key: String) async throws -> String {
        try await inner.initiateMultipartUpload(bucket: bucket, key: key)
    }
    func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, source: FileRange,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> UploadedPart {
        record(source)
        let now = partsInFlight.add(1, ordering: .relaxed).newValue
        mostInFlight.max(now, ordering: .relaxed)
        defer { partsInFlight.subtract(1, ordering: .relaxed) }
        return try await inner.uploadPart(
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
    func classify(_ error: any Error) -> FailureClass { inner.classify(error) }
}

@Suite("The body path against the mock OSS server", .serialized)
struct BodyPathTests {
    static func configuration() -> MockServerConfiguration {
        var c = MockServerConfiguration()
        c.buckets = ["bucket-b"]
        return c
    }

    @Test("the real Uploader sends every part through its pool: jobs × bufferSize bounds file memory, whatever the part size")
    func uploaderMemoryIsThePool() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: 6 << 20)
            let ops = PoolWatch(OSSClientOperations(client: try makeClient(server)))
            for (partSize, bufferSize) in [(Int64(1 << 20), 16 << 10), (Int64(3 << 20), 64 << 10)] {
                var options = UploadOptions()
                options.partSize = partSize
                options.multipartThreshold = partSize
                options.jobs = 3
                options.bufferSize = bufferSize
                let key = "k-\(partSize)"
                let outcome = await Uploader(operations: ops, options: options).upload(
                    file: path, bucket: "bucket-b", key: key)
                #expect(outcome.state == .completed, "\(outcome.error.map { "\($0)" } ?? "")")
                #expect(await server.service.objectBytes(bucket: "bucket-b", key: key) == bytes)
                let parts = Int((Int64(bytes.count) + partSize - 1) / partSize)
                let pool = try #require(ops.seenPools.first { $0.bufferSize == bufferSize })
                // Every part borrowed one buffer of `bufferSize` from a pool of at most `jobs`.
                #expect(pool.allocatedCount >= 1 && pool.allocatedCount <= 3)
                #expect(pool.lendCount == parts)
            }
            #expect(ops.seenPools.count == 2)
            #expect(ops.mostInFlight.load(ordering: .relaxed) <= 3)
        }
    }

    @Test("a file that shrinks while it is sent fails with a clear file error, and nothing is stored")
    func shrinkingFile() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            // Progress counts what the server acknowledged, which the bytes handed to the
            // socket run ahead of by up to its buffers (4 MiB): a file much larger than that.
            let (path, _) = scratch.file("shrinks", size: 12 << 20)
            let client = try makeClient(server)
            let file = try FileDescriptor.open(path, .writeOnly)
            defer { file.close() }
            let cut = Atomic<Bool>(false)
            var options = PutObjectOptions()
            options.progress = { p in
                // Synchronous on the sending task: the next read sees the shorter file.
                if p.bytesTransferred >= 1 << 20, !cut.exchange(true, ordering: .relaxed) {
                    try? file.truncate(to: 1 << 20)
                }
            }
            let e = try await #require(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bucket-b", key: "shrinks", body: .file(path), options: options)
            }
            #expect(e.kind == .file)
            #expect(e.message.contains("ended") && e.message.contains("early"))
            #expect(e.bodyFullySent == false)
            #expect(await server.service.objectBytes(bucket: "bucket-b", key: "shrinks") == nil)
            #expect(server.service.requestLog.filter { $0.key == "shrinks" }.allSatisfy { !$0.bodyCompleted })
        }
    }

    @Test("a file that shrinks under a multipart upload stops it as a changed source; no object appears")
    func shrinkingFileMultipart() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let (path, _) = scratch.file("shrinks-mp", size: 3 << 20)
            let ops = OSSClientOperations(client: try makeClient(server))
            let file = try FileDescriptor.open(path, .writeOnly)
            defer { file.close() }
            let cut = Atomic<Bool>(false)
            var options = UploadOptions()
            options.partSize = 1 << 20
            options.multipartThreshold = 1 << 20
            options.jobs = 1
            options.progress = { p in
                if p.bytesTransferred >= 512 << 10, !cut.exchange(true, ordering: .relaxed) {
                    try? file.truncate(to: 1 << 20)
                }
            }
            let outcome = await Uploader(operations: ops, options: options).upload(
                file: path, bucket: "bucket-b", key: "shrinks-mp")
            #expect(outcome.state == .failed)
            #expect(await server.service.objectBytes(bucket: "bucket-b", key: "shrinks-mp") == nil)
        }
    }
}

@Suite("Where blocking file I/O runs")
struct FileIOThreadTests {
    @Test("a file upload and a download to a file run on OSSWire's file I/O threads, not the cooperative pool")
    func fileIOThreads() async throws {
        var c = MockServerConfiguration()
        c.buckets = ["bucket-b"]
        try await withMockServer(configuration: c) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("threads", size: 3 << 20)
            let client = try makeClient(server)
            let sends = PThreadMutex<[Bool]>([])
            var options = PutObjectOptions()
            // Progress is reported by the sending task, right after each buffer read with pread.
            options.progress = { _ in sends.withLock { $0.append(FileIOExecutor.isCurrentThread) } }
            try await client.putObject(bucket: "bucket-b", key: "k", body: .file(path), options: options)
            #expect(!sends.withLock { $0 }.isEmpty && sends.withLock { $0 }.allSatisfy { $0 })
            let receives = PThreadMutex<[Bool]>([])
            try await client.getObject(bucket: "bucket-b", key: "k", toFile: path + ".copy") { _ in
                receives.withLock { $0.append(FileIOExecutor.isCurrentThread) }
            }
            #expect(!receives.withLock { $0 }.isEmpty && receives.withLock { $0 }.allSatisfy { $0 })
            #expect(FileManager.default.contents(atPath: path + ".copy").map { [UInt8]($0) } == bytes)
            // Small in-memory requests stay where they are.
            let small = PThreadMutex<[Bool]>([])
            var smallOptions = PutObjectOptions()
            smallOptions.progress = { _ in small.withLock { $0.append(FileIOExecutor.isCurrentThread) } }
            try await client.putObject(bucket: "bucket-b", key: "s", body: .bytes([1, 2, 3]), options: smallOptions)
            #expect(small.withLock { $0 }.allSatisfy { !$0 })
        }
    }
}
