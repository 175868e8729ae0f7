import OSSMockServer
import OSSProtocol
import Testing

@testable import OSSClient

/// Bucket versioning end to end: the client's versioning calls against the mock's versioned buckets.
@Suite("Versioning: client against the mock")
struct VersioningClientTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Three writes of one key in a versioned bucket keep three versions, each readable by id;
    /// a plain delete only adds a delete marker, which hides the key until it is itself deleted.
    @Test func versionsAndDeleteMarkers() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            #expect(try await client.getBucketVersioning("bkt").status == nil)
            try await client.putBucketVersioning("bkt", status: "Enabled")
            #expect(try await client.getBucketVersioning("bkt").status == "Enabled")

            var ids: [String] = []
            for i in 0..<3 {
                let put = try await client.putObject(bucket: "bkt", key: "k", body: .bytes(bytes("data-\(i)")))
                ids.append(try #require(put.versionId))
            }
            #expect(Set(ids).count == 3 && !ids.contains("null"))
            let old = try await client.getObject(bucket: "bkt", key: "k", versionId: ids[0])
            #expect(old.body == bytes("data-0") && old.metadata.versionId == ids[0])
            #expect(try await client.getObject(bucket: "bkt", key: "k").metadata.versionId == ids[2])
            #expect(try await client.headObject(bucket: "bkt", key: "k", versionId: ids[1]).contentLength == 6)

            let listed = try await client.listObjectVersions(bucket: "bkt")
            #expect(listed.versions.map(\.versionId) == ids.reversed())
            #expect(listed.versions.map(\.isLatest) == [true, false, false])

            let deleted = try await client.deleteObject(bucket: "bkt", key: "k")
            let marker = try #require(deleted.versionId)
            #expect(deleted.deleteMarker)
            let hidden = try await #require(throws: OSSServiceError.self) {
                try await client.getObject(bucket: "bkt", key: "k")
            }
            #expect(hidden.code == "NoSuchKey" && hidden.isDeleteMarker && hidden.deleteMarkerVersionId == marker)
            let headHidden = try await #require(throws: OSSServiceError.self) {
                try await client.headObject(bucket: "bkt", key: "k")
            }
            #expect(headHidden.statusCode == 404 && headHidden.isDeleteMarker)
            let onMarker = try await #require(throws: OSSServiceError.self) {
                try await client.getObject(bucket: "bkt", key: "k", versionId: marker)
            }
            #expect(onMarker.statusCode == 405 && onMarker.code == "MethodNotAllowed" && onMarker.isDeleteMarker)
            let noVersion = try await #require(throws: OSSServiceError.self) {
                try await client.getObject(bucket: "bkt", key: "k", versionId: "CAEQ0000000000000000nothing")
            }
            #expect(noVersion.code == "NoSuchVersion")
            #expect(try await client.listObjectsV2(bucket: "bkt").contents.isEmpty)
            let withMarker = try await client.listObjectVersions(bucket: "bkt")
            #expect(withMarker.deleteMarkers.map(\.versionId) == [marker] && withMarker.deleteMarkers[0].isLatest)
            #expect(withMarker.versions.count == 3 && !withMarker.versions.contains { $0.isLatest })
            let busy = try await #require(throws: OSSServiceError.self) { try await client.deleteBucket("bkt") }
            #expect(busy.code == "BucketNotEmpty")

            // Deleting the delete marker brings the newest version back.
            let unmarked = try await client.deleteObject(bucket: "bkt", key: "k", versionId: marker)
            #expect(unmarked.deleteMarker && unmarked.versionId == marker)
            #expect(try await client.getObject(bucket: "bkt", key: "k").body == bytes("data-2"))
            // Deleting the current version for good makes the one below it current.
            try await client.deleteObject(bucket: "bkt", key: "k", versionId: ids[2])
            #expect(try await client.getObject(bucket: "bkt", key: "k").body == bytes("data-1"))

            // Every remaining version deleted in one request: the bucket can go.
            let result = try await client.deleteMultipleObjects(
                bucket: "bkt", objects: ids[0..<2].map { Delete.Object(key: "k", versionId: $0) })
            #expect(result.deleted.map(\.versionId) == [ids[0], ids[1]])
            #expect(try await client.listObjectVersions(bucket: "bkt").versions.isEmpty)
            try await client.deleteBucket("bkt")
        }
    }

    /// The paginator walks every version one per page, even when each page's versions are
    /// deleted before the next is asked for (as a cleanup loop does).
    @Test func thePaginatorFollowsKeyAndVersionMarkers() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            try await client.putBucketVersioning("bkt", status: "Enabled")
            for key in ["a", "b/x", "b/y", "c"] {
                for i in 0..<2 {
                    try await client.putObject(bucket: "bkt", key: key, body: .bytes(bytes("\(key)\(i)")))
                }
            }
            try await client.deleteObject(bucket: "bkt", key: "c")
            var seen: [String] = []
            for try await page in client.listObjectVersionsPages(bucket: "bkt", .init(maxKeys: 1)) {
                #expect(page.versions.count + page.deleteMarkers.count == 1)
                seen += page.versions.map(\.key) + page.deleteMarkers.map { "\($0.key)!" }
            }
            #expect(seen == ["a", "a", "b/x", "b/x", "b/y", "b/y", "c!", "c", "c"])

            var prefixes: [String] = []
            for try await page in client.listObjectVersionsPages(bucket: "bkt", .init(delimiter: "/", maxKeys: 2)) {
                prefixes += page.commonPrefixes
            }
            #expect(prefixes == ["b/"])

            var pages = 0
            for try await page in client.listObjectVersionsPages(bucket: "bkt", .init(maxKeys: 2)) {
                pages += 1
                let objects =
                    page.versions.map { Delete.Object(key: $0.key, versionId: $0.versionId) }
                    + page.deleteMarkers.map { Delete.Object(key: $0.key, versionId: $0.versionId) }
                try await client.deleteMultipleObjects(bucket: "bkt", objects: objects, quiet: true)
            }
            #expect(pages == 5)
            #expect(server.service.objectKeys(bucket: "bkt").isEmpty)
            try await client.deleteBucket("bkt")
        }
    }

    /// Copying from an older version copies its bytes; suspended versioning writes the `null`
    /// version, replacing it, and a plain delete makes a `null` delete marker.
    @Test func copyFromAVersionAndSuspendedWrites() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            try await client.putBucketVersioning("bkt", status: "Enabled")
            let v1 = try #require(
                try await client.putObject(bucket: "bkt", key: "src", body: .bytes(bytes("one"))).versionId)
            try await client.putObject(bucket: "bkt", key: "src", body: .bytes(bytes("two")))
            let copied = try await client.copyObject(
                sourceBucket: "bkt", sourceKey: "src", sourceVersionId: v1, bucket: "bkt", key: "dst")
            #expect(copied.versionId != nil && copied.versionId != v1)
            #expect(try await client.getObject(bucket: "bkt", key: "dst").body == bytes("one"))

            try await client.putBucketVersioning("bkt", status: "Suspended")
            #expect(try await client.getBucketVersioning("bkt").status == "Suspended")
            #expect(
                try await client.putObject(bucket: "bkt", key: "src", body: .bytes(bytes("three"))).versionId == "null")
            #expect(
                try await client.putObject(bucket: "bkt", key: "src", body: .bytes(bytes("four"))).versionId == "null")
            let src = try await client.listObjectVersions(bucket: "bkt", .init(prefix: "src"))
            #expect(src.versions.map(\.versionId).first == "null" && src.versions.count == 3)
            #expect(try await client.getObject(bucket: "bkt", key: "src", versionId: "null").body == bytes("four"))
            let marker = try await client.deleteObject(bucket: "bkt", key: "src")
            #expect(marker.deleteMarker && marker.versionId == "null")
            let after = try await client.listObjectVersions(bucket: "bkt", .init(prefix: "src"))
            #expect(after.deleteMarkers.map(\.versionId) == ["null"] && after.versions.count == 2)
        }
    }

    /// Bad input is refused before a byte is sent.
    @Test func badInputIsRefusedBeforeSending() async throws {
        try await withMockServer(configuration: mockConfiguration()) { server in
            let client = try mockClient(server)
            for status in ["enabled", "Disabled", "", "Enabled\r\nX: y"] {
                let e = try await #require(throws: OSSClientError.self) {
                    try await client.putBucketVersioning("bkt", status: status)
                }
                #expect(e.kind == .invalidArgument && e.message.contains("Enabled or Suspended"), "\(status)")
            }
            let empty = try await #require(throws: OSSClientError.self) {
                try await client.getObject(bucket: "bkt", key: "k", versionId: "")
            }
            #expect(empty.kind == .invalidArgument && empty.message.contains("version id"))
            _ = try await #require(throws: OSSClientError.self) {
                try await client.deleteObject(bucket: "bkt", key: "k", versionId: "")
            }
            _ = try await #require(throws: OSSClientError.self) {
                try await client.headObject(bucket: "bkt", key: "k", versionId: "")
            }
            _ = try await #require(throws: OSSClientError.self) {
                try await client.copyObject(
                    sourceBucket: "bkt", sourceKey: "k", sourceVersionId: "", bucket: "bkt", key: "d")
            }
            _ = try await #require(throws: OSSClientError.self) {
                try await client.deleteMultipleObjects(bucket: "bkt", objects: [Delete.Object(key: "k", versionId: "")])
            }
            _ = try await #require(throws: OSSClientError.self) {
                try await client.listObjectVersions(bucket: "bkt", .init(versionIdMarker: "CAEQ"))
            }
            #expect(server.service.requestLog.isEmpty)
        }
    }
}
