import OSSCore
internal import OSSCrypto
import OSSProtocol

/// The restore of an archived object (RestoreObject): under way until `readyAt`, then readable
/// until `expiry`.
struct MockRestore: Sendable {
    var readyAt: ContinuousClock.Instant
    var expiry: UTCTime
    /// The tier asked for (Cold Archive and Deep Cold Archive), reported as the priority.
    var tier: String?

    var done: Bool { ContinuousClock.now >= readyAt }

    /// The `x-oss-restore` header.
    var header: String {
        done ? "ongoing-request=\"false\", expiry-date=\"\(expiry.rfc1123)\"" : "ongoing-request=\"true\""
    }
}

extension MockOSS {
    /// Object tagging, ACL, symlinks, storage classes and restore (issue 16, part 2).
    static let objectHandlers: [OSSOperation: Handler] = [
        .putObjectTagging: { try await $0.putObjectTagging($1) },
        .getObjectTagging: { try $0.getObjectTagging($1) },
        .deleteObjectTagging: { try $0.deleteObjectTagging($1) },
        .putObjectAcl: { try $0.putObjectAcl($1) },
        .getObjectAcl: { try $0.getObjectAcl($1) },
        .putBucketAcl: { try await $0.putBucketAcl($1) },
        .getBucketAcl: { try $0.getBucketAcl($1) },
        .putPublicAccessBlock: { try await $0.putPublicAccessBlock($1) },
        .getPublicAccessBlock: { try $0.getPublicAccessBlock($1) },
        .deletePublicAccessBlock: { try $0.deletePublicAccessBlock($1) },
        .putBucketPublicAccessBlock: { try await $0.putPublicAccessBlock($1) },
        .getBucketPublicAccessBlock: { try $0.getPublicAccessBlock($1) },
        .deleteBucketPublicAccessBlock: { try $0.deletePublicAccessBlock($1) },
        .putSymlink: { try $0.putSymlink($1) },
        .getSymlink: { try $0.getSymlink($1) },
        .getObjectMeta: { try $0.getObjectMeta($1) },
        .restoreObject: { try await $0.restoreObject($1) },
        .cleanRestoredObject: { try $0.cleanRestoredObject($1) },
    ]

    // MARK: Shared

