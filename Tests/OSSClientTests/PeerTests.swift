import OSSCore
import OSSHTTP
import OSSSigner
import OSSTestSupport
import OSSTransport
import Synchronization
import Testing

@testable import OSSClient

@Suite("Client over loopback sockets (scripted peer)")
struct PeerTests {
    @Test("put, get, head, list and delete round-trip, every request signed correctly", arguments: [
        OSSClientConfiguration.SignatureVersion.v4, .v1,
    ])
    func roundTrip(_ version: OSSClientConfiguration.SignatureVersion) async throws {
        let store = TinyOSS()
        let peer = try ScriptedPeer { store.handle($0) }
        defer { peer.stop() }
        let client = try peerClient(peer, version: version)
        let data = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 7) }
        let keys = ["dir/a b+c~.bin", "x/日本語 (1).txt", "z"]
        for k in keys { try await client.putObject(bucket: "bkt", key: k, body: .bytes(data)) }
        let got = try await client.getObject(bucket: "bkt", key: keys[1])
        #expect(got.body == data)
        let head = try await client.headObject(bucket: "bkt", key: keys[0])
        #expect(head.crc64 == CRC64.checksum(data))
        var listed: [String] = []
        var pages = 0
        for try await page in client.listObjectsV2Pages(bucket: "bkt") {
            pages += 1
            listed += page.contents.map(\.key)
        }
        #expect(listed == keys.sorted())
        #expect(pages == 3)
        try await client.deleteObject(bucket: "bkt", key: keys[0])
        let e = try await #require(throws: OSSServiceError.self) { try await client.headObject(bucket: "bkt", key: keys[0]) }
        #expect(e.code == "NoSuchKey" && e.statusCode == 404)
        #expect(peer.received.allSatisfy { verifySignature($0).isValid })
        #expect(peer.accepted.withLock { $0 } == 1)  // one kept-alive connection for everything
    }

    @Test("a wrong secret is answered SignatureDoesNotMatch and not retried")
    func wrongSecret() async throws {
        let store = TinyOSS()
        let peer = try ScriptedPeer { store.handle($0) }
        defer { peer.stop() }
        var c = try OSSClientConfiguration(endpoint: peer.endpoint, region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(accessKeyId: testCredentials.accessKeyId, accessKeySecret: "wrong")
        let client = try OSSClient(configuration: c)
        let e = try await #require(throws: OSSServiceError.self) {
            try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
        }
        #expect(e.code == "SignatureDoesNotMatch")
        #expect(!e.description.contains("wrong"))
        #expect(peer.received.count == 1)
    }

    @Test("download to a file over the socket, CRC64 checked")
    func downloadToFile() async throws {
        let store = TinyOSS()
        let peer = try ScriptedPeer { store.handle($0) }
        defer { peer.stop() }
        let client = try peerClient(peer)
        let data = (0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await client.putObject(bucket: "bkt", key: "big", body: .bytes(data))
        let path = "/tmp/osswire-peer-\(UInt64.random(in: 0...UInt64.max))"
        defer { FileDescriptor.remove(path) }
        try await client.getObject(bucket: "bkt", key: "big", toFile: path)
        #expect(try await OSSRequestBody.file(path).collect() == data)
    }

    @Test("503 answers are retried over the socket and the retry succeeds")
    func retryOver503() async throws {
        let store = TinyOSS()
        let count = PThreadMutex(0)
        let peer = try ScriptedPeer { r in
            let n = count.withLock { c -> Int in
                c += 1
                return c
            }
            return n == 1 ? PeerResponse(503, body: Array("<Error><Code>ServiceUnavailable</Code></Error>".utf8)) : store.handle(r)
        }
        defer { peer.stop() }
        let client = try peerClient(peer, retries: 2)
        try await client.putObject(bucket: "bkt", key: "k", body: .string("hello"))
        #expect(count.withLock { $0 } == 2)
    }

    @Test("disableRequests aborts four uploads stalled on a peer that does not read: 200042, body not fully sent")
    func disableStalledUploads() async throws {
        let peer = try ScriptedPeer(stallUploads: true) { _ in PeerResponse(200) }
        defer { peer.stop() }
        let client = try peerClient(peer, retries: 3)
        let big = [UInt8](repeating: 7, count: 64 << 20)
        let tasks = (0..<4).map { i in
            Task { try await client.putObject(bucket: "bkt", key: "k\(i)", body: .bytes(big)) }
        }
        while peer.accepted.withLock({ $0 }) < 4 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        client.disableRequests()
        client.enableRequests()  // a cancel is never lost
        for t in tasks {
            let e = try await #require(throws: OSSClientError.self) { try await t.value }
            #expect(e.kind == .abortedInFlight && e.code == "ClientError:200042")
            #expect(e.bodyFullySent == false)
        }
        // Enabled again: a new request runs (and stalls: cancel it through its task).
        let again = Task { try await client.putObject(bucket: "bkt", key: "again", body: .bytes(big)) }
        try await Task.sleep(for: .milliseconds(50))
        again.cancel()
        let e = try await #require(throws: OSSClientError.self) { try await again.value }
        #expect(e.kind == .cancelled)
    }

    @Test("an upload handle's signal closes a stalled part upload at once")
    func signalAbortsPart() async throws {
        let peer = try ScriptedPeer(stallUploads: true) { _ in PeerResponse(200) }
        defer { peer.stop() }
        let client = try peerClient(peer, retries: 3)
        let signal = CancellationSignal()
        let big = [UInt8](repeating: 7, count: 64 << 20)
        let t = Task {
            try await client.uploadPart(bucket: "bkt", key: "k", uploadId: "U", partNumber: 1, body: .bytes(big), signal: signal)
        }
        while peer.accepted.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        signal.cancel(.paused)
        let e = try await #require(throws: OSSClientError.self) { try await t.value }
        #expect(e.kind == .cancelled && e.bodyFullySent == false)
        #expect(peer.accepted.withLock { $0 } == 1)  // not retried
    }

    @Test("a request while disabled fails with 100002 and never connects")
    func disabledNeverConnects() async throws {
        let peer = try ScriptedPeer { _ in PeerResponse(200) }
        defer { peer.stop() }
        let client = try peerClient(peer)
        client.disableRequests()
        let e = try await #require(throws: OSSClientError.self) { try await client.headObject(bucket: "bkt", key: "k") }
        #expect(e.kind == .requestsDisabled)
        #expect(peer.accepted.withLock { $0 } == 0)
    }

    @Test("a refused connection is a connect error, retried, then reported")
    func connectionRefused() async throws {
        // Bound and never listening for the whole test: a port freed by a stopped server could
        // be handed to another test's server meanwhile, which would answer the "refused" connect.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        var c = try OSSClientConfiguration(endpoint: refusing.url, region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.retryPolicy = RetryPolicy(maxRetries: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1))
        let client = try OSSClient(configuration: c)
        let e = try await #require(throws: OSSClientError.self) { try await client.headObject(bucket: "bkt", key: "k") }
        #expect(e.kind == .connect)
    }

    @Test("a presigned GET URL verifies and works with a plain HTTP client")
    func presigned() async throws {
        let store = TinyOSS()
        let peer = try ScriptedPeer { store.handle($0) }
        defer { peer.stop() }
        let client = try peerClient(peer)
        try await client.putObject(bucket: "bkt", key: "p q.txt", body: .string("presigned!"))
        for version in [OSSClientConfiguration.SignatureVersion.v4, .v1] {
            var c = client.configuration
            c.signatureVersion = version
            let presigner = try OSSClient(configuration: c)
            let p = try await presigner.presign(bucket: "bkt", key: "p q.txt", expires: 600)
            #expect(p.url.hasPrefix(peer.endpoint + "/bkt/p%20q.txt?"))
            let http = HTTPClient(connector: SocketConnector())
            let response = try await http.execute(try HTTPRequest(method: .get, url: p.url))
            #expect(response.head.status == 200)
            #expect(response.body == Array("presigned!".utf8))
        }
    }

    @Test("the receive rate limit can be lifted while a download runs")
    func receiveRateLimit() async throws {
        let store = TinyOSS()
        let peer = try ScriptedPeer { store.handle($0) }
        defer { peer.stop() }
        var c = try OSSClientConfiguration(endpoint: peer.endpoint, region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.receiveRateLimit = 1
        let client = try OSSClient(configuration: c)
        let data = [UInt8](repeating: 1, count: 500_000)
        try await client.putObject(bucket: "bkt", key: "k", body: .bytes(data))
        let t = Task { try await client.getObject(bucket: "bkt", key: "k") }
        try await Task.sleep(for: .milliseconds(50))
        client.setReceiveRateLimit(nil)
        #expect(try await t.value.body == data)
    }
}

@Suite("HTTP proxy")
struct ProxyTests {
    @Test("through an http proxy, requests use the absolute form and the origin's Host")
    func absoluteForm() async throws {
        let seen = PThreadMutex<[PeerRequest]>([])
        let proxy = try ScriptedPeer { r in
            seen.withLock { $0.append(r) }
            return PeerResponse(200, [("ETag", "\"E\"")])
        }
        defer { proxy.stop() }
        var c = try OSSClientConfiguration(endpoint: "http://oss-cn-hangzhou.aliyuncs.com")
        c.credentialsProvider = StaticCredentialsProvider(testCredentials)
        c.proxy = OSSClientConfiguration.Proxy(host: "127.0.0.1", port: proxy.port, username: "u", password: "p w")
        c.crcCheckEnabled = false
        let client = try OSSClient(configuration: c)
        try await client.putObject(bucket: "bkt", key: "a b", body: .string("via proxy"))
        let r = try #require(seen.withLock { $0.first })
        #expect(r.target == "http://bkt.oss-cn-hangzhou.aliyuncs.com/a%20b")
        #expect(r.header("Host") == "bkt.oss-cn-hangzhou.aliyuncs.com")
        #expect(r.header("Proxy-Authorization") == "Basic " + Base64.encode(Array("u:p w".utf8)))
        #expect(r.body == Array("via proxy".utf8))
    }
}
