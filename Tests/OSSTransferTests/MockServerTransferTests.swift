import Foundation
import OSSClient
import OSSCore
import OSSMockServer
import OSSSigner
import Synchronization
import Testing
@testable import OSSTransfer

/// A client for a mock server (demo credentials, path style).
func makeClient(_ server: MockOSSServer) throws -> OSSClient {
    var config = try OSSClientConfiguration(endpoint: server.url, region: "cn-hangzhou")
    config.addressing = .pathStyle
    config.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    return try OSSClient(configuration: config)
}

/// Waits (polling, no time assertion) until `condition` holds.
func eventually(_ what: String, _ condition: () async -> Bool) async throws {
    for _ in 0..<30_000 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("never: \(what)")
    throw CancellationError()
}

/// Counts finished parts from progress reports.
final class PartsWatch: Sendable {
    let parts = Atomic<Int>(0)
    var handler: TransferProgressHandler { { p in self.parts.store(p.partsDone, ordering: .relaxed) } }
    var done: Int { parts.load(ordering: .relaxed) }
}

/// Wraps the real operations to flip the mock's faults around chosen calls (with one job,
/// deterministic): a fault is set before the call and cleared after it.
final class FaultAround: TransferOperations {
    let inner: OSSClientOperations
    let service: MockOSS
    /// Part number → the fault for its first attempt.
    let firstAttempt: [Int: @Sendable (inout MockFaults) -> Void]
    let seen = PThreadMutex<Set<Int>>([])

    init(inner: OSSClientOperations, service: MockOSS, firstAttempt: [Int: @Sendable (inout MockFaults) -> Void]) {
        self.inner = inner
        self.service = service
        self.firstAttempt = firstAttempt
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
        let first = seen.withLock { $0.insert(partNumber).inserted }
        if first, let fault = firstAttempt[partNumber] {
            service.updateFaults(fault)
            defer { service.setFaults(MockFaults()) }
            return try await inner.uploadPart(
                bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber, source: source, progress: progress
            )
        }
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

@Suite("Transfers against the mock OSS server", .serialized)
struct MockServerTransferTests {
    static func configuration() -> MockServerConfiguration {
        var c = MockServerConfiguration()
        c.buckets = ["bucket-b"]
        return c
    }

    static func options(_ scratch: Scratch, jobs: Int = 4, progress: TransferProgressHandler? = nil) -> UploadOptions {
        var o = UploadOptions()
        o.partSize = 100 << 10
        o.multipartThreshold = 100 << 10
        o.jobs = jobs
        o.checkpointDirectory = scratch.checkpoints
        o.progress = progress
        return o
    }

    /// A sparse file of zeros (cheap to make at any size).
    static func sparseFile(_ scratch: Scratch, _ name: String, size: Int64) throws -> String {
        let path = scratch.path + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: UInt64(size))
        try h.close()
        return path
    }

    @Test("the C++ SDK scenario: four 50 MB PutObject, the client-wide switch off 100 ms in, nothing stored")
    func cppScenario() async throws {
        var config = Self.configuration()
        config.faults.maxReceiveRate = 1 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            let ops = OSSClientOperations(client: client)
            var options = Self.options(scratch)
            options.multipartThreshold = 64 << 20
            let uploader = Uploader(operations: ops, options: options)
            var handles: [TransferHandle] = []
            for i in 0..<4 {
                let path = try Self.sparseFile(scratch, "f\(i)", size: 50_000_000)
                handles.append(uploader.start(file: path, bucket: "bucket-b", key: "obj\(i)"))
            }
            try await Task.sleep(for: .milliseconds(100))
            client.disableRequests()
            var outcomes: [TransferOutcome] = []
            for h in handles { outcomes.append(await h.outcome()) }
            for o in outcomes {
                #expect(o.state == .paused)
                #expect(o.reason == .disabled)
                #expect(o.errorCode == "ClientError:200042" || o.errorCode == "ClientError:100002")
                #expect(o.failureClass?.kind == .abortedInFlight || o.failureClass?.kind == .disabledBeforeStart)
            }
            let inFlight = outcomes.filter { $0.failureClass?.kind == .abortedInFlight }.count
            // Every aborted connection is closed and its request logged (one whose head had not
            // fully arrived is not an OSS request yet and is not logged).
            try await eventually("every connection of the four uploads closed") { server.openConnections == 0 }
            let puts = server.service.requestLog.filter { $0.operation == "PutObject" }
            #expect(puts.count <= inFlight, "\(server.service.requestLog)")
            for entry in puts {
                #expect(!entry.bodyCompleted)
                #expect(entry.clientClosedMidBody)
                #expect(entry.bytesReceived < 50_000_000)
            }
            #expect(server.service.objectKeys(bucket: "bucket-b").isEmpty)
            client.enableRequests()
            server.service.setFaults(MockFaults())
            let path = try Self.sparseFile(scratch, "after", size: 1 << 20)
            let after = await uploader.upload(file: path, bucket: "bucket-b", key: "after")
            #expect(after.state == .completed, "\(after)")
            #expect(server.service.objectKeys(bucket: "bucket-b") == ["after"])
            await client.shutdown()
        }
    }

