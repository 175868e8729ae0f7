import OSSCore
internal import OSSHTTP
import OSSProtocol

/// A response's status and headers, with case-insensitive lookup.
public struct OSSResponseHead: Sendable {
    public var statusCode: Int
    /// Headers in the order received.
    public var headers: [(name: String, value: String)] {
        get { fields.map { (name: $0.name, value: $0.value) } }
        set { fields = HTTPHeaders(newValue.map { ($0.name, $0.value) }) }
    }
    /// The headers as the HTTP layer parsed them: an answer's head is kept as it arrived, not
    /// copied into another array of pairs on every request (what `headers` makes when asked).
    private var fields: HTTPHeaders
    /// What the call cost, on the head `OSSClient.send(_:progress:)` returns (empty elsewhere).
    public var metrics = OSSRequestMetrics()

    public init(statusCode: Int, headers: [(name: String, value: String)]) {
        self.statusCode = statusCode
        self.fields = HTTPHeaders(headers.map { ($0.name, $0.value) })
    }

    init(statusCode: Int, fields: HTTPHeaders) {
        self.statusCode = statusCode
        self.fields = fields
    }

    /// The first value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        fields[name]
    }

    /// `x-oss-request-id`.
    public var requestId: String { header(OSSHeader.requestId) ?? "" }

    /// `x-oss-hash-crc64ecma` as a number.
    public var crc64: UInt64? { header(OSSHeader.crc64).flatMap(ByteScan.decimalUInt64) }

    /// `ETag` as sent (with its quotes).
    public var etag: String? { header("etag") }
}

/// What PutObject answers.
public struct PutObjectResult: Sendable, Hashable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    /// The object's ETag, with quotes as OSS sends it.
    public var etag: String
    /// The server's CRC64-ECMA of the object.
    public var crc64: UInt64?
    public var versionId: String?
    public var requestId: String
    /// What the upload callback's server answered (a PutObject with a callback), else `nil`.
    public var callbackBody: [UInt8]? = nil

    init(_ head: OSSResponseHead) {
        etag = head.etag ?? ""
        crc64 = head.crc64
        versionId = head.header(OSSHeader.versionId)
        requestId = head.requestId
    }
}

/// What AppendObject answers.
public struct AppendObjectResult: Sendable, Hashable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    /// The position for the next append (`x-oss-next-append-position`).
    public var nextPosition: Int64
    /// The server's CRC64-ECMA of the whole object so far.
    public var crc64: UInt64?
    public var etag: String?
    public var requestId: String
}

/// What UploadPart answers.
public struct UploadPartResult: Sendable, Hashable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    public var partNumber: Int
    /// The part's ETag, as CompleteMultipartUpload wants it.
    public var etag: String
    /// The server's CRC64-ECMA of the part.
    public var crc64: UInt64?
    public var requestId: String
}

/// What DeleteObject answers.
public struct DeleteObjectResult: Sendable, Hashable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    public var requestId: String
    /// Whether a delete marker was made (versioned buckets).
    public var deleteMarker: Bool
    public var versionId: String?
}

/// An object's metadata, from HeadObject or the head of GetObject.
public struct ObjectMetadata: Sendable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    /// The body length of this answer (for a range read, the range's length).
    public var contentLength: Int64
    public var contentType: String?
    public var etag: String?
    public var lastModified: UTCTime?
    /// The CRC64-ECMA of the whole object.
    public var crc64: UInt64?
    /// `Normal`, `Multipart` or `Appendable`.
    public var objectType: String?
    public var storageClass: String?
    public var versionId: String?
    /// For appendable objects, where the next append goes.
    public var nextAppendPosition: Int64?
    /// For a range read: `Content-Range`.
    public var contentRange: String?
    /// `x-oss-meta-*` headers without the prefix, names lower-cased.
    public var userMetadata: [String: String]
    /// Every header of the answer.
    public var headers: [(name: String, value: String)]
    public var requestId: String

    public init(_ head: OSSResponseHead) {
        contentLength = head.header("content-length").flatMap { Int64($0.trimmingWhitespace()) } ?? 0
        contentType = head.header("content-type")
        etag = head.etag
        lastModified = head.header("last-modified").flatMap { UTCTime(rfc1123: $0) }
        crc64 = head.crc64
        objectType = head.header(OSSHeader.objectType)
        storageClass = head.header(OSSHeader.storageClass)
        versionId = head.header(OSSHeader.versionId)
        nextAppendPosition = head.header(OSSHeader.nextAppendPosition).flatMap { Int64($0) }
        contentRange = head.header("content-range")
        var meta: [String: String] = [:]
        for (name, value) in head.headers {
            let n = ASCIICase.lowercased(name)
            if n.hasPrefix(OSSHeader.metadataPrefix) { meta[String(n.dropFirst(OSSHeader.metadataPrefix.count))] = value }
        }
        userMetadata = meta
        headers = head.headers
        requestId = head.requestId
    }

    /// The object's total size: from `Content-Range` for a range read, else `contentLength`.
    public var objectSize: Int64 {
        if let contentRange, let slash = contentRange.lastIndex(of: "/"),
            let total = Int64(contentRange[contentRange.index(after: slash)...])
        {
            return total
        }
        return contentLength
    }
}

/// What GetObject to memory answers.
public struct GetObjectResult: Sendable {
    /// What the call cost: its last attempt's phases and the attempts made.
    public var metrics = OSSRequestMetrics()
    public var metadata: ObjectMetadata
    public var body: [UInt8]
}
