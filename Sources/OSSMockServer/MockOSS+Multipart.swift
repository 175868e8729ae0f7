import OSSCore
import OSSProtocol
internal import OSSCrypto
internal import OSSXML

extension MockOSS {
    func initiateUpload(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        let storageClass = try storageClass(x, bucket: bucket)
        try checkObjectFeatureHeaders(x, bucket: bucket)
        try await x.discardBody()
        let upload = MockUpload(
            id: nextUploadId(), key: key, initiated: x.now, headers: MockObjectHeaders(from: x.request),
            storageClass: storageClass)
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.uploads[upload.id] = upload }
        return MockResponse.model(
            InitiateMultipartUploadResult(
                bucket: bucket, key: key, uploadId: upload.id, encodingType: x.request.queryValue("encoding-type")))
    }

    /// The part number of an UploadPart, 1...10000.
    func partNumber(_ x: MockExchange) throws(MockOSSError) -> Int {
        let text = x.request.queryValue("partNumber")
        guard let text, let n = Int(text), (1...10000).contains(n) else {
            throw MockOSSError.argument(
                "Part number must be an integer between 1 and 10000, inclusive.", name: "partNumber", value: text)
        }
        return n
    }

    /// The upload named by `uploadId`, checked to be of this key.
    func upload(_ bucket: String, _ x: MockExchange) throws(MockOSSError) -> MockUpload {
        let id = x.request.queryValue("uploadId") ?? ""
        let key = x.request.key
        return try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> MockUpload in
            guard let u = b.uploads[id], u.key == key else { throw MockOSSError.noSuchUpload.with("UploadId", id) }
            return u
        }
    }

    private func commitPart(_ bucket: String, _ x: MockExchange, _ part: MockPart) throws(MockOSSError) {
        let id = x.request.queryValue("uploadId") ?? ""
        let key = x.request.key
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            // The upload may have been aborted or completed while the body was arriving.
            guard b.uploads[id]?.key == key else { throw MockOSSError.noSuchUpload.with("UploadId", id) }
            b.uploads[id]!.parts[part.number] = part
        }
    }

    func uploadPart(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let number = try partNumber(x)
        _ = try upload(bucket, x)
        let (blob, digest) = try await receiveObjectBody(x)
        let part = MockPart(
            number: number, data: MockData(slices: [MockSlice(blob)]), size: digest.size, etag: MockOSS.etag(md5: digest.md5),
            md5: digest.md5, crc64: digest.crc64, lastModified: x.now)
        try commitPart(bucket, x, part)
        return MockResponse(
            status: 200,
            headers: [
                ("ETag", part.etag), (OSSHeader.crc64, String(part.crc64)), ("Content-MD5", Base64.encode(part.md5)),
            ])
    }

    func uploadPartCopy(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let number = try partNumber(x)
        _ = try upload(bucket, x)
        let source = try copySource(x)
        // Issue 16 uploads: the source conditions, and a range that must lie within the source.
        if let m = x.request.header("x-oss-copy-source-if-match"), !MockOSS.etagMatches(m, source.etag) {
            throw MockOSSError.preconditionFailed
        }
        if let m = x.request.header("x-oss-copy-source-if-none-match"), MockOSS.etagMatches(m, source.etag) {
            throw MockOSSError.preconditionFailed
        }
        var range: Range<Int64> = 0..<source.size
        if let spec = x.request.header(OSSHeader.copySourceRange) {
            guard let r = MockOSS.copyRange(spec, size: source.size) else {
                throw MockOSSError.argument(
                    "The specified copy source range is invalid.", name: OSSHeader.copySourceRange, value: spec)
            }
            range = r
        }
        let data = source.data.subrange(range)
        var md5 = Digest(.md5)
        var crc = CRC64()
        try await data.forEachChunk { chunk in
            md5.update(chunk)
            crc.update(chunk)
        }
        let digest = md5.finalize()
        let part = MockPart(
            number: number, data: data, size: data.size, etag: MockOSS.etag(md5: digest), md5: digest, crc64: crc.value,
            lastModified: x.now)
        try commitPart(bucket, x, part)
        var r = MockResponse.model(CopyPartResult(lastModified: part.lastModified, eTag: part.etag))
        // Clients take the part's ETag from the header, as for UploadPart.
        r.headers.append(("ETag", part.etag))
        r.headers.append((OSSHeader.crc64, String(part.crc64)))
        return r
    }

    /// The (part number, ETag) list of a CompleteMultipartUpload body.
    /// - Throws: `MalformedXML` when the body is not such a document or lists no part.
    static func decodeComplete(_ body: [UInt8]) throws(MockOSSError) -> [(number: Int, etag: String)] {
        let model: CompleteMultipartUpload
        do throws(XMLModelError) {
            model = try CompleteMultipartUpload.decode(body)
        } catch {
            throw MockOSSError.malformedXML
        }
        guard !model.parts.isEmpty else { throw MockOSSError.malformedXML }
        return model.parts.map { ($0.partNumber, $0.eTag) }
    }

    func completeUpload(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        let key = x.request.key!
        let id = x.request.queryValue("uploadId") ?? ""
        _ = try upload(bucket, x)
        try checkObjectFeatureHeaders(x, bucket: bucket)
        let completeAll = x.request.header("x-oss-complete-all")?.lowercased() == "yes"
        let body = try await x.receiveSmallBody(limit: 4 << 20)
        let listed: [(number: Int, etag: String)]? = completeAll ? nil : try MockOSS.decodeComplete(body)
        if completeAll, !body.isEmpty {
            throw MockOSSError.argument("Should not specify both complete all header and http body.")
        }
        let minimum = configuration.minimumPartSize
        let now = x.now
        let (object, versionId) = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> (MockObject, String?) in
            guard let upload = b.uploads[id], upload.key == key else { throw MockOSSError.noSuchUpload.with("UploadId", id) }
            var chosen: [MockPart] = []
            if let listed {
                var previous = 0
                for item in listed {
                    guard item.number > previous else { throw MockOSSError.invalidPartOrder }
                    previous = item.number
                    guard let part = upload.parts[item.number],
                        part.etag.trimmingCharacters(quote: true).uppercased()
                            == item.etag.trimmingSpaces.trimmingCharacters(quote: true).uppercased()
                    else {
                        throw MockOSSError.invalidPart.with("PartNumber", String(item.number)).with("ETag", item.etag)
                    }
                    chosen.append(part)
                }
            } else {
                chosen = upload.parts.values.sorted { $0.number < $1.number }
                if chosen.isEmpty { throw MockOSSError.invalidPart }
            }
            for part in chosen.dropLast() where part.size < minimum {
                throw MockOSSError.entityTooSmall.with("MinSizeAllowed", String(minimum)).with("ProposedSize", String(part.size))
                    .with("PartNumber", String(part.number))
            }
            var data = MockData()
            var md5s: [UInt8] = []
            var crc: UInt64 = 0
            var size: Int64 = 0
            for part in chosen {
                data.slices.append(contentsOf: part.data.slices)
                md5s.append(contentsOf: part.md5)
                crc = CRC64.combine(crc, part.crc64, lengthOfB: UInt64(part.size))
                size += part.size
            }
            let etag = "\"\(Hex.encode(Digest.md5(md5s), uppercase: true))-\(chosen.count)\""
            var object = MockObject(
                key: key, data: data, size: size, etag: etag, crc64: crc, contentMD5: nil, lastModified: now, type: "Multipart",
                headers: upload.headers, storageClass: upload.storageClass)
            // An x-oss-object-acl on CompleteMultipartUpload overrides the one of the initiate.
            if let acl = x.request.header(OSSHeader.objectACL) { object.headers.acl = acl }
            let versionId = b.storeCurrent(object)
            b.uploads[id] = nil
            return (object, versionId)
        }
        let host = x.request.header("host") ?? "localhost"
        var r = MockResponse.model(
            CompleteMultipartUploadResult(
                bucket: bucket, key: key, eTag: object.etag,
                location: "http://\(host)/\(bucket)/\(PercentEncoding.encode(key, allowed: .unreservedAndSlash))",
                encodingType: x.request.queryValue("encoding-type")))
        r.headers.append(("ETag", object.etag))
        r.headers.append((OSSHeader.crc64, String(object.crc64)))
        if let versionId { r.headers.append((OSSHeader.versionId, versionId)) }
        return r
    }

    func abortUpload(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let id = x.request.queryValue("uploadId") ?? ""
        let key = x.request.key
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
            guard b.uploads[id]?.key == key else { throw MockOSSError.noSuchUpload.with("UploadId", id) }
            b.uploads[id] = nil
        }
        return MockResponse(status: 204)
    }

    func listParts(_ x: MockExchange) throws -> MockResponse {
        let bucket = try requireBucket(x)
        let upload = try upload(bucket, x)
        let maxParts = try MockOSS.maxKeys(x.request, name: "max-parts", default: 1000)
        let markerText = x.request.queryValue("part-number-marker") ?? "0"
        guard let marker = Int(markerText.isEmpty ? "0" : markerText), marker >= 0 else {
            throw MockOSSError.argument("Invalid part-number-marker.", name: "part-number-marker", value: markerText)
        }
        let all = upload.parts.values.filter { $0.number > marker }.sorted { $0.number < $1.number }
        let page = Array(all.prefix(maxParts))
        let truncated = all.count > page.count
        var result = ListPartsResult(
            bucket: bucket, key: upload.key, uploadId: upload.id,
            parts: page.map {
                ListPartsResult.Part(
                    partNumber: $0.number, eTag: $0.etag, size: $0.size, lastModified: $0.lastModified, hashCRC64: $0.crc64)
            }, isTruncated: truncated, partNumberMarker: marker, nextPartNumberMarker: page.last?.number ?? marker,
            maxParts: maxParts, storageClass: upload.storageClass, encodingType: x.request.queryValue("encoding-type"))
        // OSS reports the client-side-encryption context the Initiate's x-oss-meta-client-side-encryption-* set.
        func meta(_ name: String) -> String? {
            upload.headers.metadata.first { $0.name == "x-oss-meta-client-side-encryption-" + name }?.value
        }
        result.clientEncryptionKey = meta("key")
        result.clientEncryptionStart = meta("start")
        result.clientEncryptionCekAlg = meta("cek-alg")
        result.clientEncryptionWrapAlg = meta("wrap-alg")
        result.clientEncryptionDataSize = meta("data-size").flatMap { Int64($0) }
        result.clientEncryptionPartSize = meta("part-size").flatMap { Int64($0) }
        return MockResponse.model(result)
    }

    func listUploads(_ x: MockExchange) throws -> MockResponse {
        let r = x.request
        let bucket = try requireBucket(x)
        let prefix = r.queryValue("prefix") ?? ""
        let delimiter = r.queryValue("delimiter") ?? ""
        let keyMarker = r.queryValue("key-marker") ?? ""
        let idMarker = r.queryValue("upload-id-marker") ?? ""
        let maxUploads = try MockOSS.maxKeys(r, name: "max-uploads", default: 1000)
        let encoding = r.queryValue("encoding-type")
        let uploads = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in Array(b.uploads.values) }
            .sorted { MockOSS.utf8Less($0.key, $1.key) || ($0.key == $1.key && $0.id < $1.id) }
        var items: [MockUpload] = []
        var prefixes: [String] = []
        var truncated = false
        var nextKey = ""
        var nextId = ""
        for u in uploads where u.key.hasPrefix(prefix) {
            var commonPrefix: String? = nil
            if !delimiter.isEmpty {
                let rest = String(decoding: u.key.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                if let d = rest.firstRange(of: delimiter) { commonPrefix = prefix + rest[..<d.upperBound] }
            }
            let sortKey = commonPrefix ?? u.key
            if !keyMarker.isEmpty {
                if commonPrefix != nil {
                    if !MockOSS.utf8Less(keyMarker, sortKey) { continue }
                } else if idMarker.isEmpty || u.key != keyMarker {
                    if !MockOSS.utf8Less(keyMarker, u.key) { continue }
                } else if u.id <= idMarker {
                    continue
                }
            }
            if let cp = commonPrefix, prefixes.last == cp { continue }
            if items.count + prefixes.count == maxUploads {
                truncated = true
                break
            }
            if let cp = commonPrefix {
                prefixes.append(cp)
                nextKey = cp
                nextId = ""
            } else {
                items.append(u)
                nextKey = u.key
                nextId = u.id
            }
        }
        return MockResponse.model(
            ListMultipartUploadsResult(
                bucket: bucket,
                uploads: items.map {
                    ListMultipartUploadsResult.Upload(
                        key: $0.key, uploadId: $0.id, storageClass: $0.storageClass, initiated: $0.initiated)
                }, isTruncated: truncated, keyMarker: keyMarker, uploadIdMarker: idMarker,
                // OSS fills the next markers with the last upload listed, truncated or not.
                nextKeyMarker: nextKey, nextUploadIdMarker: nextId, delimiter: delimiter,
                prefix: prefix, maxUploads: maxUploads, commonPrefixes: prefixes, encodingType: encoding))
    }
}
