import OSSCore
internal import OSSCrypto
import OSSProtocol
internal import OSSXML

/// One version of a key that is not its current object: an older object, or a delete marker.
struct MockObjectVersion: Sendable {
    var versionId: String
    var lastModified: UTCTime
    /// The whole object (tags, ACL, storage class follow it); `nil` for a delete marker.
    var object: MockObject?
}

extension MockOSS {
    /// Bucket versioning and object versions (issue 16, part 3).
    static let versioningHandlers: [OSSOperation: Handler] = [
        .putBucketVersioning: { try await $0.putBucketVersioning($1) },
        .getBucketVersioning: { try $0.getBucketVersioning($1) },
        .listObjectVersions: { try $0.listObjectVersions($1) },
    ]

    /// PutBucketVersioning: `Enabled` or `Suspended`. Once set, a bucket never goes back to
    /// unversioned, as in OSS.
    func putBucketVersioning(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let body = try await x.receiveSmallBody(limit: 64 << 10)
        let model: VersioningConfiguration
        do throws(XMLModelError) {
            model = try VersioningConfiguration.decode(body)
        } catch {
            throw MockOSSError.malformedXML
        }
        guard let status = model.status, Validation.versioningStates.contains(status) else { throw MockOSSError.malformedXML }
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.versioning = status }
        return MockResponse(status: 200)
    }

    /// GetBucketVersioning: the state, or an empty configuration for a bucket never versioned.
    func getBucketVersioning(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let status = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.versioning }
        return MockResponse.model(VersioningConfiguration(status: status))
    }

    /// ListObjectVersions: every version and delete marker, keys in UTF-8 order and each key's
    /// versions newest first; `key-marker` with `version-id-marker` resumes after that version
    /// (or, if it was deleted meanwhile, after where it stood). Versions, delete markers and
    /// common prefixes together count against `max-keys`.
    func listObjectVersions(_ x: MockExchange) throws -> MockResponse {
        let r = x.request
        let bucket = try requireBucket(x)
        let q = try ListingQuery(r)
        let keyMarker = r.queryValue("key-marker") ?? ""
        let versionIdMarker = r.queryValue("version-id-marker") ?? ""
        if !versionIdMarker.isEmpty, keyMarker.isEmpty {
            throw MockOSSError.argument(
                "A version-id marker cannot be specified without a key marker.", name: "version-id-marker",
                value: versionIdMarker)
        }
        let b = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b }
        let owner = Owner(id: MockOSS.ownerId, displayName: MockOSS.ownerId)
        var result = ListVersionsResult(
            name: bucket, prefix: q.prefix, keyMarker: keyMarker, versionIdMarker: versionIdMarker, maxKeys: q.maxKeys,
            delimiter: q.delimiter, encodingType: q.encodingType)
        var count = 0
        var last: (key: String, versionId: String?)?
        let keys = Set(b.objects.keys).union(b.versions.keys).sorted(by: MockOSS.utf8Less)
        listing: for key in keys where key.hasPrefix(q.prefix) {
            if !q.delimiter.isEmpty {
                let rest = String(decoding: key.utf8.dropFirst(q.prefix.utf8.count), as: UTF8.self)
                if let d = rest.firstRange(of: q.delimiter) {
                    let common = q.prefix + rest[..<d.upperBound]
                    if !keyMarker.isEmpty, !MockOSS.utf8Less(keyMarker, common) { continue }
                    if result.commonPrefixes.last == common { continue }
                    if count == q.maxKeys {
                        result.isTruncated = true
                        break listing
                    }
                    result.commonPrefixes.append(common)
                    count += 1
                    last = (common, nil)
                    continue
                }
            }
            let all = b.allVersions(key)
            var entries = all[...]
            if !keyMarker.isEmpty {
                if MockOSS.utf8Less(key, keyMarker) { continue }
                if key == keyMarker {
                    if versionIdMarker.isEmpty { continue }
                    if let i = all.firstIndex(where: { $0.versionId == versionIdMarker }) {
                        entries = all[(i + 1)...]
                    } else {
                        let s = b.sequence(of: versionIdMarker, key: key)
                        entries = all.filter { b.sequence(of: $0.versionId, key: key) < s }[...]
                    }
                }
            }
            for v in entries {
                if count == q.maxKeys {
                    result.isTruncated = true
                    break listing
                }
                let latest = v.versionId == all.first?.versionId
                if let o = v.object {
                    result.versions.append(
                        ListVersionsResult.Version(
                            key: key, versionId: v.versionId, isLatest: latest, lastModified: o.lastModified, eTag: o.etag,
                            type: o.type, size: o.size, storageClass: o.storageClass, owner: owner))
                } else {
                    result.deleteMarkers.append(
                        ListVersionsResult.DeleteMarker(
                            key: key, versionId: v.versionId, isLatest: latest, lastModified: v.lastModified, owner: owner))
                }
                count += 1
                last = (key, v.versionId)
            }
        }
        if result.isTruncated, let last {
            result.nextKeyMarker = last.key
            result.nextVersionIdMarker = last.versionId
        }
        return MockResponse.model(result)
    }

    /// The object a GET, HEAD or GetObjectMeta names: the current version, or the `versionId` one.
    /// - Throws: `NoSuchKey` (with `x-oss-delete-marker` when the latest version is a delete
    ///   marker), `NoSuchVersion`, `405 MethodNotAllowed` for a delete marker's version id.
    func lookupVersion(_ x: MockExchange, bucket: String, key: String) throws(MockOSSError) -> MockObject {
        let versionId = x.request.queryValue("versionId")
        return try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> MockObject in
            try b.readable(key, versionId: versionId)
        }
    }

    /// DeleteObject as the bucket's versioning says, and the headers of its answer.
    func deleteVersioned(_ x: MockExchange, bucket: String, key: String) throws(MockOSSError) -> [(
        name: String, value: String
    )] {
        let versionId = x.request.queryValue("versionId")
        if let versionId { try MockBucket.checkVersionId(versionId) }
        let now = x.now
        return try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            let (marker, id) = b.delete(key, versionId: versionId, now: now)
            var headers: [(name: String, value: String)] = []
            if marker { headers.append(("x-oss-delete-marker", "true")) }
            if let id { headers.append((OSSHeader.versionId, id)) }
            return headers
        }
    }
}