    /// Uploads a file, stops it with `stop` once some parts are done, then resumes and checks
    /// only the missing parts were sent and the object equals the file.
    func stopAndResume(
        reason: CancellationSignal.Reason,
        stop: @escaping @Sendable (OSSClient, TransferHandle, Task<TransferOutcome, Never>) -> Void
    ) async throws {
        var config = Self.configuration()
        config.faults.maxReceiveRate = 2 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: (2 << 20) + 4321, seed: 11)
            let client = try makeClient(server)
            let ops = OSSClientOperations(client: client)
            let watch = PartsWatch()
            let handleBox = PThreadMutex<TransferHandle?>(nil)
            let uploader = Uploader(operations: ops, options: Self.options(scratch, progress: watch.handler))
            let caller = Task { () -> TransferOutcome in
                let h = uploader.start(file: path, bucket: "bucket-b", key: "k")
                handleBox.withLock { $0 = h }
                return await h.outcome()
            }
            try await eventually("five parts done") { watch.done >= 5 }
            stop(client, handleBox.withLock { $0! }, caller)
            let first = await caller.value
            #expect(first.state == .paused, "\(first)")
            #expect(first.reason == reason)
            let uploadId = try #require(first.uploadId)
            #expect(first.partsDone >= 5 && first.partsDone < first.partsTotal)
            #expect(server.service.objectKeys(bucket: "bucket-b").isEmpty)
            server.service.setFaults(MockFaults())
            // Let the server finish every request of the first run (a body that arrived whole
            // just before the stop is still stored), then start again with a new client.
            await client.shutdown()
            try await eventually("every connection of the first run closed") { server.openConnections == 0 }
            let client2 = try makeClient(server)
            let ops2 = OSSClientOperations(client: client2)

