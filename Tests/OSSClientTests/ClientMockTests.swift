import OSSCore
import OSSTestSupport
import OSSHTTP
import OSSMockServer
import OSSProtocol
import OSSSigner
import OSSTransport
import Testing

@testable import OSSClient

/// A client for a mock server (path-style: the endpoint is an IP address).
func mockClient(
    _ server: MockOSSServer, version: OSSClientConfiguration.SignatureVersion = .v4,
    configure: (inout OSSClientConfiguration) -> Void = { _ in }
) throws -> OSSClient {
    var c = try OSSClientConfiguration(endpoint: server.url, region: server.configuration.region)
    c.signatureVersion = version
    c.credentialsProvider = StaticCredentialsProvider(
        accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret)
    c.retryPolicy = RetryPolicy(maxRetries: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10))
    // No connect or idle limit unless a test sets one: against the in-process mock only events
    // decide. With the defaults (10 s, 60 s) a whole suite beside a build, where simple tests
    // took 85-90 s, once timed a callback PutObject out and retried it (the callback server then
    // saw three requests where the test expects two).
    c.timeouts.connect = nil
    c.timeouts.idle = nil
    configure(&c)
    return try OSSClient(configuration: c)
}

func mockConfiguration(buckets: [String] = ["bkt"], faults: MockFaults = MockFaults()) -> MockServerConfiguration {
    var c = MockServerConfiguration()
    c.buckets = buckets
    c.faults = faults
    return c
}

