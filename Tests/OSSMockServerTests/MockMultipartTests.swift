import OSSCore
import OSSCrypto
import OSSProtocol
import Testing

@testable import OSSMockServer

@Suite struct MockMultipartTests {
    let partSize = 100 * 1024

    func initiate(_ oss: MockOSS, _ key: String = "mp") async throws -> String {
        let r = try await send(oss, "POST", "/bkt/\(key)?uploads")
        #expect(r.status == 200)
        return try #require(r.xml("UploadId"))
    }

    func complete(_ parts: [(Int, String)]) -> [UInt8] {
        var s = "<CompleteMultipartUpload>"
        for (n, e) in parts { s += "<Part><PartNumber>\(n)</PartNumber><ETag>\(e)</ETag></Part>" }
        return Array((s + "</CompleteMultipartUpload>").utf8)
    }

    @Test func uploadListAndCompleteGivesOSSStyleETagAndCRC() async throws {
        let oss = try anonymousService()
        let id = try await initiate(oss)
        let p1 = bytes(partSize, seed: 1)
        let p2 = bytes(partSize, seed: 2)
        let p3 = bytes(10, seed: 3)
        var etags: [String] = []
        for (i, p) in [p1, p2, p3].enumerated() {
            let r = try await send(oss, "PUT", "/bkt/mp?partNumber=\(i + 1)&uploadId=\(id)", body: p)
            #expect(r.status == 200)
            #expect(r.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(p)))
            etags.append(try #require(r.header("ETag")))
        }
        let list = try await send(oss, "GET", "/bkt/mp?uploadId=\(id)&max-parts=2")
        #expect(list.xmlAll("PartNumber") == ["1", "2"])
        #expect(list.xml("IsTruncated") == "true" && list.xml("NextPartNumberMarker") == "2")
        let rest = try await send(oss, "GET", "/bkt/mp?uploadId=\(id)&part-number-marker=2")
        #expect(rest.xmlAll("PartNumber") == ["3"] && rest.xml("Size") == "10")

        let done = try await send(oss, "POST", "/bkt/mp?uploadId=\(id)", body: complete([(1, etags[0]), (2, etags[1]), (3, etags[2])]))
        #expect(done.status == 200)
        let whole = p1 + p2 + p3
        let expected = "\"" + Hex.encode(Digest.md5(Digest.md5(p1) + Digest.md5(p2) + Digest.md5(p3)), uppercase: true) + "-3\""
        #expect(done.xml("ETag") == expected)
        #expect(done.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(whole)))
        let get = try await send(oss, "GET", "/bkt/mp")
        #expect(get.body == whole && get.header("x-oss-object-type") == "Multipart")
        #expect(try await send(oss, "GET", "/bkt/mp?uploadId=\(id)").code == "NoSuchUpload")
    }

    @Test func completeRejectsBadPartListsAndStoresNothing() async throws {
        let oss = try anonymousService()
        let id = try await initiate(oss)
        let small = bytes(1000)
        let big = bytes(partSize)
        let e1 = try #require(try await send(oss, "PUT", "/bkt/mp?partNumber=1&uploadId=\(id)", body: small).header("ETag"))
        let e2 = try #require(try await send(oss, "PUT", "/bkt/mp?partNumber=2&uploadId=\(id)", body: big).header("ETag"))
        let target = "/bkt/mp?uploadId=\(id)"
        #expect(try await send(oss, "POST", target, body: complete([(2, e2), (1, e1)])).code == "InvalidPartOrder")
        #expect(try await send(oss, "POST", target, body: complete([(1, e2), (2, e2)])).code == "InvalidPart")
        #expect(try await send(oss, "POST", target, body: complete([(1, e1), (3, e2)])).code == "InvalidPart")
        #expect(try await send(oss, "POST", target, body: complete([(1, e1), (2, e2)])).code == "EntityTooSmall")
        #expect(try await send(oss, "POST", target, body: Array("<CompleteMultipartUpload><Part>".utf8)).code == "MalformedXML")
        #expect(try await send(oss, "POST", target, body: Array("<CompleteMultipartUpload/>".utf8)).code == "MalformedXML")
        #expect(oss.objectKeys(bucket: "bkt").isEmpty)
        // The last part may be small; ETags may come without quotes.
        let ok = try await send(oss, "POST", target, body: complete([(2, String(e2.dropFirst().dropLast()))]))
        #expect(ok.status == 200)
    }

    @Test func partNumbersOutsideTheRangeAreRejected() async throws {
        let oss = try anonymousService()
        let id = try await initiate(oss)
        for n in ["0", "10001", "x"] {
            let r = try await send(oss, "PUT", "/bkt/mp?partNumber=\(n)&uploadId=\(id)", body: [1])
            #expect(r.code == "InvalidArgument")
        }
        #expect(try await send(oss, "PUT", "/bkt/mp?partNumber=10000&uploadId=\(id)", body: [1]).status == 200)
    }

    @Test func abortMakesTheUploadIdUnusable() async throws {
        let oss = try anonymousService()
        let id = try await initiate(oss)
        try await send(oss, "PUT", "/bkt/mp?partNumber=1&uploadId=\(id)", body: [1])
        #expect(try await send(oss, "DELETE", "/bkt/mp?uploadId=\(id)").status == 204)
        #expect(try await send(oss, "PUT", "/bkt/mp?partNumber=2&uploadId=\(id)", body: [1]).code == "NoSuchUpload")
        #expect(try await send(oss, "GET", "/bkt/mp?uploadId=\(id)").code == "NoSuchUpload")
        #expect(try await send(oss, "POST", "/bkt/mp?uploadId=\(id)", body: complete([(1, "\"X\"")])).code == "NoSuchUpload")
        #expect(try await send(oss, "DELETE", "/bkt/mp?uploadId=\(id)").code == "NoSuchUpload")
        #expect(oss.uploadIds(bucket: "bkt").isEmpty)
    }

    @Test func uploadPartCopyTakesARangeOfTheSource() async throws {
        let oss = try anonymousService()
        let src = bytes(5000)
        try await send(oss, "PUT", "/bkt/src", body: src)
        let id = try await initiate(oss)
        let r = try await send(
            oss, "PUT", "/bkt/mp?partNumber=1&uploadId=\(id)",
            headers: [("x-oss-copy-source", "/bkt/src"), ("x-oss-copy-source-range", "bytes=100-1099")])
        #expect(r.status == 200)
        let etag = try #require(r.xml("ETag"))
        #expect(etag == quotedMD5(Array(src[100..<1100])))
        try await send(oss, "POST", "/bkt/mp?uploadId=\(id)", body: complete([(1, etag)]))
        #expect(await oss.objectBytes(bucket: "bkt", key: "mp") == Array(src[100..<1100]))
    }

    @Test func listMultipartUploadsPages() async throws {
        let oss = try anonymousService()
        var ids: [String: String] = [:]
        for k in ["a/1", "a/2", "b", "c"] { ids[k] = try await initiate(oss, k) }
        let page1 = try await send(oss, "GET", "/bkt/?uploads&max-uploads=2")
        #expect(page1.xmlAll("Key") == ["a/1", "a/2"] && page1.xml("IsTruncated") == "true")
        let next = try #require(page1.xml("NextKeyMarker"))
        let nextId = try #require(page1.xml("NextUploadIdMarker"))
        let page2 = try await send(oss, "GET", "/bkt/?uploads&max-uploads=2&key-marker=\(next)&upload-id-marker=\(nextId)")
        #expect(page2.xmlAll("Key") == ["b", "c"] && page2.xml("IsTruncated") == "false")
        let grouped = try await send(oss, "GET", "/bkt/?uploads&delimiter=/")
        #expect(grouped.xmlAll("Prefix").contains("a/"))
        #expect(grouped.xmlAll("Key") == ["b", "c"])
    }

    @Test func aPartWhoseClientWentAwayIsNotStored() async throws {
        let oss = try anonymousService()
        let id = try await initiate(oss)
        let r = try await send(oss, "PUT", "/bkt/mp?partNumber=1&uploadId=\(id)", body: bytes(1000), clientGoneAfter: 10)
        #expect(r.response.noAnswer)
        #expect(try await send(oss, "GET", "/bkt/mp?uploadId=\(id)").xmlAll("Part").isEmpty)
    }
}

@Suite struct MockListingTests {
    func service(_ keys: [String]) async throws -> MockOSS {
        let oss = try anonymousService()
        for k in keys { try await send(oss, "PUT", "/bkt/\(PercentEncoding.encode(k, allowed: .unreservedAndSlash))", body: [1]) }
        return oss
    }

