import OSSCore
import OSSCrypto
import OSSProtocol
import Testing

@testable import OSSClient

@Suite("Operations with XML bodies (scripted wire)")
struct OperationTests {
    static func xml(_ s: String) -> Reply {
        .ok([("Content-Type", "application/xml")], body: Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + s).utf8))
    }

    @Test("multipart: initiate, upload parts, list parts, complete with the combined CRC64, abort")
    func multipart() async throws {
        let p1 = [UInt8](repeating: 1, count: 200_000)
        let p2 = [UInt8](repeating: 2, count: 1000)
        let c1 = CRC64.checksum(p1)
        let c2 = CRC64.checksum(p2)
        let whole = CRC64.combine(c1, c2, lengthOfB: UInt64(p2.count))
        #expect(whole == CRC64.checksum(p1 + p2))
        let wire = ScriptedWire([
            .reply(
                Self.xml(
                    "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>a%20b</Key><UploadId>UP1</UploadId><EncodingType>url</EncodingType></InitiateMultipartUploadResult>"
                )),
            .reply(.ok([("ETag", "\"E1\""), ("x-oss-hash-crc64ecma", String(c1))])),
            .reply(.ok([("ETag", "\"E2\""), ("x-oss-hash-crc64ecma", String(c2))])),
            .reply(
                Self.xml(
                    "<ListPartsResult><Bucket>bkt</Bucket><Key>a b</Key><UploadId>UP1</UploadId><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>\"E1\"</ETag><Size>200000</Size></Part><Part><PartNumber>2</PartNumber><ETag>\"E2\"</ETag><Size>1000</Size></Part></ListPartsResult>"
                )),
            .reply(
                Reply(
                    200, headers: [("x-oss-hash-crc64ecma", String(whole)), ("x-oss-request-id", "C")],
                    body: Array(
                        "<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>a b</Key><ETag>\"M-2\"</ETag></CompleteMultipartUploadResult>"
                            .utf8))),
            .reply(Reply(204)),
        ])
        let client = try makeClient(wire)
        let initiated = try await client.initiateMultipartUpload(bucket: "bkt", key: "a b")
        #expect(initiated.uploadId == "UP1" && initiated.key == "a b")
        let r1 = try await client.uploadPart(bucket: "bkt", key: "a b", uploadId: "UP1", partNumber: 1, body: .bytes(p1))
        let r2 = try await client.uploadPart(bucket: "bkt", key: "a b", uploadId: "UP1", partNumber: 2, body: .bytes(p2))
        var listed: [Int] = []
        for try await page in client.listPartsPages(bucket: "bkt", key: "a b", uploadId: "UP1") {
            listed += page.parts.map(\.partNumber)
        }
        #expect(listed == [1, 2])
        let done = try await client.completeMultipartUpload(
            bucket: "bkt", key: "a b", uploadId: "UP1",
            parts: [.init(partNumber: 1, eTag: r1.etag), .init(partNumber: 2, eTag: r2.etag)], expectedCRC64: whole)
        #expect(done.result.eTag == "\"M-2\"" && done.crc64 == whole && done.requestId == "C")
        try await client.abortMultipartUpload(bucket: "bkt", key: "a b", uploadId: "UP1")

        let seen = wire.seen
        #expect(seen[0].method == "POST" && seen[0].target == "/bkt/a%20b?uploads&encoding-type=url")
        #expect(seen[1].target == "/bkt/a%20b?partNumber=1&uploadId=UP1")
        #expect(seen[3].method == "GET" && seen[3].target.contains("uploadId=UP1"))
        let completeBody = String(decoding: seen[4].body, as: UTF8.self)
        #expect(completeBody.contains("<PartNumber>1</PartNumber>") && completeBody.contains("<ETag>&quot;E2&quot;</ETag>") || completeBody.contains("<ETag>\"E2\"</ETag>"))
        #expect(seen[5].method == "DELETE" && seen[5].target == "/bkt/a%20b?uploadId=UP1")
    }

    @Test("Complete with a CRC64 different from the parts' combination is a mismatch")
    func completeCRCMismatch() async throws {
        let wire = ScriptedWire([
            .reply(
                Reply(
                    200, headers: [("x-oss-hash-crc64ecma", "42")],
                    body: Array(
                        "<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>e</ETag></CompleteMultipartUploadResult>"
                            .utf8)))
        ])
        let client = try makeClient(wire)
        let e = try await #require(throws: OSSClientError.self) {
            try await client.completeMultipartUpload(
                bucket: "bkt", key: "k", uploadId: "U", parts: [.init(partNumber: 1, eTag: "e")], expectedCRC64: 43)
        }
        #expect(e.kind == .crcMismatch)
    }

    @Test("DeleteMultipleObjects sends the Delete XML with its Content-MD5 and decodes URL-encoded keys")
    func deleteMultiple() async throws {
        let wire = ScriptedWire([
            .reply(
                Self.xml(
                    "<DeleteResult><EncodingType>url</EncodingType><Deleted><Key>a%20b</Key></Deleted><Deleted><Key>c%0Ad</Key></Deleted></DeleteResult>"
                ))
        ])
        let client = try makeClient(wire)
        let result = try await client.deleteMultipleObjects(bucket: "bkt", keys: ["a b", "c&d"])
        #expect(result.deleted.map(\.key) == ["a b", "c\nd"])
        let seen = wire.seen[0]
        #expect(seen.method == "POST" && seen.target == "/bkt/?delete&encoding-type=url")
        #expect(seen.header("Content-MD5") == Base64.encode(Digest.md5(seen.body)))
        #expect(String(decoding: seen.body, as: UTF8.self).contains("<Key>c&amp;d</Key>"))
        await #expect(throws: OSSClientError.self) { try await client.deleteMultipleObjects(bucket: "bkt", keys: []) }
        await #expect(throws: OSSClientError.self) {
            try await client.deleteMultipleObjects(bucket: "bkt", keys: Array(repeating: "k", count: 1001))
        }
    }

    @Test("CopyObject names the encoded source and decodes the result")
    func copy() async throws {
        let wire = ScriptedWire([
            .reply(
                Self.xml(
                    "<CopyObjectResult><ETag>\"C\"</ETag><LastModified>2026-11-25T04:00:00.000Z</LastModified></CopyObjectResult>"
                ))
        ])
        let client = try makeClient(wire)
        let r = try await client.copyObject(
            sourceBucket: "src", sourceKey: "dir/a b", bucket: "dst", key: "k", replaceMetadata: true,
            options: PutObjectOptions(metadata: ["x": "1"]))
        #expect(r.result.eTag == "\"C\"")
        let seen = wire.seen[0]
        #expect(seen.method == "PUT" && seen.target == "/dst/k")
        #expect(seen.header("x-oss-copy-source") == "/src/dir/a%20b")
        #expect(seen.header("x-oss-metadata-directive") == "REPLACE" && seen.header("x-oss-meta-x") == "1")
    }

    @Test("the v1 paginator continues after the last key when NextMarker is missing")
    func listV1Pages() async throws {
        let wire = ScriptedWire([
            .reply(
                Self.xml(
                    "<ListBucketResult><Name>bkt</Name><IsTruncated>true</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>"
                )),
            .reply(
                Self.xml(
                    "<ListBucketResult><Name>bkt</Name><IsTruncated>false</IsTruncated><Contents><Key>b</Key><Size>2</Size></Contents></ListBucketResult>"
                )),
        ])
        let client = try makeClient(wire)
        var keys: [String] = []
        for try await page in client.listObjectsPages(bucket: "bkt", .init(prefix: "")) { keys += page.contents.map(\.key) }
        #expect(keys == ["a", "b"])
        #expect(wire.seen[1].target.contains("marker=a"))
    }

    @Test("a paginator whose server repeats its token stops with an error instead of looping")
    func repeatingToken() async throws {
        let page = Self.xml(
            "<ListBucketResult><Name>bkt</Name><IsTruncated>true</IsTruncated><NextContinuationToken>T</NextContinuationToken></ListBucketResult>"
        )
        let wire = ScriptedWire([.reply(page), .reply(page), .reply(page)])
        let client = try makeClient(wire)
        await #expect(throws: OSSClientError.self) {
            for try await _ in client.listObjectsV2Pages(bucket: "bkt") {}
        }
        #expect(wire.executeCount == 2)
    }

    @Test("ListMultipartUploads and ListBuckets decode")
    func listUploadsAndBuckets() async throws {
        let wire = ScriptedWire([
            .reply(
                Self.xml(
                    "<ListMultipartUploadsResult><Bucket>bkt</Bucket><IsTruncated>false</IsTruncated><Upload><Key>k</Key><UploadId>U</UploadId></Upload></ListMultipartUploadsResult>"
                )),
            .reply(
                Self.xml(
                    "<ListAllMyBucketsResult><Buckets><Bucket><Name>b1</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"
                )),
        ])
        let client = try makeClient(wire)
        let uploads = try await client.listMultipartUploads(bucket: "bkt")
        #expect(uploads.uploads.map(\.uploadId) == ["U"])
        let buckets = try await client.listBuckets()
        #expect(buckets.buckets.map(\.name) == ["b1"])
        #expect(wire.seen[1].target == "/" && wire.seen[1].host == "127.0.0.1:9000")
    }

    @Test("a body that is not the expected XML is an invalid response, not a crash")
    func badXML() async throws {
        let wire = ScriptedWire([.reply(.ok(body: Array("<html>nope".utf8)))])
        let client = try makeClient(wire)
        let e = try await #require(throws: OSSClientError.self) { try await client.listObjectsV2(bucket: "bkt") }
        #expect(e.kind == .invalidResponse)
    }

    @Test("bucket create and delete address the bucket")
    func buckets() async throws {
        let wire = ScriptedWire([.reply(.ok()), .reply(Reply(204))])
        let client = try makeClient(wire)
        try await client.createBucket("new-bucket", acl: "private", storageClass: "IA")
        try await client.deleteBucket("new-bucket")
        #expect(wire.seen[0].method == "PUT" && wire.seen[0].target == "/new-bucket/")
        #expect(wire.seen[0].header("x-oss-acl") == "private")
        #expect(String(decoding: wire.seen[0].body, as: UTF8.self).contains("<StorageClass>IA</StorageClass>"))
        #expect(wire.seen[1].method == "DELETE")
        await #expect(throws: OSSClientError.self) { try await client.createBucket("Bad_Name") }
    }
}