@Suite("Client against the mock OSS server")
struct ClientMockTests {
    static let data = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    @Test("objects: put (bytes, file, stream), get with range, head, append, copy, delete", arguments: [
        OSSClientConfiguration.SignatureVersion.v4, .v1,
    ])
    func objects(_ version: OSSClientConfiguration.SignatureVersion) async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server, version: version)
            let key = "dir/a b+c~%.bin"
            var options = PutObjectOptions(contentType: "application/x-test", metadata: ["author": "ann"], contentMD5: true)
            options.headers = [("Cache-Control", "no-cache")]
            let put = try await client.putObject(bucket: "bkt", key: key, body: .bytes(Self.data), options: options)
            #expect(put.crc64 == CRC64.checksum(Self.data))

            let whole = try await client.getObject(bucket: "bkt", key: key)
            #expect(whole.body == Self.data)
            let range = try await client.getObject(bucket: "bkt", key: key, range: ByteRange(100...199))
            #expect(range.body == Array(Self.data[100...199]))
            #expect(range.metadata.objectSize == Int64(Self.data.count))
            let tail = try await client.getObject(bucket: "bkt", key: key, range: .suffix(10))
            #expect(tail.body == Array(Self.data.suffix(10)))

            let head = try await client.headObject(bucket: "bkt", key: key)
            #expect(head.contentLength == Int64(Self.data.count))
            #expect(head.userMetadata["author"] == "ann")
            #expect(head.contentType == "application/x-test")

            let stream = AsyncStream<[UInt8]> { c in
                c.yield(Array(Self.data[0..<1000]))
                c.yield(Array(Self.data[1000..<5000]))
                c.finish()
            }
            try await client.putObject(bucket: "bkt", key: "streamed", body: .stream(stream))  // chunked
            #expect(try await client.getObject(bucket: "bkt", key: "streamed").body == Array(Self.data[0..<5000]))

            let a1 = try await client.appendObject(bucket: "bkt", key: "log", position: 0, body: .string("hello "))
            let a2 = try await client.appendObject(
                bucket: "bkt", key: "log", position: a1.nextPosition, body: .string("world"), previousCRC64: a1.crc64)
            #expect(a2.nextPosition == 11)
            #expect(try await client.getObject(bucket: "bkt", key: "log").body == Array("hello world".utf8))
            let wrongPosition = try await #require(throws: OSSServiceError.self) {
                try await client.appendObject(bucket: "bkt", key: "log", position: 3, body: .string("x"))
            }
            #expect(wrongPosition.code == "PositionNotEqualToLength")

            try await client.copyObject(sourceBucket: "bkt", sourceKey: key, bucket: "bkt", key: "copy")
            #expect(try await client.getObject(bucket: "bkt", key: "copy").body == Self.data)

            try await client.deleteObject(bucket: "bkt", key: key)
            let gone = try await #require(throws: OSSServiceError.self) { try await client.headObject(bucket: "bkt", key: key) }
            #expect(gone.code == "NoSuchKey" && gone.statusCode == 404)
            let missing = try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: key) }
            #expect(missing.code == "NoSuchKey" && !missing.requestId.isEmpty)
        }
    }

    @Test("a file upload and a download to a file keep the bytes intact")
    func files() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let path = "/tmp/osswire-mock-\(UInt64.random(in: 0...UInt64.max))"
            defer {
                FileDescriptor.remove(path)
                FileDescriptor.remove(path + ".out")
            }
            try writeTestFile(path, Self.data)
            try await client.putObject(bucket: "bkt", key: "f", body: .file(path))
            try await client.putObject(bucket: "bkt", key: "f2", body: .file(path, offset: 10, length: 1000))
            try await client.getObject(bucket: "bkt", key: "f", toFile: path + ".out")
            #expect(try await OSSRequestBody.file(path + ".out").collect() == Self.data)
            #expect(try await client.getObject(bucket: "bkt", key: "f2").body == Array(Self.data[10..<1010]))
        }
    }

    @Test("listing: v2 and v1 paginators with prefix, delimiter and tricky keys; batch delete")
    func listing() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let keys = ["a/1", "a/2", "a/b/3", "c d", "e&f<g>", "tab\there", "日本", "z"]
            for k in keys { try await client.putObject(bucket: "bkt", key: k, body: .string(k)) }
            var v2: [String] = []
            var pages = 0
            for try await page in client.listObjectsV2Pages(bucket: "bkt", .init(maxKeys: 3)) {
                pages += 1
                v2 += page.contents.map(\.key)
            }
            #expect(v2 == keys.sorted())
            #expect(pages == 3)
            var v1: [String] = []
            for try await page in client.listObjectsPages(bucket: "bkt", .init(maxKeys: 2)) { v1 += page.contents.map(\.key) }
            #expect(v1 == keys.sorted())
            let grouped = try await client.listObjectsV2(bucket: "bkt", .init(prefix: "a/", delimiter: "/"))
            #expect(grouped.contents.map(\.key) == ["a/1", "a/2"])
            #expect(grouped.commonPrefixes == ["a/b/"])

            let deleted = try await client.deleteMultipleObjects(bucket: "bkt", keys: ["a/1", "tab\there", "missing"])
            #expect(Set(deleted.deleted.map(\.key)) == ["a/1", "tab\there", "missing"])
            try await client.deleteMultipleObjects(bucket: "bkt", keys: ["a/2"], quiet: true)
            let left = try await client.listObjectsV2(bucket: "bkt").contents.map(\.key)
            #expect(left == ["a/b/3", "c d", "e&f<g>", "z", "日本"].sorted())
        }
    }

    @Test("multipart: initiate, parts, list parts, complete with the combined CRC64; abort then NoSuchUpload")
    func multipart() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let part1 = Array(Self.data[0..<(200 * 1024)])
            let part2 = Array(Self.data[(200 * 1024)...])
            let up = try await client.initiateMultipartUpload(bucket: "bkt", key: "big")
            let r1 = try await client.uploadPart(bucket: "bkt", key: "big", uploadId: up.uploadId, partNumber: 1, body: .bytes(part1))
            let r2 = try await client.uploadPart(bucket: "bkt", key: "big", uploadId: up.uploadId, partNumber: 2, body: .bytes(part2))
            var listed: [Int] = []
            for try await page in client.listPartsPages(bucket: "bkt", key: "big", uploadId: up.uploadId, maxParts: 1) {
                listed += page.parts.map(\.partNumber)
            }
            #expect(listed == [1, 2])
            let uploads = try await client.listMultipartUploads(bucket: "bkt")
            #expect(uploads.uploads.map(\.uploadId) == [up.uploadId])
            let crc = CRC64.combine(r1.crc64!, r2.crc64!, lengthOfB: UInt64(part2.count))
            let done = try await client.completeMultipartUpload(
                bucket: "bkt", key: "big", uploadId: up.uploadId,
                parts: [.init(partNumber: 1, eTag: r1.etag), .init(partNumber: 2, eTag: r2.etag)], expectedCRC64: crc)
            #expect(done.crc64 == CRC64.checksum(Self.data))
            #expect(try await client.getObject(bucket: "bkt", key: "big").body == Self.data)

            // A multipart copy of the object's two halves.
            let cp = try await client.initiateMultipartUpload(bucket: "bkt", key: "copied")
            let half = Int64(200 * 1024)
            let c1 = try await client.uploadPartCopy(
                sourceBucket: "bkt", sourceKey: "big", sourceRange: ByteRange(0...(half - 1)), bucket: "bkt", key: "copied",
                uploadId: cp.uploadId, partNumber: 1)
            let c2 = try await client.uploadPartCopy(
                sourceBucket: "bkt", sourceKey: "big", sourceRange: .from(half), bucket: "bkt", key: "copied",
                uploadId: cp.uploadId, partNumber: 2)
            try await client.completeMultipartUpload(
                bucket: "bkt", key: "copied", uploadId: cp.uploadId,
                parts: [.init(partNumber: 1, eTag: c1.etag), .init(partNumber: 2, eTag: c2.etag)])
            #expect(try await client.getObject(bucket: "bkt", key: "copied").body == Self.data)

            let up2 = try await client.initiateMultipartUpload(bucket: "bkt", key: "aborted")
            try await client.abortMultipartUpload(bucket: "bkt", key: "aborted", uploadId: up2.uploadId)
            let e = try await #require(throws: OSSServiceError.self) {
                try await client.uploadPart(bucket: "bkt", key: "aborted", uploadId: up2.uploadId, partNumber: 1, body: .string("x"))
            }
            #expect(e.code == "NoSuchUpload")
        }
    }

    @Test("buckets: create, list, delete only when empty")
    func buckets() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: [])) { server in
            let client = try mockClient(server)
            try await client.createBucket("one-bucket")
            try await client.createBucket("two-bucket")
            var names: [String] = []
            for try await page in client.listBucketsPages() { names += page.buckets.map(\.name) }
            #expect(names == ["one-bucket", "two-bucket"])
            try await client.putObject(bucket: "one-bucket", key: "k", body: .string("x"))
            let e = try await #require(throws: OSSServiceError.self) { try await client.deleteBucket("one-bucket") }
            #expect(e.code == "BucketNotEmpty" && e.statusCode == 409)
            try await client.deleteBucket("two-bucket")
        }
    }

    @Test("presigned GET and PUT work with a plain HTTP client; a wrong secret is SignatureDoesNotMatch")
    func presignAndAuth() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let http = HTTPClient(connector: SocketConnector())
            for version in [OSSClientConfiguration.SignatureVersion.v4, .v1] {
                let signer = try mockClient(server, version: version)
                let put = try await signer.presign(method: "PUT", bucket: "bkt", key: "pre signed", expires: 300)
                let r = try await http.execute(try HTTPRequest(method: .put, url: put.url, body: .bytes(Array("abc".utf8))))
                #expect(r.head.status == 200)
                let get = try await signer.presign(bucket: "bkt", key: "pre signed", expires: 300)
                let g = try await http.execute(try HTTPRequest(method: .get, url: get.url))
                #expect(g.head.status == 200 && g.body == Array("abc".utf8))
            }
            #expect(try await client.getObject(bucket: "bkt", key: "pre signed").body == Array("abc".utf8))
            let wrong = try mockClient(server) {
                $0.credentialsProvider = StaticCredentialsProvider(
                    accessKeyId: MockCredential.demo.accessKeyId, accessKeySecret: "not-the-secret")
            }
            let e = try await #require(throws: OSSServiceError.self) { try await wrong.headObject(bucket: "bkt", key: "pre signed") }
            #expect(e.code == "SignatureDoesNotMatch" && e.statusCode == 403)
        }
    }
}

