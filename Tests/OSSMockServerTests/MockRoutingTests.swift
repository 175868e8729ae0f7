import OSSProtocol
import Testing

@testable import OSSMockServer

/// Everything a request could damage: buckets, objects (key, ETag, size) and uploads.
struct StoreSnapshot: Equatable, CustomStringConvertible {
    var buckets: [String]
    var objects: [String: [String]]
    var uploads: [String: [String]]

    init(_ oss: MockOSS) {
        buckets = oss.bucketNames()
        var objects: [String: [String]] = [:]
        var uploads: [String: [String]] = [:]
        try? oss.store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            for (name, b) in all {
                objects[name] = b.objects.values.map { "\($0.key) \($0.etag) \($0.size)" }.sorted()
                uploads[name] = b.uploads.keys.sorted()
            }
        }
        self.objects = objects
        self.uploads = uploads
    }

    var description: String { "buckets \(buckets) objects \(objects) uploads \(uploads)" }
}

/// A bucket with an object and an upload in progress ("full") and an empty one: the first is
/// what a wrong DeleteObject or PutObject would change, the second what a wrong DeleteBucket would.
func populatedService() async throws -> MockOSS {
    let oss = try anonymousService(buckets: ["full", "empty"])
    #expect(try await send(oss, "PUT", "/full/obj", body: bytes(100)).status == 200)
    #expect(try await send(oss, "POST", "/full/obj?uploads").status == 200)
    return oss
}

let allMethods = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE"]

/// Routing on the whole operation (method, level, sub-resources), as OSS does: the OSS API
/// reference lists each operation by its method and sub-resource ("DELETE /?cors" is
/// DeleteBucketCors, "DELETE /ObjectName?tagging" is DeleteObjectTagging), and no sub-resource
/// request is ever the plain operation of its method.
@Suite struct MockRoutingTests {
    /// Each operation of the table, sent exactly as its SDK sends it, is routed to itself, and
    /// each one the mock does not implement answers 501 naming it and changes nothing.
    @Test func everyOperationOfTheTableRoutesToItselfAndUnimplementedOnesChangeNothing() async throws {
        let oss = try await populatedService()
        let before = StoreSnapshot(oss)
        var unimplemented = 0
        for op in OSSOperation.all {
            let query = op.query.map { p in p.value.map { "\(p.name)=\($0)" } ?? p.name }.joined(separator: "&")
            for bucket in ["full", "empty"] {
                let path = op.level == .service ? "/" : op.level == .bucket ? "/\(bucket)" : "/\(bucket)/obj"
                let target = path + (query.isEmpty ? "" : "?" + query)
                var headers: [(String, String)] = []
                if let h = op.header { headers.append((h, "/full/obj")) }
                let request = MockRequest(
                    method: op.method, target: target,
                    headers: [(name: "Host", value: "127.0.0.1")] + headers.map { (name: $0.0, value: $0.1) })
                #expect(request.route == .operation(op), "\(op.method) \(target)")
                guard MockOSS.handlers[op] == nil else { continue }
                unimplemented += 1
                let answer = try await send(oss, op.method, target, headers: headers, body: Array("junk".utf8))
                #expect(answer.status == 501, "\(op.name): \(answer.status) \(answer.text)")
                if op.method != "HEAD" {
                    #expect(answer.code == "NotImplemented" && answer.xml("Message")?.contains(op.name) == true, "\(op.name)")
                }
                #expect(oss.requestLog.last?.operation == op.name)
                #expect(StoreSnapshot(oss) == before, "\(op.method) \(target) changed the store")
            }
        }
        #expect(unimplemented > 200)
    }

