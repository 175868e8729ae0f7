import OSSClient
import OSSCore
import OSSProtocol
import OSSSigner
import Testing

@testable import OSSMockServer

/// A service that checks signatures, with the demo credentials.
func signingService(buckets: [String] = ["bkt"]) throws -> MockOSS {
    var c = MockServerConfiguration()
    c.buckets = buckets
    return try MockOSS(configuration: c)
}

/// Sends a request signed with V4 for `region` (header form) with the demo keys, or with
/// `accessKeyId` when given (an unknown key).
@discardableResult
func sendSigned(
    _ oss: MockOSS, _ method: String, _ target: String, region: String = "cn-hangzhou", product: String = "oss",
    accessKeyId: String = MockCredential.demo.accessKeyId, headers: [(String, String)] = [], body: [UInt8] = []
) async throws -> Answer {
    let parsed = MockRequest(method: method, target: target, headers: [(name: "Host", value: "127.0.0.1:9000")])
    let request = SigningRequest(
        method: method, bucket: parsed.bucket, key: parsed.key, query: parsed.query,
        headers: headers.map { (name: $0.0, value: $0.1) })
    let added = try SignerV4(region: region, product: product).sign(
        request,
        credentials: OSSCredentials(accessKeyId: accessKeyId, accessKeySecret: MockCredential.demo.accessKeySecret),
        time: oss.now)
    return try await send(oss, method, target, headers: headers + added.map { ($0.name, $0.value) }, body: body)
}

/// OSS's form of every time in an XML body: whole seconds, `.000Z`.
func isOSSTime(_ text: String?) -> Bool {
    guard let text, text.utf8.count == 24, text.hasSuffix(".000Z") else { return false }
    return UTCTime(iso8601: text) != nil
}

/// Each point of issue 15, with the OSS API reference behaviour it reproduces.
@Suite struct MockFidelityTests {
    /// OSS API reference (ListObjects, ListBuckets, GetBucketInfo, ListMultipartUploads,
    /// ListParts, CopyObject, UploadPartCopy): times are ISO 8601 with a `.000Z` fraction, e.g.
    /// `2012-02-24T08:42:32.000Z`; OSS keeps whole seconds. Official clients parse exactly that.
    @Test func everyTimeInAnXMLBodyIsWholeSecondsWithDotZeroZeroZeroZ() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/bkt/src", body: bytes(200 * 1024))
        let copy = try await send(oss, "PUT", "/bkt/dst", headers: [("x-oss-copy-source", "/bkt/src")])
        let upload = try await send(oss, "POST", "/bkt/mp?uploads")
        let id = try #require(upload.xml("UploadId"))
        try await send(oss, "PUT", "/bkt/mp?partNumber=1&uploadId=\(id)", body: bytes(10))
        let partCopy = try await send(
            oss, "PUT", "/bkt/mp?partNumber=2&uploadId=\(id)", headers: [("x-oss-copy-source", "/bkt/src")])
        let times: [(String, String?)] = [
            ("CopyObject", copy.xml("LastModified")), ("UploadPartCopy", partCopy.xml("LastModified")),
            ("ListObjects", try await send(oss, "GET", "/bkt").xml("LastModified")),
            ("ListObjectsV2", try await send(oss, "GET", "/bkt?list-type=2").xml("LastModified")),
            ("ListObjectVersions", try await send(oss, "GET", "/bkt?versions").xml("LastModified")),
            ("ListBuckets", try await send(oss, "GET", "/").xml("CreationDate")),
            ("GetBucketInfo", try await send(oss, "GET", "/bkt?bucketInfo").xml("CreationDate")),
            ("ListMultipartUploads", try await send(oss, "GET", "/bkt?uploads").xml("Initiated")),
            ("ListParts", try await send(oss, "GET", "/bkt/mp?uploadId=\(id)").xml("LastModified")),
        ]
        for (operation, time) in times { #expect(isOSSTime(time), "\(operation): \(time ?? "none")") }
        // The Last-Modified header names the same second as the listing.
        let head = try await send(oss, "HEAD", "/bkt/src")
        let listed = try #require(UTCTime(iso8601: try await send(oss, "GET", "/bkt?prefix=src").xml("LastModified")!))
        #expect(head.header("Last-Modified") == listed.rfc1123)
    }

