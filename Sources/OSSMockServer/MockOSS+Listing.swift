import OSSProtocol
import OSSCore
internal import OSSCrypto
internal import OSSXML

/// One page of a listing: keys and common prefixes in order, and where the next page starts.
struct MockListingPage: Equatable {
    var keys: [String] = []
    var prefixes: [String] = []
    var truncated = false
    /// The last key or common prefix of the page (the next marker).
    var last: String?
}

extension MockOSS {
    /// Lists `sortedKeys` as OSS does: keys after `marker` that start with `prefix`; with a
    /// delimiter, keys with the delimiter after the prefix roll up into one common prefix each;
    /// keys and prefixes together count against `maxKeys`.
    static func listPage(sortedKeys: [String], prefix: String, delimiter: String, marker: String, maxKeys: Int)
        -> MockListingPage
    {
        var page = MockListingPage()
        var count = 0
        for key in sortedKeys {
            guard key.hasPrefix(prefix) else { continue }
            var entry = key
            var isPrefix = false
            if !delimiter.isEmpty {
                let rest = key.utf8.dropFirst(prefix.utf8.count)
                if let r = String(decoding: rest, as: UTF8.self).firstRange(of: delimiter) {
                    entry = prefix + String(decoding: rest, as: UTF8.self)[..<r.upperBound]
                    isPrefix = true
                }
            }
            // Everything at or before the marker was on an earlier page (a common prefix equal to the
            // marker included).
            if !marker.isEmpty, !utf8Less(marker, entry) { continue }
            if isPrefix, page.prefixes.last == entry { continue }
            if count == maxKeys {
                page.truncated = true
                break
            }
            if isPrefix { page.prefixes.append(entry) } else { page.keys.append(entry) }
            page.last = entry
            count += 1
        }
        return page
    }

    /// The parameters every object listing takes: prefix, delimiter, max-keys, encoding-type.
    struct ListingQuery {
        var prefix: String
        var delimiter: String
        var maxKeys: Int
        var encodingType: String?

        init(_ r: MockRequest) throws(MockOSSError) {
            prefix = r.queryValue("prefix") ?? ""
            delimiter = r.queryValue("delimiter") ?? ""
            maxKeys = try MockOSS.maxKeys(r, name: "max-keys", default: 100)
            encodingType = r.queryValue("encoding-type")
            if let e = encodingType, e != "url" {
                throw MockOSSError.argument("The encoding type is invalid.", name: "encoding-type", value: e)
            }
        }
    }

    /// One page of a bucket's objects after `marker`, and the objects it names.
    func listingPage(_ bucket: String, _ q: ListingQuery, marker: String) throws(MockOSSError) -> (
        page: MockListingPage, objects: [String: MockObject]
    ) {
        let objects = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.objects }
        let sorted = objects.keys.sorted(by: MockOSS.utf8Less)
        let page = MockOSS.listPage(
            sortedKeys: sorted, prefix: q.prefix, delimiter: q.delimiter, marker: marker, maxKeys: q.maxKeys)
        return (page, objects)
    }

    func listObjects(_ x: MockExchange) throws -> MockResponse {
        let r = x.request
        let bucket = try requireBucket(x)
        let v2 = x.operation == .listObjectsV2
        let q = try ListingQuery(r)
        let (prefix, delimiter, maxKeys, encodingType) = (q.prefix, q.delimiter, q.maxKeys, q.encodingType)
        var marker = r.queryValue("marker") ?? ""
        var token: String? = nil
        if v2 {
            marker = r.queryValue("start-after") ?? ""
            if let t = r.queryValue("continuation-token") {
                guard let bytes = Base64.decode(t), let m = String(validating: bytes, as: UTF8.self) else {
                    throw MockOSSError.argument("The continuation token provided is incorrect.", name: "continuation-token", value: t)
                }
                token = t
                if MockOSS.utf8Less(marker, m) { marker = m }
            }
        }
        let (page, objects) = try listingPage(bucket, q, marker: marker)
        let fetchOwner = !v2 || r.queryValue("fetch-owner") == "true"
        let owner = Owner(id: MockOSS.ownerId, displayName: MockOSS.ownerId)
        let contents = page.keys.map { key in
            let o = objects[key]!
            return ObjectSummary(
                key: key, size: o.size, eTag: o.etag, lastModified: o.lastModified, type: o.type, storageClass: o.storageClass,
                owner: fetchOwner ? owner : nil)
        }
        let next = page.truncated ? page.last : nil
        return MockResponse.model(
            ListBucketResult(
                name: bucket, contents: contents, commonPrefixes: page.prefixes, isTruncated: page.truncated, prefix: prefix,
                marker: v2 ? nil : marker, startAfter: v2 ? r.queryValue("start-after") : nil,
                continuationToken: v2 ? token : nil, maxKeys: maxKeys, delimiter: delimiter, encodingType: encodingType,
                nextMarker: v2 ? nil : next, nextContinuationToken: v2 ? next.map { Base64.encode(Array($0.utf8)) } : nil,
                keyCount: v2 ? page.keys.count + page.prefixes.count : nil))
    }

    func deleteMultiple(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let md5 = try announcedMD5(x)
        let body = try await x.receiveSmallBody(limit: 2 << 20)
        if let md5, md5 != Digest.md5(body) { throw MockOSSError.invalidDigest }
        let (objects, quiet) = try MockOSS.decodeDelete(body)
        let encodingType = x.request.queryValue("encoding-type")
        for o in objects { if let v = o.versionId { try MockBucket.checkVersionId(v) } }
        let now = x.now
        // Issue 16 versioning: each entry deletes as DeleteObject would (a delete marker without a
        // version id in a versioned bucket); deleting a version that does not exist succeeds.
        let deleted = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> [DeleteResult.Deleted] in
            objects.map { o in
                let (marker, id) = b.delete(o.key, versionId: o.versionId, now: now)
                if o.versionId == nil {
                    return DeleteResult.Deleted(key: o.key, deleteMarker: marker ? true : nil, deleteMarkerVersionId: marker ? id : nil)
                }
                return DeleteResult.Deleted(key: o.key, versionId: o.versionId, deleteMarker: marker ? true : nil)
            }
        }
        return MockResponse.model(DeleteResult(deleted: quiet ? [] : deleted, encodingType: encodingType))
    }

    /// The objects and the Quiet flag of a DeleteMultipleObjects body.
    /// - Throws: `MalformedXML` for a body that is not a Delete document with 1...1000 keys.
    static func decodeDelete(_ body: [UInt8]) throws(MockOSSError) -> (objects: [Delete.Object], quiet: Bool) {
        let model: Delete
        do throws(XMLModelError) {
            model = try Delete.decode(body)
        } catch {
            throw MockOSSError.malformedXML
        }
        let objects = model.objects
        guard !objects.isEmpty, objects.count <= 1000, !objects.contains(where: \.key.isEmpty) else {
            throw MockOSSError.malformedXML
        }
        return (objects, model.quiet)
    }
}
