import OSSCore
import OSSHTTP
import OSSMockServer
import OSSProtocol
import OSSSigner
import Testing

@testable import OSSClient

/// Issue 16, part 4: bucket reads and configurations, client against the mock.
@Suite("Bucket reads and configurations against the mock")
struct BucketConfigurationTests {
    /// The OSS error a call throws.
    func serviceError(_ call: () async throws -> Void) async -> OSSServiceError? {
        do {
            try await call()
            return nil
        } catch let e as OSSServiceError {
            return e
        } catch {
            return nil
        }
    }

    @Test("info, location and stat describe the bucket; bucketExists tells a missing bucket apart")
    func reads() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            _ = try await client.putObject(bucket: "bkt", key: "a", body: .bytes([UInt8](repeating: 7, count: 1000)))
            let info = try await client.getBucketInfo("bkt")
            #expect(info.name == "bkt")
            #expect(info.location == "oss-\(server.configuration.region)")
            #expect(info.storageClass == "Standard")
            #expect(info.acl == "private")
            #expect(info.encryption?.sseAlgorithm == "None")
            #expect(try await client.getBucketLocation("bkt").location == "oss-\(server.configuration.region)")
            let stat = try await client.getBucketStat("bkt")
            #expect(stat.objectCount == 1 && stat.storage == 1000)
            #expect(stat.byStorageClass["Standard"]?.storage == 1000)
            #expect(try await client.bucketExists("bkt"))
            #expect(try await client.bucketExists("no-such-bucket") == false)
            // A 403 (here a key the server does not know) means the bucket is there.
            let stranger = try mockClient(server) {
                $0.credentialsProvider = StaticCredentialsProvider(accessKeyId: "someone-else", accessKeySecret: "secret")
            }
            #expect(try await stranger.bucketExists("bkt"))
            #expect(try await stranger.bucketExists("no-such-bucket") == false)
        }
    }

    @Test("ListBuckets keeps the buckets with a tag key, a tag, or every tag of a list; mixed filters are refused")
    func listBucketsByTag() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["t-a", "t-b", "t-c", "other"])) { server in
            let client = try mockClient(server)
            _ = try await client.putBucketTags("t-a", [OSSTag(key: "env", value: "test")])
            _ = try await client.putBucketTags("t-b", [OSSTag(key: "env", value: "test"), OSSTag(key: "team", value: "a,b:\"c\"")])
            _ = try await client.putBucketTags("t-c", [OSSTag(key: "env", value: "prod")])
            func names(_ f: BucketTagFilter?) async throws -> [String] {
                try await client.listBuckets(prefix: "t-", tags: f).buckets.map(\.name)
            }
            #expect(try await names(nil) == ["t-a", "t-b", "t-c"])
            #expect(try await names(.key("env")) == ["t-a", "t-b", "t-c"])
            #expect(try await names(.key("team")) == ["t-b"])
            #expect(try await names(.tag(key: "env", value: "test")) == ["t-a", "t-b"])
            // A value with the separators of the `tagging` form still matches exactly.
            #expect(try await names(.allOf([OSSTag(key: "env", value: "test"), OSSTag(key: "team", value: "a,b:\"c\"")])) == ["t-b"])
            #expect(try await names(.allOf([OSSTag(key: "env", value: "prod"), OSSTag(key: "team", value: "a")])) == [])
            // Pages follow the filter.
            var paged: [String] = []
            for try await page in client.listBucketsPages(prefix: "t-", maxKeys: 1, tags: .key("env")) { paged += page.buckets.map(\.name) }
            #expect(paged == ["t-a", "t-b", "t-c"])
        }
    }

    @Test("each configuration: a get before any put answers OSS's error or empty default; put, get, delete round-trip")
    func roundTrips() async throws {
        try await withMockServer(configuration: mockConfiguration(buckets: ["bkt", "logs"])) { server in
            let client = try mockClient(server)
            let missing: [(String, () async throws -> Void)] = [
                ("NoSuchCORSConfiguration", { _ = try await client.getBucketConfiguration("bkt", CORSConfiguration.self) }),
                ("NoSuchLifecycle", { _ = try await client.getBucketConfiguration("bkt", LifecycleConfiguration.self) }),
                ("NoSuchWebsiteConfiguration", { _ = try await client.getBucketConfiguration("bkt", WebsiteConfiguration.self) }),
                ("NoSuchServerSideEncryptionRule", { _ = try await client.getBucketConfiguration("bkt", ServerSideEncryptionRule.self) }),
                ("NoSuchBucketPolicy", { _ = try await client.getBucketPolicy("bkt") }),
            ]
            for (code, call) in missing {
                let e = await serviceError(call)
                #expect(e?.code == code && e?.statusCode == 404 && e?.ec.isEmpty == false, "\(code)")
            }
            #expect(try await client.getBucketTags("bkt").isEmpty)
            #expect(try await client.getBucketConfiguration("bkt", BucketLoggingStatus.self).targetBucket == nil)
            #expect(try await client.getBucketConfiguration("bkt", RefererConfiguration.self).allowEmptyReferer)

            let tags = [OSSTag(key: "team", value: "data"), OSSTag(key: "empty", value: "")]
            try await client.putBucketTags("bkt", tags)
            #expect(try await client.getBucketTags("bkt") == tags)
            try await client.deleteBucketConfiguration("bkt", BucketTags.self)
            #expect(try await client.getBucketTags("bkt").isEmpty)

            let lifecycle = LifecycleConfiguration(rules: [
                .init(
                    id: "old", prefix: "logs/", expiration: .init(days: 30),
                    transitions: [.init(.init(createdBeforeDate: "2023-12-17T00:00:00.000Z"), storageClass: "IA")],
                    abortMultipartUpload: .init(days: 7), tags: [OSSTag(key: "k", value: "v")])
            ])
            try await client.putBucketConfiguration("bkt", lifecycle)
            #expect(try await client.getBucketConfiguration("bkt", LifecycleConfiguration.self) == lifecycle)
            // A rule sent without an ID gets one, as on OSS.
            try await client.putBucketConfiguration("bkt", LifecycleConfiguration(rules: [.init(expiration: .init(days: 1))]))
            let named = try await client.getBucketConfiguration("bkt", LifecycleConfiguration.self).rules[0]
            #expect(named.id?.isEmpty == false && named.expiration?.days == 1)
            try await client.putBucketConfiguration("bkt", lifecycle)

            let website = WebsiteConfiguration(
                indexDocument: .init(suffix: "index.html", supportSubDir: true, type: 0),
                errorDocument: .init(key: "404.html", httpStatus: 404))
            try await client.putBucketConfiguration("bkt", website)
            #expect(try await client.getBucketConfiguration("bkt", WebsiteConfiguration.self) == website)

            let referer = RefererConfiguration(allowEmptyReferer: false, referers: ["https://*.example.com"], blacklist: ["http://bad"])
            try await client.putBucketConfiguration("bkt", referer)
            #expect(try await client.getBucketConfiguration("bkt", RefererConfiguration.self) == referer)

            try await client.putBucketConfiguration("bkt", BucketLoggingStatus(targetBucket: "logs", targetPrefix: "bkt/"))
            #expect(try await client.getBucketConfiguration("bkt", BucketLoggingStatus.self).targetBucket == "logs")
            let e = await serviceError { try await client.putBucketConfiguration("bkt", BucketLoggingStatus(targetBucket: "nowhere")) }
            #expect(e?.code == "InvalidTargetBucketForLogging" && e?.statusCode == 400)

            try await client.putBucketConfiguration("bkt", ServerSideEncryptionRule(sseAlgorithm: "KMS", kmsMasterKeyId: "key-1"))
            #expect(try await client.getBucketConfiguration("bkt", ServerSideEncryptionRule.self).kmsMasterKeyId == "key-1")
            let info = try await client.getBucketInfo("bkt")
            #expect(info.encryption?.sseAlgorithm == "KMS" && info.logBucket == "logs")

            let policy = #"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Resource":["acs:oss:*:*:bkt/*"]}]}"#
            #expect(try await client.getBucketPolicyStatus("bkt").isPublic == false)
            try await client.putBucketPolicy("bkt", policy: policy)
            #expect(try await client.getBucketPolicy("bkt") == policy)
            #expect(try await client.getBucketPolicyStatus("bkt").isPublic)
            try await client.deleteBucketPolicy("bkt")
            #expect(try await client.getBucketPolicyStatus("bkt").isPublic == false)

            try await client.deleteBucketConfiguration("bkt", LifecycleConfiguration.self)
            try await client.deleteBucketConfiguration("bkt", WebsiteConfiguration.self)
            try await client.deleteBucketConfiguration("bkt", ServerSideEncryptionRule.self)
            try await client.deleteBucketConfiguration("bkt", BucketLoggingStatus.self)
            #expect(await serviceError { _ = try await client.getBucketConfiguration("bkt", LifecycleConfiguration.self) }?.code == "NoSuchLifecycle")
            #expect(await serviceError { _ = try await client.getBucketConfiguration("bkt", ServerSideEncryptionRule.self) }?.code == "NoSuchServerSideEncryptionRule")
        }
    }

    @Test("CORS: rules stored (allowed headers lower-cased), preflight answered from them, headers added to a matching request")
    func cors() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let refused = await serviceError { _ = try await client.optionObject(bucket: "bkt", key: "k", origin: "https://a.example", method: "GET") }
            #expect(refused?.statusCode == 403 && refused?.code == "AccessForbidden")
            #expect(refused?.message.hasPrefix("CORSResponse:") == true)

            let cors = CORSConfiguration(
                rules: [
                    .init(allowedOrigins: ["https://*.example"], allowedMethods: ["GET", "PUT"], allowedHeaders: ["X-OSS-Meta-*"],
                        exposeHeaders: ["ETag"], maxAgeSeconds: 600)
                ], responseVary: true)
            try await client.putBucketConfiguration("bkt", cors)
            let stored = try await client.getBucketConfiguration("bkt", CORSConfiguration.self)
            #expect(stored.rules[0].allowedHeaders == ["x-oss-meta-*"])
            #expect(stored.responseVary == true)

            let ok = try await client.optionObject(
                bucket: "bkt", key: "k", origin: "https://a.example", method: "PUT", headers: ["x-oss-meta-a"])
            #expect(ok.allowOrigin == "https://a.example")
            #expect(ok.allowMethods == "GET, PUT")
            #expect(ok.allowHeaders == "x-oss-meta-a")
            #expect(ok.exposeHeaders == "ETag" && ok.maxAgeSeconds == 600)
            // Bucket level too.
            #expect(try await client.optionObject(bucket: "bkt", origin: "https://b.example", method: "GET").allowOrigin == "https://b.example")
            for (origin, method, headers) in [("https://a.other", "GET", [String]()), ("https://a.example", "DELETE", []), ("https://a.example", "GET", ["x-other"])] {
                let e = await serviceError { _ = try await client.optionObject(bucket: "bkt", origin: origin, method: method, headers: headers) }
                #expect(e?.statusCode == 403 && e?.code == "AccessForbidden", "\(origin) \(method) \(headers)")
            }

            _ = try await client.putObject(bucket: "bkt", key: "k", body: .string("x"))
            var get = OSSOperationRequest(.getObject, bucket: "bkt", key: "k")
            get.headers = [("Origin", "https://a.example")]
            let (head, _) = try await client.send(get)
            #expect(head.header("access-control-allow-origin") == "https://a.example")
            #expect(head.header("vary") == "Origin")
            get.headers = [("Origin", "https://elsewhere")]
            #expect(try await client.send(get).0.header("access-control-allow-origin") == nil)

            try await client.deleteBucketConfiguration("bkt", CORSConfiguration.self)
            #expect(await serviceError { _ = try await client.getBucketConfiguration("bkt", CORSConfiguration.self) }?.code == "NoSuchCORSConfiguration")
        }
    }

    @Test("bad input is refused before a byte is sent; malformed XML gets MalformedXML with its EC")
    func badInput() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            let tooMany = (0..<21).map { OSSTag(key: "k\($0)", value: "v") }
            let bad: [(String, () async throws -> Void)] = [
                ("21 tags", { try await client.putBucketTags("bkt", tooMany) }),
                ("long key", { try await client.putBucketTags("bkt", [OSSTag(key: String(repeating: "k", count: 65), value: "")]) }),
                ("empty key", { try await client.putBucketTags("bkt", [OSSTag(key: "", value: "v")]) }),
                ("long value", { try await client.putBucketTags("bkt", [OSSTag(key: "k", value: String(repeating: "v", count: 129))]) }),
                ("CORS method", { try await client.putBucketConfiguration("bkt", CORSConfiguration(rules: [.init(allowedOrigins: ["*"], allowedMethods: ["PATCH"])])) }),
                ("no CORS rule", { try await client.putBucketConfiguration("bkt", CORSConfiguration(rules: [])) }),
                ("lifecycle status", { try await client.putBucketConfiguration("bkt", LifecycleConfiguration(rules: [.init(status: "On", expiration: .init(days: 1))])) }),
                ("lifecycle no action", { try await client.putBucketConfiguration("bkt", LifecycleConfiguration(rules: [.init()])) }),
                ("lifecycle not midnight", {
                    try await client.putBucketConfiguration("bkt", LifecycleConfiguration(rules: [.init(expiration: .init(createdBeforeDate: "2023-12-17T08:00:00.000Z"))]))
                }),
                ("SSE algorithm", { try await client.putBucketConfiguration("bkt", ServerSideEncryptionRule(sseAlgorithm: "DES")) }),
                ("KMS key without KMS", { try await client.putBucketConfiguration("bkt", ServerSideEncryptionRule(sseAlgorithm: "AES256", kmsMasterKeyId: "k")) }),
                ("policy not JSON", { try await client.putBucketPolicy("bkt", policy: "{Version: 1}") }),
                ("policy version", { try await client.putBucketPolicy("bkt", policy: #"{"Version":"2","Statement":[{"Effect":"Allow"}]}"#) }),
                ("policy without statement", { try await client.putBucketPolicy("bkt", policy: #"{"Version":"1"}"#) }),
                ("referer delete", { try await client.deleteBucketConfiguration("bkt", RefererConfiguration.self) }),
            ]
            server.service.clearRequestLog()
            for (what, call) in bad {
                let e = await #expect(throws: OSSClientError.self, "\(what)") { try await call() }
                #expect(e?.kind == .invalidArgument, "\(what)")
            }
            #expect(server.service.requestLog.isEmpty)

            // What the client would refuse, sent raw: the mock answers as OSS.
            for (op, body) in [(OSSOperation.putBucketCors, "<CORSConfiguration><CORSRule>"), (.named("PutBucketLifecycle")!, "not xml")] {
                var r = OSSOperationRequest.bucket(op, "bkt")
                r.body = .string(body)
                let e = await serviceError { _ = try await client.send(r) }
                #expect(e?.code == "MalformedXML" && e?.statusCode == 400 && e?.ec == "0016-00000609")
            }
            var tags = OSSOperationRequest.bucket(.named("PutBucketTags")!, "bkt")
            tags.body = .bytes(BucketTags((0..<21).map { OSSTag(key: "k\($0)", value: "") }).encode())
            #expect(await serviceError { _ = try await client.send(tags) }?.code == "InvalidArgument")
            var policy = OSSOperationRequest.bucket(.putBucketPolicy, "bkt")
            policy.body = .string("[]")
            let e = await serviceError { _ = try await client.send(policy) }
            #expect(e?.code == "InvalidPolicyDocument" && e?.statusCode == 400)
        }
    }
}
