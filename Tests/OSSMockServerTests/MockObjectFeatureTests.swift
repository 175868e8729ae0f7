import OSSProtocol
import Testing

@testable import OSSMockServer

/// The mock's objects area (issue 16) as OSS answers it: malformed XML, bad headers, symlinks
/// and restores, checked on the wire format itself.
@Suite struct MockObjectFeatureTests {
    @Test("ListBuckets refuses tagging with tag-key, tag-value alone, and a tagging list not in \"k\":\"v\" form")
    func listBucketsTagFilterRefusals() async throws {
        let oss = try anonymousService()
        for query in ["?tagging=%22a%22:%22b%22&tag-key=a", "?tag-value=x", "?tagging=a:b", "?tagging=%22a%22:1", "?tag-key="] {
            let a = try await send(oss, "GET", "/" + query)
            #expect(a.status == 400 && a.code == "InvalidArgument", "\(query)")
        }
        #expect(try await send(oss, "GET", "/?tagging=%22a%22:%22b%22").status == 200)
    }

    @Test("malformed XML bodies are MalformedXML with an EC, and change nothing")
    func malformedXML() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/bkt/k", headers: [("x-oss-tagging", "a=1")], body: Array("x".utf8))
        try await send(oss, "PUT", "/bkt/cold", headers: [("x-oss-storage-class", "Archive")], body: Array("x".utf8))
        for (method, target) in [("PUT", "/bkt/k?tagging"), ("PUT", "/bkt?publicAccessBlock"), ("PUT", "/?publicAccessBlock"), ("POST", "/bkt/cold?restore")] {
            for body in ["<Tagging><TagSet>", "not xml", "<Other/>"] {
                let a = try await send(oss, method, target, body: Array(body.utf8))
                #expect(a.status == 400 && a.code == "MalformedXML" && a.xml("EC") != nil, "\(method) \(target) \(body)")
            }
        }
        #expect(try await send(oss, "GET", "/bkt/k?tagging").xmlAll("Key") == ["a"], "tags unchanged")
        #expect(try await send(oss, "GET", "/bkt?publicAccessBlock").xml("BlockPublicAccess") == "false")
        #expect(try await send(oss, "HEAD", "/bkt/cold").header("x-oss-restore") == nil)
    }

    @Test("bad tagging and ACL headers are refused and store nothing")
    func badHeaders() async throws {
        let oss = try anonymousService()
        let eleven = (0...10).map { "k\($0)=v" }.joined(separator: "&")
        for (headers, code) in [
            ([("x-oss-tagging", eleven)], "InvalidTag"), ([("x-oss-tagging", "a=b=c")], "InvalidArgument"),
            ([("x-oss-tagging", "a*=1")], "InvalidTag"), ([("x-oss-object-acl", "everyone")], "InvalidArgument"),
            ([("x-oss-tagging-directive", "Merge")], "InvalidArgument"),
        ] {
            let a = try await send(oss, "PUT", "/bkt/k", headers: headers, body: Array("x".utf8))
            #expect(a.status == 400 && a.code == code, "\(headers)")
        }
        #expect(oss.objectKeys(bucket: "bkt").isEmpty)
        let tooMany = Array(ObjectTagging(tagSet: (0...10).map { ObjectTag(key: "k\($0)", value: "") }).encode())
        try await send(oss, "PUT", "/bkt/k", body: Array("x".utf8))
        #expect(try await send(oss, "PUT", "/bkt/k?tagging", body: tooMany).code == "InvalidTag")
        #expect(try await send(oss, "PUT", "/bkt/k?acl", headers: [("x-oss-object-acl", "open")]).code == "InvalidArgument")
        #expect(try await send(oss, "GET", "/bkt/k?acl").xml("Grant") == "default")
        #expect(try await send(oss, "GET", "/bkt/k", headers: [("x-oss-traffic-limit", "100")]).code == "InvalidArgument")
    }

    @Test("GetObjectMeta: HEAD carries the object's size, GET an empty body; no other object headers")
    func objectMeta() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/bkt/k", headers: [("x-oss-meta-a", "1")], body: bytes(1000))
        let head = try await send(oss, "HEAD", "/bkt/k?objectMeta")
        #expect(head.status == 200 && head.header("Content-Length") == "1000" && head.body.isEmpty)
        #expect(head.header("ETag") == quotedMD5(bytes(1000)) && head.header("x-oss-meta-a") == nil)
        let get = try await send(oss, "GET", "/bkt/k?objectMeta")
        #expect(get.status == 200 && get.body.isEmpty && get.header("Content-Length") == "0")
    }

    @Test("restore: 202 then 409 while it runs; HEAD's x-oss-restore; the cold tier as the priority")
    func restoreWire() async throws {
        var c = MockServerConfiguration()
        c.allowAnonymous = true
        c.buckets = ["bkt"]
        c.restoreDelay = .seconds(3600)
        let oss = try MockOSS(configuration: c)
        try await send(oss, "PUT", "/bkt/k", headers: [("x-oss-storage-class", "DeepColdArchive")], body: Array("x".utf8))
        let body = Array(RestoreRequest(days: 3, tier: "Standard").encode())
        let first = try await send(oss, "POST", "/bkt/k?restore", body: body)
        #expect(first.status == 202 && first.header("x-oss-object-restore-priority") == "Standard")
        let second = try await send(oss, "POST", "/bkt/k?restore", body: body)
        #expect(second.status == 409 && second.code == "RestoreAlreadyInProgress" && second.xml("Message") == "The restore operation is in progress.")
        #expect(try await send(oss, "HEAD", "/bkt/k").header("x-oss-restore") == "ongoing-request=\"true\"")
        #expect(try await send(oss, "GET", "/bkt/k").code == "InvalidObjectState")
        #expect(try await send(oss, "POST", "/bkt/k?restore", body: Array(RestoreRequest(days: 400).encode())).code == "InvalidArgument")
    }
}
