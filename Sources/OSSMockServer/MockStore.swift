import OSSCore
import OSSProtocol

/// A piece of a blob: objects made by CompleteMultipartUpload or UploadPartCopy refer to the
/// bytes of their parts and sources instead of copying them.
struct MockSlice: Sendable {
    let blob: MockBlob
    let range: Range<Int64>
    var count: Int64 { range.upperBound - range.lowerBound }

    init(_ blob: MockBlob) {
        self.blob = blob
        range = 0..<blob.size
    }

    init(_ blob: MockBlob, range: Range<Int64>) {
        self.blob = blob
        self.range = range
    }
}

/// Slices taken together: the bytes of an object or part.
struct MockData: Sendable {
    var slices: [MockSlice] = []
    var size: Int64 { slices.reduce(0) { $0 + $1.count } }

    /// The slices covering `range` of these bytes.
    func subrange(_ range: Range<Int64>) -> MockData {
        var out = MockData()
        var offset: Int64 = 0
        for s in slices {
            let lo = max(range.lowerBound, offset)
            let hi = min(range.upperBound, offset + s.count)
            if lo < hi {
                out.slices.append(MockSlice(s.blob, range: (s.range.lowerBound + lo - offset)..<(s.range.lowerBound + hi - offset)))
            }
            offset += s.count
        }
        return out
    }

    func forEachChunk(_ body: (UnsafeRawBufferPointer) async throws -> Void) async throws {
        for s in slices { try await s.blob.forEachChunk(in: s.range, body) }
    }

    func readAll() async throws -> [UInt8] {
        var out = [UInt8]()
        try await forEachChunk { out.append(contentsOf: $0) }
        return out
    }
}

/// Content headers kept with an object and given back on GET/HEAD.
struct MockObjectHeaders: Sendable {
    var contentType: String = "application/octet-stream"
    /// Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires.
    var standard: [(name: String, value: String)] = []
    /// `x-oss-meta-*`, names lower-cased.
    var metadata: [(name: String, value: String)] = []
    // Issue 16 uploads: server-side encryption (`x-oss-server-side-encryption`, its KMS key id
    // and data encryption), kept from PutObject or InitiateMultipartUpload and given back.
    var encryption: [(name: String, value: String)] = []

    static let standardNames = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"]
    static let encryptionNames = [
        "x-oss-server-side-encryption", "x-oss-server-side-encryption-key-id", "x-oss-server-side-data-encryption",
    ]

    init() {}

    // Issue 16 objects: tags and ACL given by the upload's headers (x-oss-tagging, x-oss-object-acl).
    var tags: [ObjectTag] = []
    var acl = "default"

    init(from request: MockRequest) {
        tags = request.header(OSSHeader.tagging).flatMap { ObjectTagging.parseHeader($0)?.tagSet } ?? []
        acl = request.header(OSSHeader.objectACL) ?? "default"
        if let ct = request.header("content-type"), !ct.isEmpty { contentType = ct }
        standard = MockObjectHeaders.standardNames.compactMap { n in request.header(n).map { (n, $0) } }
        metadata = request.userMetadata
        encryption = MockObjectHeaders.encryptionNames.compactMap { n in request.header(n).map { (n, $0) } }
        if request.header("x-oss-server-side-encryption") == "KMS", request.header("x-oss-server-side-encryption-key-id") == nil {
            // OSS names the KMS key it used: the account's default one.
            encryption.append(("x-oss-server-side-encryption-key-id", "mock-kms-default-key"))
        }
    }
}

struct MockObject: Sendable {
    var key: String
    var data: MockData
    var size: Int64
    /// With the quotes, as OSS sends it.
    var etag: String
    var crc64: UInt64
    /// Base64 MD5, for objects made in one piece.
    var contentMD5: String?
    var lastModified: UTCTime
    /// `Normal`, `Multipart` or `Appendable`.
    var type: String
    var headers: MockObjectHeaders
    /// `Standard`, `IA`, `Archive`, `ColdArchive` or `DeepColdArchive`.
    var storageClass = "Standard"
    // Issue 16 objects: a symlink's target key, and the restore of an archived object.
    var symlinkTarget: String? = nil
    var restore: MockRestore? = nil
    // Issue 16 versioning:
    /// The version id, `nil` for an object written while the bucket was never versioned (it is
    /// the version `null`).
    var versionId: String? = nil
}

struct MockPart: Sendable {
    var number: Int
    var data: MockData
    var size: Int64
    var etag: String
    var md5: [UInt8]
    var crc64: UInt64
    var lastModified: UTCTime
}

struct MockUpload: Sendable {
    var id: String
    var key: String
    var initiated: UTCTime
    var parts: [Int: MockPart] = [:]
    var headers: MockObjectHeaders
    var storageClass = "Standard"
}

struct MockBucket: Sendable {
    var name: String
    var created: UTCTime
    /// Set at creation (CreateBucketConfiguration): reported, and the default of its objects.
    var storageClass = "Standard"
    var dataRedundancyType = "LRS"
    /// The canned ACL given at creation (`x-oss-acl`): reported, not enforced.
    var acl = "private"
    // Issue 16 objects: the bucket's Block Public Access (`nil`: never set).
    var blockPublicAccess: Bool? = nil
    var objects: [String: MockObject] = [:]
    var uploads: [String: MockUpload] = [:]
    // Issue 16 bucket configuration: each configuration's body as stored, by its operations'
    // common name (`BucketCors`, `BucketLifecycle`, ...; `BucketPolicy` holds the JSON text).
    var configurations: [String: [UInt8]] = [:]
    // Issue 16 versioning:
    /// `nil` until PutBucketVersioning, then `Enabled` or `Suspended`.
    var versioning: String? = nil
    /// Per key, newest first, the versions older than `objects[key]` (which stays the current
    /// version) and the delete markers; a key whose latest is a delete marker has no `objects`
    /// entry. Keys with no such version have no entry (see MockOSS+Versioning.swift).
    var versions: [String: [MockObjectVersion]] = [:]
    /// The write sequence of each key's `null` version (other version ids carry theirs), so a
    /// listing can resume after a version id that was deleted meanwhile.
    var nullVersionSequence: [String: UInt64] = [:]
    /// The last write sequence given (version ids are ordered by it).
    var versionSequence: UInt64 = 0
}

/// All buckets, objects and uploads, behind one lock. Bodies are received outside the lock and
/// committed under it in one step, so a half-received body is never visible.
final class MockStore: Sendable {
    private let buckets = PThreadMutex<[String: MockBucket]>([:])

    func withLock<R>(_ body: (inout [String: MockBucket]) throws(MockOSSError) -> R) throws(MockOSSError) -> R {
        try buckets.withLock { (b: inout [String: MockBucket]) throws(MockOSSError) -> R in try body(&b) }
    }

    /// Runs `body` on one bucket, or throws `NoSuchBucket`.
    func withBucket<R>(_ name: String, _ body: (inout MockBucket) throws(MockOSSError) -> R) throws(MockOSSError) -> R {
        try withLock { (all: inout [String: MockBucket]) throws(MockOSSError) -> R in
            guard var bucket = all[name] else { throw MockOSSError.noSuchBucket.with("BucketName", name) }
            // Remove while mutating so the dictionary's storage is not copied.
            all[name] = nil
            defer { all[name] = bucket }
            return try body(&bucket)
        }
    }
}
