import OSSCore
import OSSCrypto
import Testing

@testable import OSSMockServer

@Suite struct MockObjectTests {
    @Test func putThenGetReturnsTheBodyWithOSSHeaders() async throws {
        let oss = try anonymousService()
        let data = bytes(10_000)
        let put = try await send(oss, "PUT", "/bkt/dir/a%20b.txt", headers: [("Content-Type", "text/plain"), ("x-oss-meta-color", "blue")], body: data)
        #expect(put.status == 200)
        #expect(put.header("ETag") == quotedMD5(data))
        #expect(put.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(data)))
        #expect(put.header("x-oss-request-id")?.count == 24)

        let get = try await send(oss, "GET", "/bkt/dir/a%20b.txt")
        #expect(get.status == 200)
        #expect(get.body == data)
        #expect(get.header("Content-Type") == "text/plain")
        #expect(get.header("x-oss-meta-color") == "blue")
        #expect(get.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(data)))
        #expect(get.header("Content-Length") == "10000")
        #expect(oss.objectKeys(bucket: "bkt") == ["dir/a b.txt"])
    }

    @Test func virtualHostedStyleAddressesTheSameObject() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/k", body: [1, 2, 3], host: "bkt.localhost:9000")
        let get = try await send(oss, "GET", "/bkt/k")
        #expect(get.body == [1, 2, 3])
    }

    @Test func rangesAnswer206Or416LikeOSS() async throws {
        let oss = try anonymousService()
        let data = bytes(1000)
        try await send(oss, "PUT", "/bkt/r", body: data)
        let mid = try await send(oss, "GET", "/bkt/r", headers: [("Range", "bytes=10-19")])
        #expect(mid.status == 206)
        #expect(mid.body == Array(data[10..<20]))
        #expect(mid.header("Content-Range") == "bytes 10-19/1000")
        let suffix = try await send(oss, "GET", "/bkt/r", headers: [("Range", "bytes=-5")])
        #expect(suffix.body == Array(data[995...]))
        let open = try await send(oss, "GET", "/bkt/r", headers: [("Range", "bytes=990-")])
        #expect(open.body == Array(data[990...]))
        let clipped = try await send(oss, "GET", "/bkt/r", headers: [("Range", "bytes=995-5000")])
        #expect(clipped.status == 206 && clipped.body.count == 5)
        let beyond = try await send(oss, "GET", "/bkt/r", headers: [("Range", "bytes=1000-1001")])
        #expect(beyond.status == 416)
        #expect(beyond.code == "InvalidRange")
        let multi = try await send(oss, "GET", "/bkt/r", headers: [("Range", "bytes=0-1,5-6")])
        #expect(multi.status == 200 && multi.body == data)
    }

    @Test func headCarriesTheErrorInXOSSErr() async throws {
        let oss = try anonymousService()
        let head = try await send(oss, "HEAD", "/bkt/missing")
        #expect(head.status == 404)
        #expect(head.body.isEmpty)
        let err = try #require(head.header("x-oss-err").flatMap { Base64.decode($0) })
        #expect(String(decoding: err, as: UTF8.self).contains("<Code>NoSuchKey</Code>"))
        #expect(head.header("x-oss-ec") == "0026-00000001")
        try await send(oss, "PUT", "/bkt/present", body: bytes(77))
        let ok = try await send(oss, "HEAD", "/bkt/present")
        #expect(ok.status == 200 && ok.body.isEmpty && ok.header("Content-Length") == "77")
    }

    @Test func contentMD5IsChecked() async throws {
        let oss = try anonymousService()
        let data = bytes(100)
        let wrong = Base64.encode(Digest.md5(bytes(100, seed: 9)))
        let bad = try await send(oss, "PUT", "/bkt/m", headers: [("Content-MD5", wrong)], body: data)
        #expect(bad.status == 400 && bad.code == "InvalidDigest")
        let garbage = try await send(oss, "PUT", "/bkt/m", headers: [("Content-MD5", "nope")], body: data)
        #expect(garbage.code == "InvalidDigest")
        #expect(oss.objectKeys(bucket: "bkt").isEmpty)
        let good = try await send(oss, "PUT", "/bkt/m", headers: [("Content-MD5", Base64.encode(Digest.md5(data)))], body: data)
        #expect(good.status == 200)
    }

    @Test func aTruncatedBodyStoresNothing() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/bkt/t", body: [9])
        let r = try await send(oss, "PUT", "/bkt/t", body: bytes(5000), clientGoneAfter: 1234)
        #expect(r.response.noAnswer)
        #expect(await oss.objectBytes(bucket: "bkt", key: "t") == [9])
        let entry = try #require(oss.requestLog.last)
        #expect(entry.operation == "PutObject" && entry.bytesReceived == 1234 && entry.clientClosedMidBody && !entry.bodyCompleted)
    }

    @Test func dataDirectoryHoldsLargeBodiesAndCleansUp() async throws {
        let dir = "/tmp/osswire-mock-test-\(Hex.encode(secureRandomBytes(6)))"
        let oss = try anonymousService(dataDirectory: dir, spill: 1024)
        let data = bytes(300_000)
        try await send(oss, "PUT", "/bkt/big", body: data)
        do {
            let get = try await send(oss, "GET", "/bkt/big", headers: [("Range", "bytes=1000-200999")])
            #expect(get.body == Array(data[1000..<201_000]))
            #expect(listDirectory(dir).count == 1)
        }
        _ = try await send(oss, "PUT", "/bkt/cut", body: data, clientGoneAfter: 100_000)
        try await send(oss, "DELETE", "/bkt/big")
        #expect(await oss.objectBytes(bucket: "bkt", key: "big") == nil)
        #expect(listDirectory(dir).isEmpty)
        rmdir(dir)
    }

    @Test func discardBodiesCountsAndChecksButKeepsNothing() async throws {
        var c = MockServerConfiguration()
        c.allowAnonymous = true
        c.buckets = ["bkt"]
        c.discardBodies = true
        let oss = try MockOSS(configuration: c)
        let data = bytes(200_000)
        let put = try await send(oss, "PUT", "/bkt/d", body: data)
        #expect(put.status == 200 && put.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(data)))
        let head = try await send(oss, "HEAD", "/bkt/d")
        #expect(head.header("Content-Length") == "200000")
        #expect(try await send(oss, "GET", "/bkt/d").code == "NoSuchKey")
        let bad = try await send(oss, "PUT", "/bkt/e", headers: [("Content-MD5", Base64.encode(Digest.md5([1])))], body: data)
        #expect(bad.code == "InvalidDigest")
        let id = try #require(try await send(oss, "POST", "/bkt/mp?uploads").xml("UploadId"))
        let e1 = try #require(try await send(oss, "PUT", "/bkt/mp?partNumber=1&uploadId=\(id)", body: data).header("ETag"))
        let e2 = try #require(try await send(oss, "PUT", "/bkt/mp?partNumber=2&uploadId=\(id)", body: [7]).header("ETag"))
        let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\(e1)</ETag></Part>"
            + "<Part><PartNumber>2</PartNumber><ETag>\(e2)</ETag></Part></CompleteMultipartUpload>"
        let done = try await send(oss, "POST", "/bkt/mp?uploadId=\(id)", body: Array(body.utf8))
        #expect(done.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(data + [7])))
    }

    @Test func appendChecksThePosition() async throws {
        let oss = try anonymousService()
        let a = try await send(oss, "POST", "/bkt/log?append&position=0", body: [1, 2, 3])
        #expect(a.status == 200 && a.header("x-oss-next-append-position") == "3")
        let wrong = try await send(oss, "POST", "/bkt/log?append&position=1", body: [4])
        #expect(wrong.status == 409 && wrong.code == "PositionNotEqualToLength")
        #expect(wrong.header("x-oss-next-append-position") == "3")
        let b = try await send(oss, "POST", "/bkt/log?append&position=3", body: [4, 5])
        #expect(b.header("x-oss-hash-crc64ecma") == String(CRC64.checksum([1, 2, 3, 4, 5])))
        #expect(await oss.objectBytes(bucket: "bkt", key: "log") == [1, 2, 3, 4, 5])
        try await send(oss, "PUT", "/bkt/normal", body: [1])
        let notAppendable = try await send(oss, "POST", "/bkt/normal?append&position=1", body: [2])
        #expect(notAppendable.code == "ObjectNotAppendable")
    }

    @Test func copyObjectKeepsOrReplacesMetadata() async throws {
        let oss = try anonymousService(buckets: ["bkt", "dst"])
        try await send(oss, "PUT", "/bkt/src%2Bx", headers: [("x-oss-meta-a", "1")], body: bytes(50))
        let copy = try await send(oss, "PUT", "/dst/c1", headers: [("x-oss-copy-source", "/bkt/src%2Bx")])
        #expect(copy.status == 200 && copy.xml("ETag") == quotedMD5(bytes(50)))
        #expect(try await send(oss, "GET", "/dst/c1").header("x-oss-meta-a") == "1")
        try await send(
            oss, "PUT", "/dst/c2", headers: [("x-oss-copy-source", "/bkt/src%2Bx"), ("x-oss-metadata-directive", "REPLACE"), ("x-oss-meta-b", "2")])
        let c2 = try await send(oss, "GET", "/dst/c2")
        #expect(c2.header("x-oss-meta-a") == nil && c2.header("x-oss-meta-b") == "2" && c2.body == bytes(50))
        let missing = try await send(oss, "PUT", "/dst/c3", headers: [("x-oss-copy-source", "/bkt/none")])
        #expect(missing.code == "NoSuchKey")
    }

    @Test func deleteMultipleObjectsQuietAndURLEncoded() async throws {
        let oss = try anonymousService()
        for k in ["a", "b&c", "d"] { try await send(oss, "PUT", "/bkt/\(PercentEncoding.encode(k))", body: [1]) }
        let xml = "<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b&amp;c</Key></Object></Delete>"
        let r = try await send(oss, "POST", "/bkt/?delete&encoding-type=url", body: Array(xml.utf8))
        #expect(r.status == 200)
        #expect(r.xmlAll("Key") == ["a", "b%26c"])
        #expect(oss.objectKeys(bucket: "bkt") == ["d"])
        let quiet = "<Delete><Quiet>true</Quiet><Object><Key>d</Key></Object></Delete>"
        let q = try await send(oss, "POST", "/bkt/?delete", body: Array(quiet.utf8))
        #expect(q.xmlAll("Deleted").isEmpty)
        let bad = try await send(oss, "POST", "/bkt/?delete", body: Array("<Delete><Object>".utf8))
        #expect(bad.code == "MalformedXML")
    }

    @Test func bucketsCreateListAndDeleteOnlyWhenEmpty() async throws {
        let oss = try anonymousService(buckets: [])
        #expect(try await send(oss, "PUT", "/new-bucket").status == 200)
        // Re-creating one's own bucket with the same settings succeeds, as on OSS (MockFidelityTests).
        #expect(try await send(oss, "PUT", "/new-bucket").status == 200)
        #expect(try await send(oss, "PUT", "/Bad_Name").code == "InvalidBucketName")
        #expect(try await send(oss, "GET", "/").xmlAll("Name") == ["new-bucket"])
        try await send(oss, "PUT", "/new-bucket/k", body: [1])
        #expect(try await send(oss, "DELETE", "/new-bucket").code == "BucketNotEmpty")
        try await send(oss, "DELETE", "/new-bucket/k")
        #expect(try await send(oss, "DELETE", "/new-bucket").status == 204)
        #expect(try await send(oss, "GET", "/new-bucket/k").code == "NoSuchBucket")
    }

    @Test func injectedErrorAnswersTheNthMatchingRequest() async throws {
        let oss = try anonymousService()
        oss.updateFaults { $0.errorRules = [MockErrorRule(operation: "PutObject", nth: 2, status: 503, code: "ServiceUnavailable")] }
        #expect(try await send(oss, "PUT", "/bkt/1", body: [1]).status == 200)
        #expect(try await send(oss, "GET", "/bkt/1").status == 200)
        let second = try await send(oss, "PUT", "/bkt/2", body: [2])
        #expect(second.status == 503 && second.code == "ServiceUnavailable")
        #expect(try await send(oss, "PUT", "/bkt/3", body: [3]).status == 200)
        #expect(oss.objectKeys(bucket: "bkt") == ["1", "3"])
        oss.updateFaults { $0.wrongCRC64 = true }
        let get = try await send(oss, "GET", "/bkt/1")
        #expect(get.header("x-oss-hash-crc64ecma") != String(CRC64.checksum([1])))
    }

    @Test func requestLogRecordsOperationsAndStatus() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/bkt/x", body: bytes(10))
        try await send(oss, "GET", "/bkt/y")
        let log = oss.requestLog
        #expect(log.map(\.operation) == ["PutObject", "GetObject"])
        #expect(log[0].bytesReceived == 10 && log[0].bodyCompleted && log[0].status == 200)
        #expect(log[1].status == 404 && log[1].errorCode == "NoSuchKey")
        #expect(log[0].json.contains("\"operation\":\"PutObject\""))
    }
}

#if canImport(Glibc)
import Glibc
#endif

func listDirectory(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