extension MockBucket {
    /// A version's id: an object written before versioning is the version `null`.
    static func id(_ o: MockObject) -> String { o.versionId ?? "null" }

    /// `InvalidArgument` for an empty version id.
    static func checkVersionId(_ id: String) throws(MockOSSError) {
        guard !id.isEmpty else {
            throw MockOSSError.argument("Version id cannot be the empty string.", name: "versionId", value: id)
        }
    }

    /// Every version of `key`, newest first: the current object, then the older versions and
    /// delete markers.
    func allVersions(_ key: String) -> [MockObjectVersion] {
        var out: [MockObjectVersion] = []
        if let c = objects[key] {
            out.append(MockObjectVersion(versionId: MockBucket.id(c), lastModified: c.lastModified, object: c))
        }
        out += versions[key] ?? []
        return out
    }

    /// The version `id` of `key`, `nil` when there is none.
    func version(_ key: String, _ id: String) -> MockObjectVersion? {
        allVersions(key).first { $0.versionId == id }
    }

    /// The delete marker that is the latest version of `key`, if it is one.
    func latestDeleteMarker(_ key: String) -> MockObjectVersion? {
        guard objects[key] == nil, let first = versions[key]?.first, first.object == nil else { return nil }
        return first
    }

    /// The object a read names (see `MockOSS.lookupVersion`); in a versioned bucket its
    /// `versionId` is set (`null` included), so the answer can carry it.
    func readable(_ key: String, versionId: String?) throws(MockOSSError) -> MockObject {
        if let versionId {
            try MockBucket.checkVersionId(versionId)
            guard let v = version(key, versionId) else {
                throw MockOSSError.noSuchVersion.with("Key", key).with("VersionId", versionId)
            }
            guard var o = v.object else {
                throw MockOSSError.methodNotAllowed.withHeader("x-oss-delete-marker", "true")
                    .withHeader(OSSHeader.versionId, versionId)
            }
            if versioning != nil { o.versionId = versionId }
            return o
        }
        guard var o = objects[key] else {
            var e = MockOSSError.noSuchKey.with("Key", key)
            if let m = latestDeleteMarker(key) {
                e = e.withHeader("x-oss-delete-marker", "true").withHeader(OSSHeader.versionId, m.versionId)
            }
            throw e
        }
        if versioning != nil { o.versionId = MockBucket.id(o) }
        return o
    }

