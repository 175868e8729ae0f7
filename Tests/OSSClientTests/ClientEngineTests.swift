import OSSCore
import Synchronization
import Testing

@testable import OSSClient

@Suite("Client engine (scripted wire)")
struct ClientEngineTests {
    static let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
    static var crc: String { String(CRC64.checksum(data)) }

    @Test("PutObject sends the addressed, signed request and checks the CRC64")
    func putObject() async throws {
        let wire = ScriptedWire([.reply(.ok([("ETag", "\"E1\""), ("x-oss-hash-crc64ecma", Self.crc)]))])
        let client = try makeClient(wire)
        var options = PutObjectOptions(contentType: "text/plain", metadata: ["Author": "ann"], contentMD5: true)
        options.headers = [("x-oss-object-acl", "private")]
        let result = try await client.putObject(bucket: "bkt", key: "dir/a b.txt", body: .bytes(Self.data), options: options)
        #expect(result.etag == "\"E1\"" && result.crc64 == CRC64.checksum(Self.data))
        let seen = try #require(wire.seen.first)
        #expect(seen.method == "PUT")
        #expect(seen.target == "/bkt/dir/a%20b.txt")
        #expect(seen.host == "127.0.0.1:9000")
        #expect(seen.body == Self.data)
        #expect(seen.contentLength == Int64(Self.data.count))
        #expect(seen.header("Content-Type") == "text/plain")
        #expect(seen.header("x-oss-meta-Author") == "ann")
        #expect(seen.header("x-oss-object-acl") == "private")
        #expect(seen.header("Content-MD5") == Base64.encode(OSSCryptoShim.md5(Self.data)))
        #expect(seen.header("Authorization") != nil && seen.header("Date") != nil)
        #expect(seen.header("User-Agent")?.hasPrefix("osswire") == true)
    }