    /// Every OSS sub-resource with every method, on the service, a bucket with an object and an
    /// upload, an empty bucket and an object: nothing changes unless the request is one of the
    /// implemented operations below, and those fail on this junk input without touching an object.
    @Test func everySubresourceWithEveryMethodLeavesBucketsAndObjectsUnchanged() async throws {
        // (method, level, sub-resource) -> the implemented operation a bare `?sub` names.
        var implemented: [String: String] = [
            "GET bucket acl": "GetBucketAcl", "GET bucket bucketInfo": "GetBucketInfo",
            "GET bucket location": "GetBucketLocation", "GET bucket stat": "GetBucketStat",
            "GET bucket uploads": "ListMultipartUploads", "GET bucket versions": "ListObjectVersions",
            "GET bucket versioning": "GetBucketVersioning", "POST bucket delete": "DeleteMultipleObjects",
            "PUT bucket versioning": "PutBucketVersioning",
            "PUT object uploadId": "UploadPart", "GET object uploadId": "ListParts",
            "DELETE object uploadId": "AbortMultipartUpload", "POST object uploadId": "CompleteMultipartUpload",
            "POST object uploads": "InitiateMultipartUpload", "POST object append": "AppendObject",
            "GET object objectMeta": "GetObjectMeta", "HEAD object objectMeta": "GetObjectMeta",
            // Issue 16 objects.
            "PUT object tagging": "PutObjectTagging", "GET object tagging": "GetObjectTagging",
            "DELETE object tagging": "DeleteObjectTagging", "PUT object acl": "PutObjectAcl", "GET object acl": "GetObjectAcl",
            "PUT bucket acl": "PutBucketAcl", "PUT service publicAccessBlock": "PutPublicAccessBlock",
            "GET service publicAccessBlock": "GetPublicAccessBlock", "DELETE service publicAccessBlock": "DeletePublicAccessBlock",
            "PUT bucket publicAccessBlock": "PutBucketPublicAccessBlock",
            "GET bucket publicAccessBlock": "GetBucketPublicAccessBlock",
            "DELETE bucket publicAccessBlock": "DeleteBucketPublicAccessBlock", "PUT object symlink": "PutSymlink",
            "GET object symlink": "GetSymlink", "POST object restore": "RestoreObject",
            "POST object cleanRestoredObject": "CleanRestoredObject",
        ]
        // Issue 16 bucket configuration: each configuration's Put/Get/Delete (junk XML is MalformedXML).
        for (op, _) in MockOSS.bucketConfigurationHandlers where op.level == .bucket && op.query.count == 1 {
            implemented["\(op.method) bucket \(op.query[0].name)"] = op.name
        }
        // ListBuckets takes `tagging` as a filter (a bare `?tagging` is a malformed one: 400).
        implemented["GET service tagging"] = "ListBuckets"
        let subresources = OSSSubresources.selecting.sorted()
        #expect(subresources.count > 90)
        for method in allMethods {
            let oss = try await populatedService()
            for sub in subresources {
                for (level, path) in [("service", "/"), ("bucket", "/full"), ("bucket", "/empty"), ("object", "/full/obj")] {
                    let before = StoreSnapshot(oss)
                    let answer = try await send(oss, method, "\(path)?\(sub)", body: Array("junk".utf8))
                    let logged = oss.requestLog.last?.operation
                    let after = StoreSnapshot(oss)
                    let what = "\(method) \(path)?\(sub) -> \(answer.status) \(logged ?? "")"
                    #expect(after.buckets == before.buckets && after.objects == before.objects, "\(what) changed \(after)")
                    if let op = implemented["\(method) \(level) \(sub)"] {
                        #expect(logged == op, "\(what)")
                        if op != "InitiateMultipartUpload" { #expect(after.uploads == before.uploads, "\(what)") }
                    } else {
                        #expect(answer.status == 501 || answer.status == 405, "\(what)")
                        #expect(after.uploads == before.uploads, "\(what)")
                        if answer.status == 501, method != "HEAD" {
                            #expect(answer.code == "NotImplemented" && answer.xml("Message") != nil, "\(what)")
                        }
                    }
                }
            }
        }
    }

    /// The examples of destruction the issue measured, each answered 501 now.
    @Test func theMeasuredFallThroughsAreRefused() async throws {
        let oss = try await populatedService()
        let before = StoreSnapshot(oss)
        let cases: [(String, String, String)] = [
            ("DELETE", "/empty?cors", "DeleteBucketCors"),
            ("PUT", "/full/obj?retention", "PutObjectRetention"), ("PUT", "/full/obj?live", "PutLiveChannel"),
            ("POST", "/full/obj?restore", "RestoreObject"), ("GET", "/full?policy", "GetBucketPolicy"),
            ("PUT", "/full?versioning", "PutBucketVersioning"), ("PUT", "/full?lifecycle", "PutBucketLifecycle"),
            ("PUT", "/full?objectWorm", "PutBucketObjectWormConfiguration"),
            ("PUT", "/full?cors", "PutBucketCors"), ("GET", "/?regions", "DescribeRegions"),
            ("GET", "/?qosInfo", "GetUserQoSInfo"),
        ]
        for (method, target, op) in cases {
            let a = try await send(oss, method, target, body: Array("<x/>".utf8))
            if MockOSS.handlers[OSSOperation.named(op)!] != nil {
                // Implemented since (issue 16): served as that operation, never as the plain one.
                #expect(oss.requestLog.last?.operation == op, "\(method) \(target)")
                continue
            }
            #expect(a.status == 501 && a.code == "NotImplemented", "\(method) \(target): \(a.status)")
            #expect(a.xml("Message") == "The mock server does not implement \(op).")
        }
        #expect(StoreSnapshot(oss) == before)
    }

    /// A sub-resource OSS knows with a method or level no operation takes is refused, never served
    /// as the plain operation; a method OSS has no operation for is 405.
    @Test func unknownShapesAreRefusedNotServed() async throws {
        let oss = try await populatedService()
        let before = StoreSnapshot(oss)
        let wrongLevel = try await send(oss, "DELETE", "/full/obj?cors")
        #expect(wrongLevel.status == 501 && wrongLevel.xml("Message")?.contains("DELETE object?cors") == true)
        #expect(oss.requestLog.last?.operation == "Unknown")
        #expect(try await send(oss, "PATCH", "/full/obj").code == "MethodNotAllowed")
        #expect(try await send(oss, "DELETE", "/").status == 405)
        #expect(StoreSnapshot(oss) == before)
        // A parameter (not a sub-resource) leaves the plain operation as it is.
        #expect(try await send(oss, "GET", "/full/obj?versionId=null").status == 200)
        #expect(try await send(oss, "GET", "/full/obj?partNumber=1").status == 200)
    }

    /// Every name the V1 signer signs is either a sub-resource that selects an operation (walked
    /// above) or a parameter of one; a name added to the signer must be classified here.
    @Test func everySignedSubresourceIsClassified() {
        let parameters: Set<String> = [
            "partNumber", "position", "security-token", "versionId", "continuation-token", "sequential", "callback",
            "callback-var", "response-content-type", "response-content-language", "response-expires",
            "response-cache-control", "response-content-disposition", "response-content-encoding", "startTime",
            "endTime", "withHashContext",
        ]
        let unclassified = OSSSubresources.signedV1.filter {
            OSSSubresources.selecting.contains($0) == parameters.contains($0)
        }
        #expect(unclassified.isEmpty, "each must be exactly one of a selecting sub-resource or a parameter")
    }
}
