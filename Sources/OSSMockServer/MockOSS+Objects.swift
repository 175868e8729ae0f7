import OSSCore
internal import OSSCrypto
import OSSProtocol

/// The largest object or part OSS takes in one request: 5 GiB.
let maximumSinglePut: Int64 = 5 << 30

extension MockOSS {
    func requireBucket(_ x: MockExchange) throws(MockOSSError) -> String {
        guard let b = x.request.bucket else { throw MockOSSError.invalidBucketName }
        try store.withBucket(b) { (_: inout MockBucket) throws(MockOSSError) in }
        return b
    }

    /// The Content-MD5 header decoded, `nil` when absent.
    /// - Throws: `InvalidDigest` when it is not the base64 of 16 bytes.
    func announcedMD5(_ x: MockExchange) throws(MockOSSError) -> [UInt8]? {
        guard let text = x.request.header("content-md5") else { return nil }
        guard let md5 = Base64.decode(text.trimmingSpaces), md5.count == 16 else { throw MockOSSError.invalidDigest }
        return md5
    }

    /// Receives an object or part body into the store's storage (memory, or a file under the data
    /// directory), checking its length and Content-MD5.
    func receiveObjectBody(_ x: MockExchange) async throws -> (MockBlob, MockBodyDigest) {
        if let n = x.body.expectedLength, n > maximumSinglePut { throw MockOSSError.entityTooLarge }
        let md5 = try announcedMD5(x)
        let writer = MockBlobWriter(
            directory: configuration.dataDirectory, spillThreshold: configuration.spillThreshold,
            discard: configuration.discardBodies, md5: !configuration.discardBodies || md5 != nil)
        try await x.receiveBody(into: writer)
        let (blob, digest) = writer.finish()
        if let md5, md5 != digest.md5 { throw MockOSSError.invalidDigest }
        return (blob, digest)
    }

