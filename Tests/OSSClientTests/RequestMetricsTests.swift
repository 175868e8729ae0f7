import Foundation
import OSSCore
import OSSMockServer
import OSSProtocol
import OSSSigner
import OSSTestSupport
import OSSTransport
import Testing

@testable import OSSClient

/// `OSSRequestMetrics` on results and errors, checked against the mock with an injected response
/// delay: the instrument is checked (phases at or above the delay, in order), not our speed.
@Suite("OSSClient request metrics")
struct RequestMetricsTests {
    static let delay = Duration.milliseconds(200)

    /// When the test began: no phase of a call made since can be longer than the time since. An
    /// upper bound that is an event, not a tolerance (`delay + 30 s` tripped when the suite
    /// shared two busy cores and the mock waited its turn for 35 s).
    @TaskLocal static var started: ContinuousClock.Instant? = nil

    /// The phases of one call: in order, at or above the server's delay, over plain HTTP.
    static func check(
        _ m: OSSRequestMetrics, attempts: Int = 1, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(m.requestSent > .zero, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.requestSent <= m.timeToFirstByte, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.timeToFirstByte <= m.total, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.timeToFirstByte >= delay, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.total >= delay, "\(what): \(m)", sourceLocation: sourceLocation)
        let started = Self.started
        #expect(started != nil, "check runs inside $started.withValue", sourceLocation: sourceLocation)
        if let started {
            #expect(m.total <= started.duration(to: .now), "\(what): \(m)", sourceLocation: sourceLocation)
        }
        #expect(m.bytesSent > 0 && m.bytesReceived > 0, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.attempts == attempts, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.tlsVersion.isEmpty && m.tlsCipher.isEmpty, "\(what): \(m)", sourceLocation: sourceLocation)
        #expect(m.remoteAddress.hasPrefix("127.0.0.1:"), "\(what): \(m)", sourceLocation: sourceLocation)
    }