    /// Runs `body` on one stored object, or throws `NoSuchKey`.
    func withObject<R>(_ bucket: String, _ key: String, _ body: (inout MockObject) throws(MockOSSError) -> R)
        throws(MockOSSError) -> R
    {
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> R in
            guard var o = b.objects[key] else { throw MockOSSError.noSuchKey.with("Key", key) }
            defer { b.objects[key] = o }
            return try body(&o)
        }
    }

    /// A small XML body decoded as `M`; a body that is not one is `MalformedXML`.
    func decodeBody<M: XMLDecodableModel>(_ x: MockExchange, as: M.Type) async throws -> M {
        let body = try await x.receiveSmallBody(limit: 64 << 10)
        do { return try M.decode(body) } catch { throw MockOSSError.malformedXML }
    }

    /// Whether Block Public Access holds for a bucket: set on it, or on the service.
    func blocksPublicAccess(_ bucket: String?) throws(MockOSSError) -> Bool {
        if serviceBlockPublicAccess.withLock({ $0 }) == true { return true }
        guard let bucket else { return false }
        return try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.blockPublicAccess == true }
    }

    /// A public ACL under Block Public Access is refused, as OSS does.
    func checkPublicACL(_ acl: String, bucket: String?) throws(MockOSSError) {
        guard acl == "public-read" || acl == "public-read-write" else { return }
        if try blocksPublicAccess(bucket) { throw MockOSSError.publicAccessBlocked }
    }

    /// The checks OSS makes on the tagging and ACL headers of PutObject, AppendObject, CopyObject,
    /// InitiateMultipartUpload and PutSymlink: a known object ACL (public ones not under Block
    /// Public Access), and `x-oss-tagging` in its form with valid tags.
    func checkObjectFeatureHeaders(_ x: MockExchange, bucket: String) throws(MockOSSError) {
        if let acl = x.request.header(OSSHeader.objectACL) {
            guard Validation.objectACLs.contains(acl) else {
                throw MockOSSError.argument("The object ACL is not valid.", name: OSSHeader.objectACL, value: acl)
            }
            try checkPublicACL(acl, bucket: bucket)
        }
        if let t = x.request.header(OSSHeader.tagging) {
            guard let tagging = ObjectTagging.parseHeader(t) else { throw MockOSSError.invalidTaggingHeader }
            try MockOSS.checkTags(tagging.tagSet)
        }
        if let d = x.request.header(OSSHeader.taggingDirective), !["copy", "replace"].contains(d.lowercased()) {
            throw MockOSSError.argument("Invalid tagging directive.", name: OSSHeader.taggingDirective, value: d)
        }
    }

    static func checkTags(_ tags: [ObjectTag]) throws(MockOSSError) {
        do { try Validation.checkObjectTags(tags) } catch { throw MockOSSError.invalidTag(error.message) }
    }

    /// What a CopyObject gives its new object besides the source's bytes: the source's tags
    /// (`x-oss-tagging-directive: Copy`, the default) or the request's (`Replace`), the ACL the
    /// request names (else `default`), and no restore or symlink state of the source's.
    func applyCopyFeatures(_ x: MockExchange, source: MockObject, to object: inout MockObject) {
        let replaceTags = x.request.header(OSSHeader.taggingDirective)?.lowercased() == "replace"
        object.headers.tags =
            replaceTags
            ? (x.request.header(OSSHeader.tagging).flatMap { ObjectTagging.parseHeader($0)?.tagSet } ?? []) : source.headers.tags
        object.headers.acl = x.request.header(OSSHeader.objectACL) ?? "default"
        object.restore = nil
    }

    /// The object a GET or HEAD serves: a symlink's target (reported as a `Symlink`), else the object.
    func followSymlink(_ bucket: String, _ object: MockObject) throws(MockOSSError) -> MockObject {
        guard object.type == "Symlink", let target = object.symlinkTarget else { return object }
        let found = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.objects[target] }
        guard var t = found, t.type != "Symlink" else { throw MockOSSError.symlinkTargetNotExist }
        t.type = "Symlink"
        return t
    }

    /// GET and HEAD: an archived object is read only once restored (HEAD always answers);
    /// `x-oss-traffic-limit` must be in OSS's range.
    func checkReadable(_ x: MockExchange, _ object: MockObject) throws(MockOSSError) {
        if let v = x.request.header(OSSHeader.trafficLimit) {
            guard let n = Int(v.trimmingSpaces), Validation.trafficLimitRange.contains(n) else {
                throw MockOSSError.argument("Invalid traffic limit.", name: OSSHeader.trafficLimit, value: v)
            }
        }
        if x.operation == .getObject, MockOSS.needsRestore(object.storageClass), object.restore?.done != true {
            throw MockOSSError.invalidObjectState
        }
    }

    /// The headers of GET and HEAD this area adds: the tag count, the restore state.
    func featureHeaders(_ object: MockObject) -> [(name: String, value: String)] {
        var h: [(name: String, value: String)] = []
        if !object.headers.tags.isEmpty { h.append((OSSHeader.taggingCount, String(object.headers.tags.count))) }
        if let r = object.restore {
            h.append((OSSHeader.restore, r.header))
            if r.done, let tier = r.tier { h.append((OSSHeader.restorePriority, tier)) }
        }
        return h
    }

    // MARK: Tagging

    func putObjectTagging(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        _ = try lookup(bucket, key)
        let tagging = try await decodeBody(x, as: ObjectTagging.self)
        try MockOSS.checkTags(tagging.tagSet)
        try withObject(bucket, key) { (o: inout MockObject) throws(MockOSSError) in o.headers.tags = tagging.tagSet }
        return MockResponse(status: 200)
    }

    func getObjectTagging(_ x: MockExchange) throws -> MockResponse {
        let o = try lookup(try requireBucket(x), x.request.key!)
        return MockResponse.model(ObjectTagging(tagSet: o.headers.tags))
    }

    func deleteObjectTagging(_ x: MockExchange) throws -> MockResponse {
        try withObject(try requireBucket(x), x.request.key!) { (o: inout MockObject) throws(MockOSSError) in o.headers.tags = [] }
        return MockResponse(status: 204)
    }

    // MARK: ACLs

    func putObjectAcl(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        guard let acl = x.request.header(OSSHeader.objectACL) else {
            throw MockOSSError.argument("The x-oss-object-acl header is missing.", name: OSSHeader.objectACL)
        }
        try checkObjectFeatureHeaders(x, bucket: bucket)
        try withObject(bucket, x.request.key!) { (o: inout MockObject) throws(MockOSSError) in o.headers.acl = acl }
        return MockResponse(status: 200)
    }

    func getObjectAcl(_ x: MockExchange) throws -> MockResponse {
        let o = try lookup(try requireBucket(x), x.request.key!)
        return MockResponse.model(AccessControlPolicy(owner: MockOSS.owner, grant: o.headers.acl))
    }

    /// PutBucketAcl: `x-oss-acl` on an existing bucket; on a missing one OSS creates it, as PutBucket.
    func putBucketAcl(_ x: MockExchange) async throws -> MockResponse {
        let name = x.request.bucket!
        guard let acl = x.request.header(OSSHeader.bucketACL) else {
            throw MockOSSError.argument("The x-oss-acl header is missing.", name: OSSHeader.bucketACL)
        }
        guard Validation.bucketACLs.contains(acl) else {
            throw MockOSSError.argument("no such bucket access control exists", name: OSSHeader.bucketACL, value: acl)
        }
        let exists = try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in all[name] != nil }
        try checkPublicACL(acl, bucket: exists ? name : nil)
        guard exists else { return try await putBucket(x) }
        try store.withBucket(name) { (b: inout MockBucket) throws(MockOSSError) in b.acl = acl }
        return MockResponse(status: 200)
    }

    func getBucketAcl(_ x: MockExchange) throws -> MockResponse {
        let acl = try store.withBucket(try requireBucket(x)) { (b: inout MockBucket) throws(MockOSSError) in b.acl }
        return MockResponse.model(AccessControlPolicy(owner: MockOSS.owner, grant: acl))
    }

    static var owner: Owner { Owner(id: ownerId, displayName: ownerId) }

    // MARK: Block Public Access (service level without a bucket, bucket level with one)

    func putPublicAccessBlock(_ x: MockExchange) async throws -> MockResponse {
        let c = try await decodeBody(x, as: PublicAccessBlockConfiguration.self)
        if let b = x.request.bucket {
            try store.withBucket(b) { (bucket: inout MockBucket) throws(MockOSSError) in bucket.blockPublicAccess = c.blockPublicAccess }
        } else {
            serviceBlockPublicAccess.withLock { $0 = c.blockPublicAccess }
        }
        return MockResponse(status: 200)
    }

    func getPublicAccessBlock(_ x: MockExchange) throws -> MockResponse {
        let on: Bool?
        if let b = x.request.bucket {
            on = try store.withBucket(b) { (bucket: inout MockBucket) throws(MockOSSError) in bucket.blockPublicAccess }
        } else {
            on = serviceBlockPublicAccess.withLock { $0 }
        }
        return MockResponse.model(PublicAccessBlockConfiguration(blockPublicAccess: on ?? false))
    }

    func deletePublicAccessBlock(_ x: MockExchange) throws -> MockResponse {
        if let b = x.request.bucket {
            try store.withBucket(b) { (bucket: inout MockBucket) throws(MockOSSError) in bucket.blockPublicAccess = nil }
        } else {
            serviceBlockPublicAccess.withLock { $0 = nil }
        }
        return MockResponse(status: 204)
    }

    // MARK: Symlinks

    func putSymlink(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        guard let raw = x.request.header(OSSHeader.symlinkTarget), !raw.isEmpty else {
            throw MockOSSError.argument("The symlink target is missing.", name: OSSHeader.symlinkTarget)
        }
        let target = PercentEncoding.decode(raw) ?? raw
        try MockOSS.checkObjectName(target)
        try checkObjectFeatureHeaders(x, bucket: bucket)
        let storageClass = try storageClass(x, bucket: bucket)
        var object = MockObject(
            key: key, data: MockData(), size: 0, etag: MockOSS.etag(md5: Digest.md5(Array(target.utf8))), crc64: 0,
            contentMD5: nil, lastModified: x.now, type: "Symlink", headers: MockObjectHeaders(from: x.request),
            storageClass: storageClass)
        object.symlinkTarget = target
        let made = object
        let versionId = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> String? in
            if x.request.header(OSSHeader.forbidOverwrite)?.lowercased() == "true", b.objects[key] != nil {
                throw MockOSSError.fileAlreadyExists
            }
            return b.storeCurrent(made)
        }
        var r = MockResponse(status: 200, headers: [("ETag", made.etag)])
        if let versionId { r.headers.append((OSSHeader.versionId, versionId)) }
        return r
    }

    func getSymlink(_ x: MockExchange) throws -> MockResponse {
        let o = try lookup(try requireBucket(x), x.request.key!)
        guard o.type == "Symlink", let target = o.symlinkTarget else { throw MockOSSError.notSymlink }
        var r = MockResponse(status: 200)
        r.headers.append((OSSHeader.symlinkTarget, PercentEncoding.encode(target, allowed: .unreservedAndSlash)))
        r.headers.append(("ETag", o.etag))
        r.headers.append(("Last-Modified", o.lastModified.rfc1123))
        for h in o.headers.metadata { r.headers.append((h.name, h.value)) }
        return r
    }

    // MARK: GetObjectMeta

    /// GetObjectMeta: the object's ETag, size and times, headers only (HEAD, or GET with an empty body).
    func getObjectMeta(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let object = try followSymlink(bucket, try lookup(bucket, x.request.key!))
        var r = MockResponse(status: 200)
        r.headers.append(("ETag", object.etag))
        r.headers.append(("Last-Modified", object.lastModified.rfc1123))
        r.headers.append((OSSHeader.crc64, String(object.crc64)))
        // A GET answer's Content-Length frames its (empty) body; a HEAD answer's is the object's size.
        r.headers.append(("Content-Length", x.request.method == "HEAD" ? String(object.size) : "0"))
        return r
    }

    // MARK: Restore

    func restoreObject(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        let object = try lookup(bucket, key)
        let cold = object.storageClass == "ColdArchive" || object.storageClass == "DeepColdArchive"
        guard MockOSS.needsRestore(object.storageClass) else { throw MockOSSError.operationNotSupported }
        var request = RestoreRequest()
        if x.body.expectedLength != 0 {
            let body = try await x.receiveSmallBody(limit: 64 << 10)
            if !body.isEmpty {
                do { request = try RestoreRequest.decode(body) } catch { throw MockOSSError.malformedXML }
            }
        }
        let maxDays = object.storageClass == "Archive" ? 7 : 365
        if let d = request.days, !(1...maxDays).contains(d) {
            throw MockOSSError.argument("The restore days must be 1...\(maxDays).", name: "Days", value: String(d))
        }
        if let t = request.tier, !Validation.restoreTiers.contains(t) {
            throw MockOSSError.argument("Invalid restore tier.", name: "Tier", value: t)
        }
        let days = Int64(request.days ?? 1)
        let delay = configuration.restoreDelay
        let now = x.now
        let tier = cold ? (request.tier ?? "Standard") : nil
        let status = try withObject(bucket, key) { (o: inout MockObject) throws(MockOSSError) -> Int in
            if let r = o.restore {
                guard r.done else { throw MockOSSError.restoreAlreadyInProgress }
                o.restore?.expiry = now.adding(seconds: days * 86_400)
                return 200
            }
            o.restore = MockRestore(
                readyAt: ContinuousClock.now + delay,
                expiry: now.adding(seconds: delay.components.seconds + days * 86_400), tier: tier)
            return 202
        }
        var r = MockResponse(status: status)
        if let tier { r.headers.append((OSSHeader.restorePriority, tier)) }
        return r
    }

    func cleanRestoredObject(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        try withObject(bucket, x.request.key!) { (o: inout MockObject) throws(MockOSSError) in
            guard MockOSS.needsRestore(o.storageClass) else { throw MockOSSError.operationNotSupported }
            guard let r = o.restore else { throw MockOSSError.archiveRestoreFileStale }
            guard r.done else { throw MockOSSError.archiveRestoreNotFinished }
            o.restore = nil
        }
        return MockResponse(status: 200)
    }
}