            // What the server holds now, whatever the client heard back.
            let stored = Set(try await ops2.listParts(bucket: "bucket-b", key: "k", uploadId: uploadId).map(\.number))
            #expect(stored.count >= first.partsDone)
            server.service.clearRequestLog()
            let second = await Uploader(operations: ops2, options: Self.options(scratch)).upload(
                file: path, bucket: "bucket-b", key: "k")
            #expect(second.state == .completed, "\(second)")
            #expect(second.uploadId == uploadId)
            let sent = server.service.requestLog.filter { $0.operation == "UploadPart" && $0.status == 200 }.compactMap(
                \.partNumber)
            #expect(Set(sent) == Set(1...second.partsTotal).subtracting(stored))
            #expect(sent.count == Set(sent).count)
            #expect(second.partsResumed == stored.count)
            #expect(await server.service.objectBytes(bucket: "bucket-b", key: "k") == bytes)
            #expect(second.crc64 == CRC64.checksum(bytes))
            await client2.shutdown()
        }
    }

    @Test("a multipart upload paused mid-way resumes with the same UploadId, sending only missing parts")
    func pauseResume() async throws {
        try await stopAndResume(reason: .paused) { _, handle, _ in handle.pause() }
    }

    @Test("a multipart upload stopped by Task cancellation resumes the same way")
    func cancelResume() async throws {
        try await stopAndResume(reason: .taskCancelled) { _, _, caller in caller.cancel() }
    }

    @Test("a multipart upload stopped by the client-wide switch resumes the same way")
    func disableResume() async throws {
        try await stopAndResume(reason: .disabled) { client, _, _ in client.disableRequests() }
    }

    @Test("abort after the caller's task is cancelled: the mock receives AbortMultipartUpload; the id is then refused")
    func abortAfterCancel() async throws {
        var config = Self.configuration()
        config.faults.maxReceiveRate = 1 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let (path, _) = scratch.file("big", size: 2 << 20, seed: 12)
            let client = try makeClient(server)
            let ops = OSSClientOperations(client: client)
            let watch = PartsWatch()
            let uploader = Uploader(operations: ops, options: Self.options(scratch, progress: watch.handler))
            let caller = Task { () -> TransferOutcome in
                let h = uploader.start(file: path, bucket: "bucket-b", key: "k")
                try? await eventually("two parts done") { watch.done >= 2 }
                withUnsafeCurrentTask { $0?.cancel() }
                h.abort()
                return await h.outcome()
            }
            let outcome = await caller.value
            #expect(outcome.state == .aborted, "\(outcome)")
            let uploadId = try #require(outcome.uploadId)
            #expect(
                server.service.requestLog.contains {
                    $0.operation == "AbortMultipartUpload" && $0.uploadId == uploadId && $0.status == 204
                })
            #expect(server.service.uploadIds(bucket: "bucket-b").isEmpty)
            #expect(scratch.checkpointFiles.isEmpty)
            server.service.setFaults(MockFaults())
            do {
                _ = try await client.uploadPart(
                    bucket: "bucket-b", key: "k", uploadId: uploadId, partNumber: 1,
                    body: .bytes(Array(repeating: 1, count: 10)))
                Issue.record("UploadPart with an aborted id succeeded")
            } catch let e as OSSServiceError {
                #expect(e.code == "NoSuchUpload")
            }
            await client.shutdown()
        }
    }

    @Test("faults: 503 twice, a reset mid-part and a wrong CRC64 are survived; the object equals the file")
    func faults() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("big", size: 1 << 20, seed: 13)
            let client = try makeClient(server)
            server.service.updateFaults {
                $0.errorRules = [
                    MockErrorRule(operation: "UploadPart", nth: 2, status: 503, code: "ServiceUnavailable", count: 2)
                ]
            }
            let ops = FaultAround(
                inner: OSSClientOperations(client: client), service: server.service,
                firstAttempt: [
                    5: { $0.resetAfterBodyBytes = 50_000 },
                    8: { $0.wrongCRC64 = true },
                ])
            let outcome = await Uploader(operations: ops, options: Self.options(scratch, jobs: 1)).upload(
                file: path, bucket: "bucket-b", key: "k")
            #expect(outcome.state == .completed, "\(outcome)")
            #expect(await server.service.objectBytes(bucket: "bucket-b", key: "k") == bytes)
            #expect(outcome.crc64 == CRC64.checksum(bytes))
            let log = server.service.requestLog
            #expect(log.filter { $0.operation == "UploadPart" && $0.status == 503 }.count == 2)
            #expect(log.contains { $0.operation == "UploadPart" && $0.partNumber == 5 && !$0.bodyCompleted })
            #expect(log.filter { $0.operation == "UploadPart" && $0.partNumber == 8 && $0.status == 200 }.count >= 2)
            await client.shutdown()
        }
    }

    @Test("a download through the mock: parallel ranges, CRC64 checked, file renamed into place")
    func download() async throws {
        try await withMockServer(configuration: Self.configuration()) { server in
            let scratch = Scratch()
            let (path, bytes) = scratch.file("src", size: (1 << 20) + 99, seed: 14)
            let client = try makeClient(server)
            let ops = OSSClientOperations(client: client)
            let up = await Uploader(operations: ops, options: Self.options(scratch)).upload(
                file: path, bucket: "bucket-b", key: "k")
            #expect(up.state == .completed)
            var options = DownloadOptions()
            options.partSize = 128 << 10
            options.checkpointDirectory = scratch.checkpoints
            let dest = scratch.path + "/dest"
            let down = await Downloader(operations: ops, options: options).download(
                bucket: "bucket-b", key: "k", file: dest)
            #expect(down.state == .completed, "\(down)")
            #expect(FileManager.default.contents(atPath: dest).map { [UInt8]($0) } == bytes)
            #expect(down.crc64 == CRC64.checksum(bytes))
            await client.shutdown()
        }
    }

    /// Runs an upload stopped after a few parts, leaving a checkpoint; returns its UploadId.
    static func pausedUpload(_ ops: OSSClientOperations, _ scratch: Scratch, path: String) async throws -> String {
        // Paused from the progress report of the third part itself (an event), not by a test
        // task polling for it: on a busy machine the poll came after the last part.
        let handleBox = PThreadMutex<TransferHandle?>(nil)
        let reached = Atomic<Bool>(false)
        let progress: TransferProgressHandler = { p in
            guard p.partsDone >= 3 else { return }
            reached.store(true, ordering: .sequentiallyConsistent)
            handleBox.withLock { $0 }?.pause()
        }
        let handle = Uploader(operations: ops, options: Self.options(scratch, progress: progress)).start(
            file: path, bucket: "bucket-b", key: "k")
        handleBox.withLock { $0 = handle }
        if reached.load(ordering: .sequentiallyConsistent) { handle.pause() }
        let outcome = await handle.outcome()
        #expect(outcome.state == .paused)
        return try #require(outcome.uploadId)
    }

    @Test("a changed file, a corrupt checkpoint and an UploadId aborted elsewhere each start a fresh upload")
    func freshStarts() async throws {
        var config = Self.configuration()
        config.faults.maxReceiveRate = 2 << 20
        try await withMockServer(configuration: config) { server in
            let scratch = Scratch()
            let client = try makeClient(server)
            let ops = OSSClientOperations(client: client)
            let uploader = Uploader(operations: ops, options: Self.options(scratch))

            // A file changed between runs: the old upload is aborted on the server.
            let (path, _) = scratch.file("f", size: 2 << 20, seed: 31)
            let first = try await Self.pausedUpload(ops, scratch, path: path)
            let (_, changed) = scratch.file("f", size: (2 << 20) + 1, seed: 32)
            server.service.setFaults(MockFaults())
            var o = await uploader.upload(file: path, bucket: "bucket-b", key: "k")
            #expect(o.state == .completed && o.uploadId != first, "\(o)")
            #expect(o.notes.contains { $0.contains("changed") })
            #expect(!server.service.uploadIds(bucket: "bucket-b").contains(first))
            #expect(await server.service.objectBytes(bucket: "bucket-b", key: "k") == changed)

            // A corrupt checkpoint.
            server.service.updateFaults { $0.maxReceiveRate = 2 << 20 }
            let second = try await Self.pausedUpload(ops, scratch, path: path)
            let cpFile = scratch.checkpoints + "/" + scratch.checkpointFiles[0]
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: cpFile))
            server.service.setFaults(MockFaults())
            o = await uploader.upload(file: path, bucket: "bucket-b", key: "k")
            #expect(o.state == .completed && o.uploadId != second, "\(o)")
            #expect(o.notes.contains { $0.contains("cannot be used") })

            // An UploadId aborted elsewhere: NoSuchUpload on ListParts.
            server.service.updateFaults { $0.maxReceiveRate = 2 << 20 }
            let third = try await Self.pausedUpload(ops, scratch, path: path)
            try await client.abortMultipartUpload(bucket: "bucket-b", key: "k", uploadId: third)
            server.service.setFaults(MockFaults())
            o = await uploader.upload(file: path, bucket: "bucket-b", key: "k")
            #expect(o.state == .completed && o.uploadId != third, "\(o)")
            #expect(o.notes.contains { $0.contains("NoSuchUpload") })
            #expect(await server.service.objectBytes(bucket: "bucket-b", key: "k") == changed)
            await client.shutdown()
        }
    }
}
