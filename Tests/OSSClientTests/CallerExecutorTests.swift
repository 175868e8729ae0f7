import Foundation
import OSSCore
import OSSMockServer
import OSSSigner
import OSSTestSupport
import Testing

@testable import OSSClient

/// Runs its jobs, one at a time, on one thread of its own: an actor on it can tell whether code
/// ran on the actor (its thread) or elsewhere.
private final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false
    private var thread: Thread? = nil

    init() {
        let t = Thread { [unowned self] in self.loop() }
        thread = t
        t.start()
    }

    /// Whether the calling code runs on this executor's thread.
    var isCurrent: Bool { Thread.current == thread }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once its queue is empty.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
    }
}

/// The mock's credentials, noting for each signature whether it was made on `executor`'s thread.
/// Its `credentials()` runs where the signer calls it (`nonisolated(nonsending)`), so it sees
/// where the signing runs.
private struct RecordingCredentials: CredentialsProvider {
    let executor: ThreadExecutor
    let onActor = PThreadMutex<[Bool]>([])

    nonisolated(nonsending) func credentials() async throws -> OSSCredentials {
        onActor.withLock { $0.append(executor.isCurrent) }
        return OSSCredentials(accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    }
}

/// A caller isolated to an actor on its own thread, as an app's or a server's actor would be.
private actor Caller {
    let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(_ executor: ThreadExecutor) { self.executor = executor }

    /// Uploads `body`, noting for each progress report (made by the task that sends the bytes)
    /// whether it ran on this actor's thread and whether on a file I/O thread.
    func put(_ client: OSSClient, key: String, body: OSSRequestBody) async throws -> (onActor: [Bool], onFileThread: [Bool]) {
        #expect(executor.isCurrent)  // the actor really runs here
        let onActor = PThreadMutex<[Bool]>([])
        let onFileThread = PThreadMutex<[Bool]>([])
        var options = PutObjectOptions()
        let executor = self.executor
        options.progress = { _ in
            onActor.withLock { $0.append(executor.isCurrent) }
            onFileThread.withLock { $0.append(FileIOExecutor.isCurrentThread) }
        }
        try await client.putObject(bucket: "bkt", key: key, body: body, options: options)
        return (onActor.withLock { $0 }, onFileThread.withLock { $0 })
    }
}

@Suite("Where a call from an actor runs")
struct CallerExecutorTests {
    /// Inside the library a call from one layer to the next stays on its caller's executor
    /// (SE-0461); the public calls are `@concurrent`, so the work of a call made from an actor
    /// (signing, CRC64, the socket, a file's pread) never runs on that actor.
    @Test("a putObject made from an actor does its work off the actor: in memory on the pool, a file on the file I/O threads")
    func putFromActor() async throws {
        let executor = ThreadExecutor()
        defer { executor.stop() }
        let caller = Caller(executor)
        let credentials = RecordingCredentials(executor: executor)
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server) { $0.credentialsProvider = credentials }
            let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 3) }
            let inMemory = try await caller.put(client, key: "from-actor", body: .bytes(bytes))
            #expect(!inMemory.onActor.isEmpty)
            #expect(inMemory.onActor.allSatisfy { !$0 })
            #expect(inMemory.onFileThread.allSatisfy { !$0 })
            #expect(await server.service.objectBytes(bucket: "bkt", key: "from-actor") == bytes)

            let path = NSTemporaryDirectory() + "osswire-actor-\(UUID().uuidString)"
            try writeTestFile(path, bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let fromFile = try await caller.put(client, key: "from-actor-file", body: .file(path))
            #expect(!fromFile.onActor.isEmpty)
            #expect(fromFile.onActor.allSatisfy { !$0 })
            #expect(fromFile.onFileThread.allSatisfy { $0 })
            #expect(await server.service.objectBytes(bucket: "bkt", key: "from-actor-file") == bytes)
            // The signing (before any socket work) ran off the actor too: both calls left it at once.
            let signed = credentials.onActor.withLock { $0 }
            #expect(signed.count == 2)
            #expect(signed.allSatisfy { !$0 })
            await client.shutdown()
        }
    }
}