    /// The storage class a request asks for (`x-oss-storage-class`), else the bucket's.
    /// - Throws: `InvalidArgument` for a class OSS does not have.
    func storageClass(_ x: MockExchange, bucket: String) throws(MockOSSError) -> String {
        if let c = x.request.header(OSSHeader.storageClass) {
            guard MockOSS.storageClasses.contains(c) else {
                throw MockOSSError.argument("Invalid storage class.", name: OSSHeader.storageClass, value: c)
            }
            return c
        }
        return try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.storageClass }
    }

    func putObject(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        _ = try announcedMD5(x)
        let storageClass = try storageClass(x, bucket: bucket)
        try checkObjectFeatureHeaders(x, bucket: bucket)
        let forbidOverwrite = x.request.header(OSSHeader.forbidOverwrite)?.lowercased() == "true"
        if forbidOverwrite { try checkNotExists(bucket, key) }
        let (blob, digest) = try await receiveObjectBody(x)
        let object = MockObject(
            key: key, data: MockData(slices: [MockSlice(blob)]), size: digest.size, etag: MockOSS.etag(md5: digest.md5),
            crc64: digest.crc64, contentMD5: Base64.encode(digest.md5), lastModified: x.now, type: "Normal",
            headers: MockObjectHeaders(from: x.request), storageClass: storageClass)
        let versionId = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            if forbidOverwrite, b.objects[key] != nil { throw MockOSSError.fileAlreadyExists }
            return b.storeCurrent(object)
        }
        var r = MockResponse(
            status: 200,
            headers: [
                ("ETag", object.etag), (OSSHeader.crc64, String(object.crc64)),
                ("Content-MD5", object.contentMD5!),
            ] + object.headers.encryption)
        if let versionId { r.headers.append((OSSHeader.versionId, versionId)) }
        return r
    }

    private func checkNotExists(_ bucket: String, _ key: String) throws(MockOSSError) {
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            if b.objects[key] != nil { throw MockOSSError.fileAlreadyExists }
        }
    }

    func lookup(_ bucket: String, _ key: String) throws(MockOSSError) -> MockObject {
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> MockObject in
            guard let o = b.objects[key] else { throw MockOSSError.noSuchKey.with("Key", key) }
            return o
        }
    }

    func getObject(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        let object = try followSymlink(bucket, try lookupVersion(x, bucket: bucket, key: key))
        var r = MockResponse(status: 200)
        r.headers.append(("ETag", object.etag))
        if let v = object.versionId { r.headers.append((OSSHeader.versionId, v)) }
        r.headers.append(("Last-Modified", object.lastModified.rfc1123))
        r.headers.append((OSSHeader.crc64, String(object.crc64)))
        if let status = try conditionalStatus(x.request, object) {
            if status == 304 {
                var n = MockResponse(status: 304, headers: [("ETag", object.etag), ("Last-Modified", object.lastModified.rfc1123)])
                n.headers.append(("Content-Length", "0"))
                return n
            }
            throw MockOSSError.preconditionFailed
        }
        // OSS serves an archived object only once restored (RestoreObject).
        try checkReadable(x, object)
        r.headers.append((OSSHeader.objectType, object.type))
        r.headers.append((OSSHeader.storageClass, object.storageClass))
        r.headers += featureHeaders(object)
        r.headers.append(("Accept-Ranges", "bytes"))
        if let md5 = object.contentMD5 { r.headers.append(("Content-MD5", md5)) }
        if object.type == "Appendable" { r.headers.append((OSSHeader.nextAppendPosition, String(object.size))) }
        var contentType = object.headers.contentType
        var standard = object.headers.standard
        if x.operation == .getObject {
            // response-* query parameters override the stored headers.
            if let v = x.request.queryValue("response-content-type") { contentType = v }
            for n in MockObjectHeaders.standardNames {
                if let v = x.request.queryValue("response-\(n)") {
                    standard.removeAll { $0.name == n }
                    standard.append((n, v))
                }
            }
        }
        r.headers.append(("Content-Type", contentType))
        for h in standard { r.headers.append((MockOSS.canonicalHeaderName(h.name), h.value)) }
        for h in object.headers.metadata { r.headers.append((h.name, h.value)) }
        for h in object.headers.encryption { r.headers.append((h.name, h.value)) }

        if x.request.method != "HEAD", object.data.slices.contains(where: { $0.blob.isDiscarded }) {
            throw MockOSSError.discarded
        }
        var range: Range<Int64> = 0..<object.size
        if let spec = x.request.header("range") {
            switch MockOSS.parseRange(spec, size: object.size) {
            case .ignore: break
            case .unsatisfiable:
                throw MockOSSError.invalidRange.withHeader("Content-Range", "bytes */\(object.size)")
            case .range(let rr):
                range = rr
                r.status = 206
                r.headers.append(("Content-Range", "bytes \(rr.lowerBound)-\(rr.upperBound - 1)/\(object.size)"))
            }
        }
        r.headers.append(("Content-Length", String(range.count)))
        if x.request.method != "HEAD" {
            r.body = .stored(object.data.subrange(range))
        }
        return r
    }

    /// 304 or 412 when a conditional header does not hold (RFC 9110 §13.2.2 order).
    private func conditionalStatus(_ request: MockRequest, _ object: MockObject) throws -> Int? {
        if let m = request.header("if-match"), !MockOSS.etagMatches(m, object.etag) { return 412 }
        if request.header("if-match") == nil, let s = request.header("if-unmodified-since"), let t = UTCTime(rfc1123: s),
            object.lastModified.seconds > t.seconds
        {
            return 412
        }
        if let m = request.header("if-none-match"), MockOSS.etagMatches(m, object.etag) { return 304 }
        if request.header("if-none-match") == nil, let s = request.header("if-modified-since"), let t = UTCTime(rfc1123: s),
            object.lastModified.seconds <= t.seconds
        {
            return 304
        }
        return nil
    }

    static func etagMatches(_ header: String, _ etag: String) -> Bool {
        let bare = etag.trimmingCharacters(quote: true)
        return header.split(separator: ",").contains { tag in
            let t = String(tag).trimmingSpaces
            return t == "*" || t.trimmingCharacters(quote: true).uppercased() == bare.uppercased()
        }
    }

    static func canonicalHeaderName(_ lower: String) -> String {
        lower.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")
    }

    enum RangeResult: Equatable {
        case ignore
        case unsatisfiable
        case range(Range<Int64>)
    }

    /// A single byte range (RFC 9110 §14.1.2) the way OSS treats it: a range OSS cannot parse, or
    /// several ranges, are ignored (the whole object, 200); a start at or past the end is 416;
    /// an end past the object is cut to it.
    static func parseRange(_ spec: String, size: Int64) -> RangeResult {
        let s = spec.trimmingSpaces
        guard s.hasPrefix("bytes=") else { return .ignore }
        let body = s.dropFirst(6)
        guard !body.contains(","), let dash = body.firstIndex(of: "-") else { return .ignore }
        let first = body[..<dash].trimmingSpaces
        let last = body[body.index(after: dash)...].trimmingSpaces
        if first.isEmpty {
            guard let n = Int64(last), n >= 0 else { return .ignore }
            if n == 0 { return .unsatisfiable }
            return size == 0 ? .unsatisfiable : .range(max(0, size - n)..<size)
        }
        guard let a = Int64(first), a >= 0 else { return .ignore }
        if last.isEmpty {
            return a >= size ? .unsatisfiable : .range(a..<size)
        }
        guard let b = Int64(last), b >= a else { return .ignore }
        if a >= size { return .unsatisfiable }
        return .range(a..<min(b + 1, size))
    }

    func deleteObject(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        return MockResponse(status: 204, headers: try deleteVersioned(x, bucket: bucket, key: key))
    }

    func appendObject(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        if x.request.queryValue("versionId") != nil {
            throw MockOSSError(
                status: 400, code: OSSErrorCode.invalidArgument, message: "AppendObject does not support versionId.",
                ec: "0016-00000504")
        }
        guard let p = x.request.queryValue("position"), let position = Int64(p), position >= 0 else {
            throw MockOSSError.argument("Position is invalid.", name: "position", value: x.request.queryValue("position"))
        }
        try checkAppend(bucket, key, position)
        let storageClass = try storageClass(x, bucket: bucket)
        try checkObjectFeatureHeaders(x, bucket: bucket)
        let (blob, digest) = try await receiveObjectBody(x)
        let headers = MockObjectHeaders(from: x.request)
        let now = x.now
        let (object, versionId) = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> (MockObject, String?) in
            let old = b.objects[key]
            try MockOSS.checkAppend(old, position)
            var o =
                old
                ?? MockObject(
                    key: key, data: MockData(), size: 0, etag: "", crc64: 0, contentMD5: nil, lastModified: now,
                    type: "Appendable", headers: headers, storageClass: storageClass)
            o.data.slices.append(MockSlice(blob))
            o.crc64 = CRC64.combine(o.crc64, digest.crc64, lengthOfB: UInt64(digest.size))
            o.size += digest.size
            o.etag = MockOSS.etag(md5: Digest.md5(Array(o.etag.utf8) + digest.md5))
            o.lastModified = now
            // A versioned bucket appends to the current version in place (no older version is
            // kept); a new appendable object is a new version.
            if old == nil { return (o, b.storeCurrent(o)) }
            b.objects[key] = o
            return (o, b.versioning == nil ? nil : MockBucket.id(o))
        }
        var r = MockResponse(
            status: 200,
            headers: [
                ("ETag", object.etag), (OSSHeader.nextAppendPosition, String(object.size)),
                (OSSHeader.crc64, String(object.crc64)),
            ])
        if let versionId { r.headers.append((OSSHeader.versionId, versionId)) }
        return r
    }

    private func checkAppend(_ bucket: String, _ key: String, _ position: Int64) throws(MockOSSError) {
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            try MockOSS.checkAppend(b.objects[key], position)
        }
    }

    static func checkAppend(_ object: MockObject?, _ position: Int64) throws(MockOSSError) {
        let length = object?.size ?? 0
        if let object, object.type != "Appendable" { throw MockOSSError.objectNotAppendable }
        if position != length {
            throw MockOSSError.positionNotEqualToLength.withHeader(OSSHeader.nextAppendPosition, String(length))
        }
    }

    /// The source of a copy, from `x-oss-copy-source: /bucket/key` (key percent-encoded).
    func copySource(_ x: MockExchange) throws(MockOSSError) -> MockObject {
        guard var source = x.request.header(OSSHeader.copySource) else { throw MockOSSError.invalidTargetBucketForCopy }
        var versionId: String? = nil
        if let q = source.firstIndex(of: "?") {
            let query = source[source.index(after: q)...]
            if query.hasPrefix("versionId=") {
                let raw = String(query.dropFirst("versionId=".count))
                versionId = PercentEncoding.decode(raw) ?? raw
            }
            source = String(source[..<q])
        }
        let decoded = PercentEncoding.decode(source) ?? source
        var path = Substring(decoded)
        if path.hasPrefix("/") { path = path.dropFirst() }
        guard let slash = path.firstIndex(of: "/") else { throw MockOSSError.invalidTargetBucketForCopy }
        let bucket = String(path[..<slash])
        let key = String(path[path.index(after: slash)...])
        guard !key.isEmpty else { throw MockOSSError.invalidTargetBucketForCopy }
        return try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> MockObject in
            try b.readable(key, versionId: versionId)
        }
    }

    func copyObject(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        let source = try copySource(x)
        try checkObjectFeatureHeaders(x, bucket: bucket)
        if let m = x.request.header("x-oss-copy-source-if-match"), !MockOSS.etagMatches(m, source.etag) {
            throw MockOSSError.preconditionFailed
        }
        if let m = x.request.header("x-oss-copy-source-if-none-match"), MockOSS.etagMatches(m, source.etag) {
            throw MockOSSError(status: 304, code: "NotModified", message: "Not Modified", ec: "0000-00000304")
        }
        var object = source
        object.key = key
        object.lastModified = x.now
        object.storageClass = try storageClass(x, bucket: bucket)
        if object.type == "Appendable" { object.type = "Normal" }
        if x.request.header(OSSHeader.metadataDirective)?.uppercased() == "REPLACE" {
            // REPLACE takes the request's headers; without a Content-Type the source's is kept, and
            // so is the client-side-encryption context (x-oss-meta-client-side-encryption-*),
            // which OSS never lets a copy change.
            var replaced = MockObjectHeaders(from: x.request)
            if (x.request.header("content-type") ?? "").isEmpty { replaced.contentType = source.headers.contentType }
            let cse = "x-oss-meta-client-side-encryption-"
            replaced.metadata.removeAll { $0.name.hasPrefix(cse) }
            replaced.metadata += source.headers.metadata.filter { $0.name.hasPrefix(cse) }
            object.headers = replaced
        }
        applyCopyFeatures(x, source: source, to: &object)
        let copied = object
        let versionId = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            if x.request.header(OSSHeader.forbidOverwrite)?.lowercased() == "true", b.objects[key] != nil {
                throw MockOSSError.fileAlreadyExists
            }
            return b.storeCurrent(copied)
        }
        var r = MockResponse.xml { w in
            w.element("CopyObjectResult") { w in
                w.element("ETag", copied.etag)
                w.element("LastModified", copied.lastModified.iso8601)
            }
        }
        r.headers.append(("ETag", copied.etag))
        r.headers.append((OSSHeader.crc64, String(copied.crc64)))
        if let versionId { r.headers.append((OSSHeader.versionId, versionId)) }
        if let v = source.versionId { r.headers.append(("x-oss-copy-source-version-id", v)) }
        return r
    }

    /// Whether OSS serves an object of this class only after RestoreObject.
    static func needsRestore(_ storageClass: String) -> Bool {
        storageClass == "Archive" || storageClass == "ColdArchive" || storageClass == "DeepColdArchive"
    }
}

extension MockOSSError {
    static let noSuchVersion = MockOSSError(
        status: 404, code: "NoSuchVersion", message: "The specified version does not exist.", ec: "0026-00000002")
    static let invalidObjectState = MockOSSError(
        status: 403, code: "InvalidObjectState", message: "The operation is not valid for the object's state",
        ec: "0026-00000013")
    static let fileAlreadyExists = MockOSSError(
        status: 409, code: "FileAlreadyExists", message: "The object you specified already exists and can not be overwritten.",
        ec: "0026-00000007")
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let u = Array(self.utf8)
        var lo = 0
        var hi = u.count
        while lo < hi, u[lo] == 32 || u[lo] == 9 { lo += 1 }
        while hi > lo, u[hi - 1] == 32 || u[hi - 1] == 9 { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }

    /// Without surrounding double quotes (and `W/`).
    func trimmingCharacters(quote: Bool) -> String {
        var s = Substring(self)
        if s.hasPrefix("W/") { s = s.dropFirst(2) }
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = s.dropFirst().dropLast() }
        return String(s)
    }
}