    /// OSS answers a request for a bucket that does not exist with 404 NoSuchBucket before it
    /// looks at the signature (the official suite's *_fail tests: GetBucketInfo, GetBucketStat,
    /// GetBucketLocation, ListObjectsV2, GetBucketAcl with an invalid key are NoSuchBucket), but
    /// PutBucket and PutBucketAcl check the key first (InvalidAccessKeyId).
    @Test func anUnknownBucketIsNoSuchBucketWhateverTheKey() async throws {
        let oss = try signingService()
        for target in ["/nobucket?bucketInfo", "/nobucket?stat", "/nobucket?location", "/nobucket?acl", "/nobucket",
            "/nobucket/key", "/nobucket?cors", "/nobucket?versioning"]
        {
            #expect(try await sendSigned(oss, "GET", target, accessKeyId: "unknown-key").code == "NoSuchBucket", "\(target)")
            #expect(try await send(oss, "GET", target).code == "NoSuchBucket", "unsigned \(target)")
        }
        #expect(try await sendSigned(oss, "PUT", "/nobucket/key", accessKeyId: "unknown-key").code == "NoSuchBucket")
        #expect(try await sendSigned(oss, "GET", "/bkt?bucketInfo", accessKeyId: "unknown-key").code == "InvalidAccessKeyId")
        #expect(try await sendSigned(oss, "PUT", "/newbucket", accessKeyId: "unknown-key").code == "InvalidAccessKeyId")
        #expect(
            try await sendSigned(oss, "PUT", "/newbucket?acl", accessKeyId: "unknown-key", headers: [("x-oss-acl", "private")])
                .code == "InvalidAccessKeyId")
        #expect(oss.bucketNames() == ["bkt"])
    }

    /// OSS: a V4 signature scoped to another region is 400 InvalidArgument "Invalid signing
    /// region in Authorization header.", EC 0002-00000226 (another product: "Invalid signing
    /// product in Authorization header.", 0002-00000227); a presigned URL whose credential names
    /// no region: "The signing region in credential is invalid.". Nothing is stored.
    @Test func aV4ScopeMustNameTheServersRegion() async throws {
        let oss = try signingService()
        let wrong = try await sendSigned(oss, "PUT", "/bkt/k", region: "cn-shanghai", body: [1, 2, 3])
        #expect(wrong.status == 400 && wrong.code == "InvalidArgument")
        #expect(wrong.xml("Message") == "Invalid signing region in Authorization header.")
        #expect(wrong.header("x-oss-ec") == "0002-00000226" && wrong.xml("EC") == "0002-00000226")
        let product = try await sendSigned(oss, "PUT", "/bkt/k", product: "s3", body: [1])
        #expect(product.status == 400 && product.xml("Message") == "Invalid signing product in Authorization header.")
        #expect(product.header("x-oss-ec") == "0002-00000227")
        #expect(oss.objectKeys(bucket: "bkt").isEmpty)
        #expect(try await sendSigned(oss, "PUT", "/bkt/k", body: [1]).status == 200)

        let date = oss.now.iso8601Basic
        for region in ["", "cn-shanghai"] {
            let credential = PercentEncoding.encode(
                "\(MockCredential.demo.accessKeyId)/\(oss.now.yyyymmdd)/\(region)/oss/aliyun_v4_request")
            let url = "/bkt/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=\(date)&x-oss-expires=60"
                + "&x-oss-credential=\(credential)&x-oss-signature=00"
            let presigned = try await send(oss, "PUT", url, body: [9])
            #expect(presigned.status == 400 && presigned.xml("Message") == "The signing region in credential is invalid.")
        }
        #expect(await oss.objectBytes(bucket: "bkt", key: "k") == [1])
    }

    /// OSS API reference, CopyObject and UploadPartCopy: the response carries the ETag header
    /// (clients read it there, and build CompleteMultipartUpload from it).
    @Test func copyResponsesCarryTheETagHeader() async throws {
        let oss = try anonymousService()
        let data = bytes(150 * 1024)
        try await send(oss, "PUT", "/bkt/src", body: data)
        let copy = try await send(oss, "PUT", "/bkt/dst", headers: [("x-oss-copy-source", "/bkt/src")])
        #expect(copy.header("ETag") == quotedMD5(data) && copy.xml("ETag") == quotedMD5(data))
        let id = try #require(try await send(oss, "POST", "/bkt/mp?uploads").xml("UploadId"))
        var etags: [String] = []
        for (n, range) in [(1, "bytes=0-102399"), (2, "bytes=102400-153599")] {
            let part = try await send(
                oss, "PUT", "/bkt/mp?partNumber=\(n)&uploadId=\(id)",
                headers: [("x-oss-copy-source", "/bkt/src"), ("x-oss-copy-source-range", range)])
            etags.append(try #require(part.header("ETag")))
            #expect(part.header("ETag") == part.xml("ETag"))
        }
        let complete = "<CompleteMultipartUpload>"
            + etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>" }
            .joined() + "</CompleteMultipartUpload>"
        #expect(try await send(oss, "POST", "/bkt/mp?uploadId=\(id)", body: Array(complete.utf8)).status == 200)
        #expect(await oss.objectBytes(bucket: "bkt", key: "mp") == data)
    }

    /// OSS object naming: a name must not start with `/` or `\`; OSS answers 400 InvalidObjectName.
    @Test func keysStartingWithABackslashOrSlashAreInvalidObjectName() async throws {
        let oss = try anonymousService()
        for target in ["/bkt/%5Cwin", "/bkt//abs", "/bkt/%5C"] {
            let a = try await send(oss, "PUT", target, body: [1])
            #expect(a.status == 400 && a.code == "InvalidObjectName", "\(target)")
        }
        #expect(try await send(oss, "PUT", "/bkt/a%5Cb", body: [1]).status == 200)
        #expect(oss.objectKeys(bucket: "bkt") == ["a\\b"])
    }

    /// OSS PutBucket on a bucket one already owns succeeds; other settings are 409
    /// BucketAlreadyExists "Cannot modify existing bucket's storage class." / "Bucket already
    /// exists can't modify data redundancy type." (OSS error reference, HTTP 409).
    @Test func recreatingOnesOwnBucket() async throws {
        let oss = try anonymousService(buckets: [])
        func config(_ inner: String) -> [UInt8] { Array("<CreateBucketConfiguration>\(inner)</CreateBucketConfiguration>".utf8) }
        #expect(try await send(oss, "PUT", "/bk1", body: config("<StorageClass>IA</StorageClass>")).status == 200)
        #expect(try await send(oss, "PUT", "/bk1", body: config("<StorageClass>IA</StorageClass>")).status == 200)
        #expect(try await send(oss, "PUT", "/bk1").status == 200)
        let cls = try await send(oss, "PUT", "/bk1", body: config("<StorageClass>Standard</StorageClass>"))
        #expect(cls.status == 409 && cls.code == "BucketAlreadyExists")
        #expect(cls.xml("Message") == "Cannot modify existing bucket's storage class.")
        let red = try await send(oss, "PUT", "/bk1", body: config("<DataRedundancyType>ZRS</DataRedundancyType>"))
        #expect(red.status == 409 && red.xml("Message") == "Bucket already exists can't modify data redundancy type.")
        #expect(try await send(oss, "PUT", "/bk1", headers: [("x-oss-acl", "public-read")]).status == 200)
        #expect(try await send(oss, "GET", "/bk1?acl").xml("Grant") == "public-read")
        #expect(try await send(oss, "PUT", "/bk2", headers: [("x-oss-acl", "everyone")]).code == "InvalidArgument")
        #expect(try await send(oss, "PUT", "/bk2", body: config("<StorageClass>Cold</StorageClass>")).code == "InvalidArgument")
        #expect(try await send(oss, "PUT", "/bk2", body: Array("<x".utf8)).code == "MalformedXML")
        #expect(oss.bucketNames() == ["bk1"])
    }

    /// OSS ListMultipartUploads fills NextKeyMarker and NextUploadIdMarker with the last upload
    /// listed, truncated or not.
    @Test func listMultipartUploadsNamesTheLastUploadListed() async throws {
        let oss = try anonymousService()
        let a = try #require(try await send(oss, "POST", "/bkt/a?uploads").xml("UploadId"))
        let b = try #require(try await send(oss, "POST", "/bkt/b?uploads").xml("UploadId"))
        let all = try await send(oss, "GET", "/bkt?uploads")
        #expect(all.xml("IsTruncated") == "false")
        #expect(all.xml("NextKeyMarker") == "b" && all.xml("NextUploadIdMarker") == b)
        let first = try await send(oss, "GET", "/bkt?uploads&max-uploads=1")
        #expect(first.xml("IsTruncated") == "true" && first.xml("NextKeyMarker") == "a" && first.xml("NextUploadIdMarker") == a)
        let rest = try await send(oss, "GET", "/bkt?uploads&key-marker=b&upload-id-marker=\(b)")
        #expect(rest.xmlAll("Upload").isEmpty && rest.xml("NextKeyMarker") == "")
    }

    /// OSS GetBucketInfo and GetBucketStat fields (API reference): AccessMonitor,
    /// BlockPublicAccess, DataRedundancyType, CrossRegionReplication, TransferAcceleration,
    /// ResourceGroupId, ServerSideEncryptionRule; MultipartUploadCount, per-storage-class
    /// counters, DeleteMarkerCount, LastModifiedTime (Unix seconds).
    @Test func bucketInfoAndStatCarryOSSsFields() async throws {
        let oss = try anonymousService(buckets: [])
        let body = "<CreateBucketConfiguration><StorageClass>IA</StorageClass><DataRedundancyType>ZRS</DataRedundancyType></CreateBucketConfiguration>"
        try await send(oss, "PUT", "/stats", headers: [("x-oss-acl", "public-read")], body: Array(body.utf8))
        let info = try await send(oss, "GET", "/stats?bucketInfo", host: "127.0.0.1:7777")
        let expected = [
            "AccessMonitor": "Disabled", "BlockPublicAccess": "true", "DataRedundancyType": "ZRS",
            "CrossRegionReplication": "Disabled", "TransferAcceleration": "Disabled", "StorageClass": "IA",
            "Grant": "public-read", "SSEAlgorithm": "None", "ResourceGroupId": MockOSS.resourceGroupId,
            "Location": "oss-cn-hangzhou", "Region": "cn-hangzhou", "Name": "stats",
            "ExtranetEndpoint": "http://127.0.0.1:7777", "IntranetEndpoint": "http://127.0.0.1:7777",
        ]
        for (name, value) in expected { #expect(info.xml(name) == value, "\(name): \(info.xml(name) ?? "none")") }
        #expect(info.xml("Owner") != nil)

        let empty = try await send(oss, "GET", "/stats?stat")
        for name in ["Storage", "ObjectCount", "MultipartUploadCount", "LastModifiedTime", "InfrequentAccessObjectCount",
            "ArchiveRealStorage", "DeepColdArchiveObjectCount", "DeleteMarkerCount", "MultipartPartCount"]
        {
            #expect(empty.xml(name) == "0", "\(name)")
        }
        try await send(oss, "PUT", "/stats/ia", body: bytes(1000))
        try await send(oss, "PUT", "/stats/std", headers: [("x-oss-storage-class", "Standard")], body: bytes(300))
        let id = try #require(try await send(oss, "POST", "/stats/mp?uploads").xml("UploadId"))
        try await send(oss, "PUT", "/stats/mp?partNumber=1&uploadId=\(id)", body: bytes(50))
        let stat = try await send(oss, "GET", "/stats?stat")
        let counts = [
            "Storage": "1300", "ObjectCount": "2", "StandardStorage": "300", "StandardObjectCount": "1",
            "InfrequentAccessStorage": "1000", "InfrequentAccessRealStorage": "1000", "InfrequentAccessObjectCount": "1",
            "MultipartUploadCount": "1", "MultipartPartCount": "1", "ArchiveObjectCount": "0",
        ]
        for (name, value) in counts { #expect(stat.xml(name) == value, "\(name): \(stat.xml(name) ?? "none")") }
        let lastModified = try #require(Int64(stat.xml("LastModifiedTime") ?? ""))
        #expect(lastModified > 0 && lastModified <= oss.now.seconds)
    }

    /// OSS ListParts reports the client-side-encryption context the Initiate's
    /// `x-oss-meta-client-side-encryption-*` headers set (ClientEncryptionKey, ...Start,
    /// ...CekAlg, ...WrapAlg, ...DataSize, ...PartSize); an upload without them has none.
    @Test func listPartsCarriesTheClientSideEncryptionContext() async throws {
        let oss = try anonymousService()
        let cse = [
            ("x-oss-meta-client-side-encryption-key", "a2V5"), ("x-oss-meta-client-side-encryption-start", "c3RhcnQ="),
            ("x-oss-meta-client-side-encryption-cek-alg", "AES/CTR/NoPadding"),
            ("x-oss-meta-client-side-encryption-wrap-alg", "RSA/NONE/PKCS1Padding"),
            ("x-oss-meta-client-side-encryption-data-size", "1048576"),
            ("x-oss-meta-client-side-encryption-part-size", "102400"),
        ]
        let id = try #require(try await send(oss, "POST", "/bkt/enc?uploads", headers: cse).xml("UploadId"))
        let parts = try ListPartsResult.decode(try await send(oss, "GET", "/bkt/enc?uploadId=\(id)").body)
        #expect(parts.clientEncryptionKey == "a2V5" && parts.clientEncryptionStart == "c3RhcnQ=")
        #expect(parts.clientEncryptionCekAlg == "AES/CTR/NoPadding" && parts.clientEncryptionWrapAlg == "RSA/NONE/PKCS1Padding")
        #expect(parts.clientEncryptionDataSize == 1_048_576 && parts.clientEncryptionPartSize == 102_400)
        let plainId = try #require(try await send(oss, "POST", "/bkt/plain?uploads").xml("UploadId"))
        let plain = try await send(oss, "GET", "/bkt/plain?uploadId=\(plainId)")
        #expect(plain.xml("ClientEncryptionKey") == nil && plain.status == 200)
    }

    /// OSS CopyObject with `x-oss-metadata-directive: REPLACE` and no Content-Type keeps the
    /// source's Content-Type (the official suite's copier tests), and never drops the source's
    /// client-side-encryption metadata.
    @Test func copyReplaceWithoutContentTypeKeepsTheSourceType() async throws {
        let oss = try anonymousService()
        try await send(
            oss, "PUT", "/bkt/src",
            headers: [("Content-Type", "text/plain"), ("x-oss-meta-a", "1"), ("x-oss-meta-client-side-encryption-key", "k")],
            body: [1])
        let replace = [("x-oss-copy-source", "/bkt/src"), ("x-oss-metadata-directive", "REPLACE"), ("x-oss-meta-b", "2")]
        try await send(oss, "PUT", "/bkt/kept", headers: replace)
        let kept = try await send(oss, "HEAD", "/bkt/kept")
        #expect(kept.header("Content-Type") == "text/plain")
        #expect(kept.header("x-oss-meta-b") == "2" && kept.header("x-oss-meta-a") == nil)
        #expect(kept.header("x-oss-meta-client-side-encryption-key") == "k")
        try await send(oss, "PUT", "/bkt/typed", headers: replace + [("Content-Type", "image/png")])
        #expect(try await send(oss, "HEAD", "/bkt/typed").header("Content-Type") == "image/png")
    }

    /// OSS storage classes: an object takes `x-oss-storage-class` or its bucket's class; an
    /// Archive, ColdArchive or DeepColdArchive object is served only after RestoreObject (tested
    /// in MockObjectFeatureTests): before it, GET is 403 InvalidObjectState, HEAD works.
    @Test func objectsKeepTheirStorageClass() async throws {
        let oss = try anonymousService()
        try await send(oss, "PUT", "/bkt/ia", headers: [("x-oss-storage-class", "IA")], body: [1])
        #expect(try await send(oss, "HEAD", "/bkt/ia").header("x-oss-storage-class") == "IA")
        #expect(try await send(oss, "GET", "/bkt?prefix=ia").xml("StorageClass") == "IA")
        try await send(oss, "PUT", "/bkt/cold", headers: [("x-oss-storage-class", "ColdArchive")], body: [1])
        let get = try await send(oss, "GET", "/bkt/cold")
        #expect(get.status == 403 && get.code == "InvalidObjectState")
        #expect(try await send(oss, "HEAD", "/bkt/cold").status == 200)
        #expect(try await send(oss, "PUT", "/bkt/x", headers: [("x-oss-storage-class", "Glacier")], body: [1]).code == "InvalidArgument")
        let id = try #require(try await send(oss, "POST", "/bkt/mp?uploads", headers: [("x-oss-storage-class", "IA")]).xml("UploadId"))
        #expect(try await send(oss, "GET", "/bkt/mp?uploadId=\(id)").xml("StorageClass") == "IA")
        #expect(try await send(oss, "GET", "/bkt?uploads").xml("StorageClass") == "IA")
    }

    /// OSS ListObjectVersions on a bucket that never had versioning lists every object once,
    /// `VersionId` `null`, latest; GetBucketVersioning is an empty configuration; `versionId=null`
    /// names the object in GetObject, DeleteObject and DeleteMultipleObjects.
    @Test func anUnversionedBucketListsVersionNull() async throws {
        let oss = try anonymousService()
        for k in ["a", "b", "c"] { try await send(oss, "PUT", "/bkt/\(k)", body: [1]) }
        let page = try ListVersionsResult.decode(try await send(oss, "GET", "/bkt?versions&max-keys=2").body)
        #expect(page.versions.map(\.key) == ["a", "b"] && page.versions.allSatisfy { $0.versionId == "null" && $0.isLatest })
        #expect(page.isTruncated && page.nextKeyMarker == "b" && page.nextVersionIdMarker == "null")
        let rest = try ListVersionsResult.decode(try await send(oss, "GET", "/bkt?versions&key-marker=b&version-id-marker=null").body)
        #expect(rest.versions.map(\.key) == ["c"] && !rest.isTruncated && rest.deleteMarkers.isEmpty)
        let versioning = try await send(oss, "GET", "/bkt?versioning")
        #expect(versioning.status == 200 && versioning.text.contains("<VersioningConfiguration") && !versioning.text.contains("Status"))
        #expect(try await send(oss, "GET", "/bkt/a?versionId=null").status == 200)
        #expect(try await send(oss, "GET", "/bkt/a?versionId=CAEQ").code == "NoSuchVersion")
        try await send(oss, "DELETE", "/bkt/a?versionId=CAEQ")
        #expect(oss.objectKeys(bucket: "bkt") == ["a", "b", "c"])
        try await send(oss, "DELETE", "/bkt/a?versionId=null")
        let delete = "<Delete><Object><Key>b</Key><VersionId>null</VersionId></Object><Object><Key>c</Key><VersionId>X</VersionId></Object></Delete>"
        let deleted = try await send(oss, "POST", "/bkt?delete", body: Array(delete.utf8))
        #expect(deleted.xmlAll("VersionId") == ["null", "X"])
        #expect(oss.objectKeys(bucket: "bkt") == ["c"])
    }

    /// OSS answers a CORS preflight (OPTIONS, never signed) from the bucket's CORS rules: with
    /// none, 403 AccessForbidden "CORSResponse: CORS is not enabled for this bucket.".
    @Test func aPreflightWithoutCORSRulesIsAccessForbidden() async throws {
        let oss = try signingService()
        let a = try await send(
            oss, "OPTIONS", "/bkt/k", headers: [("Origin", "http://example.com"), ("Access-Control-Request-Method", "PUT")])
        #expect(a.status == 403 && a.code == "AccessForbidden")
        #expect(a.xml("Message") == "CORSResponse: CORS is not enabled for this bucket.")
        #expect(try await send(oss, "OPTIONS", "/nobucket/k").code == "NoSuchBucket")
    }
}
