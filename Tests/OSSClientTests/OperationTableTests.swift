import OSSCore
import OSSProtocol
import Testing

@testable import OSSClient

/// The client names each request's operation from the table the mock routes on: a request built
/// by the client, routed as the mock (and OSS) routes it, is the operation the client says it is.
@Suite struct OperationTableTests {
    static let requests: [OSSOperationRequest] = [
        .putObject(bucket: "b-1", key: "k", body: .string("x")),
        .getObject(bucket: "b-1", key: "k"),
        .getObject(bucket: "b-1", key: "k", range: ByteRange(0...9), versionId: "v"),
        .headObject(bucket: "b-1", key: "k", versionId: "v"),
        .deleteObject(bucket: "b-1", key: "k"),
        .deleteMultipleObjects(bucket: "b-1", xml: Delete(objects: [.init(key: "k")], quiet: true).encode()),
        .appendObject(bucket: "b-1", key: "k", position: 5, body: .string("x")),
        .copyObject(sourceBucket: "src", sourceKey: "s", bucket: "b-1", key: "k", replaceMetadata: true),
        .listObjectsV2(bucket: "b-1", ListObjectsV2Parameters(prefix: "p", delimiter: "/", maxKeys: 10)),
        .listObjects(bucket: "b-1", ListObjectsParameters(prefix: "p", marker: "m")),
        .initiateMultipartUpload(bucket: "b-1", key: "k"),
        .uploadPart(bucket: "b-1", key: "k", uploadId: "U", partNumber: 1, body: .string("x")),
        .uploadPartCopy(sourceBucket: "src", sourceKey: "s", bucket: "b-1", key: "k", uploadId: "U", partNumber: 2),
        .completeMultipartUpload(bucket: "b-1", key: "k", uploadId: "U", xml: []),
        .abortMultipartUpload(bucket: "b-1", key: "k", uploadId: "U"),
        .listParts(bucket: "b-1", key: "k", uploadId: "U", partNumberMarker: 3, maxParts: 10),
        .listMultipartUploads(bucket: "b-1", ListMultipartUploadsParameters(prefix: "p")),
        .putBucket(bucket: "b-1", acl: "private", storageClass: "IA"),
        .deleteBucket(bucket: "b-1"),
        .listBuckets(prefix: "p", marker: "m", maxKeys: 5),
    ]

    @Test("every request the client builds routes, on the shared table, to the operation it names")
    func everyBuiltRequestRoutesToItsOwnOperation() throws {
        for r in Self.requests {
            let level: OSSResourceLevel = r.bucket == nil ? .service : (r.key == nil ? .bucket : .object)
            let query = r.query.map { (name: $0.0, value: $0.1) }
            let route = OSSOperation.route(method: r.method, level: level, query: query, header: { r.header($0) })
            #expect(route == .operation(r.operation), "\(r.operation) routes to \(route)")
            #expect(OSSOperation.all.contains(r.operation), "\(r.operation) is not in the table")
            try r.validate()
        }
        // Each builder names a different operation (none copied from its neighbour by mistake).
        #expect(Set(Self.requests.map(\.operation)).count == Self.requests.count - 1)  // two GetObjects
    }

    @Test("the method is the operation's, and what the client checks follows from the operation")
    func methodAndChecksFollowTheOperation() {
        let put = OSSOperationRequest.putObject(bucket: "b-1", key: "k", body: .string("x"))
        #expect(put.method == "PUT" && put.checksUploadCRC)
        let get = OSSOperationRequest.getObject(bucket: "b-1", key: "k")
        #expect(get.method == "GET" && !get.checksUploadCRC)
        let delete = OSSOperationRequest.deleteMultipleObjects(bucket: "b-1", xml: [])
        #expect(delete.method == "POST" && delete.sendsContentMD5)
        let head = OSSOperationRequest(.getObjectMeta, bucket: "b-1", key: "k", query: [("objectMeta", nil)])
        #expect(head.method == "GET")
    }
}