    @Test("every result carries its call's metrics: put, get, head, list, delete, multipart")
    func resultsCarryMetrics() async throws {
        var faults = MockFaults()
        faults.responseDelay = Self.delay
        try await Self.$started.withValue(.now) { try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            let data = [UInt8](repeating: 42, count: 100_000)
            let put = try await client.putObject(bucket: "bkt", key: "m/a", body: .bytes(data))
            Self.check(put.metrics, "PutObject")
            #expect(!put.metrics.connectionReused)
            #expect(put.metrics.bytesSent > Int64(data.count))
            let get = try await client.getObject(bucket: "bkt", key: "m/a")
            Self.check(get.metrics, "GetObject")
            #expect(get.metrics.connectionReused)
            #expect(get.metrics.bytesReceived > Int64(data.count))
            #expect(get.metadata.metrics == get.metrics)
            Self.check(try await client.headObject(bucket: "bkt", key: "m/a").metrics, "HeadObject")
            Self.check(try await client.listObjectsV2(bucket: "bkt").metrics, "ListObjectsV2")
            Self.check(try await client.listObjects(bucket: "bkt").metrics, "ListObjects")
            let path = NSTemporaryDirectory() + "osswire-metrics-\(UUID().uuidString).bin"
            defer { try? FileManager.default.removeItem(atPath: path) }
            Self.check(
                try await client.getObject(bucket: "bkt", key: "m/a", toFile: path).metrics, "GetObject to a file")

            let upload = try await client.initiateMultipartUpload(bucket: "bkt", key: "m/multi")
            Self.check(upload.metrics, "InitiateMultipartUpload")
            let part = try await client.uploadPart(
                bucket: "bkt", key: "m/multi", uploadId: upload.uploadId, partNumber: 1, body: .bytes(data))
            Self.check(part.metrics, "UploadPart")
            Self.check(
                try await client.listParts(bucket: "bkt", key: "m/multi", uploadId: upload.uploadId).metrics,
                "ListParts")
            let done = try await client.completeMultipartUpload(
                bucket: "bkt", key: "m/multi", uploadId: upload.uploadId,
                parts: [CompleteMultipartUpload.Part(partNumber: 1, eTag: part.etag)])
            Self.check(done.metrics, "CompleteMultipartUpload")
            Self.check(try await client.deleteObject(bucket: "bkt", key: "m/a").metrics, "DeleteObject")
            Self.check(
                try await client.deleteMultipleObjects(bucket: "bkt", keys: ["m/multi"]).metrics,
                "DeleteMultipleObjects")
            await client.shutdown()
        } }
    }

    @Test("attempts count the retry after an injected 503; the phases are the last attempt's")
    func attemptsCountRetries() async throws {
        var faults = MockFaults()
        faults.errorRules = [MockErrorRule(operation: "PutObject", status: 503, code: "ServiceUnavailable")]
        try await Self.$started.withValue(.now) { try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            let put = try await client.putObject(bucket: "bkt", key: "r", body: .string("retried"))
            #expect(put.metrics.attempts == 2)
            #expect(put.metrics.requestSent <= put.metrics.timeToFirstByte)
            #expect(put.metrics.timeToFirstByte <= put.metrics.total)
            let again = try await client.putObject(bucket: "bkt", key: "r", body: .string("once"))
            #expect(again.metrics.attempts == 1)
            await client.shutdown()
        } }
    }

    @Test("errors carry metrics: a service error after retries, with the attempts; a refused connect, none")
    func errorsCarryMetrics() async throws {
        var faults = MockFaults()
        faults.errorRules = [MockErrorRule(operation: "PutObject", status: 503, code: "ServiceUnavailable", count: 100)]
        try await Self.$started.withValue(.now) { try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)  // maxRetries 3
            let error = try await #require(throws: OSSServiceError.self) {
                try await client.putObject(bucket: "bkt", key: "e", body: .string("x"))
            }
            #expect(error.code == "ServiceUnavailable")
            let m = try #require(error.metrics)
            #expect(m.attempts == 4)
            #expect(m.timeToFirstByte > .zero && m.timeToFirstByte <= m.total)
            let missing = try await #require(throws: OSSServiceError.self) {
                try await client.getObject(bucket: "bkt", key: "absent")
            }
            #expect(missing.metrics?.attempts == 1)
            #expect((missing.metrics?.bytesReceived ?? 0) > 0)
            await client.shutdown()
        } }

        let closed = try TCPListener(host: "127.0.0.1", port: 0)
        let port = closed.localPort
        closed.close()
        var c = try OSSClientConfiguration(endpoint: "http://127.0.0.1:\(port)", region: "cn-hangzhou")
        c.credentialsProvider = StaticCredentialsProvider(accessKeyId: "id", accessKeySecret: "secret")
        c.retryPolicy = RetryPolicy(maxRetries: 0)
        let client = try OSSClient(configuration: c)
        let refused = try await #require(throws: OSSClientError.self) {
            try await client.headObject(bucket: "bkt", key: "k")
        }
        #expect(refused.kind == .connect)
        #expect(refused.metrics == nil)
    }

    @Test("over TLS: the negotiated version and cipher, kept on the reused connection")
    func tlsNames() async throws {
        let certs = try await CertificateFactory.shared()
        let peer = try TLSPeer(certs.server)
        var tls = TLSConfiguration()
        tls.caFile = certs.caFile
        let client = try SecurityTLSClientTests.client(endpoint: "https://localhost:\(peer.port)", tls: tls)
        let first = try await client.headObject(bucket: "bkt", key: "k")
        #expect(first.metrics.tlsVersion.hasPrefix("TLSv1."))
        #expect(!first.metrics.tlsCipher.isEmpty)
        #expect(first.metrics.tlsHandshake > .zero)
        let second = try await client.headObject(bucket: "bkt", key: "k")
        #expect(second.metrics.connectionReused)
        #expect(second.metrics.tlsVersion == first.metrics.tlsVersion)
        #expect(second.metrics.tlsCipher == first.metrics.tlsCipher)
        await client.shutdown()
        await peer.stop()
    }
}

@Suite("OSSClient request metrics: calls without a result value")
struct RequestMetricsVoidCallTests {
    @Test("bucket calls, abort and send return their metrics")
    func bucketAbortAndSend() async throws {
        try await RequestMetricsTests.$started.withValue(.now) { try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let created = try await client.createBucket("made-here")
            #expect(created.attempts == 1 && created.total > .zero && created.timeToFirstByte <= created.total)
            let upload = try await client.initiateMultipartUpload(bucket: "made-here", key: "k")
            let aborted = try await client.abortMultipartUpload(
                bucket: "made-here", key: "k", uploadId: upload.uploadId)
            #expect(aborted.total > .zero && aborted.connectionReused)
            let (head, body) = try await client.send(.listObjectsV2(bucket: "bkt", .init()))
            #expect(head.statusCode == 200 && !body.isEmpty)
            #expect(head.metrics.attempts == 1 && head.metrics.bytesReceived > Int64(body.count))
            #expect(try await client.deleteBucket("made-here").total > .zero)
            await client.shutdown()
        } }
    }
}
