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
}