    @Test func pageLogicRollsUpCommonPrefixes() {
        let keys = ["a/1", "a/2", "b", "c/x/y", "d"]
        let p = MockOSS.listPage(sortedKeys: keys, prefix: "", delimiter: "/", marker: "", maxKeys: 2)
        #expect(p.prefixes == ["a/"] && p.keys == ["b"] && p.truncated && p.last == "b")
        let p2 = MockOSS.listPage(sortedKeys: keys, prefix: "", delimiter: "/", marker: "a/", maxKeys: 10)
        #expect(p2.keys == ["b", "d"] && p2.prefixes == ["c/"] && !p2.truncated)
        let p3 = MockOSS.listPage(sortedKeys: keys, prefix: "c/", delimiter: "/", marker: "", maxKeys: 10)
        #expect(p3.prefixes == ["c/x/"])
    }

    @Test func listObjectsV2PagesWithContinuationTokens() async throws {
        let keys = (0..<7).map { "k\($0)" }
        let oss = try await service(keys)
        var seen: [String] = []
        var token: String? = nil
        var pages = 0
        repeat {
            var target = "/bkt/?list-type=2&max-keys=3"
            if let token { target += "&continuation-token=\(PercentEncoding.encode(token))" }
            let r = try await send(oss, "GET", target)
            #expect(r.status == 200)
            seen += r.xmlAll("Key")
            #expect(r.xml("KeyCount") == String(r.xmlAll("Key").count))
            token = r.xml("IsTruncated") == "true" ? r.xml("NextContinuationToken") : nil
            pages += 1
        } while token != nil
        #expect(seen == keys && pages == 3)
    }

