import OSSProtocol

/// Pages of a listing, fetched one request at a time as the sequence is iterated:
///
/// ```swift
/// for try await page in client.listObjectsV2Pages(bucket: "b", .init(prefix: "logs/")) {
///     for object in page.contents { print(object.key) }
/// }
/// ```
public struct OSSPaginator<Page: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page
    /// Fetches the page after `token` (`nil` for the first) and returns it with the next token,
    /// `nil` when it was the last.
    let fetch: @Sendable ([String]?) async throws -> (Page, [String]?)

    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: @Sendable ([String]?) async throws -> (Page, [String]?)
        var token: [String]? = nil
        var done = false

        public mutating func next() async throws -> Page? {
            guard !done else { return nil }
            let (page, next) = try await fetch(token)
            if let next {
                // A server that repeats its marker would loop for ever.
                if next == token {
                    throw OSSClientError.invalidResponse("the listing's next marker repeats the previous one")
                }
                token = next
            } else {
                done = true
            }
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(fetch: fetch) }
}

extension OSSClient {
    /// Every page of ListObjectsV2, following the continuation token.
    public func listObjectsV2Pages(bucket: String, _ parameters: ListObjectsV2Parameters = .init())
        -> OSSPaginator<ListBucketResult>
    {
        OSSPaginator { token in
            var p = parameters
            if let token { p.continuationToken = token[0] }
            let page = try await self.listObjectsV2(bucket: bucket, p)
            guard page.isTruncated, let next = page.nextContinuationToken, !next.isEmpty else { return (page, nil) }
            return (page, [next])
        }
    }

    /// Every page of ListObjects (v1), following the marker.
    public func listObjectsPages(bucket: String, _ parameters: ListObjectsParameters = .init())
        -> OSSPaginator<ListBucketResult>
    {
        OSSPaginator { token in
            var p = parameters
            if let token { p.marker = token[0] }
            let page = try await self.listObjects(bucket: bucket, p)
            guard page.isTruncated else { return (page, nil) }
            // Without a delimiter OSS may omit NextMarker: continue after the last key.
            let next = page.nextMarker ?? page.contents.last?.key ?? page.commonPrefixes.last
            guard let next, !next.isEmpty else { return (page, nil) }
            return (page, [next])
        }
    }

    /// Every page of ListParts, following the part number marker.
    public func listPartsPages(bucket: String, key: String, uploadId: String, maxParts: Int? = nil)
        -> OSSPaginator<ListPartsResult>
    {
        OSSPaginator { token in
            let marker = token.flatMap { Int($0[0]) }
            let page = try await self.listParts(
                bucket: bucket, key: key, uploadId: uploadId, partNumberMarker: marker, maxParts: maxParts)
            guard page.isTruncated, let next = page.nextPartNumberMarker ?? page.parts.last?.partNumber else {
                return (page, nil)
            }
            return (page, [String(next)])
        }
    }

    /// Every page of ListMultipartUploads, following the key and upload id markers.
    public func listMultipartUploadsPages(bucket: String, _ parameters: ListMultipartUploadsParameters = .init())
        -> OSSPaginator<ListMultipartUploadsResult>
    {
        OSSPaginator { token in
            var p = parameters
            if let token {
                p.keyMarker = token[0]
                p.uploadIdMarker = token[1].isEmpty ? nil : token[1]
            }
            let page = try await self.listMultipartUploads(bucket: bucket, p)
            guard page.isTruncated, let key = page.nextKeyMarker, !key.isEmpty else { return (page, nil) }
            return (page, [key, page.nextUploadIdMarker ?? ""])
        }
    }

    /// Every page of ListBuckets, following the marker.
    public func listBucketsPages(
        prefix: String? = nil, maxKeys: Int? = nil, tags: BucketTagFilter? = nil
    ) -> OSSPaginator<ListAllMyBucketsResult> {
        OSSPaginator { token in
            let page = try await self.listBuckets(prefix: prefix, marker: token?[0], maxKeys: maxKeys, tags: tags)
            guard page.isTruncated == true, let next = page.nextMarker ?? page.buckets.last?.name, !next.isEmpty else {
                return (page, nil)
            }
            return (page, [next])
        }
    }
}