    /// Makes `object` the current version of its key. Versioning enabled: the object it replaces
    /// becomes an older version, and the new one gets a new id. Suspended: the new one is the
    /// version `null`, replacing any `null` version. Never versioned: it replaces the object.
    /// - Returns: the version id to report (`x-oss-version-id`), `nil` for a bucket never versioned.
    @discardableResult
    mutating func storeCurrent(_ object: MockObject) -> String? {
        var o = object
        let key = o.key
        guard versioning != nil else {
            o.versionId = nil
            objects[key] = o
            return nil
        }
        let id = nextVersionId(key)
        archiveCurrent(key)
        o.versionId = id
        objects[key] = o
        return id
    }

    /// DeleteObject. Without a version id: in a versioned bucket a delete marker becomes the
    /// latest version (suspended: the `null` one, replacing the `null` version); otherwise the
    /// object goes. With one: that version goes for good, and when it was the latest, the next
    /// older one (unless a delete marker) becomes current again.
    /// - Returns: whether a delete marker was made or removed, and the version id to report.
    mutating func delete(_ key: String, versionId: String?, now: UTCTime) -> (deleteMarker: Bool, versionId: String?) {
        guard let versionId else {
            guard versioning != nil else {
                objects[key] = nil
                return (false, nil)
            }
            let id = nextVersionId(key)
            archiveCurrent(key)
            versions[key, default: []].insert(MockObjectVersion(versionId: id, lastModified: now, object: nil), at: 0)
            return (true, id)
        }
        if let c = objects[key], MockBucket.id(c) == versionId {
            objects[key] = nil
            forget(versionId, of: key)
            promote(key)
            return (false, versioning == nil ? nil : versionId)
        }
        guard var list = versions[key], let i = list.firstIndex(where: { $0.versionId == versionId }) else {
            // Deleting a version that does not exist succeeds, as in OSS.
            return (false, versioning == nil ? nil : versionId)
        }
        let removed = list.remove(at: i)
        versions[key] = list.isEmpty ? nil : list
        forget(versionId, of: key)
        if i == 0 { promote(key) }
        return (removed.object == nil, versionId)
    }

    /// The id of a new write of `key`: a new OSS-style id when versioning is enabled, `null`
    /// when suspended (the `null` version it replaces is dropped).
    private mutating func nextVersionId(_ key: String) -> String {
        versionSequence += 1
        guard versioning == "Suspended" else { return MockBucket.makeVersionId(versionSequence) }
        if let c = objects[key], MockBucket.id(c) == "null" { objects[key] = nil }
        if var list = versions[key] {
            list.removeAll { $0.versionId == "null" }
            versions[key] = list.isEmpty ? nil : list
        }
        nullVersionSequence[key] = versionSequence
        return "null"
    }

    /// Moves the current object of `key` to the front of its older versions.
    private mutating func archiveCurrent(_ key: String) {
        guard let old = objects.removeValue(forKey: key) else { return }
        versions[key, default: []].insert(
            MockObjectVersion(versionId: MockBucket.id(old), lastModified: old.lastModified, object: old), at: 0)
    }

    /// With no current object, makes the newest older version current unless it is a delete marker.
    private mutating func promote(_ key: String) {
        guard objects[key] == nil, var list = versions[key], let o = list.first?.object else { return }
        list.removeFirst()
        versions[key] = list.isEmpty ? nil : list
        objects[key] = o
    }

    private mutating func forget(_ versionId: String, of key: String) {
        if versionId == "null" { nullVersionSequence[key] = nil }
    }

    /// Where a version stands in its key's history (higher is newer); 0 when unknown.
    func sequence(of versionId: String, key: String) -> UInt64 {
        if versionId == "null" { return nullVersionSequence[key] ?? 0 }
        return MockBucket.sequence(inVersionId: versionId) ?? 0
    }

    /// An id shaped like OSS's (`CAEQ` and base64-like characters): the write sequence in 16 hex
    /// digits, then 32 random characters.
    static func makeVersionId(_ sequence: UInt64) -> String {
        var hex = String(sequence, radix: 16)
        hex = String(repeating: "0", count: max(0, 16 - hex.utf8.count)) + hex
        let random = Base64.encode(secureRandomBytes(24)).map { c -> Character in
            c == "+" ? "." : c == "/" ? "_" : c
        }
        return "CAEQ" + hex + String(random)
    }

    static func sequence(inVersionId id: String) -> UInt64? {
        let u = Array(id.utf8)
        guard u.count >= 20, id.hasPrefix("CAEQ") else { return nil }
        return UInt64(String(decoding: u[4..<20], as: UTF8.self), radix: 16)
    }
}