extension MockOSSError {
    static let publicAccessBlocked = MockOSSError(
        status: 403, code: OSSErrorCode.accessDenied,
        message: "Public access is blocked: Block Public Access is enabled for this bucket or account.",
        ec: "0003-00000008")
    static func invalidTag(_ message: String) -> MockOSSError {
        MockOSSError(status: 400, code: "InvalidTag", message: message, ec: "0010-00000217")
    }
    static let invalidTaggingHeader = MockOSSError(
        status: 400, code: OSSErrorCode.invalidArgument, message: "The x-oss-tagging header is not in the key=value&key=value form.",
        ec: "0010-00000219")
    static let symlinkTargetNotExist = MockOSSError(
        status: 404, code: "SymlinkTargetNotExist", message: "The symlink target object does not exist.",
        ec: "0026-00000003")
    static let notSymlink = MockOSSError(
        status: 400, code: "NotSymlink", message: "The specified object is not a symlink.", ec: "0026-00000004")
    static let operationNotSupported = MockOSSError(
        status: 400, code: "OperationNotSupported", message: "The operation is not supported for this resource.",
        ec: "0045-00000001")
    static let restoreAlreadyInProgress = MockOSSError(
        status: 409, code: "RestoreAlreadyInProgress", message: "The restore operation is in progress.",
        ec: "0045-00000002")
    static let archiveRestoreFileStale = MockOSSError(
        status: 409, code: "ArchiveRestoreFileStale", message: "The object has no restored copy to clean.",
        ec: "0045-00000003")
    static let archiveRestoreNotFinished = MockOSSError(
        status: 409, code: "ArchiveRestoreNotFinished", message: "The restore of the object is not finished.",
        ec: "0045-00000004")
}
