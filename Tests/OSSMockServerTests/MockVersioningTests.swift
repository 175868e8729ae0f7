import OSSProtocol
import Testing

@testable import OSSMockServer

/// The mock's versioned buckets answer as OSS does, header by header.
@Suite("Mock: bucket versioning")
struct MockVersioningTests {
    private func enable(_ oss: MockOSS, _ status: String = "Enabled") async throws {
        let body = "<VersioningConfiguration><Status>\(status)</Status></VersioningConfiguration>"
        let a = try await send(oss, "PUT", "/bkt?versioning", body: Array(body.utf8))
        #expect(a.status == 200)
    }

    /// PutBucketVersioning refuses a body that is not a configuration with a known state.
    @Test func aBadConfigurationIsMalformedXML() async throws {
        let oss = try anonymousService()
        for body in [
            "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", "<Versioning/>", "not xml",
            "<VersioningConfiguration></VersioningConfiguration>",
        ] {
            let a = try await send(oss, "PUT", "/bkt?versioning", body: Array(body.utf8))
            #expect(a.status == 400 && a.code == "MalformedXML", "\(body)")
        }
        #expect(try await send(oss, "GET", "/bkt?versioning").xml("Status") == nil)
        try await enable(oss, "Suspended")
        #expect(try await send(oss, "GET", "/bkt?versioning").xml("Status") == "Suspended")
    }

    /// Writes answer `x-oss-version-id`; a delete makes a marker whose GET is 404 with
    /// `x-oss-delete-marker`, whose version id is 405; ListObjects no longer shows the key.
    @Test func deleteMarkersAnswerAsOSS() async throws {
        let oss = try anonymousService()
        try await enable(oss)
        let put = try await send(oss, "PUT", "/bkt/k", body: [1, 2, 3])
        let v1 = try #require(put.header("x-oss-version-id"))
        #expect(v1.hasPrefix("CAEQ") && v1.count > 40)
        let append = try await send(oss, "POST", "/bkt/app?append&position=0", body: [1])
        #expect(append.header("x-oss-version-id") != nil)
        #expect(
            try await send(oss, "POST", "/bkt/app?append&position=1&versionId=x", body: [1]).code == "InvalidArgument")
        let copy = try await send(oss, "PUT", "/bkt/c", headers: [("x-oss-copy-source", "/bkt/k?versionId=\(v1)")])
        #expect(
            copy.status == 200 && copy.header("x-oss-copy-source-version-id") == v1
                && copy.header("x-oss-version-id") != nil)

        let del = try await send(oss, "DELETE", "/bkt/k")
        #expect(del.status == 204 && del.header("x-oss-delete-marker") == "true")
        let marker = try #require(del.header("x-oss-version-id"))
        let get = try await send(oss, "GET", "/bkt/k")
        #expect(get.status == 404 && get.code == "NoSuchKey" && get.header("x-oss-delete-marker") == "true")
        #expect(get.header("x-oss-version-id") == marker)
        let head = try await send(oss, "HEAD", "/bkt/k")
        #expect(head.status == 404 && head.header("x-oss-delete-marker") == "true")
        let onMarker = try await send(oss, "GET", "/bkt/k?versionId=\(marker)")
        #expect(
            onMarker.status == 405 && onMarker.code == "MethodNotAllowed"
                && onMarker.header("x-oss-delete-marker") == "true")
        #expect(try await send(oss, "GET", "/bkt/k?versionId=").code == "InvalidArgument")
        #expect(try await send(oss, "GET", "/bkt/k?versionId=\(v1)").body == [1, 2, 3])
        #expect(!(try await send(oss, "GET", "/bkt").xmlAll("Key").contains("k")))
        #expect(try await send(oss, "DELETE", "/bkt").code == "BucketNotEmpty")
    }

    /// DeleteMultipleObjects reports the delete markers it made and the versions it removed.
    @Test func deleteMultipleReportsMarkers() async throws {
        let oss = try anonymousService()
        try await enable(oss)
        let v = try #require(try await send(oss, "PUT", "/bkt/a", body: [1]).header("x-oss-version-id"))
        try await send(oss, "PUT", "/bkt/b", body: [1])
        let body =
            "<Delete><Object><Key>a</Key><VersionId>\(v)</VersionId></Object><Object><Key>b</Key></Object></Delete>"
        let a = try await send(oss, "POST", "/bkt?delete", body: Array(body.utf8))
        #expect(a.status == 200)
        #expect(a.xmlAll("Key") == ["a", "b"] && a.xmlAll("VersionId") == [v])
        #expect(a.xmlAll("DeleteMarker") == ["true"] && a.xmlAll("DeleteMarkerVersionId").count == 1)
        let list = try await send(oss, "GET", "/bkt?versions")
        #expect(list.xmlAll("Key") == ["b", "b"] && list.text.contains("<DeleteMarker>"))
    }
}

extension MockVersioningTests {
    /// GetBucketInfo reports the versioning state; GetBucketStat counts older versions as objects
    /// and delete markers apart.
    @Test func bucketReadsReportVersions() async throws {
        let oss = try anonymousService()
        #expect(try await send(oss, "GET", "/bkt?bucketInfo").xml("Versioning") == nil)
        try await enable(oss)
        for _ in 0..<2 { try await send(oss, "PUT", "/bkt/k", body: [1, 2]) }
        try await send(oss, "DELETE", "/bkt/k")
        #expect(try await send(oss, "GET", "/bkt?bucketInfo").xml("Versioning") == "Enabled")
        let stat = try await send(oss, "GET", "/bkt?stat")
        #expect(stat.xml("ObjectCount") == "2" && stat.xml("Storage") == "4" && stat.xml("DeleteMarkerCount") == "1")
    }
}
