import Glibc
import OSSCore
import OSSMockServer
import OSSTestSupport
import Testing

@testable import OSSClient

/// `OSSClient.withDedicatedThread`: a loop of requests runs on one of OSSWire's I/O threads, where
/// a request waiting for its answer blocks the thread in poll(2) instead of parking on the
/// reactor. Progress handlers run on the request's task, right after its socket waits, so they
/// say where the requests' work ran.
@Suite("Requests one after another on a dedicated thread")
struct DedicatedThreadTests {
    /// PutObject then GetObject of `bytes` under `key`, noting for each progress report whether it
    /// ran on a file I/O thread.
    static func roundTrip(_ client: OSSClient, key: String, bytes: [UInt8]) async throws -> [Bool] {
        let onThread = PThreadMutex<[Bool]>([])
        var options = PutObjectOptions()
        options.progress = { _ in onThread.withLock { $0.append(FileIOExecutor.isCurrentThread) } }
        try await client.putObject(bucket: "bkt", key: key, body: .bytes(bytes), options: options)
        let got = try await client.getObject(bucket: "bkt", key: key) { _ in
            onThread.withLock { $0.append(FileIOExecutor.isCurrentThread) }
        }
        #expect(got.body == bytes)
        return onThread.withLock { $0 }
    }

    @Test("small requests inside it run on an I/O thread and answer as they do outside it")
    func requestsRunOnTheThread() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let outside = try await Self.roundTrip(client, key: "outside", bytes: Array("outside".utf8))
            #expect(!outside.isEmpty)
            #expect(outside.allSatisfy { !$0 })

            let (inside, bodyOnThread) = try await OSSClient.withDedicatedThread {
                var flags: [Bool] = []
                var bodyOnThread: [Bool] = []
                for i in 0..<10 {
                    let bytes = (0..<(4096 + i)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
                    flags += try await Self.roundTrip(client, key: "inside-\(i)", bytes: bytes)
                    bodyOnThread.append(FileIOExecutor.isCurrentThread)
                }
                return (flags, bodyOnThread)
            }
            #expect(inside.count >= 20)
            #expect(inside.allSatisfy { $0 })
            #expect(bodyOnThread.allSatisfy { $0 })
            for i in 0..<10 {
                let stored = await server.service.objectBytes(bucket: "bkt", key: "inside-\(i)")
                #expect(stored == (0..<(4096 + i)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) })
            }
            await client.shutdown()
        }
    }

    @Test("a request waiting for its answer on the thread is cancelled at once through its task")
    func cancelWhileWaitingForTheAnswer() async throws {
        // The peer never reads an upload's body and never answers: 4 KiB fit in the socket
        // buffers, so the request is left waiting for the answer (a read blocked in poll).
        let peer = try ScriptedPeer(stallUploads: true) { _ in PeerResponse(200) }
        defer { peer.stop() }
        let client = try peerClient(peer)
        let task = Task {
            try await OSSClient.withDedicatedThread {
                try await client.putObject(bucket: "bkt", key: "k", body: .bytes([UInt8](repeating: 1, count: 4096)))
            }
        }
        while peer.accepted.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let e = try await #require(throws: OSSClientError.self) { try await task.value }
        #expect(e.kind == .cancelled)
    }

    @Test("disableRequests aborts an upload blocked on a peer that stopped reading, on the thread")
    func disableWhileBlockedInAWrite() async throws {
        let peer = try ScriptedPeer(stallUploads: true) { _ in PeerResponse(200) }
        defer { peer.stop() }
        let client = try peerClient(peer, retries: 3)
        let big = [UInt8](repeating: 7, count: 64 << 20)
        let task = Task {
            try await OSSClient.withDedicatedThread {
                try await client.putObject(bucket: "bkt", key: "big", body: .bytes(big))
            }
        }
        while peer.accepted.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        client.disableRequests()
        let e = try await #require(throws: OSSClientError.self) { try await task.value }
        #expect(e.kind == .abortedInFlight && e.bodyFullySent == false)
        #expect(peer.accepted.withLock { $0 } == 1)  // not retried
    }

    @Test("withDedicatedThread(busyPolling:) gives its requests' waits the spin, and no spin without it")
    func busyPollingReachesTheWaits() async {
        let inside = await OSSClient.withDedicatedThread(busyPolling: .microseconds(50)) { FileIOExecutor.busyPolling?.duration }
        #expect(inside == .microseconds(50))
        #expect(await OSSClient.withDedicatedThread { FileIOExecutor.busyPolling == nil })
        #expect(await OSSClient.withDedicatedThread(busyPolling: .zero) { FileIOExecutor.busyPolling == nil })
    }

    @Test("with busy polling, an answer that comes while the request spins is taken without blocking the thread")
    func busyPollingTakesTheAnswerWhileSpinning() async throws {
        let polling = FileIOExecutor.BusyPolling(duration: .seconds(3600))
        // The peer answers request n once the client has begun its n-th wait for an answer
        // (spinning, blocked in poll, or parked on the reactor when another job was queued on
        // the thread): every answer comes during a wait, never before it.
        let answered = PThreadMutex(0)
        let peer = try ScriptedPeer { _ in
            let n = answered.withLock { a -> Int in
                a += 1
                return a
            }
            while polling.counts.withLock({ $0.started }) < n { sched_yield() }
            return PeerResponse(200)
        }
        defer { peer.stop() }
        let client = try peerClient(peer)
        let bytes = [UInt8](repeating: 5, count: 4096)
        // Other tests' jobs on the shared threads make a wait park instead of spinning or
        // blocking; requests go on until one wait did either.
        let sent = try await FileIOExecutor.run(busyPolling: polling) {
            var sent = 0
            while polling.counts.withLock({ $0.answeredSpinning == 0 && $0.blocked == 0 }) {
                try await client.putObject(bucket: "bkt", key: "k\(sent)", body: .bytes(bytes))
                sent += 1
            }
            return sent
        }
        let counts = polling.counts.withLock { $0 }
        #expect(counts.started == sent)
        #expect(counts.answeredSpinning == 1)
        #expect(counts.blocked == 0)
        #expect(peer.received.map(\.target) == (0..<sent).map { "/bkt/k\($0)" })
        #expect(peer.received.allSatisfy { $0.body == bytes })
        await client.shutdown()
    }

    @Test("a request spinning for its answer is cancelled at once through its task")
    func cancelWhileSpinning() async throws {
        let polling = FileIOExecutor.BusyPolling(duration: .seconds(3600))
        let peer = try ScriptedPeer(stallUploads: true) { _ in PeerResponse(200) }
        defer { peer.stop() }
        let client = try peerClient(peer)
        let task = Task {
            try await FileIOExecutor.run(busyPolling: polling) {
                try await client.putObject(bucket: "bkt", key: "k", body: .bytes([UInt8](repeating: 1, count: 4096)))
            }
        }
        while polling.counts.withLock({ $0.started }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let e = try await #require(throws: OSSClientError.self) { try await task.value }
        #expect(e.kind == .cancelled)
        #expect(polling.counts.withLock { $0.blocked } == 0)
    }
}
