import OSSCore
import OSSMockServer
import OSSProtocol
import Testing

@testable import OSSClient

/// Issue 16, objects: tagging, ACLs, Block Public Access, symlinks, GetObjectMeta, storage
/// classes and restore, GetObject's options: the client against the mock.
@Suite("Object features against the mock OSS server")
struct ObjectFeatureTests {
    static func tags(_ pairs: (String, String)...) -> [ObjectTag] { pairs.map { ObjectTag(key: $0.0, value: $0.1) } }

    @Test("tagging: put, get, delete; x-oss-tagging on put, append, copy (Copy/Replace) and multipart; the count on HEAD and GET",
        arguments: [OSSClientConfiguration.SignatureVersion.v4, .v1])
    func tagging(_ version: OSSClientConfiguration.SignatureVersion) async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server, version: version)
            var options = PutObjectOptions()
            options.headers = [(OSSHeader.tagging, ObjectTagging(tagSet: Self.tags(("team", "a b"), ("env", "prod/1"))).headerValue)]
            try await client.putObject(bucket: "bkt", key: "k", body: .string("hello"), options: options)
            #expect(try await client.headObject(bucket: "bkt", key: "k").taggingCount == 2)
            #expect(try await client.getObject(bucket: "bkt", key: "k").metadata.taggingCount == 2)
            #expect(try await client.getObjectTagging(bucket: "bkt", key: "k").tags == Self.tags(("team", "a b"), ("env", "prod/1")), "in the order given")

            try await client.putObjectTagging(bucket: "bkt", key: "k", tags: Self.tags(("x", "1")))
            #expect(try await client.getObjectTagging(bucket: "bkt", key: "k").tags == Self.tags(("x", "1")))

            // CopyObject keeps the source's tags by default, takes the request's with Replace.
            try await client.copyObject(sourceBucket: "bkt", sourceKey: "k", bucket: "bkt", key: "copied")
            #expect(try await client.getObjectTagging(bucket: "bkt", key: "copied").tags == Self.tags(("x", "1")))
            var replace = PutObjectOptions()
            replace.headers = [(OSSHeader.taggingDirective, "Replace"), (OSSHeader.tagging, "y=2")]
            try await client.copyObject(sourceBucket: "bkt", sourceKey: "k", bucket: "bkt", key: "replaced", options: replace)
            #expect(try await client.getObjectTagging(bucket: "bkt", key: "replaced").tags == Self.tags(("y", "2")))

            // Multipart: the initiate's tags land on the object at Complete.
            var mp = PutObjectOptions()
            mp.headers = [(OSSHeader.tagging, "m=1")]
            let up = try await client.initiateMultipartUpload(bucket: "bkt", key: "mp", options: mp)
            let part = try await client.uploadPart(bucket: "bkt", key: "mp", uploadId: up.uploadId, partNumber: 1, body: .string("p"))
            try await client.completeMultipartUpload(
                bucket: "bkt", key: "mp", uploadId: up.uploadId, parts: [.init(partNumber: 1, eTag: part.etag)])
            #expect(try await client.headObject(bucket: "bkt", key: "mp").taggingCount == 1)

            var ap = PutObjectOptions()
            ap.headers = [(OSSHeader.tagging, "a=1&b=2&c=3")]
            try await client.appendObject(bucket: "bkt", key: "log", position: 0, body: .string("x"), options: ap)
            #expect(try await client.headObject(bucket: "bkt", key: "log").taggingCount == 3)

            try await client.deleteObjectTagging(bucket: "bkt", key: "k")
            #expect(try await client.getObjectTagging(bucket: "bkt", key: "k").tags.isEmpty)
            #expect(try await client.headObject(bucket: "bkt", key: "k").taggingCount == nil, "no header without tags")

            let missing = try await #require(throws: OSSServiceError.self) {
                try await client.getObjectTagging(bucket: "bkt", key: "none")
            }
            #expect(missing.code == "NoSuchKey")
        }
    }

    @Test("bad tags, ACL names, storage classes, restore days and traffic limits are refused before a byte is sent")
    func badInput() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
            let before = server.service.requestLog.count
            let eleven = (0...10).map { ObjectTag(key: "k\($0)", value: "v") }
            let cases: [(String, () async throws -> Void)] = [
                ("11 tags", { try await client.putObjectTagging(bucket: "bkt", key: "k", tags: eleven) }),
                ("a 129-character key", {
                    try await client.putObjectTagging(bucket: "bkt", key: "k", tags: [ObjectTag(key: String(repeating: "a", count: 129), value: "")])
                }),
                ("a 257-character value", {
                    try await client.putObjectTagging(bucket: "bkt", key: "k", tags: [ObjectTag(key: "a", value: String(repeating: "v", count: 257))])
                }),
                ("an empty key", { try await client.putObjectTagging(bucket: "bkt", key: "k", tags: [ObjectTag(key: "", value: "v")]) }),
                ("a '*' in a key", { try await client.putObjectTagging(bucket: "bkt", key: "k", tags: [ObjectTag(key: "a*", value: "v")]) }),
                ("a key twice", { try await client.putObjectTagging(bucket: "bkt", key: "k", tags: Self.tags(("a", "1"), ("a", "2"))) }),
                ("object ACL 'public'", { try await client.putObjectAcl(bucket: "bkt", key: "k", acl: "public") }),
                ("bucket ACL 'default'", { try await client.putBucketAcl("bkt", acl: "default") }),
                ("x-oss-tagging a=b=c", {
                    var o = PutObjectOptions()
                    o.headers = [(OSSHeader.tagging, "a=b=c")]
                    try await client.putObject(bucket: "bkt", key: "t", body: .string("x"), options: o)
                }),
                ("storage class 'Cold'", {
                    var o = PutObjectOptions()
                    o.headers = [(OSSHeader.storageClass, "Cold")]
                    try await client.putObject(bucket: "bkt", key: "t", body: .string("x"), options: o)
                }),
                ("restore days 0", { try await client.restoreObject(bucket: "bkt", key: "k", days: 0) }),
                ("restore tier 'Fast'", { try await client.restoreObject(bucket: "bkt", key: "k", tier: "Fast") }),
                ("traffic limit 1000", {
                    var o = GetObjectOptions()
                    o.trafficLimit = 1000
                    _ = try await client.getObject(bucket: "bkt", key: "k", options: o)
                }),
            ]
            for (what, call) in cases {
                let e = try await #require(throws: OSSClientError.self, "\(what)") { try await call() }
                #expect(e.kind == .invalidArgument, "\(what): \(e)")
            }
            #expect(server.service.requestLog.count == before, "nothing was sent")
            #expect(try await client.getObject(bucket: "bkt", key: "k").body == Array("x".utf8), "nothing lost")
        }
    }

    @Test("ACLs: object (default, put, copy, multipart) and bucket; Block Public Access refuses public ACLs at bucket and service level")
    func acls() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
            #expect(try await client.getObjectAcl(bucket: "bkt", key: "k").acl == "default")
            try await client.putObjectAcl(bucket: "bkt", key: "k", acl: "public-read")
            #expect(try await client.getObjectAcl(bucket: "bkt", key: "k").acl == "public-read")
            var priv = PutObjectOptions()
            priv.headers = [(OSSHeader.objectACL, "private")]
            try await client.putObject(bucket: "bkt", key: "p", body: .string("x"), options: priv)
            #expect(try await client.getObjectAcl(bucket: "bkt", key: "p").acl == "private")
            try await client.copyObject(sourceBucket: "bkt", sourceKey: "p", bucket: "bkt", key: "c")
            #expect(try await client.getObjectAcl(bucket: "bkt", key: "c").acl == "default", "a copy does not take the source's ACL")

            #expect(try await client.getBucketAcl("bkt").acl == "private")
            try await client.putBucketAcl("bkt", acl: "public-read")
            #expect(try await client.getBucketAcl("bkt").acl == "public-read")

            #expect(try await client.getPublicAccessBlock(bucket: "bkt") == false)
            try await client.putPublicAccessBlock(bucket: "bkt", blockPublicAccess: true)
            #expect(try await client.getPublicAccessBlock(bucket: "bkt") == true)
            let refused = try await #require(throws: OSSServiceError.self) {
                try await client.putObjectAcl(bucket: "bkt", key: "k", acl: "public-read-write")
            }
            #expect(refused.statusCode == 403 && refused.code == "AccessDenied")
            await #expect(throws: OSSServiceError.self) { try await client.putBucketAcl("bkt", acl: "public-read-write") }
            try await client.putObjectAcl(bucket: "bkt", key: "k", acl: "private")  // private stays allowed
            #expect(try await client.getObjectAcl(bucket: "bkt", key: "k").acl == "private")
            try await client.deletePublicAccessBlock(bucket: "bkt")
            try await client.putObjectAcl(bucket: "bkt", key: "k", acl: "public-read-write")

            // Service level: applies to every bucket.
            try await client.putPublicAccessBlock(blockPublicAccess: true)
            #expect(try await client.getPublicAccessBlock() == true)
            var pub = PutObjectOptions()
            pub.headers = [(OSSHeader.objectACL, "public-read")]
            let put = try await #require(throws: OSSServiceError.self) {
                try await client.putObject(bucket: "bkt", key: "pub", body: .string("x"), options: pub)
            }
            #expect(put.code == "AccessDenied")
            #expect(server.service.objectKeys(bucket: "bkt").contains("pub") == false)
            try await client.deletePublicAccessBlock()
            #expect(try await client.getPublicAccessBlock() == false)
            try await client.putObject(bucket: "bkt", key: "pub", body: .string("x"), options: pub)
        }
    }

    @Test("symlinks: put, get, GET and HEAD follow them; a missing target and a non-symlink answer as OSS",
        arguments: [OSSClientConfiguration.SignatureVersion.v4, .v1])
    func symlinks(_ version: OSSClientConfiguration.SignatureVersion) async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server, version: version)
            try await client.putObject(bucket: "bkt", key: "dir/target file", body: .string("the target"))
            try await client.putSymlink(bucket: "bkt", key: "link", target: "dir/target file")
            #expect(try await client.getSymlink(bucket: "bkt", key: "link").target == "dir/target file")
            let got = try await client.getObject(bucket: "bkt", key: "link")
            #expect(got.body == Array("the target".utf8))
            #expect(got.metadata.objectType == "Symlink")
            #expect(try await client.headObject(bucket: "bkt", key: "link").contentLength == 10)

            let notLink = try await #require(throws: OSSServiceError.self) { try await client.getSymlink(bucket: "bkt", key: "dir/target file") }
            #expect(notLink.code == "NotSymlink")
            try await client.putSymlink(bucket: "bkt", key: "dangling", target: "nowhere")
            let dangling = try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "dangling") }
            #expect(dangling.statusCode == 404 && dangling.code == "SymlinkTargetNotExist")
        }
    }

    @Test("GetObjectMeta: size, ETag and last-modified, no body")
    func objectMeta() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let put = try await client.putObject(bucket: "bkt", key: "k", body: .bytes(Array(repeating: 7, count: 1234)))
            let meta = try await client.getObjectMeta(bucket: "bkt", key: "k")
            #expect(meta.size == 1234 && meta.etag == put.etag && meta.lastModified != nil && meta.crc64 == put.crc64)
            let missing = try await #require(throws: OSSServiceError.self) { try await client.getObjectMeta(bucket: "bkt", key: "none") }
            #expect(missing.statusCode == 404 && missing.code == "NoSuchKey")
        }
    }

    @Test("storage classes: stored and reported by put, copy, multipart and listing")
    func storageClasses() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            for c in ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"] {
                var o = PutObjectOptions()
                o.headers = [(OSSHeader.storageClass, c)]
                try await client.putObject(bucket: "bkt", key: "put/\(c)", body: .string("x"), options: o)
                #expect(try await client.headObject(bucket: "bkt", key: "put/\(c)").storageClass == c)
            }
            var ia = PutObjectOptions()
            ia.headers = [(OSSHeader.storageClass, "IA")]
            try await client.copyObject(sourceBucket: "bkt", sourceKey: "put/Standard", bucket: "bkt", key: "copy/ia", options: ia)
            #expect(try await client.headObject(bucket: "bkt", key: "copy/ia").storageClass == "IA")
            var cold = PutObjectOptions()
            cold.headers = [(OSSHeader.storageClass, "ColdArchive")]
            let up = try await client.initiateMultipartUpload(bucket: "bkt", key: "mp", options: cold)
            let part = try await client.uploadPart(bucket: "bkt", key: "mp", uploadId: up.uploadId, partNumber: 1, body: .string("p"))
            try await client.completeMultipartUpload(
                bucket: "bkt", key: "mp", uploadId: up.uploadId, parts: [.init(partNumber: 1, eTag: part.etag)])
            let listed = try await client.listObjectsV2(bucket: "bkt")
            let classes = Dictionary(uniqueKeysWithValues: listed.contents.map { ($0.key, $0.storageClass) })
            #expect(classes["mp"] == "ColdArchive" && classes["copy/ia"] == "IA" && classes["put/DeepColdArchive"] == "DeepColdArchive")
        }
    }

    @Test("restore: GET is InvalidObjectState until restored, a second restore is RestoreAlreadyInProgress, clean answers as OSS")
    func restoreInProgress() async throws {
        var config = mockConfiguration()
        config.restoreDelay = .seconds(3600)  // never completes during the test
        try await withMockServer(configuration: config) { server in
            let client = try mockClient(server)
            var o = PutObjectOptions()
            o.headers = [(OSSHeader.storageClass, "ColdArchive")]
            try await client.putObject(bucket: "bkt", key: "cold", body: .string("frozen"), options: o)
            let before = try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "cold") }
            #expect(before.statusCode == 403 && before.code == "InvalidObjectState")
            #expect(try await client.headObject(bucket: "bkt", key: "cold").restore == nil)
            let stale = try await #require(throws: OSSServiceError.self) { try await client.cleanRestoredObject(bucket: "bkt", key: "cold") }
            #expect(stale.statusCode == 409 && stale.code == "ArchiveRestoreFileStale")

            let r = try await client.restoreObject(bucket: "bkt", key: "cold", days: 2, tier: "Bulk")
            #expect(r.started && r.priority == "Bulk")
            #expect(try await client.headObject(bucket: "bkt", key: "cold").restore?.ongoing == true)
            let again = try await #require(throws: OSSServiceError.self) { try await client.restoreObject(bucket: "bkt", key: "cold") }
            #expect(again.statusCode == 409 && again.code == "RestoreAlreadyInProgress")
            await #expect(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "cold") }
            let notFinished = try await #require(throws: OSSServiceError.self) {
                try await client.cleanRestoredObject(bucket: "bkt", key: "cold")
            }
            #expect(notFinished.code == "ArchiveRestoreNotFinished")

            try await client.putObject(bucket: "bkt", key: "hot", body: .string("x"))
            let standard = try await #require(throws: OSSServiceError.self) { try await client.restoreObject(bucket: "bkt", key: "hot") }
            #expect(standard.statusCode == 400 && standard.code == "OperationNotSupported")
        }
    }

    @Test("restore: HEAD reports ongoing, then restored with an expiry (polled); the object then reads; clean removes the copy")
    func restoreCompletes() async throws {
        var config = mockConfiguration()
        config.restoreDelay = .milliseconds(200)
        try await withMockServer(configuration: config) { server in
            let client = try mockClient(server)
            var o = PutObjectOptions()
            o.headers = [(OSSHeader.storageClass, "Archive")]
            try await client.putObject(bucket: "bkt", key: "arch", body: .string("archived"), options: o)
            #expect(try await client.restoreObject(bucket: "bkt", key: "arch").started)
            // Poll HEAD until the restore is done; the guard is generous and never what is asserted.
            let clock = ContinuousClock()
            let guardUntil = clock.now + .seconds(60)
            var state = try await client.headObject(bucket: "bkt", key: "arch").restore
            while state?.ongoing == true, clock.now < guardUntil {
                try await Task.sleep(for: .milliseconds(20))
                state = try await client.headObject(bucket: "bkt", key: "arch").restore
            }
            let done = try #require(state)
            #expect(done.ongoing == false && done.expiry != nil)
            #expect(try await client.getObject(bucket: "bkt", key: "arch").body == Array("archived".utf8))
            let again = try await client.restoreObject(bucket: "bkt", key: "arch", days: 3)
            #expect(again.started == false, "already restored: 200, its life extended")
            try await client.cleanRestoredObject(bucket: "bkt", key: "arch")
            #expect(try await client.headObject(bucket: "bkt", key: "arch").restore == nil)
            await #expect(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "arch") }
        }
    }

    @Test("GetObject options: If-Match/If-None-Match/If-(Un)Modified-Since answer 412/304; response-* overrides; a traffic limit",
        arguments: [OSSClientConfiguration.SignatureVersion.v4, .v1])
    func getObjectOptions(_ version: OSSClientConfiguration.SignatureVersion) async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server, version: version)
            let put = try await client.putObject(bucket: "bkt", key: "k", body: .string("0123456789"))
            let head = try await client.headObject(bucket: "bkt", key: "k")
            let modified = try #require(head.lastModified)

            var o = GetObjectOptions(range: ByteRange(2...4))
            o.ifMatch = put.etag
            o.responseContentType = "text/x-override"
            o.responseContentDisposition = "attachment; filename=\"a.txt\""
            o.trafficLimit = 245_760
            let got = try await client.getObject(bucket: "bkt", key: "k", options: o)
            #expect(got.body == Array("234".utf8))
            #expect(got.metadata.contentType == "text/x-override")
            #expect(got.metadata.headers.first { $0.name.lowercased() == "content-disposition" }?.value == "attachment; filename=\"a.txt\"")

            var wrong = GetObjectOptions()
            wrong.ifMatch = "\"0000\""
            let failed = try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "k", options: wrong) }
            #expect(failed.statusCode == 412)
            var same = GetObjectOptions()
            same.ifNoneMatch = put.etag
            let notModified = try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "k", options: same) }
            #expect(notModified.statusCode == 304)
            var since = GetObjectOptions()
            since.ifModifiedSince = modified
            #expect(try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "k", options: since) }.statusCode == 304)
            since.ifModifiedSince = modified.adding(seconds: -60)
            #expect(try await client.getObject(bucket: "bkt", key: "k", options: since).body.count == 10)
            var unmodified = GetObjectOptions()
            unmodified.ifUnmodifiedSince = modified.adding(seconds: -60)
            #expect(try await #require(throws: OSSServiceError.self) { try await client.getObject(bucket: "bkt", key: "k", options: unmodified) }.statusCode == 412)
        }
    }
}