    @Test("a CRC64 mismatch on upload is an error and is not retried")
    func uploadCRCMismatch() async throws {
        let wire = ScriptedWire([.reply(.ok([("ETag", "\"E\""), ("x-oss-hash-crc64ecma", "1")]))])
        let client = try makeClient(wire)
        let e = try await #require(throws: OSSClientError.self) {
            try await client.putObject(bucket: "bkt", key: "k", body: .bytes(Self.data))
        }
        #expect(e.kind == .crcMismatch)
        #expect(wire.executeCount == 1)
    }

    @Test("CRC checking can be switched off")
    func crcOff() async throws {
        let wire = ScriptedWire([.reply(.ok([("ETag", "\"E\""), ("x-oss-hash-crc64ecma", "1")]))])
        let client = try makeClient(wire) { $0.crcCheckEnabled = false }
        try await client.putObject(bucket: "bkt", key: "k", body: .bytes(Self.data))
    }

    @Test("5xx and resets are retried, with progress monotonic and never counted twice")
    func retriesWithProgress() async throws {
        let wire = ScriptedWire([
            .resetAfter(200_000),
            .reply(.error(503, "ServiceUnavailable")),
            .reply(.ok([("ETag", "\"E\""), ("x-oss-hash-crc64ecma", Self.crc)])),
        ])
        let client = try makeClient(wire)
        let values = PThreadMutex<[Int64]>([])
        var options = PutObjectOptions()
        options.progress = { p in values.withLock { $0.append(p.bytesTransferred) } }
        try await client.putObject(bucket: "bkt", key: "k", body: .bytes(Self.data), options: options)
        #expect(wire.executeCount == 3)
        let v = values.withLock { $0 }
        #expect(v == v.sorted() && Set(v).count == v.count)
        #expect(v.last == Int64(Self.data.count))
        #expect(wire.seen.allSatisfy { $0.header("Authorization") != nil })
    }

    @Test("other 4xx answers are not retried and keep their details")
    func noRetryOn4xx() async throws {
        let wire = ScriptedWire([.reply(.error(404, "NoSuchBucket")), .reply(.ok())])
        let client = try makeClient(wire)
        let e = try await #require(throws: OSSServiceError.self) {
            try await client.getObject(bucket: "bkt", key: "k")
        }
        #expect(e.code == "NoSuchBucket" && e.statusCode == 404 && e.requestId == "RID" && e.hostId == "h")
        #expect(wire.executeCount == 1)
    }

    @Test("retries stop after maxRetries")
    func retryLimit() async throws {
        let wire = ScriptedWire(Array(repeating: .reply(.error(500, "InternalError")), count: 10))
        let client = try makeClient(wire, retries: 2)
        await #expect(throws: OSSServiceError.self) { try await client.deleteObject(bucket: "bkt", key: "k") }
        #expect(wire.executeCount == 3)
    }

    @Test("a stream body is never retried")
    func streamNotRetried() async throws {
        let wire = ScriptedWire([.reply(.error(503, "ServiceUnavailable")), .reply(.ok())])
        let client = try makeClient(wire)
        let stream = AsyncStream<[UInt8]> { c in
            c.yield([1, 2, 3])
            c.finish()
        }
        await #expect(throws: OSSServiceError.self) {
            try await client.putObject(bucket: "bkt", key: "k", body: .stream(stream, length: 3))
        }
        #expect(wire.executeCount == 1)
    }

    @Test("RequestTimeTooSkewed corrects the clock from ServerTime and retries")
    func skewCorrection() async throws {
        let server = UTCTime.now().adding(seconds: 3600)
        let skewed = Reply.error(403, "RequestTimeTooSkewed", extra: "<ServerTime>\(server.iso8601)</ServerTime>")
        let wire = ScriptedWire([.reply(skewed), .reply(.ok([("ETag", "\"E\"")]))])
        let client = try makeClient(wire)
        try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
        #expect(wire.executeCount == 2)
        #expect(abs(client.clockSkewSeconds - 3600) <= 2)
        let dates = wire.seen.compactMap { $0.header("Date").flatMap { UTCTime(rfc1123: $0) } }
        #expect(dates.count == 2 && dates[1].seconds - dates[0].seconds >= 3598)
    }

    @Test("with skew correction off, RequestTimeTooSkewed fails")
    func skewCorrectionOff() async throws {
        let skewed = Reply.error(403, "RequestTimeTooSkewed", extra: "<ServerTime>2030-01-01T00:00:00.000Z</ServerTime>")
        let wire = ScriptedWire([.reply(skewed), .reply(.ok())])
        let client = try makeClient(wire) { $0.clockSkewCorrectionEnabled = false }
        await #expect(throws: OSSServiceError.self) { try await client.deleteObject(bucket: "bkt", key: "k") }
    }

    @Test("bad input fails before the wire is touched")
    func badInput() async throws {
        let wire = ScriptedWire([.reply(.ok())])
        let client = try makeClient(wire)
        await #expect(throws: OSSClientError.self) { try await client.putObject(bucket: "", key: "k", body: .empty) }
        await #expect(throws: OSSClientError.self) { try await client.putObject(bucket: "bkt", key: "a\nb", body: .empty) }
        await #expect(throws: OSSClientError.self) {
            try await client.putObject(
                bucket: "bkt", key: "k", body: .empty, options: PutObjectOptions(metadata: ["x": "a\r\nb"]))
        }
        await #expect(throws: OSSClientError.self) {
            try await client.uploadPart(bucket: "bkt", key: "k", uploadId: "u", partNumber: 10_001, body: .empty)
        }
        await #expect(throws: OSSClientError.self) {
            try await client.getObject(bucket: "bkt", key: "k", range: .from(-1))
        }
        #expect(wire.executeCount == 0)
    }

    @Test("while disabled, requests fail with ClientError:100002 without touching the wire; enable lets them run")
    func disabled() async throws {
        let wire = ScriptedWire([.reply(.ok())])
        let client = try makeClient(wire)
        client.disableRequests()
        let e = try await #require(throws: OSSClientError.self) { try await client.deleteObject(bucket: "bkt", key: "k") }
        #expect(e.kind == .requestsDisabled && e.code == "ClientError:100002")
        #expect(wire.executeCount == 0)
        client.enableRequests()
        try await client.deleteObject(bucket: "bkt", key: "k")
    }

    @Test("disableRequests wakes a retry back-off at once and the request fails as aborted")
    func disableDuringBackoff() async throws {
        let wire = ScriptedWire([.reply(.error(503, "ServiceUnavailable")), .reply(.ok())])
        var config = try OSSClientConfiguration(endpoint: "http://127.0.0.1:9000", region: "cn-hangzhou")
        config.retryPolicy = RetryPolicy(maxRetries: 3, baseDelay: .seconds(3600), maxDelay: .seconds(3600))
        let client = try OSSClient(configuration: config, wire: wire, signer: MarkingSigner())
        let task = Task { try await client.deleteObject(bucket: "bkt", key: "k") }
        var arrivals = wire.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        client.disableRequests()
        client.enableRequests()  // a cancel is never lost
        let result = await task.result
        let e = try #require(throws: OSSClientError.self) { try result.get() }
        #expect(e.kind == .abortedInFlight && e.code == "ClientError:200042")
        #expect(wire.executeCount == 1)
    }

    @Test("a retryable answer that comes back after disableRequests fails as aborted, not retried")
    func disableDuringAttempt() async throws {
        let wire = ScriptedWire([.replyAfterDisable(.error(503, "ServiceUnavailable")), .reply(.ok())])
        let client = try makeClient(wire)
        let task = Task { try await client.deleteObject(bucket: "bkt", key: "k") }
        var arrivals = wire.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        client.disableRequests()
        let result = await task.result
        let e = try #require(throws: OSSClientError.self) { try result.get() }
        #expect(e.kind == .abortedInFlight && e.code == "ClientError:200042")
        #expect(e.description.contains("503"))
        #expect(wire.executeCount == 1)
    }

    @Test("a full GetObject checks the CRC64 of the bytes received; a range read does not")
    func downloadCRC() async throws {
        let good = Reply.ok([("Content-Length", "\(Self.data.count)"), ("x-oss-hash-crc64ecma", Self.crc)], body: Self.data)
        let bad = Reply.ok([("x-oss-hash-crc64ecma", "7")], body: Self.data)
        let range = Reply(206, headers: [("x-oss-hash-crc64ecma", "7"), ("Content-Range", "bytes 0-9/300000")], body: Array(Self.data[0..<10]))
        let wire = ScriptedWire([.reply(good), .reply(bad), .reply(range)])
        let client = try makeClient(wire)
        let progress = PThreadMutex<Int64>(0)
        let r = try await client.getObject(bucket: "bkt", key: "k") { p in progress.withLock { $0 = p.bytesTransferred } }
        #expect(r.body == Self.data && r.metadata.crc64 == CRC64.checksum(Self.data))
        #expect(progress.withLock { $0 } == Int64(Self.data.count))
        let e = try await #require(throws: OSSClientError.self) { try await client.getObject(bucket: "bkt", key: "k") }
        #expect(e.kind == .crcMismatch)
        let part = try await client.getObject(bucket: "bkt", key: "k", range: ByteRange(0...9))
        #expect(part.body.count == 10 && part.metadata.objectSize == 300_000)
        #expect(wire.seen[2].header("Range") == "bytes=0-9")
        #expect(wire.executeCount == 3)
    }

    @Test("GetObject to a file writes it whole, and leaves nothing after a CRC64 mismatch")
    func downloadToFile() async throws {
        let path = "/tmp/osswire-client-get-\(UInt64.random(in: 0...UInt64.max))"
        defer { FileDescriptor.remove(path) }
        let wire = ScriptedWire([
            .reply(.ok([("x-oss-hash-crc64ecma", Self.crc)], body: Self.data)),
            .reply(.ok([("x-oss-hash-crc64ecma", "9")], body: Self.data)),
        ])
        let client = try makeClient(wire)
        try await client.getObject(bucket: "bkt", key: "k", toFile: path)
        #expect(try await OSSRequestBody.file(path).collect() == Self.data)
        FileDescriptor.remove(path)
        await #expect(throws: OSSClientError.self) { try await client.getObject(bucket: "bkt", key: "k", toFile: path) }
        #expect(throws: SystemError.self) { try FileDescriptor.open(path, .readOnly) }
        #expect(throws: SystemError.self) { try FileDescriptor.open(path + ".osswire-part", .readOnly) }
    }

    @Test("a streamed GetObject yields the bytes and checks the CRC64 at the end")
    func downloadStream() async throws {
        let wire = ScriptedWire([.reply(.ok([("x-oss-hash-crc64ecma", Self.crc)], body: Self.data))])
        let client = try makeClient(wire)
        let got = try await client.withObjectStream(bucket: "bkt", key: "k") { metadata, stream in
            var got: [UInt8] = []
            for try await chunk in stream { got += chunk }
            return got
        }
        #expect(got == Self.data)
    }

    @Test("HEAD failures decode the x-oss-err header")
    func headError() async throws {
        let xml = "<Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>R1</RequestId><EC>0026-00000001</EC></Error>"
        let wire = ScriptedWire([.reply(Reply(404, headers: [("x-oss-err", Base64.encode(Array(xml.utf8)))]))])
        let client = try makeClient(wire)
        let e = try await #require(throws: OSSServiceError.self) { try await client.headObject(bucket: "bkt", key: "k") }
        #expect(e.code == "NoSuchKey" && e.ec == "0026-00000001" && e.requestId == "R1" && e.message == "gone")
    }

    @Test("HeadObject reads metadata from the headers")
    func headObject() async throws {
        let wire = ScriptedWire([
            .reply(
                .ok([
                    ("Content-Length", "42"), ("Content-Type", "text/plain"), ("ETag", "\"AB\""),
                    ("Last-Modified", "Wed, 25 Nov 2026 03:26:44 GMT"), ("x-oss-meta-author", "ann"),
                    ("x-oss-object-type", "Appendable"), ("x-oss-next-append-position", "42"),
                ]))
        ])
        let client = try makeClient(wire)
        let m = try await client.headObject(bucket: "bkt", key: "k")
        #expect(m.contentLength == 42 && m.contentType == "text/plain" && m.etag == "\"AB\"")
        #expect(m.lastModified == UTCTime(year: 2026, month: 11, day: 25, hour: 3, minute: 26, second: 44))
        #expect(m.userMetadata == ["author": "ann"] && m.objectType == "Appendable" && m.nextAppendPosition == 42)
        #expect(wire.seen[0].method == "HEAD")
    }

    @Test("AppendObject checks the combined CRC64 and returns the next position")
    func appendObject() async throws {
        let a: [UInt8] = Array("hello ".utf8)
        let b: [UInt8] = Array("world".utf8)
        let crcA = CRC64.checksum(a)
        let crcAB = CRC64.checksum(a + b)
        let wire = ScriptedWire([
            .reply(.ok([("x-oss-next-append-position", "6"), ("x-oss-hash-crc64ecma", String(crcA))])),
            .reply(.ok([("x-oss-next-append-position", "11"), ("x-oss-hash-crc64ecma", String(crcAB))])),
            .reply(.ok([("x-oss-next-append-position", "16"), ("x-oss-hash-crc64ecma", "5")])),
        ])
        let client = try makeClient(wire)
        let r1 = try await client.appendObject(bucket: "bkt", key: "k", position: 0, body: .bytes(a))
        #expect(r1.nextPosition == 6)
        let r2 = try await client.appendObject(
            bucket: "bkt", key: "k", position: r1.nextPosition, body: .bytes(b), previousCRC64: r1.crc64)
        #expect(r2.nextPosition == 11 && r2.crc64 == crcAB)
        #expect(wire.seen[1].target == "/bkt/k?append&position=6")
        let e = try await #require(throws: OSSClientError.self) {
            try await client.appendObject(bucket: "bkt", key: "k", position: 11, body: .bytes(b), previousCRC64: crcAB)
        }
        #expect(e.kind == .crcMismatch)
    }

    @Test("UploadPart addresses the part and returns its ETag")
    func uploadPart() async throws {
        let wire = ScriptedWire([.reply(.ok([("ETag", "\"P1\""), ("x-oss-hash-crc64ecma", Self.crc)]))])
        let client = try makeClient(wire)
        let r = try await client.uploadPart(bucket: "bkt", key: "k", uploadId: "U+1", partNumber: 7, body: .bytes(Self.data))
        #expect(r.etag == "\"P1\"" && r.partNumber == 7)
        #expect(wire.seen[0].target == "/bkt/k?partNumber=7&uploadId=U%2B1")
    }

    @Test("the send rate limit can change while a transfer runs")
    func rateLimitAtRunTime() async throws {
        let wire = ScriptedWire([.reply(.ok([("ETag", "\"E\""), ("x-oss-hash-crc64ecma", Self.crc)]))])
        let client = try makeClient(wire) { $0.sendRateLimit = 1 }
        let task = Task { try await client.putObject(bucket: "bkt", key: "k", body: .bytes(Self.data)) }
        try await Task.sleep(for: .milliseconds(50))
        client.setSendRateLimit(nil)  // at 1 byte/s this would never end
        _ = try await task.value
    }
}

import OSSCrypto

enum OSSCryptoShim {
    static func md5(_ b: [UInt8]) -> [UInt8] { Digest.md5(b) }
}