    @Test func listObjectsEncodesKeysWhenAsked() async throws {
        let oss = try await service(["dir/a b", "dir/ü", "x"])
        let r = try await send(oss, "GET", "/bkt/?list-type=2&prefix=dir%2F&encoding-type=url")
        #expect(r.xmlAll("Key") == ["dir%2Fa%20b", "dir%2F%C3%BC"])
        #expect(r.xml("Prefix") == "dir%2F" && r.xml("EncodingType") == "url")
        let plain = try await send(oss, "GET", "/bkt/?list-type=2&start-after=dir%2Fa%20b")
        #expect(plain.xmlAll("Key") == ["dir/ü", "x"])
    }

    @Test func listObjectsV1MarkerAndDelimiter() async throws {
        let oss = try await service(["a/1", "a/2", "b", "c"])
        let r = try await send(oss, "GET", "/bkt/?delimiter=/&max-keys=2")
        #expect(r.xmlAll("Prefix").contains("a/") && r.xmlAll("Key") == ["b"] && r.xml("NextMarker") == "b")
        let r2 = try await send(oss, "GET", "/bkt/?delimiter=/&marker=b")
        #expect(r2.xmlAll("Key") == ["c"] && r2.xml("IsTruncated") == "false")
        #expect(try await send(oss, "GET", "/bkt/?max-keys=1001").code == "InvalidArgument")
    }
}