@Suite("Client against injected faults")
struct ClientFaultTests {
    @Test("the 3rd UploadPart answered 503 is retried and the upload completes")
    func retriedPart() async throws {
        var faults = MockFaults()
        faults.errorRules = [MockErrorRule(operation: "UploadPart", nth: 3, status: 503, code: "ServiceUnavailable")]
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            let up = try await client.initiateMultipartUpload(bucket: "bkt", key: "k")
            var parts: [CompleteMultipartUpload.Part] = []
            for n in 1...4 {
                let body = [UInt8](repeating: UInt8(n), count: n < 4 ? 100 * 1024 : 10)
                let r = try await client.uploadPart(bucket: "bkt", key: "k", uploadId: up.uploadId, partNumber: n, body: .bytes(body))
                parts.append(.init(partNumber: n, eTag: r.etag))
            }
            try await client.completeMultipartUpload(bucket: "bkt", key: "k", uploadId: up.uploadId, parts: parts)
            let uploads = server.service.requestLog.filter { $0.operation == "UploadPart" }
            #expect(uploads.count == 5)
        }
    }

    @Test("a wrong CRC64 from the server is a mismatch and is not retried")
    func wrongCRC() async throws {
        var faults = MockFaults()
        faults.wrongCRC64 = true
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            let e = try await #require(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bkt", key: "k", body: .string("data"))
            }
            #expect(e.kind == .crcMismatch)
            #expect(server.service.requestLog.filter { $0.operation == "PutObject" }.count == 1)
        }
    }

    @Test("a skewed server clock is corrected from RequestTimeTooSkewed and the request succeeds")
    func skew() async throws {
        var faults = MockFaults()
        faults.clockSkewSeconds = 3 * 3600
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            // The learnt offset is the server's clock (3 h ahead) minus ours, each read at some
            // instant inside the request: it is off from 3 h by at most the time the request
            // took (plus a second of rounding), however long a busy machine made that.
            let before = ContinuousClock.now
            try await client.putObject(bucket: "bkt", key: "k", body: .string("data"))
            let took = before.duration(to: .now).components.seconds + 1
            #expect(abs(client.clockSkewSeconds - 3 * 3600) <= took, "offset \(client.clockSkewSeconds) after \(took) s")
            #expect(server.service.objectKeys(bucket: "bkt") == ["k"])
        }
    }

    @Test("a connection reset mid-body is retried; the retry stores the object")
    func reset() async throws {
        var faults = MockFaults()
        faults.resetAfterBodyBytes = 100_000
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            let body = [UInt8](repeating: 9, count: 50_000)
            try await client.putObject(bucket: "bkt", key: "small", body: .bytes(body))  // under the reset point
            #expect(try await client.getObject(bucket: "bkt", key: "small").body == body)
            let big = [UInt8](repeating: 8, count: 400_000)
            let e = try await #require(throws: OSSClientError.self) {
                try await client.putObject(bucket: "bkt", key: "big", body: .bytes(big))
            }
            #expect(e.kind == .network || e.kind == .abortedInFlight || e.kind == .timeout)
            #expect(server.service.requestLog.filter { $0.operation == "PutObject" && $0.key == "big" }.count == 4)
            #expect(server.service.requestLog.allSatisfy { $0.key != "big" || !$0.bodyCompleted })
        }
    }

    @Test("disable during uploads stalled by the server: 200042, not fully sent, nothing stored")
    func disableStalled() async throws {
        var faults = MockFaults()
        faults.stallAfterBodyBytes = 64 * 1024
        try await withMockServer(configuration: mockConfiguration(faults: faults)) { server in
            let client = try mockClient(server)
            let big = [UInt8](repeating: 1, count: 32 << 20)
            let tasks = (0..<4).map { i in Task { try await client.putObject(bucket: "bkt", key: "k\(i)", body: .bytes(big)) } }
            while server.openConnections < 4 { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(50))
            client.disableRequests()
            client.enableRequests()
            for t in tasks {
                let e = try await #require(throws: OSSClientError.self) { try await t.value }
                #expect(e.kind == .abortedInFlight && e.bodyFullySent == false)
            }
            // Release the stall so the server's connections notice the aborted clients and end
            // (the server's stop() waits for its connections).
            server.service.updateFaults { $0.stallAfterBodyBytes = nil }
            while server.openConnections > 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
        }
    }
}
