import OSSProtocol
import OSSCore
import OSSXML
import Testing

/// Encode then decode gives the same value, for every model, with keys holding every tricky
/// character: what the mock server writes, the client reads back unchanged.
@Suite struct ModelRoundTripTests {
    static let keys = [
        "plain.txt", "a&b<c>d\"e'f", "tab\there", "new\nline\r\n", "中文/文件 1.txt", "emoji😀", "dir/", "",
        "%2F literally", "ctl\u{1}\u{B}\u{C}\u{1F}", "  spaced  ", "]]>",
    ]
    static let t = UTCTime(year: 2023, month: 11, day: 22, hour: 5, minute: 42, second: 34, nanoseconds: 123_000_000)!

    func check<T: XMLModel & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let bytes = value.encode()
        let decoded = try await parseEverySplit(bytes, sourceLocation: sourceLocation).get()
        #expect(try T(xml: decoded) == value, sourceLocation: sourceLocation)
        #expect(try T.decode(bytes) == value, sourceLocation: sourceLocation)
    }

    @Test func requests() async throws {
        try await check(Delete(objects: Self.keys.map { Delete.Object(key: $0, versionId: $0 == "" ? nil : "v-\($0)") }, quiet: true))
        try await check(Delete(objects: [], quiet: false))
        try await check(CompleteMultipartUpload(parts: (1...50).map { .init(partNumber: $0, eTag: "\"E\($0)\"") }))
        try await check(CompleteMultipartUpload(parts: []))
    }

    @Test func responsesWithAndWithoutURLEncoding() async throws {
        for encoding in [nil, "url"] as [String?] {
            for key in Self.keys {
                try await check(InitiateMultipartUploadResult(bucket: "b", key: key, uploadId: "U1", encodingType: encoding))
                try await check(
                    CompleteMultipartUploadResult(
                        bucket: "b", key: key, eTag: "\"E-2\"", location: "http://b.oss/\(key)", encodingType: encoding))
                try await check(
                    ListPartsResult(
                        bucket: "b", key: key, uploadId: "U", parts: [
                            .init(partNumber: 1, eTag: "\"A\"", size: 5 << 30, lastModified: Self.t, hashCRC64: .max),
                            .init(partNumber: 3, eTag: "\"B\"", size: 0),
                        ], isTruncated: true, partNumberMarker: 0, nextPartNumberMarker: 3, maxParts: 2,
                        storageClass: "Standard", encodingType: encoding))
            }
            try await check(
                ListMultipartUploadsResult(
                    bucket: "b", uploads: Self.keys.map { .init(key: $0, uploadId: "U-\($0.count)", storageClass: "IA", initiated: Self.t) },
                    isTruncated: true, keyMarker: "k&m", uploadIdMarker: "u", nextKeyMarker: "n\tk",
                    nextUploadIdMarker: "nu", delimiter: "/", prefix: "p<", maxUploads: 1000,
                    commonPrefixes: ["a/", "中/"], encodingType: encoding))
            try await check(
                ListBucketResult(
                    name: "bucket",
                    contents: Self.keys.map {
                        ObjectSummary(
                            key: $0, size: 42, eTag: "\"E\"", lastModified: Self.t, type: "Normal", storageClass: "Standard",
                            owner: Owner(id: "1", displayName: "me & you"), restoreInfo: "ongoing-request=\"false\"",
                            transitionTime: Self.t)
                    } + [ObjectSummary(key: "bare")],
                    commonPrefixes: Self.keys.filter { !$0.isEmpty }, isTruncated: true, prefix: "", marker: "m\n",
                    startAfter: "s'", continuationToken: "c", maxKeys: 1000, delimiter: "/", encodingType: encoding,
                    nextMarker: "nm", nextContinuationToken: "CgJiYw--", keyCount: 13))
            try await check(
                DeleteResult(
                    deleted: Self.keys.map { .init(key: $0, versionId: "v", deleteMarker: true, deleteMarkerVersionId: "dm") }
                        + [.init(key: "plain")], encodingType: encoding))
        }
    }

    @Test func otherResponses() async throws {
        try await check(CopyObjectResult(eTag: "\"F2064A\"", lastModified: Self.t))
        try await check(
            ListAllMyBucketsResult(
                buckets: [
                    .init(
                        name: "b1", creationDate: Self.t, location: "oss-cn-hangzhou",
                        extranetEndpoint: "oss-cn-hangzhou.aliyuncs.com", intranetEndpoint: "internal", region: "cn-hangzhou",
                        storageClass: "Standard", resourceGroupId: "rg"),
                    .init(name: "b2"),
                ], owner: Owner(id: "o", displayName: "d"), prefix: "b", marker: "", maxKeys: 2, isTruncated: false,
                nextMarker: "b2"))
        try await check(ListAllMyBucketsResult(buckets: []))
        try await check(
            ErrorResponse(
                code: "NoSuchKey", message: "The specified key does not exist.", requestId: "R", hostId: "h", ec: "0026-00000001",
                extra: ["Key": "a&b<c>", "RecommendDoc": "https://api.aliyun.com/troubleshoot?q=0026-00000001"]))
        try await check(ErrorResponse(code: "AccessDenied"))
    }

    @Test func urlEncodedResponsesCarryPercentEncodedKeysOnTheWire() {
        let body = String(decoding: DeleteResult(deleted: [.init(key: "a/b c\n")], encodingType: "url").encode(), as: UTF8.self)
        #expect(body == "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult><EncodingType>url</EncodingType><Deleted><Key>a%2Fb%20c%0A</Key></Deleted></DeleteResult>")
    }
}
