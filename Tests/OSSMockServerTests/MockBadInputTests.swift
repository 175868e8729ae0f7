import OSSTestSupport
import Testing

@testable import OSSMockServer

/// Malformed and unknown requests never crash the mock, never change stored data, and are
/// answered with an OSS-shaped error.
@Suite struct MockBadInputTests {
    /// Seeded random requests built from OSS's own vocabulary (methods, sub-resources, headers)
    /// and junk: every answer that is not a success leaves the store as it was and is an OSS
    /// error document (or, for HEAD, carries it in x-oss-err); every success is an operation the
    /// mock implements.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomRequestsChangeNothingUnlessTheySucceed(seed: UInt64) async throws {
        var random = SplitMix64(state: seed)
        func pick<T>(_ items: [T]) -> T { items[random.below(items.count)] }
        let oss = try await populatedService()
        let subresources = MockOperation.selectingSubresources.sorted() + [
            "partNumber=1", "partNumber=0", "partNumber=99999", "uploadId=nope", "position=0", "position=-1",
            "versionId=null", "versionId=x", "max-keys=-1", "max-keys=abc", "encoding-type=base64", "list-type=2",
            "continuation-token=%%%", "comp=add", "x-oss-process=image/resize", "prefix=%FF", "marker=%00",
        ]
        let paths = ["/", "/full", "/empty", "/full/obj", "/full/new", "/nobucket", "/nobucket/k", "/Bad_Bucket/k",
            "/full/%5Cx", "/full/" + String(repeating: "k", count: 1100), "/full/a%00b", "/_mock/x", "/full//x"]
        let headerPool: [(String, String)] = [
            ("Content-MD5", "not-base64"), ("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA=="), ("Range", "bytes=9-1"),
            ("Range", "bytes=-0"), ("x-oss-copy-source", "/full/obj"), ("x-oss-copy-source", "/nobucket/x"),
            ("x-oss-copy-source", "garbage"), ("x-oss-copy-source-range", "bytes=5-1"), ("x-oss-acl", "everyone"),
            ("x-oss-storage-class", "Glacier"), ("x-oss-metadata-directive", "REPLACE"), ("x-oss-forbid-overwrite", "true"),
            ("x-oss-complete-all", "yes"), ("If-Match", "\"nope\""), ("Content-Type", "\u{1}"),
            ("Authorization", "OSS4-HMAC-SHA256 Credential=x"), ("Authorization", "OSS garbage"),
        ]
        let bodies: [[UInt8]] = [
            [], Array("junk".utf8), Array("<Delete><Object><Key></Key></Object></Delete>".utf8),
            Array("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>".utf8),
            Array("<CreateBucketConfiguration><StorageClass>Hot</StorageClass></CreateBucketConfiguration>".utf8),
            Array("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>".utf8), random.bytes(300),
        ]
        for _ in 0..<1500 {
            let method = pick(["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "get", ""])
            var query: [String] = []
            for _ in 0..<random.below(3) { query.append(pick(subresources)) }
            let target = pick(paths) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            var headers: [(String, String)] = []
            for _ in 0..<random.below(3) { headers.append(pick(headerPool)) }
            let body = pick(bodies)
            let before = StoreSnapshot(oss)
            let answer = try await send(oss, method, target, headers: headers, body: body)
            let operation = oss.requestLog.last?.operation ?? ""
            let what = "\(method) \(target) \(headers) -> \(answer.status) \(operation)"
            #expect((100...599).contains(answer.status), "\(what)")
            if (200...299).contains(answer.status) {
                #expect(MockOSS.handlers[operation] != nil, "\(what)")
                // A request naming a sub-resource is never served by a plain operation.
                let names = query.map { String($0.prefix { $0 != "=" }) }
                if names.contains(where: MockOperation.selectingSubresources.contains) {
                    let plain = MockOperation.all.filter { $0.query.isEmpty }.map(\.name)
                    #expect(!plain.contains(operation), "\(what): a sub-resource request served as \(operation)")
                }
                continue
            }
            #expect(StoreSnapshot(oss) == before, "\(what) changed the store")
            if answer.status != 304 {
                if method == "HEAD" {
                    #expect(answer.header("x-oss-err") != nil, "\(what)")
                } else {
                    #expect(answer.code != nil && answer.xml("RequestId") != nil && answer.xml("EC") != nil, "\(what)")
                }
            }
        }
    }
}
